import Distributed
import Foundation

/// The text that `pdekit generate …` prints about a run: the one home of those lines, so that tests can
/// read them without running the CLI. Each function returns the lines in print order.
public enum GenerationReport {
    /// Refuses an output path whose directory does not exist (before any sample is solved).
    public static func requireOutputDirectory(of output: String) throws {
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory) else {
            throw GenerationError.invalidParameter(name: "output", reason: "directory \(directory) does not exist")
        }
    }

    /// What a multi-rank run did, printed by rank 0 before its own ``summaryLines(_:configuration:)``.
    public static func rankLines(_ ranks: RankGenerationSummary, output: String, sampleCount: Int, rankCount: Int) -> [String] {
        if ranks.wasComplete { return ["\(output) is already complete: \(sampleCount) samples"] }
        return ["\(rankCount) ranks solved \(ranks.solvedByAllRanks) samples; "
                + (ranks.mergedCount == sampleCount ? "merged into \(output): \(sampleCount)/\(sampleCount) samples"
                   : "parts incomplete (rerun the same command to resume)"),
                "rank 0 (part 0/\(rankCount)):"]
    }

    /// Where a single-process run wrote (the whole file, or one part of it and how to join the parts).
    public static func writtenLines(_ summary: GenerationSummary, output: String, sampleCount: Int, shard part: Shard) -> [String] {
        let resumed = summary.resumedFrom > 0 ? " (resumed at \(summary.resumedFrom))" : ""
        if part.isWhole { return ["wrote \(output): \(summary.completedCount)/\(sampleCount) samples" + resumed] }
        let rows = part.range(of: sampleCount)
        return ["wrote part \(part) (rows \(rows.lowerBound)..<\(rows.upperBound) of the sorted sequence) to \(GenerationShardFile.path(of: output, shard: part)): \(summary.completedCount)/\(rows.count) samples" + resumed,
                "when all \(part.count) parts are done: pdekit merge --output \(output) --parts \(part.count)"]
    }

    /// Timings, iterations, the solver chosen and the effect of sorting.
    public static func summaryLines(_ summary: GenerationSummary, configuration: GenerationConfiguration) -> [String] {
        var lines = [String(format: "time per sample %.2f ms (solve %.2f ms), %ld samples in %.2f s",
                            summary.secondsPerSample * 1000, summary.solvedCount > 0 ? summary.solveSeconds / Double(summary.solvedCount) * 1000 : 0,
                            summary.solvedCount, summary.seconds)]
        guard configuration.family.isLinear else { return lines + ["solver \(summary.solverDescription)"] }
        lines.append(String(format: "iterations per sample %.1f", summary.iterationsPerSample))
        lines.append("solver \(summary.strategy?.rawValue ?? configuration.strategy.rawValue) (\(summary.solverDescription)): \(summary.strategyReason)")
        lines.append(String(format: "sorting: mean neighbour feature distance %.4g -> %.4g", summary.unsortedNeighborDistance, summary.sortedNeighborDistance))
        return lines
    }

    /// Recycling vs independent GMRES vs direct on the first sorted systems (`--compare-gmres`).
    public static func comparisonLines(_ c: RecyclingComparison, configuration: GenerationConfiguration) -> [String] {
        var lines = [String(format: "compare on first %ld sorted systems (tolerance %.0e, preconditioner %@): GMRES %.3f s (CPU %.3f s) / %ld it, recycling %.3f s (CPU %.3f s) / %ld it, direct %.3f s (CPU %.3f s)",
                            c.systemCount, configuration.tolerance, configuration.preconditioner.generationName, c.gmresSeconds, c.gmresCPUSeconds, c.gmresIterations,
                            c.recyclingSeconds, c.recyclingCPUSeconds, c.recyclingIterations, c.directSeconds, c.directCPUSeconds)]
        for (name, failure) in [("GMRES", c.gmresFailure), ("recycling", c.recyclingFailure)] {
            if let failure { lines.append("\(name) stopped early: \(failure)") }
        }
        lines.append(String(format: "recycling speed-up over independent GMRES: %.2fx time, %.2fx CPU time, %.2fx iterations",
                            c.timeSpeedup, c.cpuSpeedup, c.iterationRatio))
        return lines
    }

    /// What a Navier–Stokes run wrote and how long a trajectory took.
    public static func navierStokesLines(_ summary: GenerationSummary, configuration: NavierStokesGenerationConfiguration, output: String) -> [String] {
        ["wrote \(output): \(summary.completedCount)/\(configuration.sampleCount) trajectories of \(configuration.snapshotCount) snapshots"
            + (summary.resumedFrom > 0 ? " (resumed at \(summary.resumedFrom))" : ""),
         String(format: "time per trajectory %.3f s (wall, %ld in %.2f s); solver %@", summary.secondsPerSample,
                summary.solvedCount, summary.seconds, summary.solverDescription)]
    }
}
