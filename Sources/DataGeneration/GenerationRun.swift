import Distributed
import Foundation
import RunSupport

/// One `pdekit generate FAMILY` run: the generator for a configuration, the whole file or one part of it
/// (`--shard I/N`, or rank r of R under mpirun), the progress line, the printed summary
/// (``GenerationReport``) and the optional comparison of recycling with independent GMRES and direct solves.
public struct GenerationRun {
    public var configuration: GenerationConfiguration
    /// The HDF5 file (resumed if it exists with the same parameters).
    public var output: String
    /// `--shard I/N` as typed (nil: the whole sequence, or this rank's part under several ranks).
    public var shard: String?
    /// Stop after this many shards (testing resumption).
    public var shardLimit: Int?
    /// Compare the strategies on the first this many sorted systems (nil: no comparison).
    public var comparedSystemCount: Int?
    public var quiet = false
    /// `--force`: no memory budget and no disk-space check.
    public var force = false

    public init(configuration: GenerationConfiguration, output: String) {
        self.configuration = configuration
        self.output = output
    }

    /// Generates and reports: `print` receives each summary line as soon as it is known (rank 0 only
    /// under several ranks), `record` the comparison's JSON record, `timeline` where a multi-rank run's
    /// time went (rank 0, after the lines about the ranks).
    public func run(communicator: Communicator, print: (String) -> Void, record: (RecyclingComparisonRecord) throws -> Void,
                    timeline: (GenerationTimeline) throws -> Void = { _ in }) throws {
        if let comparedSystemCount, comparedSystemCount < 1 { throw GenerationError.invalidParameter(name: "compare-gmres", reason: "must be at least 1") }
        let generator = try DatasetGenerator(configuration, budget: force ? .unlimited : MemoryBudget(), checksDiskSpace: !force)
        try GenerationReport.requireOutputDirectory(of: output)
        let part = try shard.map { try Shard(parsing: $0) } ?? .whole
        if communicator.size > 1, shard != nil {
            throw GenerationError.invalidParameter(name: "shard", reason: "is for runs without mpirun; under mpirun rank r of R solves part r/R by itself")
        }
        let samples = configuration.sampleCount
        // Under MPI only rank 0 draws a progress line (its own part).
        let progress = GenerationProgress(label: "generate \(configuration.family.rawValue)", unit: "samples", quiet: quiet || !communicator.isRoot)
        let summary: GenerationSummary
        if communicator.size > 1 {
            let ranks = try generator.runAsRank(of: communicator, output: output, shardLimit: shardLimit, progress: progress.report)
            progress.finish()
            guard communicator.isRoot else { return }
            GenerationReport.rankLines(ranks, output: output, sampleCount: samples, rankCount: communicator.size).forEach(print)
            if ranks.wasComplete { return }
            if let phases = ranks.timeline { try timeline(phases) }
            summary = ranks.local
        } else {
            summary = try generator.run(output: output, shard: part, shardLimit: shardLimit, progress: progress.report)
            progress.finish()
            GenerationReport.writtenLines(summary, output: output, sampleCount: samples, shard: part).forEach(print)
        }
        GenerationReport.summaryLines(summary, configuration: configuration).forEach(print)
        if let comparedSystemCount {
            let comparison = try generator.compareRecycling(systemCount: comparedSystemCount)
            GenerationReport.comparisonLines(comparison, configuration: configuration).forEach(print)
            try record(RecyclingComparisonRecord(comparison, configuration: configuration))
        }
    }
}
