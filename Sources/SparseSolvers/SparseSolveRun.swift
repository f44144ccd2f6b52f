import Foundation
import RunSupport

/// `pdekit solve` as a library call: read a Matrix Market matrix and right-hand side, pick or build the
/// solver, solve, optionally write x, and summarize (text or JSON). The CLI only maps flags to a
/// ``Request`` and prints the ``Summary``.
///
/// ```
/// read A (and b, near-nullspace files) → [auto: AutomaticSolverChoice] → set-up → solve
///   one process:   any method; auto falls back to the direct method when its Krylov choice fails
///   R > 1 ranks:   DistributedHypreSolver (rows split over the ranks); other methods refused
/// ```
public enum SparseSolveRun {
    /// Where the AMG near-nullspace comes from.
    public enum NearNullspaceSource: Sendable, Equatable {
        case none
        /// Rigid-body modes from a Matrix Market array of node coordinates (2 or 3 columns).
        case rigidBody(coordinatesPath: String)
        /// The columns of a Matrix Market array (n rows, 1…32 columns).
        case vectors(path: String)
    }

    /// `--near-nullspace`: which source the flags name.
    public enum NearNullspaceChoice: String, Sendable, CaseIterable {
        case none
        /// Rigid-body rotations from `--coordinates`.
        case rigidBody = "rigid-body"
        /// The columns of `--near-nullspace-vectors`.
        case vectors

        /// The source, checking that the file the choice needs is given and no other.
        public func source(coordinates: String?, vectors: String?) throws -> NearNullspaceSource {
            switch (self, coordinates, vectors) {
            case (.none, nil, nil): return .none
            case (.none, _, _): throw InputError("--coordinates and --near-nullspace-vectors need --near-nullspace rigid-body or vectors")
            case let (.rigidBody, path?, _): return .rigidBody(coordinatesPath: path)
            case (.rigidBody, nil, _): throw InputError("--near-nullspace rigid-body needs --coordinates")
            case let (.vectors, _, path?): return .vectors(path: path)
            case (.vectors, _, nil): throw InputError("--near-nullspace vectors needs --near-nullspace-vectors")
            }
        }
    }

    /// `--method`: a method of ``SolverConfiguration``, or `auto`.
    public enum MethodChoice: Sendable, Equatable {
        /// n < 20000: direct; else AMG-CG when A is symmetric (to the symmetry tolerance) with a positive
        /// diagonal, AIR-GMRES otherwise; the direct method when the Krylov solve does not converge in 300
        /// iterations (``AutomaticSolverChoice``).
        case auto
        case method(SolverConfiguration.Method)

        public init?(name: String) {
            if name == "auto" { self = .auto; return }
            guard let method = SolverConfiguration.Method(rawValue: name) else { return nil }
            self = .method(method)
        }

        public static var names: [String] { ["auto"] + SolverConfiguration.Method.allCases.map(\.rawValue) }

        /// The flag's spelling: `auto` or the method's raw value (`gmres`, `cg`, …).
        public var name: String {
            if case let .method(method) = self { return method.rawValue } else { return "auto" }
        }

        /// The configuration's method (for auto a placeholder: the run chooses from the matrix).
        public var configuredMethod: SolverConfiguration.Method {
            if case let .method(method) = self { return method } else { return .conjugateGradient }
        }
    }

    /// What to solve and how.
    public struct Request: Sendable {
        public var matrixPath: String
        /// A Matrix Market vector file, or nil for b = (1, …, 1).
        public var rightHandSidePath: String?
        public var configuration: SolverConfiguration
        /// `--method auto`: the method is chosen from the matrix (`configuration.method` is ignored).
        public var automatic: Bool
        public var nearNullspace: NearNullspaceSource
        /// Write x here (Matrix Market; rank 0 only under several ranks).
        public var solutionPath: String?

        public init(matrixPath: String, rightHandSidePath: String?, configuration: SolverConfiguration, automatic: Bool,
                    nearNullspace: NearNullspaceSource, solutionPath: String?) {
            self.matrixPath = matrixPath
            self.rightHandSidePath = rightHandSidePath
            self.configuration = configuration
            self.automatic = automatic
            self.nearNullspace = nearNullspace
            self.solutionPath = solutionPath
        }
    }

