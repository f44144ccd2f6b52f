import ArgumentParser
import Foundation
import PDEKit

/// `pdekit solve`: solve A x = b for a Matrix Market matrix with a direct or Krylov method.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve A x = b for a sparse matrix in Matrix Market format.",
        discussion: """
        Exit status: 0 when the solve converged, 1 on bad input (the message starts with 'error:'),
        2 when the method did not reach the tolerance (the report is still printed).
        """
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case direct, cg, minres, gmres, fgmres, bicgstab, gcrodr, dcdm
    }

    enum Preconditioner: String, ExpressibleByArgument, CaseIterable {
        case none, jacobi, ssor, ic0, ilu0, multigrid
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Matrix file (Matrix Market, coordinate real|integer|pattern, general|symmetric).")
    var matrix: String

    @Option(help: "Right-hand side: a Matrix Market vector file, or 'ones'.")
    var rhs: String = "ones"

    @Option(help: "Solution method.")
    var method: Method = .gmres

    @Option(help: "Preconditioner (multigrid needs --grid).")
    var preconditioner: Preconditioner = .none

    @Option(help: "Grid of the unknowns for multigrid, e.g. 64x64 or 16x16x16 (x fastest).")
    var grid: String?

    @Option(help: "Relative tolerance rtol: stop when ‖b − A x‖ ≤ rtol ‖b‖.")
    var relativeTolerance: Double = 1e-8

    @Option(help: "Iteration limit.")
    var maxIterations: Int = 10_000

    @Option(help: "Restart length m for GMRES, FGMRES and GCRO-DR.")
    var restart: Int = 40

    @Option(help: "Recycled vectors k for GCRO-DR.")
    var recycled: Int = 20

    @Option(help: "Trained DCDM network (safetensors from `pdekit dcdm train`); --method dcdm needs it and --grid.")
    var model: String?

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Write the solution to this Matrix Market file.")
    var solution: String?

    struct Output: Codable {
        var matrix: String
        var rows: Int
        var entries: Int
        var method: String
        var outcome: String
        var iterations: Int
        var relativeResidual: Double
        var setupSeconds: Double
        var solveSeconds: Double
        var residualNorms: [Double]
    }

    struct InputError: Error, CustomStringConvertible {
        let description: String
    }

    func run() throws {
        do {
            let converged = try execute()
            if !converged { throw ExitCode(2) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func parseGrid(_ text: String, rows: Int) throws -> StructuredGrid {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else { throw InputError(description: "invalid --grid '\(text)' (expected e.g. 64x64)") }
        let dims = parts.map { $0! }
        let grid: StructuredGrid
        switch dims.count {
        case 2: grid = .twoDimensional(nx: dims[0], ny: dims[1])
        case 3: grid = .threeDimensional(nx: dims[0], ny: dims[1], nz: dims[2])
        default: throw InputError(description: "invalid --grid '\(text)' (expected 2 or 3 sizes)")
        }
        guard grid.pointCount == rows else {
            throw InputError(description: "--grid \(text) has \(grid.pointCount) points but the matrix has \(rows) rows")
        }
        return grid
    }

    /// Returns whether the solve converged.
    private func execute() throws -> Bool {
        guard relativeTolerance.isFinite, relativeTolerance > 0 else {
            throw InputError(description: "--relative-tolerance must be a positive number")
        }
        guard maxIterations >= 1 else { throw InputError(description: "--max-iterations must be at least 1") }
        guard restart >= 2, recycled >= 1, recycled < restart else {
            throw InputError(description: "need --restart ≥ 2 and 1 ≤ --recycled < --restart")
        }
        let a = try MatrixMarket.readMatrix(path: matrix)
        guard a.isSquare else { throw SparseMatrixError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        guard a.rowCount > 0 else { throw InputError(description: "matrix is empty") }
        try a.validateFinite()
        let b: [Double]
        if rhs == "ones" {
            b = [Double](repeating: 1, count: a.rowCount)
        } else {
            b = try MatrixMarket.readVector(path: rhs)
            guard b.count == a.rowCount else { throw SparseMatrixError.sizeMismatch(expected: a.rowCount, actual: b.count) }
            guard VectorOperations.allFinite(b) else { throw InputError(description: "right-hand side contains NaN or infinity") }
        }
        let criterion = StoppingCriterion(relativeTolerance: relativeTolerance, maximumIterations: maxIterations)
        let setupStart = ContinuousClock.now
        var x: [Double]
        var report: SolveReport
        if method == .direct {
            let solveStart = ContinuousClock.now
            var name = "UMFPACK LU"
            if a.isSymmetric(relativeTolerance: 1e-14), let chol = try? CholeskyFactorization(a) {
                x = try chol.solve(b)
                name = "CHOLMOD Cholesky"
            } else {
                x = try LUFactorization(a).solve(b)
            }
            let r = VectorOperations.norm(VectorOperations.residual(a, x, b))
            let bNorm = VectorOperations.norm(b)
            let relative = bNorm > 0 ? r / bNorm : r
            report = SolveReport(outcome: r <= criterion.threshold(rightHandSideNorm: bNorm) ? .converged : .stagnation,
                                 iterations: 0, residualNorms: [], relativeResidual: relative, method: name,
                                 seconds: seconds(since: solveStart), operatorApplications: 1)
        } else {
            let m: (any LinearOperator)?
            switch preconditioner {
            case .none: m = nil
            case .jacobi: m = try JacobiPreconditioner(a)
            case .ssor: m = try SSORPreconditioner(a)
            case .ic0: m = try IncompleteCholesky(a)
            case .ilu0: m = try IncompleteLU(a)
            case .multigrid:
                guard let grid else { throw InputError(description: "--preconditioner multigrid needs --grid (e.g. 64x64)") }
                m = try GeometricMultigrid(a, grid: try parseGrid(grid, rows: a.rowCount))
            }
            let solver: any IterativeSolver
            switch method {
            case .cg: solver = ConjugateGradient(criterion: criterion, preconditioner: m)
            case .minres: solver = MINRES(criterion: criterion, preconditioner: m)
            case .gmres: solver = GMRES(restart: restart, criterion: criterion, preconditioner: m)
            case .fgmres: solver = FlexibleGMRES(restart: restart, criterion: criterion, preconditioner: m)
            case .bicgstab: solver = BiCGStab(criterion: criterion, preconditioner: m)
            case .gcrodr: solver = GCRODR(restart: restart, recycledCount: recycled, criterion: criterion, preconditioner: m)
            case .dcdm:
                guard let model, let grid else { throw InputError(description: "--method dcdm needs --model and --grid") }
                guard m == nil else { throw InputError(description: "--method dcdm takes no --preconditioner (the network is the direction map)") }
                let dimensions = try parseGrid(grid, rows: a.rowCount).dimensions
                let network = try DCDMNetwork.load(from: URL(fileURLWithPath: model)).network
                let mask = DCDMDirectionOperator.inferredFluidMask(of: a, rightHandSide: b)
                solver = DeepConjugateDirection(directions: try DCDMDirectionOperator(network: network, dimensions: dimensions, fluidMask: mask),
                                                criterion: criterion)
            case .direct: fatalError("unreachable")
            }
            let result = solver.solve(a, rightHandSide: b)
            x = result.solution
            report = result.report
        }
        let setupSeconds = max(0, seconds(since: setupStart) - report.seconds)
        if let solution { try MatrixMarket.write(x, path: solution) }
        let output = Output(matrix: matrix, rows: a.rowCount, entries: a.entryCount, method: report.method,
                            outcome: report.outcome.rawValue, iterations: report.iterations,
                            relativeResidual: report.relativeResidual, setupSeconds: setupSeconds,
                            solveSeconds: report.seconds, residualNorms: report.residualNorms)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        case .text:
            print("matrix:            \(matrix) (\(a.rowCount)×\(a.rowCount), \(a.entryCount) entries)")
            print("method:            \(report.method)")
            print("outcome:           \(report.outcome.rawValue)")
            print("iterations:        \(report.iterations)")
            print("relative residual: \(report.relativeResidual)")
            print("setup time:        \(setupSeconds) s")
            print("solve time:        \(report.seconds) s")
        }
        if report.outcome != .converged {
            FileHandle.standardError.write(Data("warning: \(report.method) did not converge (\(report.outcome.rawValue), relative residual \(report.relativeResidual))\n".utf8))
        }
        return report.outcome == .converged
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
