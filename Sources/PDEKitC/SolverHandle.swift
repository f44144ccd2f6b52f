import Foundation
import SparseSolvers
import LearnedSolvers

/// What a `pdekit_solver *` points to: a `SolverConfiguration`, the `LinearSolver` made from it,
/// and which matrix (handle and value version) that solver is set up for. Setup (factorization,
/// preconditioner) runs only when the matrix handle or its values change; GCRO-DR keeps its
/// recycle space in the solver across matrices.
final class SolverHandle {
    /// `PDEKIT_METHOD_*` codes (the ABI), in code order.
    static let methodCodes: [SolverConfiguration.Method] = [.direct, .conjugateGradient, .gmres, .gcrodr, .dcdm, .minres, .flexibleGMRES, .biCGStab]
    /// `PDEKIT_PRECONDITIONER_*` codes (the ABI), in code order.
    static let preconditionerCodes: [SolverConfiguration.Preconditioner] = [.none, .jacobi, .ssor, .incompleteCholesky, .incompleteLU,
                                                                             .multigrid, .amg, .thresholdILU]
    /// `PDEKIT_AMG_*` codes.
    static let amgVariantCodes: [AlgebraicMultigridOptions.Variant] = [.classical, .aggregation, .air]
    /// `PDEKIT_AMG_SMOOTHER_*` codes.
    static let amgSmootherCodes: [AlgebraicMultigridOptions.Smoother] = [.automatic, .gaussSeidel, .l1Jacobi, .chebyshev]

    private(set) var configuration: SolverConfiguration
    /// The network of a DCDM solver.
    private var dcdmNetwork: DCDMNetwork?
    /// The solver for `configuration`, made at the first solve after a change of options.
    private var solver: (any LinearSolver)?
    /// The matrix (identity and value version) `solver` is set up for.
    private var setUpFor: (matrix: ObjectIdentifier, version: Int)?

    private(set) var lastReport: SolveReport?
    /// The C string `pdekit_solver_method_name` returns (owned here, freed on replacement).
    private var methodNameBuffer: UnsafeMutablePointer<CChar>?
    let lock = NSLock()

    init(method: SolverConfiguration.Method) { configuration = SolverConfiguration(method: method) }

    deinit { free(methodNameBuffer) }

    /// Forgets the set-up matrix, factorizations, preconditioner and the recycle space.
    func reset() {
        solver?.reset()
        setUpFor = nil
    }

    /// Applies a changed configuration after validating it; the solver is rebuilt at the next solve.
    private func reconfigure(_ change: (inout SolverConfiguration) -> Void) throws {
        var changed = configuration
        change(&changed)
        try changed.validate()
        configuration = changed
        solver = nil
        setUpFor = nil
    }

    func setCriterion(_ criterion: StoppingCriterion) throws {
        if let solver {
            try solver.changeCriterion(criterion)  // keeps factorizations and the recycle space
            configuration = solver.configuration
        } else {
            try reconfigure {
                $0.relativeTolerance = criterion.relativeTolerance
                $0.maximumIterations = criterion.maximumIterations
            }
        }
    }

    func setPreconditioner(_ preconditioner: SolverConfiguration.Preconditioner) throws {
        try reconfigure { $0.preconditioner = preconditioner }
    }

    func setGrid(_ grid: [Int]) throws {
        _ = try SolverConfiguration.pointCount(of: grid)
        try reconfigure { $0.grid = grid }
    }

    /// The AMG options, keeping the smoother set by `setAMGSmoother`.
    func setAMG(_ options: AlgebraicMultigridOptions) throws {
        var options = options
        options.smoother = configuration.amg.smoother
        try options.validate(rowCount: nil)
        try reconfigure { $0.amg = options }
    }

    func setAMGSmoother(_ smoother: AlgebraicMultigridOptions.Smoother) throws {
        var options = configuration.amg
        options.smoother = smoother
        try options.validate(rowCount: nil)
        try reconfigure { $0.amg = options }
    }

    func setThresholdILU(_ options: ThresholdILUOptions) throws {
        try options.validate()
        try reconfigure { $0.thresholdILU = options }
    }

    func setRestart(_ restart: Int, recycleDimension: Int) throws {
        guard restart >= 2, restart <= 10_000 else { throw CAPIError.invalid("restart must be in [2, 10000], got \(restart)") }
        guard recycleDimension >= 1, recycleDimension < restart else {
            throw CAPIError.invalid("recycle dimension must satisfy 1 ≤ k < restart (\(restart)), got \(recycleDimension)")
        }
        try reconfigure { $0.restart = restart; $0.recycledCount = recycleDimension }
    }