    /// The run's result, as printed by `pdekit solve` (JSON through ``JSONOutput``: keys are the property
    /// names; a non-finite residual is written as null, never as a converged solve).
    public struct Summary: Encodable, Sendable {
        public var matrix: String
        public var rows: Int
        public var entries: Int
        /// Seconds to read the matrix file.
        public var readSeconds: Double
        public var method: String
        public var factorization: String?
        public let outcome: String
        /// Whether `outcome` is `converged`.
        public let converged: Bool
        public var iterations: Int
        /// ‖b − Ax‖/‖b‖ (null in JSON when it overflowed or became NaN: a breakdown).
        @NonFiniteAsNull public var relativeResidual: Double
        /// Seconds from the matrix read to the solve: the automatic choice's feature scan (`choiceSeconds`),
        /// the solver's set-up and, when auto fell back to the direct method, the failed Krylov solve.
        public var setupSeconds: Double
        public var solveSeconds: Double
        @NonFiniteAsNull public var residualNorms: [Double]
        /// Which iterate x is: last, earlierBest or initialGuess (Krylov methods never return worse than x₀).
        public var returnedIterate: String
        public var returnedIteration: Int
        /// For --method auto: what was chosen and why.
        public var choice: String?
        /// For --method auto: the seconds of the feature scan that made the choice (included in `setupSeconds`).
        public var choiceSeconds: Double?
        /// Processes the system was split over (1: one process).
        public var ranks: Int?
        /// For a hypre preconditioner on one process: the threads its sparse products ran on
        /// (`HypreThreadedProducts`; 1 with `PDEKIT_HYPRE_MATVEC=serial`).
        public var hypreProductThreads: Int?
        /// The symmetry tolerance the direct method used (text output only).
        var symmetryTolerance: Double?

        enum CodingKeys: String, CodingKey {
            case matrix, rows, entries, readSeconds, method, factorization, outcome, converged, iterations, relativeResidual
            case setupSeconds, solveSeconds, residualNorms, returnedIterate, returnedIteration, choice, choiceSeconds, ranks
            case hypreProductThreads
        }

        /// The report as aligned `name: value` lines.
        public var text: String {
            var lines = ["matrix:            \(matrix) (\(rows)×\(rows), \(entries) entries)", "method:            \(method)"]
            if let choice { lines.append("auto choice:       \(choice)") }
            if let factorization = factorization.flatMap(SolveReport.Factorization.init(rawValue:)) {
                let tolerance = symmetryTolerance ?? SolverConfiguration.defaultSymmetryTolerance
                lines.append("factorization:     \(factorization.name)" + (factorization == .umfpackLU
                    ? " (A not symmetric to \(tolerance) relative, or not positive definite)"
                    : " (A symmetric to \(tolerance) relative, positive definite)"))
            }
            if let hypreProductThreads { lines.append("hypre products:    on \(hypreProductThreads) thread\(hypreProductThreads == 1 ? "" : "s")") }
            lines.append("outcome:           \(outcome)")
            if returnedIterate != ReturnedIterate.last.rawValue {
                let which = returnedIterate == ReturnedIterate.initialGuess.rawValue ? "the initial guess" : "iteration \(returnedIteration)"
                lines.append("returned iterate:  \(which) (the last iterate had a larger residual)")
            }
            // Times to 4 significant digits (a clock's last digits are noise); the residual as computed.
            func time(_ seconds: Double) -> String { String(format: "%.4g s", seconds) }
            lines += ["iterations:        \(iterations)", "relative residual: \(relativeResidual)", "read time:         \(time(readSeconds))",
                      "setup time:        \(time(setupSeconds))" + (choiceSeconds.map { " (the automatic choice's scan: \(time($0)))" } ?? ""),
                      "solve time:        \(time(solveSeconds))"]
            return lines.joined(separator: "\n")
        }

        /// The summary as one JSON line.
        public func json() throws -> String { try JSONOutput.line(self) }

        /// A warning line when the solve did not converge (nil when it did).
        public var warning: String? {
            if outcome == SolveOutcome.leastSquares.rawValue {
                return "warning: A is singular and b is not in its range: x is a least-squares solution (relative residual \(relativeResidual))"
            }
            return converged ? nil : "warning: \(method) did not converge (\(outcome), relative residual \(relativeResidual))"
        }
    }

