import ArgumentParser
import Foundation
import PDEKit
import RunSupport

extension SolverConfiguration.Method: ExpressibleByArgument {}
extension AlgebraicMultigridOptions.Variant: ExpressibleByArgument {}
extension AlgebraicMultigridOptions.Smoother: ExpressibleByArgument {}

/// `--method`: a method of `SolverConfiguration`, or `auto`.
enum MethodChoice: ExpressibleByArgument, Equatable {
    /// n < 20000: direct; else AMG-CG when A is symmetric (to the symmetry tolerance) with a positive
    /// diagonal, AIR-GMRES otherwise; the direct method when the Krylov solve does not converge in 300 iterations.
    case auto
    case method(SolverConfiguration.Method)

    init?(argument: String) {
        if argument == "auto" { self = .auto; return }
        guard let method = SolverConfiguration.Method(rawValue: argument) else { return nil }
        self = .method(method)
    }

    static var allValueStrings: [String] { ["auto"] + SolverConfiguration.Method.allCases.map(\.rawValue) }
}

/// `--near-nullspace` for AMG.
enum NearNullspaceChoice: String, ExpressibleByArgument, CaseIterable {
    case none
    /// Rigid-body rotations from `--coordinates`.
    case rigidBody = "rigid-body"
    /// The columns of `--near-nullspace-vectors`.
    case vectors
}

