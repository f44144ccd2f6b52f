import ArgumentParser
import Foundation
import PDEKit

/// `pdekit bench sparse`: time direct and Krylov solves of model Poisson problems; one JSON object per line.
///
/// Fields (shared with `bench/peers/sparse_scipy.py`): implementation, problem, n, method, preconditioner,
/// iterations, seconds (set-up + solve), setup_seconds, relative_residual, converged.
struct SparseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse",
        abstract: "Benchmark sparse direct and iterative solvers on Poisson model problems (JSON lines)."
    )

    @Option(help: "Comma-separated problems: poisson2d-N or poisson3d-N (N interior points per direction).")
    var problems: String = "poisson2d-256,poisson2d-512,poisson3d-64"

    @Option(help: "Relative tolerance.")
    var relativeTolerance: Double = 1e-8

    @Option(help: "Iteration limit for GMRES(40) (unpreconditioned restarted GMRES is slow on Poisson).")
    var gmresMaxIterations: Int = 1000

    @Option(help: "Repetitions of each measurement; the fastest is reported (the machine is shared).")
    var `repeat`: Int = 3

    @Flag(help: "Skip the direct (CHOLMOD) solve.")
    var skipDirect = false

    struct Line: Codable {
        var implementation = "pdekit"
        var problem: String
        var n: Int
        var method: String
        var preconditioner: String
        var iterations: Int
        var seconds: Double
        var setup_seconds: Double
        var relative_residual: Double
        var converged: Bool
    }

    struct BenchError: Error, CustomStringConvertible { let description: String }

    /// Runs `measure` `repeat` times and emits the fastest run.
    private func best(_ measure: () throws -> Line) throws {
        var fastest: Line?
        for _ in 0..<max(1, `repeat`) {
            let line = try measure()
            if fastest == nil || line.seconds < fastest!.seconds { fastest = line }
        }
        emit(fastest!)
    }

    private func emit(_ line: Line) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try! encoder.encode(line), as: UTF8.self))
        fflush(nil)
    }

    func run() throws {
        for name in problems.split(separator: ",").map(String.init) {
            let parts = name.split(separator: "-")
            guard parts.count == 2, let size = Int(parts[1]), size >= 4 else { throw BenchError(description: "unknown problem '\(name)'") }
            let a: CSRMatrix
            let grid: StructuredGrid
            switch parts[0] {
            case "poisson2d": a = ModelProblems.poisson2D(n: size); grid = .twoDimensional(nx: size, ny: size)
            case "poisson3d": a = ModelProblems.poisson3D(n: size); grid = .threeDimensional(nx: size, ny: size, nz: size)
            default: throw BenchError(description: "unknown problem '\(name)'")
            }
            let b = [Double](repeating: 1, count: a.rowCount)
            let bNorm = VectorOperations.norm(b)
            func relativeResidual(_ x: [Double]) -> Double { VectorOperations.norm(VectorOperations.residual(a, x, b)) / bNorm }

            if !skipDirect {
                // CHOLMOD: analysis + numeric factorization + one solve.
                try best {
                    let start = ContinuousClock.now
                    let chol = try CholeskyFactorization(a)
                    let setup = seconds(since: start)
                    let x = try chol.solve(b)
                    let total = seconds(since: start)
                    let rr = relativeResidual(x)
                    return Line(problem: name, n: a.rowCount, method: "direct-cholmod", preconditioner: "none", iterations: 0,
                                seconds: total, setup_seconds: setup, relative_residual: rr, converged: rr <= relativeTolerance)
                }
            }

            let criterion = StoppingCriterion(relativeTolerance: relativeTolerance, maximumIterations: 20_000)
            let cases: [(String, String, () throws -> (any LinearOperator)?, Int)] = [
                ("cg", "none", { nil }, 20_000),
                ("cg", "jacobi", { try JacobiPreconditioner(a) }, 20_000),
                ("cg", "ic0", { try IncompleteCholesky(a) }, 20_000),
                ("cg", "multigrid", { try GeometricMultigrid(a, grid: grid) }, 20_000),
                ("gmres40", "none", { nil }, gmresMaxIterations),
            ]
            for (method, preconditionerName, make, limit) in cases { try best {
                let start = ContinuousClock.now
                let m = try make()
                let setup = seconds(since: start)
                var c = criterion
                c.maximumIterations = limit
                let solver: any IterativeSolver = method == "cg"
                    ? ConjugateGradient(criterion: c, preconditioner: m)
                    : GMRES(restart: 40, criterion: c, preconditioner: m)
                let result = solver.solve(a, rightHandSide: b)
                let total = seconds(since: start)
                return Line(problem: name, n: a.rowCount, method: method, preconditioner: preconditionerName,
                            iterations: result.report.iterations, seconds: total, setup_seconds: setup,
                            relative_residual: result.report.relativeResidual, converged: result.report.converged)
            } }
        }
    }
}
