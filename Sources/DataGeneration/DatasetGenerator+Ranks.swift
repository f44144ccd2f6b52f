import Distributed
import Foundation

/// What one rank of a multi-process `generate` did, with the job's totals.
public struct RankGenerationSummary: Sendable {
    /// This rank's part (its solves, times and solver choice).
    public var local: GenerationSummary
    /// Samples solved by all ranks in this run, and the samples in the merged file (0 when the run
    /// stopped before every part was complete).
    public var solvedByAllRanks: Int
    public var mergedCount: Int
    /// Whether the output was already complete, so nothing was solved.
    public var wasComplete: Bool
    /// Where the wall time went (rank 0 of a run that solved; nil elsewhere).
    public var timeline: GenerationTimeline?
}

extension DatasetGenerator {
    /// One rank of an R-rank job (`mpirun -np R pdekit generate …`): rank 0 draws and orders the
    /// samples and broadcasts the order, rank r solves part r of R of the sequence into its own part
    /// file (resuming it if it exists), and when every part is complete rank 0 appends the other parts
    /// to part 0, which becomes `output` (``GenerationShardFile/mergeIntoFirstPart(_:into:)``), and
    /// removes them. Rerunning the same command after a kill resumes every part;
    /// on a complete `output` it does nothing.
    ///
    /// Every rank must call this with the same configuration; a rank that throws must end the job
    /// (``Distributed/Communicator/abort(exitCode:)``), since the others wait in collectives.
    public func runAsRank(of communicator: Communicator, output: String, shardLimit: Int? = nil,
                          progress: ((Int, Int) -> Void)? = nil) throws -> RankGenerationSummary {
        let entered = GenerationTimeline.now()
        let count = configuration.sampleCount
        guard communicator.size > 1 else {
            let local = try run(output: output, shardLimit: shardLimit, progress: progress)
            return RankGenerationSummary(local: local, solvedByAllRanks: local.solvedCount,
                                         mergedCount: local.completedCount == count ? count : 0, wasComplete: false)
        }
        let partPaths = try GenerationShardFile.paths(of: output, count: communicator.size)
        // Rank 0 alone decides whether the output is complete, and every rank follows its answer: ranks
        // that answered alone could split into some returning and some waiting in a collective.
        var rootSeesComplete = false
        if communicator.isRoot {
            rootSeesComplete = try GenerationShardFile.isComplete(output, contentKey: configuration.contentKey, sampleCount: count)
        }
        if try communicator.broadcast(Int64(rootSeesComplete ? 1 : 0)) == 1 {
            try communicator.barrier()
            if communicator.isRoot { for path in partPaths { try? FileManager.default.removeItem(atPath: path) } }
            let local = GenerationSummary(solvedCount: 0, completedCount: count, resumedFrom: count, seconds: 0, solveSeconds: 0,
                                          totalIterations: 0, strategy: nil, strategyReason: "already complete", solverDescription: "",
                                          unsortedNeighborDistance: 0, sortedNeighborDistance: 0)
            return RankGenerationSummary(local: local, solvedByAllRanks: 0, mergedCount: count, wasComplete: true)
        }
        let local = try run(output: output, shard: Shard(of: communicator), communicator: communicator,
                            shardLimit: shardLimit, progress: progress)
        let solved = GenerationTimeline.now(), solveCPUSeconds = processCPUTime() - local.orderedCPUSeconds
        var totals = [Double(local.solvedCount), Double(local.completedCount)]
        try communicator.allreduceSum(&totals)
        let allSolved = GenerationTimeline.now()
        var merged = 0
        if Int(totals[1]) == count {
            if communicator.isRoot {
                merged = try GenerationShardFile.mergeIntoFirstPart(partPaths, into: output)
                for path in partPaths.dropFirst() { try FileManager.default.removeItem(atPath: path) }
            }
            try communicator.barrier()
            merged = count
        }
        let stamps = [GenerationTimeline.processStart(fallback: entered), entered, local.orderedAt, solved, allSolved, GenerationTimeline.now(),
                      solveCPUSeconds]
        let timeline = try GenerationTimeline.gathered(stamps, communicator: communicator)
        return RankGenerationSummary(local: local, solvedByAllRanks: Int(totals[0]), mergedCount: merged, wasComplete: false, timeline: timeline)
    }
}
