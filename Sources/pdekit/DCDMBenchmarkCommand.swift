import ArgumentParser
import Foundation
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

    struct Line: Codable {
        var implementation = "pdekit"
        var problem: String
        var n: Int
        var fluid: Int
        var method: String
        var tolerance: Double
        var iterations: Int
        var converged: Bool
        var relative_residual: Double
        var setup_seconds: Double
        var solve_seconds: Double
        var seconds: Double
        /// Process CPU time (all threads) of set-up plus solve, prorated like `seconds`.
        var cpu_seconds: Double
        var fallbacks: Int?
    }

    func run() throws {
        var (network, metadata) = try DCDMNetwork.load(from: URL(fileURLWithPath: model))
        if let coarsestSize {
            guard coarsestSize >= 0 else { throw DCDMCommandError(description: "--coarsest-size must be at least 0") }
            network = try network.withCoarsestSize(coarsestSize == 0 ? nil : coarsestSize)
        }
        let d = network.configuration.spatialRank
        let gridSizes = try sizes.split(separator: ",").map { text -> Int in
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 4 else { throw DCDMCommandError(description: "invalid size '\(text)'") }
            return n
        }
        let tols = try tolerances.split(separator: ",").map { text -> Double in
            guard let t = Double(text.trimmingCharacters(in: .whitespaces)), t > 0, t < 1 else { throw DCDMCommandError(description: "invalid tolerance '\(text)'") }
            return t
        }
        let methodList = methods.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for m in methodList where !["dcdm", "cg", "ic0", "multigrid"].contains(m) { throw DCDMCommandError(description: "unknown method '\(m)'") }
        status("model \(model): \(network.configuration), trained on \(metadata["grid"] ?? "?")^\(metadata["dimensions"] ?? "?") for \(metadata["steps"] ?? "?") steps\n")
        for n in gridSizes {
            let problem = try GridPoissonProblem(size: n, spatialRank: d, obstacles: obstacles)
            let a = problem.matrix
            let b = problem.randomRightHandSide(seed: seed)
            let name = "poisson\(d)d-\(n)" + (obstacles == .none ? "" : "-\(obstacles.rawValue)")
            if methodList.contains("dcdm") { status("n = \(n): DCDM network uses \(network.levelCount(longestSide: n)) levels\n") }
            for method in methodList {
                // One solve to the tightest tolerance; the iterates do not depend on the tolerance, so the
                // iteration count for a looser one is where the residual history first meets it.
                let tightest = tols.min()!
                let criterion = StoppingCriterion(relativeTolerance: tightest, maximumIterations: method == "dcdm" ? dcdmMaxIterations : 20_000)
                let setupStart = ContinuousClock.now
                let cpuStart = processCPUSeconds()
                var fallbacks: Int?
                let result: SolveResult
                var setup = 0.0
                switch method {
                case "dcdm":
                    let f = try DCDMDirectionOperator(network: network, problem: problem)
                    setup = seconds(since: setupStart)
                    let (r, count) = DeepConjugateDirection(directions: f, criterion: criterion).solveCountingFallbacks(a, rightHandSide: b)
                    result = r
                    fallbacks = count
                case "cg":
                    result = ConjugateGradient(criterion: criterion).solve(a, rightHandSide: b)
                case "ic0":
                    let m = try IncompleteCholesky(a)
                    setup = seconds(since: setupStart)
                    result = ConjugateGradient(criterion: criterion, preconditioner: m).solve(a, rightHandSide: b)
                default:
                    let m = try GeometricMultigrid(a, grid: problem.structuredGrid)
                    setup = seconds(since: setupStart)
                    result = ConjugateGradient(criterion: criterion, preconditioner: m).solve(a, rightHandSide: b)
                }
                let cpu = processCPUSeconds() - cpuStart
                let report = result.report
                let bNorm = VectorOperations.norm(b)
                for tol in tols.sorted(by: >) {
                    let reached = report.residualNorms.firstIndex { $0 <= tol * bNorm }
                    let iterations = reached ?? report.iterations
                    let fraction = report.iterations > 0 ? Double(iterations) / Double(report.iterations) : 1
                    let line = Line(problem: name, n: problem.pointCount, fluid: problem.fluidCount,
                                    method: method == "dcdm" ? "dcdm" : method == "cg" ? "cg" : "pcg-\(method)",
                                    tolerance: tol, iterations: iterations,
                                    converged: tol == tightest ? report.converged : reached != nil,
                                    relative_residual: tol == tightest ? report.relativeResidual : (reached.map { report.residualNorms[$0] / bNorm } ?? report.relativeResidual),
                                    setup_seconds: setup, solve_seconds: report.seconds * fraction,
                                    seconds: setup + report.seconds * fraction,
                                    cpu_seconds: cpu * (setup + report.seconds * fraction) / max(setup + report.seconds, 1e-12),
                                    fallbacks: fallbacks)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(line), as: UTF8.self))
                    fflush(nil)
                }
            }
        }
    }
}
