import CHypre

/// hypre's BoomerAMG or ILUT as a preconditioner M⁻¹ for every Krylov method (through `LinearOperator`).
///
/// ```
/// init(A, options):  A → hypre ParCSR (one process, MPI_COMM_SELF), then BoomerAMG set-up
///                    (hierarchy) or ILUT factors
/// apply(r):          z = M⁻¹ r, one application from z = 0 (`cycles` V-cycles for AMG)
/// ```
/// The C layer is `CHypre` (Sources/CHypre); hypre's global state makes every call serialized.
/// hypre runs on MPI, which belongs to the host program: the library never initializes it. Without an
/// initialized MPI, `init` throws `PreconditionerError.mpiNotInitialized` (the `pdekit` CLI initializes
/// MPI through `MPIRuntime.initializeForHypre()`; a C host calls `MPI_Init`).
/// An application that fails inside hypre writes NaN, which every Krylov method reports as a breakdown.
///
/// Complexity: AMG set-up and a cycle are O(nnz) with the operator complexity as constant; ILUT
/// set-up O(n p²), apply O(n p). References: see `AlgebraicMultigridOptions`, `ThresholdILUOptions`.
public final class HyprePreconditioner: NamedPreconditioner, @unchecked Sendable {
    public let rowCount: Int
    public var columnCount: Int { rowCount }
    public let preconditionerName: String
    private let handle: OpaquePointer

    /// BoomerAMG for A. Throws `SolverConfigurationError` for invalid options and
    /// `PreconditionerError.hypre` when hypre refuses the matrix.
    public convenience init(_ a: CSRMatrix, amg options: AlgebraicMultigridOptions) throws {
        try options.validate(rowCount: a.rowCount)
        let options = options.resolved(for: a)
        let vectors = options.nearNullspaceVectors() ?? []
        try self.init(a, settings: Self.settings(amg: options, nullspaceCount: vectors.count), nullspace: vectors.flatMap { $0 }, name: options.name)
    }

    /// ILUT for A.
    public convenience init(_ a: CSRMatrix, thresholdILU options: ThresholdILUOptions) throws {
        try options.validate()
        try self.init(a, settings: Self.settings(thresholdILU: options), nullspace: [], name: options.name)
    }

    /// Whether MPI is initialized (and not finalized) in this process: hypre needs it.
    public static var mpiIsInitialized: Bool { pdekit_hypre_mpi_initialized() != 0 }

    /// The C layer's settings for BoomerAMG (also used by `DistributedHypreSolver`); `options` are
    /// `resolved(for:)` the matrix (`.automatic` counts as Gauss–Seidel here).
    static func settings(amg options: AlgebraicMultigridOptions, nullspaceCount: Int) -> pdekit_hypre_options {
        var settings = pdekit_hypre_options()
        settings.method = PDEKIT_HYPRE_BOOMERAMG
        settings.amg_variant = switch options.variant {
        case .classical: PDEKIT_HYPRE_AMG_CLASSICAL
        case .aggregation: PDEKIT_HYPRE_AMG_AGGRESSIVE
        case .air: PDEKIT_HYPRE_AMG_AIR
        }
        settings.smoother = switch options.smoother {
        case .gaussSeidel, .automatic: PDEKIT_HYPRE_SMOOTHER_SYMMETRIC_GAUSS_SEIDEL
        case .l1Jacobi: PDEKIT_HYPRE_SMOOTHER_L1_JACOBI
        case .chebyshev: PDEKIT_HYPRE_SMOOTHER_CHEBYSHEV
        }
        settings.cycles = Int32(options.cycles)
        settings.strong_threshold = options.strongThreshold
        settings.functions = Int32(options.unknownsPerNode)
        settings.nullspace_count = Int32(nullspaceCount)
        return settings
    }

    /// The C layer's settings for ILUT.
    static func settings(thresholdILU options: ThresholdILUOptions) -> pdekit_hypre_options {
        var settings = pdekit_hypre_options()
        settings.method = PDEKIT_HYPRE_ILU
        settings.drop_tolerance = options.dropTolerance
        settings.max_row_fill = Int32(options.maximumRowFill)
        settings.cycles = 1
        settings.functions = 1
        return settings
    }

    /// The error for a nonzero status of the C layer.
    static func error(status: Int32, message: [CChar]) -> PreconditionerError {
        if status == PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED { return .mpiNotInitialized }
        return .hypre(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    private init(_ a: CSRMatrix, settings: pdekit_hypre_options, nullspace: [Double], name: String) throws {
        guard a.isSquare else { throw PreconditionerError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        guard a.rowCount >= 1, a.rowCount < Int(Int32.max), a.entryCount < Int(Int32.max) else {
            throw PreconditionerError.hypre("hypre is built with 32-bit indices: at most 2^31 − 1 rows and entries (got \(a.rowCount) rows, \(a.entryCount) entries)")
        }
        _ = try diagonalPositions(a)
        HypreThreadedProducts.prepare()
        var settings = settings
        var message = [CChar](repeating: 0, count: 512)
        var created: OpaquePointer?
        let status = a.rowOffsets.withUnsafeBufferPointer { rp in
            a.columnIndices.withUnsafeBufferPointer { cp in
                a.values.withUnsafeBufferPointer { vp in
                    nullspace.withUnsafeBufferPointer { np in
                        settings.nullspace = np.baseAddress
                        return rp.withMemoryRebound(to: Int64.self) { r64 in
                            cp.withMemoryRebound(to: Int64.self) { c64 in
                                pdekit_hypre_create(Int64(a.rowCount), r64.baseAddress, c64.baseAddress, vp.baseAddress,
                                                    &settings, &created, &message, Int32(message.count))
                            }
                        }
                    }
                }
            }
        }
        guard status == 0, let created else { throw Self.error(status: status, message: message) }
        handle = created
        rowCount = a.rowCount
        preconditionerName = name
    }

    deinit { pdekit_hypre_free(handle) }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == rowCount && y.count == rowCount, "HyprePreconditioner.apply: size mismatch")
        var message = (0 as CChar, 0 as CChar)   // the message is not needed here: NaN says it
        let status = withUnsafeMutableBytes(of: &message) { m in
            pdekit_hypre_apply(handle, x.baseAddress, y.baseAddress, m.baseAddress!.assumingMemoryBound(to: CChar.self), 2)
        }
        if status != 0 { for i in 0..<y.count { y[i] = .nan } }
    }
}
