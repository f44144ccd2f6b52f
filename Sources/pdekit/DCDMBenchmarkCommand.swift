import ArgumentParser
import Foundation
import Benchmarks
import PDEKit

/// `pdekit bench dcdm`: DCDM vs CG vs IC(0)-PCG vs multigrid-PCG on grid Poisson problems, side by side.
///
/// One JSON object per (problem, method, tolerance): iterations to reach ‖r‖ ≤ tol ‖b‖, whether it did,
/// the relative residual there, set-up and solve wall times, and for DCDM the number of safeguard steps.
/// Each method solves once, to the tightest tolerance; a looser tolerance's count is the first entry of the
/// residual history below it (the same iterates a separate solve would produce), and its solve time is the
/// full solve's time prorated by iterations (every iteration costs the same).
struct DCDMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcdm",
        abstract: "Benchmark DCDM against CG, IC(0)-PCG and multigrid-PCG on grid Poisson problems (JSON lines).")

    @Option(help: "Trained DCDM network (safetensors). Its spatial rank sets 2-D or 3-D problems.")
    var model: String
    @Option(help: "Comma-separated grid sizes (points per direction).")
    var sizes: String = "32,64"
    @Option(help: "Obstacles: \(ObstacleGeometry.allCases.map(\.rawValue).joined(separator: ", ")).")
    var obstacles: ObstacleGeometry = .none
    @Option(help: "Comma-separated relative tolerances.")
    var tolerances: String = "1e-4,1e-6"
    @Option(help: "Comma-separated methods: dcdm, cg, ic0, multigrid.")
    var methods: String = "dcdm,cg,ic0,multigrid"
    @Option(help: "Iteration limit for DCDM (each iteration applies the network).")
    var dcdmMaxIterations: Int = 300
    @Option(help: "Seed of the random right-hand side.")
    var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Levels follow the grid: coarsest grid of this many points per side, extra levels share the deepest trained level's weights; 0: the model's fixed level count. Default: as saved in the model.", valueName: "m"))
    var coarsestSize: Int?

    func run() throws {
        let (benchmark, modelDescription) = try DCDMBenchmarks.parsing(
            model: model, sizes: sizes, obstacles: obstacles, tolerances: tolerances, methods: methods,
            dcdmMaxIterations: dcdmMaxIterations, seed: seed, coarsestSize: coarsestSize)
        StatusLine.printLine(modelDescription)
        try benchmark.run(JSONLine.print)
    }
}