    /// Input problems of a run (beyond the solvers' own errors); each prints as one line.
    public struct InputError: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Checks the request before any file is read (AMG and ILUT settings too, even when another
    /// preconditioner is chosen, so that a typo fails early).
    public static func validate(_ request: Request, ranks: Int = 1) throws {
        try request.configuration.amg.validate(rowCount: nil)
        try request.configuration.thresholdILU.validate()
        try request.configuration.validate()
        if ranks > 1 {
            if request.automatic { throw InputError("--method auto runs as one process; across ranks choose cg, gmres, fgmres or bicgstab") }
            try DistributedHypreSolver.check(request.configuration)
        }
    }

    /// Runs the request. `makeSolver` builds the one-process solver (the CLI adds DCDM); `ranks` > 1
    /// solves across the MPI world (collective: every rank calls this).
    public static func run(_ request: Request, ranks: Int = 1, writesOutput: Bool = true,
                           makeSolver: (SolverConfiguration) throws -> any LinearSolver = { try $0.makeSolver() }) throws -> Summary {
        try validate(request, ranks: ranks)
        let clock = ContinuousClock()
        // Across ranks every rank reads the files itself: one that fails (a missing or bad file on its
        // node) makes every rank fail before hypre's collectives, instead of leaving them waiting.
        let read = { () throws -> (SolverConfiguration, CSRMatrix, [Double], Double) in
            var configuration = request.configuration
            configuration.amg.nearNullspace = try nearNullspace(request.nearNullspace)
            let readStart = clock.now
            let a = try MatrixMarket.readMatrix(path: request.matrixPath)
            let readSeconds = seconds(clock.now - readStart)
            let b = try request.rightHandSidePath.map(MatrixMarket.readVector) ?? [Double](repeating: 1, count: a.rowCount)
            guard b.count == a.rowCount else { throw InputError("right-hand side has \(b.count) entries, the matrix \(a.rowCount) rows") }
            if case let .rigidBodyModes(_, dimension) = configuration.amg.nearNullspace, configuration.amg.unknownsPerNode == 1 {
                // Rigid-body modes of d-D coordinates: d unknowns per node unless the flag says otherwise.
                configuration.amg.unknownsPerNode = dimension
            }
            return (configuration, a, b, readSeconds)
        }
        let (readConfiguration, a, b, readSeconds) = ranks > 1 ? try DistributedHypreSolver.agreeing(read) : try read()
        var configuration = readConfiguration
        var choice: String?
        var choiceSeconds: Double?
        if request.automatic {
            // The feature scan (symmetry, diagonal, block pattern: O(nnz)) is part of the set-up.
            let choiceStart = clock.now
            (configuration, choice) = AutomaticSolverChoice.configuration(for: a, base: configuration)
            choiceSeconds = seconds(clock.now - choiceStart)
        }
        var setupSeconds = choiceSeconds ?? 0
        var result: SolveResult
        if ranks > 1 {
            let distributedSetupSeconds: Double
            (result, distributedSetupSeconds) = try DistributedHypreSolver.solve(a, b, configuration: configuration)
            setupSeconds += distributedSetupSeconds
        } else {
            let solver = try makeSolver(configuration)
            let setupStart = clock.now
            try solver.setup(a)
            setupSeconds += seconds(clock.now - setupStart)
            result = try solver.solve(b)
            if request.automatic, !result.report.converged, configuration.method != .direct {
                // The Krylov choice lost: fall back to the direct method (its time is added).
                choice = (choice ?? "") + "; \(result.report.method) did not converge in \(result.report.iterations) iterations, fell back to direct"
                configuration.method = .direct
                configuration.preconditioner = .none
                let fallback = try configuration.makeSolver()
                let fallbackStart = clock.now
                try fallback.setup(a)
                setupSeconds += result.report.seconds + seconds(clock.now - fallbackStart)
                result = try fallback.solve(b)
            }
        }
        let report = result.report
        if writesOutput, let path = request.solutionPath { try MatrixMarket.write(result.solution, path: path) }
        return Summary(matrix: request.matrixPath, rows: a.rowCount, entries: a.entryCount, readSeconds: readSeconds, method: report.method,
                       factorization: report.factorization?.rawValue, outcome: report.outcome.rawValue,
                       converged: report.outcome == .converged, iterations: report.iterations,
                       relativeResidual: report.relativeResidual, setupSeconds: setupSeconds, solveSeconds: report.seconds,
                       residualNorms: report.residualNorms, returnedIterate: report.returnedIterate.rawValue,
                       returnedIteration: report.returnedIteration, choice: choice, choiceSeconds: choiceSeconds, ranks: ranks > 1 ? ranks : nil,
                       hypreProductThreads: ranks == 1 && [.amg, .thresholdILU].contains(configuration.preconditioner)
                           ? (HypreThreadedProducts.isBound ? HypreThreadedProducts.threads : 1) : nil,
                       symmetryTolerance: configuration.symmetryTolerance)
    }

    /// The near-nullspace setting from its source file.
    static func nearNullspace(_ source: NearNullspaceSource) throws -> AlgebraicMultigridOptions.NearNullspace {
        switch source {
        case .none:
            return .none
        case let .rigidBody(path):
            let table = try MatrixMarket.readMatrix(path: path)
            guard table.columnCount == 2 || table.columnCount == 3 else {
                throw InputError("--coordinates: expected 2 or 3 columns (x, y[, z]), found \(table.columnCount)")
            }
            try MemoryBudget().requireArray(shape: [table.rowCount, table.columnCount], bytesPerElement: 8, what: "--coordinates")
            var flat = [Double](repeating: 0, count: table.rowCount * table.columnCount)
            for i in 0..<table.rowCount { for k in table.rowOffsets[i]..<table.rowOffsets[i + 1] { flat[i * table.columnCount + table.columnIndices[k]] = table.values[k] } }
            return .rigidBodyModes(coordinates: flat, dimension: table.columnCount)
        case let .vectors(path):
            let table = try MatrixMarket.readMatrix(path: path)
            // Checked before allocating: the header alone sets the size (`1000000 1000000 0` would ask for 8 TB).
            guard (1...32).contains(table.columnCount) else {
                throw InputError("--near-nullspace-vectors: give 1…32 vectors (columns), found \(table.columnCount)")
            }
            try MemoryBudget().requireArray(shape: [table.columnCount, table.rowCount], bytesPerElement: 8, what: "--near-nullspace-vectors")
            var vectors = [[Double]](repeating: [Double](repeating: 0, count: table.rowCount), count: table.columnCount)
            for i in 0..<table.rowCount { for k in table.rowOffsets[i]..<table.rowOffsets[i + 1] { vectors[table.columnIndices[k]][i] = table.values[k] } }
            return .vectors(vectors)
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