    func setDCDM(network: DCDMNetwork, grid: [Int]) throws {
        _ = try DCDMLinearSolver(configuration: { var c = configuration; c.grid = grid; return c }(), network: network)
        try reconfigure { $0.grid = grid }
        dcdmNetwork = network
    }

    /// Solves A x = b; returns the solution and fills `lastReport`.
    func solve(_ handle: MatrixHandle, b: [Double], initialGuess: [Double]?) throws -> [Double] {
        let (a, version) = handle.lock.withLock { (handle.matrix, handle.version) }
        guard a.isSquare else { throw CAPIError.shape("matrix is \(a.rowCount)×\(a.columnCount), not square") }
        guard b.count == a.rowCount else { throw CAPIError.shape("right-hand side has \(b.count) values, the matrix \(a.rowCount) rows") }
        let solver: any LinearSolver
        if let existing = self.solver {
            solver = existing
        } else if configuration.method == .dcdm {
            guard let dcdmNetwork else { throw CAPIError.invalid("DCDM needs a network: call pdekit_solver_set_dcdm_model first") }
            solver = try DCDMLinearSolver(configuration: configuration, network: dcdmNetwork)
        } else {
            solver = try configuration.makeSolver()
        }
        self.solver = solver
        let key = (ObjectIdentifier(handle), version)
        if setUpFor.map({ $0.matrix != key.0 || $0.version != key.1 }) ?? true {
            setUpFor = nil
            try solver.setup(a)
            setUpFor = key
        }
        let result = try solver.solve(b, initialGuess: initialGuess)
        lastReport = result.report
        free(methodNameBuffer)
        methodNameBuffer = strdup(result.report.method)
        return result.solution
    }

    var methodName: UnsafePointer<CChar>? { methodNameBuffer.map { UnsafePointer($0) } }

    /// Columns of the kept GCRO-DR recycle space.
    var recycledDimension: Int { (solver as? KrylovLinearSolver)?.recycledDimension ?? 0 }
}

// MARK: - C entry points

/// The handle behind a C pointer (not retained).
func solverHandle(_ solver: OpaquePointer?) throws -> SolverHandle {
    Unmanaged<SolverHandle>.fromOpaque(UnsafeRawPointer(try required(solver, "solver"))).takeUnretainedValue()
}

/// Runs `body` on a solver handle under its lock.
private func withSolver(_ solver: OpaquePointer?, _ body: (SolverHandle) throws -> CAPIStatus) -> Int32 {
    entryPoint {
        let handle = try solverHandle(solver)
        return try handle.lock.withLock { try body(handle) }
    }
}

@_cdecl("pdekit_solver_create")
public func pdekit_solver_create(_ method: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    entryPoint {
        let out = try required(out, "out")
        guard method >= 0, Int(method) < SolverHandle.methodCodes.count else {
            throw CAPIError.invalid("unknown method \(method) (expected PDEKIT_METHOD_DIRECT … PDEKIT_METHOD_BICGSTAB, 0 … \(SolverHandle.methodCodes.count - 1))")
        }
        out.pointee = OpaquePointer(Unmanaged.passRetained(SolverHandle(method: SolverHandle.methodCodes[Int(method)])).toOpaque())
        return .ok
    }
}

@_cdecl("pdekit_solver_free")
public func pdekit_solver_free(_ solver: OpaquePointer?) {
    guard let solver else { return }
    Unmanaged<SolverHandle>.fromOpaque(UnsafeRawPointer(solver)).release()
}

@_cdecl("pdekit_solver_set_tolerance")
public func pdekit_solver_set_tolerance(_ solver: OpaquePointer?, _ relativeTolerance: Double, _ maxIterations: Int64) -> Int32 {
    withSolver(solver) { handle in
        guard relativeTolerance.isFinite, relativeTolerance > 0 else {
            throw CAPIError.invalid("relative tolerance must be a positive finite number, got \(relativeTolerance)")
        }
        guard maxIterations >= 1, maxIterations <= Int64(Int32.max) else {
            throw CAPIError.invalid("max_iterations must be in [1, 2^31), got \(maxIterations)")
        }
        try handle.setCriterion(StoppingCriterion(relativeTolerance: relativeTolerance, maximumIterations: Int(maxIterations)))
        return .ok
    }
}

@_cdecl("pdekit_solver_set_preconditioner")
public func pdekit_solver_set_preconditioner(_ solver: OpaquePointer?, _ preconditioner: Int32) -> Int32 {
    withSolver(solver) { handle in
        guard preconditioner >= 0, Int(preconditioner) < SolverHandle.preconditionerCodes.count else {
            throw CAPIError.invalid("unknown preconditioner \(preconditioner) (expected 0 … \(SolverHandle.preconditionerCodes.count - 1))")
        }
        let chosen = SolverHandle.preconditionerCodes[Int(preconditioner)]
        // hypre runs on MPI, which the host owns: refused here already, not at the first solve.
        if chosen == .amg || chosen == .thresholdILU, !HyprePreconditioner.mpiIsInitialized { throw PreconditionerError.mpiNotInitialized }
        try handle.setPreconditioner(chosen)
        return .ok
    }
}