extension SolverConfiguration.Preconditioner: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// `pdekit solve`: solve A x = b for a Matrix Market matrix with a direct or Krylov method.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve A x = b for a sparse matrix in Matrix Market format.",
        discussion: """
        Exit status: 0 when the solve converged, 1 on bad input (the message starts with 'error:'),
        2 when the method did not reach the tolerance (the report is still printed).
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Matrix file (Matrix Market, coordinate real|integer|pattern, general|symmetric|skew-symmetric).")
    var matrix: String

    @Option(help: "Right-hand side: a Matrix Market vector file, or 'ones'.")
    var rhs: String = "ones"

    @Option(help: "Solution method; auto: direct below 20000 unknowns, else AMG-preconditioned CG (symmetric) or AIR-GMRES, falling back to direct.")
    var method: MethodChoice = .method(.gmres)

    @Option(help: "Preconditioner (multigrid needs --grid; amg is hypre's BoomerAMG; ilut is hypre's threshold ILU).")
    var preconditioner: SolverConfiguration.Preconditioner = .none

    @Option(help: "AMG variant: classical (HMIS, extended+i), aggregation (aggressive coarsening), air (nonsymmetric, advection-dominated).")
    var amgVariant: AlgebraicMultigridOptions.Variant = .classical

    @Option(help: "AMG smoother: gauss-seidel (symmetric), l1-jacobi, chebyshev.")
    var amgSmoother: AlgebraicMultigridOptions.Smoother = .gaussSeidel

    @Option(help: "AMG V-cycles per preconditioner application.")
    var amgCycles = CountArgument(1)

    @Option(help: "AMG strength threshold θ in (0, 1): 0.25 for 2-D, 0.5 for 3-D problems.")
    var amgStrength: Double = 0.25

    @Option(help: "Unknowns per node for systems AMG (interleaved, e.g. 2 for 2-D elasticity).")
    var unknownsPerNode = CountArgument(1)

    @Option(help: "AMG near-nullspace: none, rigid-body (rotations from --coordinates), vectors (--near-nullspace-vectors).")
    var nearNullspace: NearNullspaceChoice = .none

    @Option(help: "Node coordinates for rigid-body modes: Matrix Market array with one row per node and 2 or 3 columns.")
    var coordinates: String?

    @Option(help: "Near-nullspace vectors: Matrix Market array, n rows, one column per vector.")
    var nearNullspaceVectors: String?

    @Option(help: "ILUT drop tolerance τ (relative to each row's norm).")
    var iluDropTolerance: Double = 1e-4

    @Option(help: "ILUT entries kept per row of L and of U.")
    var iluFill = CountArgument(20)

    @Option(help: "Grid of the unknowns for multigrid and dcdm, e.g. 64x64 or 16x16x16 (x fastest).")
    var grid: String?

    @Option(help: "Relative tolerance rtol: stop when ‖b − A x‖ ≤ rtol ‖b‖.")
    var relativeTolerance: Double = 1e-8

    @Option(help: ArgumentHelp(
        "Relative symmetry tolerance of the direct method: CHOLMOD Cholesky is tried when |a_ij − a_ji| ≤ tol · max|a| for all i, j, else UMFPACK LU (the output names the factorization that ran).",
        valueName: "tol"))
    var symmetryTolerance: Double = SolverConfiguration.defaultSymmetryTolerance

    @Option(help: "Iteration limit.")
    var maxIterations = CountArgument(10_000)

    @Option(help: "Restart length m for GMRES, FGMRES and GCRO-DR.")
    var restart = CountArgument(40)

    @Option(help: "Recycled vectors k for GCRO-DR.")
    var recycled = CountArgument(20)

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
        /// Seconds to read the matrix file.
        var readSeconds: Double
        var method: String
        var factorization: String?
        var outcome: String
        var iterations: Int
        var relativeResidual: Double
        var setupSeconds: Double
        var solveSeconds: Double
        var residualNorms: [Double]
        /// Which iterate x is: last, earlierBest or initialGuess (Krylov methods never return worse than x₀).
        var returnedIterate: String
        var returnedIteration: Int
        /// For --method auto: what was chosen and why.
        var choice: String?
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
            StatusLine.printError(error)
            throw ExitCode.failure
        }
    }

    /// The flags as a validated configuration (before any file is read; near-nullspace vectors are
    /// checked against the matrix in `setup`).
    private func solverConfiguration() throws -> SolverConfiguration {
        let configuration = SolverConfiguration(
            method: { if case let .method(m) = method { return m } else { return .conjugateGradient } }(), preconditioner: preconditioner, relativeTolerance: relativeTolerance,
            maximumIterations: try maxIterations.value("max-iterations"), restart: try restart.value("restart"),
            recycledCount: try recycled.value("recycled"), grid: try grid.map(SolverConfiguration.parseGrid))
        var withTolerance = configuration
        withTolerance.symmetryTolerance = symmetryTolerance
        withTolerance.amg = AlgebraicMultigridOptions(variant: amgVariant, smoother: amgSmoother, cycles: try amgCycles.value("amg-cycles"),
                                                      strongThreshold: amgStrength, unknownsPerNode: try unknownsPerNode.value("unknowns-per-node"))
        withTolerance.thresholdILU = ThresholdILUOptions(dropTolerance: iluDropTolerance, maximumRowFill: try iluFill.value("ilu-fill"))
        // The AMG and ILUT settings are checked even when another preconditioner is chosen (a typo fails early).
        try withTolerance.amg.validate(rowCount: nil)
        try withTolerance.thresholdILU.validate()
        try withTolerance.validate()
        return withTolerance
    }

    /// The near-nullspace from --near-nullspace and its files.
    private func nearNullspaceSetting() throws -> AlgebraicMultigridOptions.NearNullspace {
        switch nearNullspace {
        case .none:
            if coordinates != nil || nearNullspaceVectors != nil {
                throw InputError(description: "--coordinates and --near-nullspace-vectors need --near-nullspace rigid-body or vectors")
            }
            return .none
        case .rigidBody:
            guard let coordinates else { throw InputError(description: "--near-nullspace rigid-body needs --coordinates") }
            let table = try MatrixMarket.readMatrix(path: coordinates)
            guard table.columnCount == 2 || table.columnCount == 3 else {
                throw InputError(description: "--coordinates: expected 2 or 3 columns (x, y[, z]), found \(table.columnCount)")
            }
            try MemoryBudget().requireArray(shape: [table.rowCount, table.columnCount], bytesPerElement: 8, what: "--coordinates")
            var flat = [Double](repeating: 0, count: table.rowCount * table.columnCount)
            for i in 0..<table.rowCount { for k in table.rowOffsets[i]..<table.rowOffsets[i + 1] { flat[i * table.columnCount + table.columnIndices[k]] = table.values[k] } }
            return .rigidBodyModes(coordinates: flat, dimension: table.columnCount)
        case .vectors:
            guard let nearNullspaceVectors else { throw InputError(description: "--near-nullspace vectors needs --near-nullspace-vectors") }
            let table = try MatrixMarket.readMatrix(path: nearNullspaceVectors)
            // Checked before allocating: the header alone sets the size (`1000000 1000000 0` would ask for 8 TB).
            guard (1...32).contains(table.columnCount) else {
                throw InputError(description: "--near-nullspace-vectors: give 1…32 vectors (columns), found \(table.columnCount)")
            }
            try MemoryBudget().requireArray(shape: [table.columnCount, table.rowCount], bytesPerElement: 8, what: "--near-nullspace-vectors")
            var vectors = [[Double]](repeating: [Double](repeating: 0, count: table.rowCount), count: table.columnCount)
            for i in 0..<table.rowCount { for k in table.rowOffsets[i]..<table.rowOffsets[i + 1] { vectors[table.columnIndices[k]][i] = table.values[k] } }
            return .vectors(vectors)
        }
    }

    /// Returns whether the solve converged.
    private func execute() throws -> Bool {
        var configuration = try solverConfiguration()
        if method == .method(.dcdm), model == nil { throw InputError(description: "--method dcdm needs --model") }
        configuration.amg.nearNullspace = try nearNullspaceSetting()
        let readStart = ContinuousClock.now
        let a = try MatrixMarket.readMatrix(path: matrix)
        let readSeconds = seconds(since: readStart)
        let b: [Double]
        if rhs == "ones" {
            b = [Double](repeating: 1, count: a.rowCount)
        } else {
            b = try MatrixMarket.readVector(path: rhs)
        }
        var choice: String?
        if method == .auto {
            let (chosen, reason) = AutomaticSolverChoice.configuration(for: a, base: configuration)
            configuration = chosen
            choice = reason
        }
        guard b.count == a.rowCount else { throw InputError(description: "right-hand side has \(b.count) entries, the matrix \(a.rowCount) rows") }
        let solver: any LinearSolver = if let model, method == .method(.dcdm) {
            try DCDMLinearSolver(configuration: configuration, network: DCDMNetwork.load(from: URL(fileURLWithPath: model)).network)
        } else {
            try configuration.makeSolver()
        }
        let setupStart = ContinuousClock.now
        try solver.setup(a)
        var setupSeconds = seconds(since: setupStart)
        var result = try solver.solve(b)
        if method == .auto, !result.report.converged, configuration.method != .direct {
            // The Krylov choice lost: fall back to the direct method (its time is added).
            choice = (choice ?? "") + "; \(result.report.method) did not converge in \(result.report.iterations) iterations, fell back to direct"
            var direct = configuration
            direct.method = .direct
            direct.preconditioner = .none
            let fallback = try direct.makeSolver()
            let fallbackStart = ContinuousClock.now
            try fallback.setup(a)
            setupSeconds += result.report.seconds + seconds(since: fallbackStart)
            result = try fallback.solve(b)
        }
        let report = result.report
        if let solution { try MatrixMarket.write(result.solution, path: solution) }
        let output = Output(matrix: matrix, rows: a.rowCount, entries: a.entryCount, readSeconds: readSeconds, method: report.method,
                            factorization: report.factorization?.rawValue, outcome: report.outcome.rawValue,
                            iterations: report.iterations, relativeResidual: report.relativeResidual,
                            setupSeconds: setupSeconds, solveSeconds: report.seconds, residualNorms: report.residualNorms,
                            returnedIterate: report.returnedIterate.rawValue, returnedIteration: report.returnedIteration, choice: choice)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        case .text:
            print("matrix:            \(matrix) (\(a.rowCount)×\(a.columnCount), \(a.entryCount) entries)")
            print("method:            \(report.method)")
            if let choice { print("auto choice:       \(choice)") }
            if let factorization = report.factorization {
                print("factorization:     \(factorization.name)" + (factorization == .umfpackLU
                    ? " (A not symmetric to \(configuration.symmetryTolerance) relative, or not positive definite)"
                    : " (A symmetric to \(configuration.symmetryTolerance) relative, positive definite)"))
            }
            print("outcome:           \(report.outcome.rawValue)")
            if report.returnedIterate != .last {
                print("returned iterate:  \(report.returnedIterate == .initialGuess ? "the initial guess" : "iteration \(report.returnedIteration)") (the last iterate had a larger residual)")
            }
            print("iterations:        \(report.iterations)")
            print("relative residual: \(report.relativeResidual)")
            print("read time:         \(readSeconds) s")
            print("setup time:        \(setupSeconds) s")
            print("solve time:        \(report.seconds) s")
        }
        if report.outcome == .leastSquares {
            StatusLine.printLine("warning: A is singular and b is not in its range: x is a least-squares solution (relative residual \(report.relativeResidual))")
        } else if report.outcome != .converged {
            StatusLine.printLine("warning: \(report.method) did not converge (\(report.outcome.rawValue), relative residual \(report.relativeResidual))")
        }
        return report.outcome == .converged
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
