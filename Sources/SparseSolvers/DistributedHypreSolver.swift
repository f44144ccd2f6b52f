import CHypre

/// One linear system A x = b solved across the ranks of an MPI job with hypre (`mpirun -np R pdekit solve`).
///
/// ```
/// rows:   rank r of R holds the contiguous block of nodes ⌊r N/R⌋ … ⌊(r+1) N/R⌋ − 1 (N = n / unknowns
///         per node, so a node's unknowns stay together), as hypre IJ matrix and vector rows
/// solve:  hypre's PCG, GMRES(m), FlexGMRES(m) or BiCGSTAB, preconditioned by BoomerAMG (parallel
///         coarsening and smoothing), ILUT (block Jacobi over ranks: each rank factors its diagonal
///         block) or nothing, from x₀ = 0; hypre's dot products are allreduce'd over the ranks
/// result: every rank receives the whole x (allgather); the report's relative residual is the true
///         ‖b − A x‖ / ‖b‖ computed from the whole matrix, which decides the outcome
/// ```
/// Every rank passes the same whole matrix and right-hand side (each reads the file) and keeps only its
/// rows for hypre. MPI must be initialized by the host (`MPIRuntime`); the call is collective.
/// Methods hypre has no parallel counterpart for here (direct, MINRES, GCRO-DR, DCDM) and the other
/// preconditioners are refused by ``check(_:)`` with one line.
public enum DistributedHypreSolver {
    /// This process's rank and the number of ranks, or nil when MPI is not initialized.
    public static var world: (rank: Int, size: Int)? {
        var rank: Int32 = 0, size: Int32 = 1
        guard pdekit_hypre_world(&rank, &size) == 0 else { return nil }
        return (Int(rank), Int(size))
    }

