import Foundation
import PDEKit

/// Direct and Krylov solves of model Poisson problems (`pdekit bench sparse`).
///
/// Fields (shared with `bench/peers/sparse_scipy.py`): implementation, problem, n, method, preconditioner,
/// iterations, seconds (set-up + solve), setup_seconds, relative_residual, converged.
public struct SparseBenchmarks {
    public struct Record: Codable {
        public var implementation = "pdekit"
        public var problem: String
        public var n: Int
        public var method: String
        public var preconditioner: String
        public var iterations: Int
        public var seconds: Double
        public var setup_seconds: Double
        public var relative_residual: Double
        public var converged: Bool
    }

    /// Problems `poisson2d-N` or `poisson3d-N` (N interior points per direction).
    public var problems: [String]
    public var relativeTolerance: Double
    /// Iteration limit of GMRES(40).
    public var gmresMaxIterations: Int
    /// Repetitions of each measurement; the fastest is reported.
    public var repetitions: Int
    public var skipDirect: Bool

    public init(problems: [String], relativeTolerance: Double = 1e-8, gmresMaxIterations: Int = 1000, repetitions: Int = 3,
                skipDirect: Bool = false) {
        self.problems = problems
        self.relativeTolerance = relativeTolerance
        self.gmresMaxIterations = gmresMaxIterations
        self.repetitions = repetitions
        self.skipDirect = skipDirect
    }

    /// Runs `measure` `repetitions` times and reports the fastest run.
    private func best(_ output: BenchmarkOutput, _ measure: () throws -> Record) throws {
        var fastest: Record?
        for _ in 0..<max(1, repetitions) {
            let record = try measure()
            if fastest == nil || record.seconds < fastest!.seconds { fastest = record }
        }
        try output(fastest!)
    }

    public func run(_ output: BenchmarkOutput) throws {
        guard relativeTolerance > 0, relativeTolerance < 1 else { throw BenchmarkError("the relative tolerance must lie in (0, 1)") }
        guard gmresMaxIterations >= 1 else { throw BenchmarkError("the GMRES iteration limit must be at least 1") }
        for name in problems {
            let parts = name.split(separator: "-")
            guard parts.count == 2, let size = Int(parts[1]), size >= 4 else { throw BenchmarkError("unknown problem '\(name)'") }
            let a: CSRMatrix
            let grid: [Int]
            switch parts[0] {
            case "poisson2d":
                try MemoryBudget().requireArray(shape: [size, size, 5 * 12 + 64], bytesPerElement: 1, what: name)
                a = ModelProblems.poisson2D(n: size); grid = [size, size]
            case "poisson3d":
                try MemoryBudget().requireArray(shape: [size, size, size, 7 * 12 + 64], bytesPerElement: 1, what: name)
                a = ModelProblems.poisson3D(n: size); grid = [size, size, size]
            default: throw BenchmarkError("unknown problem '\(name)'")
            }
            let b = [Double](repeating: 1, count: a.rowCount)

            // Every solver comes from SparseSolvers' `SolverConfiguration`, as in `pdekit solve`: set-up
            // (factorization or preconditioner) and one solve are timed separately.
            var cases: [(method: String, preconditioner: String, configuration: SolverConfiguration)] = []
            if !skipDirect {
                cases.append(("direct-cholmod", "none", SolverConfiguration(method: .direct, relativeTolerance: relativeTolerance)))
            }
            for preconditioner: SolverConfiguration.Preconditioner in [.none, .jacobi, .incompleteCholesky, .multigrid] {
                cases.append(("cg", preconditioner.rawValue, SolverConfiguration(method: .conjugateGradient, preconditioner: preconditioner,
                                                                                 relativeTolerance: relativeTolerance, maximumIterations: 20_000, grid: grid)))
            }
            cases.append(("gmres40", "none", SolverConfiguration(method: .gmres, relativeTolerance: relativeTolerance,
                                                                 maximumIterations: gmresMaxIterations, restart: 40)))
            for (method, preconditionerName, configuration) in cases {
                try best(output) {
                    let start = ContinuousClock.now
                    let solver = try configuration.makeSolver()
                    try solver.setup(a)
                    let setup = Measurements.seconds(since: start)
                    let result = try solver.solve(b)
                    let total = Measurements.seconds(since: start)
                    let label = (solver as? DirectLinearSolver)?.factorization == .umfpackLU ? "direct-umfpack" : method
                    return Record(problem: name, n: a.rowCount, method: label, preconditioner: preconditionerName,
                                  iterations: result.report.iterations, seconds: total, setup_seconds: setup,
                                  relative_residual: result.report.relativeResidual, converged: result.report.converged)
                }
            }
        }
    }
}