@_cdecl("pdekit_solver_set_restart")
public func pdekit_solver_set_restart(_ solver: OpaquePointer?, _ restart: Int64, _ recycleDimension: Int64) -> Int32 {
    withSolver(solver) { handle in
        try handle.setRestart(Int(clamping: restart), recycleDimension: Int(clamping: recycleDimension))
        return .ok
    }
}

@_cdecl("pdekit_solver_set_dcdm_model")
public func pdekit_solver_set_dcdm_model(_ solver: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                         _ grid: UnsafePointer<Int64>?, _ gridRank: Int32) -> Int32 {
    withSolver(solver) { handle in
        guard handle.configuration.method == .dcdm else { throw CAPIError.invalid("pdekit_solver_set_dcdm_model needs a PDEKIT_METHOD_DCDM solver") }
        let path = String(cString: try required(path, "path"))
        let grid = try required(grid, "grid")
        guard gridRank == 2 || gridRank == 3 else { throw CAPIError.shape("DCDM grid rank must be 2 or 3, got \(gridRank)") }
        let sizes = UnsafeBufferPointer(start: grid, count: Int(gridRank)).map { Int($0) }
        guard sizes.allSatisfy({ $0 >= 2 && $0 <= 1 << 14 }) else { throw CAPIError.shape("DCDM grid sizes \(sizes) must be at least 2") }
        guard FileManager.default.fileExists(atPath: path) else { throw CAPIError.io("no DCDM network at \(path)") }
        let network = try DCDMNetwork.load(from: URL(fileURLWithPath: path)).network
        guard network.configuration.spatialRank == sizes.count else {
            throw CAPIError.shape("the network is \(network.configuration.spatialRank)-D but the grid has rank \(sizes.count)")
        }
        try handle.setDCDM(network: network, grid: sizes)
        return .ok
    }
}

@_cdecl("pdekit_solver_set_grid")
public func pdekit_solver_set_grid(_ solver: OpaquePointer?, _ grid: UnsafePointer<Int64>?, _ gridRank: Int32) -> Int32 {
    withSolver(solver) { handle in
        let grid = try required(grid, "grid")
        guard gridRank == 2 || gridRank == 3 else { throw CAPIError.shape("grid rank must be 2 or 3, got \(gridRank)") }
        let sizes = UnsafeBufferPointer(start: grid, count: Int(gridRank)).map { Int(clamping: $0) }
        guard sizes.allSatisfy({ $0 >= 1 }) else { throw CAPIError.shape("grid sizes \(sizes) must be at least 1") }
        try handle.setGrid(sizes)
        return .ok
    }
}

@_cdecl("pdekit_solver_set_amg")
public func pdekit_solver_set_amg(_ solver: OpaquePointer?, _ variant: Int32, _ strongThreshold: Double, _ unknownsPerNode: Int32,
                                  _ nullspace: UnsafePointer<Double>?, _ nullspaceCount: Int32, _ rows: Int64) -> Int32 {
    withSolver(solver) { handle in
        guard variant >= 0, Int(variant) < SolverHandle.amgVariantCodes.count else {
            throw CAPIError.invalid("unknown AMG variant \(variant) (expected 0 … \(SolverHandle.amgVariantCodes.count - 1))")
        }
        var options = AlgebraicMultigridOptions(variant: SolverHandle.amgVariantCodes[Int(variant)], strongThreshold: strongThreshold,
                                                unknownsPerNode: Int(unknownsPerNode))
        if nullspaceCount != 0 {
            guard nullspaceCount > 0, nullspaceCount <= 32 else { throw CAPIError.invalid("nullspace_count must be in 0 … 32, got \(nullspaceCount)") }
            let values = try required(nullspace, "nullspace")
            let n = try PDEKitC.count(rows, "rows")
            let (total, overflow) = n.multipliedReportingOverflow(by: Int(nullspaceCount))
            guard !overflow else { throw CAPIError.shape("rows × nullspace_count overflows") }
            let all = UnsafeBufferPointer(start: values, count: total)
            options.nearNullspace = .vectors((0..<Int(nullspaceCount)).map { k in Array(all[(k * n)..<((k + 1) * n)]) })
        }
        try handle.setAMG(options)
        return .ok
    }
}