    /// Runs `body` on every rank, then the ranks agree (collective, `pdekit_hypre_agree`): when it threw
    /// on any rank, every rank throws — the failing rank its own error, the others
    /// ``DistributedSolveError/otherRankFailed(_:)`` naming the lowest failing rank and its message —
    /// so that no rank waits in a collective the others have left. Steps that can fail on one rank
    /// alone (reading its files) run inside it.
    public static func agreeing<T>(_ body: () throws -> T) throws -> T {
        let outcome = Result { try body() }
        var message = [CChar](repeating: 0, count: 512)
        if case let .failure(error) = outcome {
            let text = Array(String(describing: error).utf8.prefix(message.count - 1))
            for (i, byte) in text.enumerated() { message[i] = CChar(bitPattern: byte) }
        }
        let failed: Int32 = if case .failure = outcome { 1 } else { 0 }
        let status = pdekit_hypre_agree(failed, &message, Int32(message.count))
        if case let .failure(error) = outcome { throw error }
        guard status == 0 else {
            if status == PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED { throw PreconditionerError.mpiNotInitialized }
            throw DistributedSolveError.otherRankFailed(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return try outcome.get()
    }

    /// Refuses a configuration that cannot run across ranks.
    public static func check(_ configuration: SolverConfiguration) throws(DistributedSolveError) {
        guard krylovCode(configuration.method) != nil else { throw .methodNotDistributed(configuration.method) }
        guard [.none, .amg, .thresholdILU].contains(configuration.preconditioner) else {
            throw .preconditionerNotDistributed(configuration.preconditioner)
        }
    }

    /// Solves A x = b across the ranks of MPI_COMM_WORLD (collective; see the type's description).
    /// Returns x with the report (its `seconds`: the Krylov solve) and the seconds of the set-up
    /// (hypre matrix assembly and preconditioner).
    public static func solve(_ a: CSRMatrix, _ b: [Double], configuration: SolverConfiguration) throws -> (result: SolveResult, setupSeconds: Double) {
        guard let (rank, size) = world else { throw PreconditionerError.mpiNotInitialized }
        let n = a.rowCount
        // Checks that may fail on one rank alone (its own copy of the input) end in an agreement.
        let (first, last, checkedSettings, nullspace) = try agreeing { () throws -> (Int, Int, pdekit_hypre_options, [Double]) in
            try check(configuration)
            try configuration.validate(rowCount: n)
            try LinearSolverInput.checkMatrix(a, configuration)
            _ = try LinearSolverInput.checkVectors(b, nil, rowCount: n)
            let perNode = configuration.preconditioner == .amg ? configuration.amg.unknownsPerNode : 1
            guard n % perNode == 0 else {
                throw SolverConfigurationError.invalidMultigridOption("--unknowns-per-node \(perNode) does not divide the \(n) rows")
            }
            let nodes = n / perNode
            guard nodes >= size else { throw DistributedSolveError.tooFewRows(rows: n, ranks: size) }
            // ⌊r N / R⌋ without overflow: N < 2^31 (hypre's indices) and R < 2^31.
            let first = rank * nodes / size * perNode, last = (rank + 1) * nodes / size * perNode
            switch configuration.preconditioner {
            case .amg:
                try configuration.amg.validate(rowCount: n)
                _ = try diagonalPositions(a)
                let vectors = configuration.amg.nearNullspaceVectors() ?? []
                return (first, last, HyprePreconditioner.settings(amg: configuration.amg.resolved(for: a), nullspaceCount: vectors.count),
                        vectors.flatMap { $0[first..<last] })
            case .thresholdILU:
                try configuration.thresholdILU.validate()
                _ = try diagonalPositions(a)
                return (first, last, HyprePreconditioner.settings(thresholdILU: configuration.thresholdILU), [])
            default:
                var none = pdekit_hypre_options()
                none.method = PDEKIT_HYPRE_NONE
                return (first, last, none, [])
            }
        }
        let local = last - first
        var settings = checkedSettings
        var krylov = pdekit_hypre_krylov_options()
        krylov.method = krylovCode(configuration.method)!
        krylov.relative_tolerance = configuration.relativeTolerance
        krylov.max_iterations = Int32(clamping: configuration.maximumIterations)
        krylov.restart = Int32(clamping: configuration.restart)

        // This rank's rows, with offsets from 0 and global column indices.
        let base = a.rowOffsets[first]
        let offsets = a.rowOffsets[first...last].map { Int64($0 - base) }
        let columns = a.columnIndices[base..<a.rowOffsets[last]].map(Int64.init)
        let values = Array(a.values[base..<a.rowOffsets[last]])
        let bLocal = Array(b[first..<last])
        var x = [Double](repeating: 0, count: n)
        var iterations: Int32 = 0
        var setupSeconds = 0.0
        var message = [CChar](repeating: 0, count: 512)
        HypreThreadedProducts.prepare()
        let clock = ContinuousClock()
        let start = clock.now
        let status = nullspace.withUnsafeBufferPointer { np in
            settings.nullspace = np.baseAddress
            return pdekit_hypre_distributed_solve(Int64(n), Int64(first), Int64(local), offsets, columns, values, bLocal,
                                                  &settings, &krylov, &x, &iterations, &setupSeconds, &message, Int32(message.count))
        }
        let elapsed = clock.now - start
        guard status == 0 else { throw HyprePreconditioner.error(status: status, message: message) }

        let residual = VectorOperations.norm(VectorOperations.residual(a, x, b))
        let bNorm = VectorOperations.norm(b)
        let relative = bNorm > 0 ? residual / bNorm : residual
        let outcome: SolveOutcome = relative <= configuration.relativeTolerance ? .converged
            : (Int(iterations) >= configuration.maximumIterations ? .iterationLimit : .stagnation)
        let preconditionerName = switch configuration.preconditioner {
        case .amg: " + " + configuration.amg.resolved(for: a).name
        case .thresholdILU: " + " + configuration.thresholdILU.name
        default: ""
        }
        let report = SolveReport(
            outcome: outcome, iterations: Int(iterations), residualNorms: [], relativeResidual: relative,
            method: "hypre \(configuration.method.rawValue)\(preconditionerName) across \(size) ranks", seconds: max(0, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18 - setupSeconds),
            operatorApplications: Int(iterations))
        return (SolveResult(solution: x, report: report), setupSeconds)
    }

    private static func krylovCode(_ method: SolverConfiguration.Method) -> Int32? {
        switch method {
        case .conjugateGradient: PDEKIT_HYPRE_KRYLOV_CG
        case .gmres: PDEKIT_HYPRE_KRYLOV_GMRES
        case .flexibleGMRES: PDEKIT_HYPRE_KRYLOV_FLEXIBLE_GMRES
        case .biCGStab: PDEKIT_HYPRE_KRYLOV_BICGSTAB
        case .direct, .minres, .gcrodr, .dcdm: nil
        }
    }
}

/// Why a solve across ranks was refused; each prints as one line.
public enum DistributedSolveError: Error, Equatable, Sendable, CustomStringConvertible {
    case methodNotDistributed(SolverConfiguration.Method)
    case preconditionerNotDistributed(SolverConfiguration.Preconditioner)
    case tooFewRows(rows: Int, ranks: Int)
    /// Another rank failed ("rank r of R: its message"); this rank stops with it.
    case otherRankFailed(String)

    public var description: String {
        switch self {
        case let .methodNotDistributed(method):
            "--method \(method.rawValue) runs as one process; across ranks use cg, gmres, fgmres or bicgstab (hypre's Krylov methods), or run without mpirun"
        case let .preconditionerNotDistributed(preconditioner):
            "--preconditioner \(preconditioner.rawValue) runs as one process; across ranks use amg, ilut or none, or run without mpirun"
        case let .tooFewRows(rows, ranks):
            "the matrix has \(rows) rows (or nodes), fewer than the \(ranks) ranks"
        case let .otherRankFailed(message):
            message
        }
    }
}
