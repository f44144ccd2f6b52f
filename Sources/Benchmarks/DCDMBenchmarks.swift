import Foundation
import PDEKit

/// DCDM vs CG vs IC(0)-PCG vs multigrid-PCG on grid Poisson problems, side by side (`pdekit bench dcdm`).
///
/// One record per (problem, method, tolerance): iterations to reach ‖r‖ ≤ tol ‖b‖, whether it did,
/// the relative residual there, set-up and solve wall times, and for DCDM the number of safeguard steps.
/// Each method solves once, to the tightest tolerance; a looser tolerance's count is the first entry of the
/// residual history below it (the same iterates a separate solve would produce), and its solve time is the
/// full solve's time prorated by iterations (every iteration costs the same).
public struct DCDMBenchmarks {
    public enum Method: String, CaseIterable, Sendable { case dcdm, cg, ic0, multigrid }

    public struct Record: Codable {
        public var implementation = "pdekit"
        public var problem: String
        public var n: Int
        public var fluid: Int
        public var method: String
        public var tolerance: Double
        public var iterations: Int
        public var converged: Bool
        public var relative_residual: Double
        public var setup_seconds: Double
        public var solve_seconds: Double
        public var seconds: Double
        /// Process CPU time (all threads) of set-up plus solve, prorated like `seconds`.
        public var cpu_seconds: Double
        public var fallbacks: Int?
    }

    public var network: DCDMNetwork
    public var sizes: [Int], obstacles: ObstacleGeometry, tolerances: [Double], methods: [Method]
    public var dcdmMaxIterations: Int, seed: UInt64

    public init(network: DCDMNetwork, sizes: [Int], obstacles: ObstacleGeometry, tolerances: [Double], methods: [Method],
                dcdmMaxIterations: Int, seed: UInt64) {
        self.network = network
        self.sizes = sizes
        self.obstacles = obstacles
        self.tolerances = tolerances
        self.methods = methods
        self.dcdmMaxIterations = dcdmMaxIterations
        self.seed = seed
    }

    public func run(_ output: BenchmarkOutput) throws {
        guard let tightest = tolerances.min(), tolerances.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw BenchmarkError("tolerances must lie in (0, 1)")
        }
        guard dcdmMaxIterations >= 1 else { throw BenchmarkError("the DCDM iteration limit must be at least 1") }
        let d = network.configuration.spatialRank
        for n in sizes {
            let problem = try GridPoissonProblem(size: n, spatialRank: d, obstacles: obstacles)
            let a = problem.matrix
            let b = problem.randomRightHandSide(seed: seed)
            let name = "poisson\(d)d-\(n)" + (obstacles == .none ? "" : "-\(obstacles.rawValue)")
            if methods.contains(.dcdm) { StatusLine.printLine("n = \(n): DCDM network uses \(network.levelCount(longestSide: n)) levels") }
            for method in methods {
                let criterion = StoppingCriterion(relativeTolerance: tightest, maximumIterations: method == .dcdm ? dcdmMaxIterations : 20_000)
                let setupStart = ContinuousClock.now
                let cpuStart = Measurements.processCPUSeconds()
                var fallbacks: Int?
                let result: SolveResult
                var setup = 0.0
                switch method {
                case .dcdm:
                    let f = try DCDMDirectionOperator(network: network, problem: problem)
                    setup = Measurements.seconds(since: setupStart)
                    let (r, count) = DeepConjugateDirection(directions: f, criterion: criterion).solveCountingFallbacks(a, rightHandSide: b)
                    result = r
                    fallbacks = count
                case .cg:
                    result = ConjugateGradient(criterion: criterion).solve(a, rightHandSide: b)
                case .ic0:
                    let m = try IncompleteCholesky(a)
                    setup = Measurements.seconds(since: setupStart)
                    result = ConjugateGradient(criterion: criterion, preconditioner: m).solve(a, rightHandSide: b)
                case .multigrid:
                    let m = try GeometricMultigrid(a, grid: problem.structuredGrid)
                    setup = Measurements.seconds(since: setupStart)
                    result = ConjugateGradient(criterion: criterion, preconditioner: m).solve(a, rightHandSide: b)
                }
                let cpu = Measurements.processCPUSeconds() - cpuStart
                let report = result.report
                let bNorm = VectorOperations.norm(b)
                for tolerance in tolerances.sorted(by: >) {
                    let reached = report.residualNorms.firstIndex { $0 <= tolerance * bNorm }
                    let iterations = reached ?? report.iterations
                    let fraction = report.iterations > 0 ? Double(iterations) / Double(report.iterations) : 1
                    let total = setup + report.seconds * fraction
                    try output(Record(problem: name, n: problem.pointCount, fluid: problem.fluidCount,
                                      method: method == .dcdm || method == .cg ? method.rawValue : "pcg-\(method.rawValue)",
                                      tolerance: tolerance, iterations: iterations,
                                      converged: tolerance == tightest ? report.converged : reached != nil,
                                      relative_residual: tolerance == tightest ? report.relativeResidual
                                          : (reached.map { report.residualNorms[$0] / bNorm } ?? report.relativeResidual),
                                      setup_seconds: setup, solve_seconds: report.seconds * fraction, seconds: total,
                                      cpu_seconds: cpu * total / max(setup + report.seconds, 1e-12), fallbacks: fallbacks))
                }
            }
        }
    }
}

extension DCDMBenchmarks {
    /// The benchmark of `pdekit bench dcdm` from its flags: the model at `model` (levels following the grid from
    /// `coarsestSize` points per side when given, 0: the model's fixed level count) and the comma-separated
    /// `sizes` (≥ 4), `tolerances` (in (0, 1)) and `methods`; with the line that describes the model.
    public static func parsing(model: String, sizes: String, obstacles: ObstacleGeometry, tolerances: String, methods: String,
                               dcdmMaxIterations: Int, seed: UInt64, coarsestSize: Int?) throws -> (benchmark: DCDMBenchmarks, modelDescription: String) {
        var (network, metadata) = try DCDMNetwork.load(from: URL(fileURLWithPath: model))
        if let coarsestSize {
            guard coarsestSize >= 0 else { throw BenchmarkError("--coarsest-size must be at least 0") }
            network = try network.withCoarsestSize(coarsestSize == 0 ? nil : coarsestSize)
        }
        func list<Value>(_ text: String, _ what: String, _ parse: (String) -> Value?) throws -> [Value] {
            try CommaSeparatedIntegers.items(text).map { item in
                guard let value = parse(item) else { throw BenchmarkError("\(what) '\(item)'") }
                return value
            }
        }
        let gridSizes = try list(sizes, "invalid size") { Int($0).flatMap { $0 >= 4 ? $0 : nil } }
        let toleranceList = try list(tolerances, "invalid tolerance") { Double($0).flatMap { $0 > 0 && $0 < 1 ? $0 : nil } }
        let methodList = try list(methods, "unknown method") { Method(rawValue: $0) }
        let description = "model \(model): \(network.configuration), trained on \(metadata["grid"] ?? "?")^\(metadata["dimensions"] ?? "?") for \(metadata["steps"] ?? "?") steps"
        return (DCDMBenchmarks(network: network, sizes: gridSizes, obstacles: obstacles, tolerances: toleranceList, methods: methodList,
                               dcdmMaxIterations: dcdmMaxIterations, seed: seed), description)
    }
}