@_cdecl("pdekit_solver_set_amg_smoother")
public func pdekit_solver_set_amg_smoother(_ solver: OpaquePointer?, _ smoother: Int32) -> Int32 {
    withSolver(solver) { handle in
        guard smoother >= 0, Int(smoother) < SolverHandle.amgSmootherCodes.count else {
            throw CAPIError.invalid("unknown AMG smoother \(smoother) (expected 0 … \(SolverHandle.amgSmootherCodes.count - 1))")
        }
        try handle.setAMGSmoother(SolverHandle.amgSmootherCodes[Int(smoother)])
        return .ok
    }
}

@_cdecl("pdekit_solver_set_ilut")
public func pdekit_solver_set_ilut(_ solver: OpaquePointer?, _ dropTolerance: Double, _ maxRowFill: Int32) -> Int32 {
    withSolver(solver) { handle in
        try handle.setThresholdILU(ThresholdILUOptions(dropTolerance: dropTolerance, maximumRowFill: Int(maxRowFill)))
        return .ok
    }
}

@_cdecl("pdekit_solver_reset")
public func pdekit_solver_reset(_ solver: OpaquePointer?) -> Int32 {
    withSolver(solver) { handle in
        handle.reset()
        return .ok
    }
}

@_cdecl("pdekit_solver_solve")
public func pdekit_solver_solve(_ solver: OpaquePointer?, _ matrix: OpaquePointer?, _ b: UnsafePointer<Double>?,
                                _ x: UnsafeMutablePointer<Double>?, _ count: Int64, _ useInitialGuess: Int32) -> Int32 {
    withSolver(solver) { handle in
        let matrix = try matrixHandle(matrix)
        let b = try required(b, "b"), x = try required(x, "x")
        let n = try PDEKitC.count(count, "count")
        let guess = useInitialGuess != 0 ? Array(UnsafeBufferPointer(start: x, count: n)) : nil
        let solution = try handle.solve(matrix, b: Array(UnsafeBufferPointer(start: b, count: n)), initialGuess: guess)
        _ = UnsafeMutableBufferPointer(start: x, count: n).update(from: solution)
        guard let report = handle.lastReport, report.converged else {
            let report = handle.lastReport
            throw CAPIError(status: .notConverged,
                            description: "\(report?.method ?? "solver") did not converge: \(report?.outcome.rawValue ?? "unknown") after \(report?.iterations ?? 0) iterations, relative residual \(report?.relativeResidual ?? .nan)")
        }
        return .ok
    }
}

@_cdecl("pdekit_solver_report")
public func pdekit_solver_report(_ solver: OpaquePointer?, _ outcome: UnsafeMutablePointer<Int32>?, _ iterations: UnsafeMutablePointer<Int64>?,
                                 _ relativeResidual: UnsafeMutablePointer<Double>?, _ seconds: UnsafeMutablePointer<Double>?) -> Int32 {
    withSolver(solver) { handle in
        let report = handle.lastReport
        let code: Int32 = switch report?.outcome {
        case nil: 0
        case .converged: 1
        case .iterationLimit: 2
        case .breakdown: 3
        case .stagnation: 4
        case .leastSquares: 5
        }
        outcome?.pointee = code
        iterations?.pointee = Int64(report?.iterations ?? 0)
        relativeResidual?.pointee = report?.relativeResidual ?? .nan
        seconds?.pointee = report?.seconds ?? 0
        return .ok
    }
}

@_cdecl("pdekit_solver_residual_history")
public func pdekit_solver_residual_history(_ solver: OpaquePointer?, _ history: UnsafeMutablePointer<Double>?,
                                           _ capacity: Int64, _ length: UnsafeMutablePointer<Int64>?) -> Int32 {
    withSolver(solver) { handle in
        let length = try required(length, "length")
        let norms = handle.lastReport?.residualNorms ?? []
        let capacity = try count(capacity, "capacity")
        if capacity > 0 {
            let history = try required(history, "history")
            for index in 0..<min(capacity, norms.count) { history[index] = norms[index] }
        }
        length.pointee = Int64(norms.count)
        return .ok
    }
}

@_cdecl("pdekit_solver_method_name")
public func pdekit_solver_method_name(_ solver: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = try? solverHandle(solver) else { return nil }
    return handle.lock.withLock { handle.methodName ?? UnsafePointer(LastError.emptyString) }
}

@_cdecl("pdekit_solver_recycled_dimension")
public func pdekit_solver_recycled_dimension(_ solver: OpaquePointer?, _ dimension: UnsafeMutablePointer<Int64>?) -> Int32 {
    withSolver(solver) { handle in
        try required(dimension, "dimension").pointee = Int64(handle.recycledDimension)
        return .ok
    }
}
