import Foundation
import SparseSolvers
import LearnedSolvers

/// What a `pdekit_solver *` points to: a method, its options, and what it keeps between calls
/// (a GCRO-DR recycle space, a direct factorization or a preconditioner for the last matrix, the
/// last report).
final class SolverHandle {
    /// `PDEKIT_METHOD_*`.
    enum Method: Int32 {
        case direct = 0, conjugateGradient, gmres, gcrodr, dcdm
    }

    /// `PDEKIT_PRECONDITIONER_*`.
    enum PreconditionerKind: Int32 {
        case none = 0, jacobi, ssor, incompleteCholesky, incompleteLU
    }

    let method: Method
    var criterion = StoppingCriterion(relativeTolerance: 1e-8, maximumIterations: 10_000)
    var preconditionerKind = PreconditionerKind.none
    var restart = 40
    var recycleDimension = 20
    /// The network and grid of a DCDM solver.
    var dcdm: (network: DCDMNetwork, grid: [Int])?

    /// GCRO-DR keeps its recycle space here between solves.
    private var recycling: GCRODR?
    /// The matrix (identity and value version) that `cached` was built for.
    private var cachedFor: (matrix: ObjectIdentifier, version: Int)?
    private var cachedPreconditioner: (any LinearOperator)?
    private var cachedFactorization: (any DirectFactorization)?

    private(set) var lastReport: SolveReport?
    /// The C string `pdekit_solver_method_name` returns (owned here, freed on replacement).
    private var methodNameBuffer: UnsafeMutablePointer<CChar>?
    let lock = NSLock()

    init(method: Method) { self.method = method }

    deinit { free(methodNameBuffer) }

    /// Forgets every cached object and the recycle space.
    func reset() {
        recycling = nil
        cachedFor = nil
        cachedPreconditioner = nil
        cachedFactorization = nil
    }

    func setRestart(_ restart: Int, recycleDimension: Int) throws {
        guard restart >= 2, restart <= 10_000 else { throw CAPIError.invalid("restart must be in [2, 10000], got \(restart)") }
        guard recycleDimension >= 1, recycleDimension < restart else {
            throw CAPIError.invalid("recycle dimension must satisfy 1 ≤ k < restart (\(restart)), got \(recycleDimension)")
        }
        self.restart = restart
        self.recycleDimension = recycleDimension
        recycling = nil
    }

    /// Solves A x = b; returns the solution and fills `lastReport`.
    func solve(_ handle: MatrixHandle, b: [Double], initialGuess: [Double]?) throws -> [Double] {
        let (a, version) = handle.lock.withLock { (handle.matrix, handle.version) }
        guard a.isSquare else { throw CAPIError.shape("matrix is \(a.rowCount)×\(a.columnCount), not square") }
        guard b.count == a.rowCount else { throw CAPIError.shape("right-hand side has \(b.count) values, the matrix \(a.rowCount) rows") }
        guard b.allSatisfy({ $0.isFinite }) else { throw CAPIError.invalid("right-hand side contains NaN or infinity") }
        if let initialGuess, !initialGuess.allSatisfy({ $0.isFinite }) { throw CAPIError.invalid("initial guess contains NaN or infinity") }
        let key = (ObjectIdentifier(handle), version)
        let matrixChanged = cachedFor.map { $0.matrix != key.0 || $0.version != key.1 } ?? true
        if matrixChanged {
            cachedPreconditioner = nil
            cachedFactorization = nil
        }
        defer { cachedFor = key }

        let result: SolveResult
        switch method {
        case .direct:
            let start = ContinuousClock.now
            if cachedFactorization == nil { cachedFactorization = try Self.factorize(a) }
            let factorization = cachedFactorization!
            let x = try factorization.solve(b)
            let bNorm = VectorOperations.norm(b)
            let r = VectorOperations.norm(VectorOperations.residual(a, x, b))
            let relative = bNorm > 0 ? r / bNorm : r
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            result = SolveResult(solution: x, report: SolveReport(
                outcome: r <= criterion.threshold(rightHandSideNorm: bNorm) ? .converged : .stagnation,
                iterations: 0, residualNorms: [], relativeResidual: relative, method: factorization.name,
                seconds: seconds, operatorApplications: 1))
        case .conjugateGradient:
            result = ConjugateGradient(criterion: criterion, preconditioner: try preconditioner(for: a)).solve(a, rightHandSide: b, initialGuess: initialGuess)
        case .gmres:
            result = GMRES(restart: restart, criterion: criterion, preconditioner: try preconditioner(for: a)).solve(a, rightHandSide: b, initialGuess: initialGuess)
        case .gcrodr:
            // The preconditioner must stay fixed over a recycled sequence: build it once, from the first matrix.
            if recycling == nil {
                recycling = GCRODR(restart: restart, recycledCount: recycleDimension, criterion: criterion, preconditioner: try preconditioner(for: a))
            }
            let solver = recycling!
            solver.criterion = criterion
            result = solver.solve(a, rightHandSide: b, initialGuess: initialGuess, operatorChanged: matrixChanged)
        case .dcdm:
            guard let dcdm else { throw CAPIError.invalid("DCDM needs a network: call pdekit_solver_set_dcdm_model first") }
            let gridPoints = try checkedProduct(dcdm.grid, "DCDM grid \(dcdm.grid)")
            guard gridPoints == a.rowCount else {
                throw CAPIError.shape("DCDM grid \(dcdm.grid) has \(gridPoints) points but the matrix has \(a.rowCount) rows")
            }
            let mask = DCDMDirectionOperator.inferredFluidMask(of: a, rightHandSide: b)
            let directions = try DCDMDirectionOperator(network: dcdm.network, dimensions: dcdm.grid, fluidMask: mask)
            result = DeepConjugateDirection(directions: directions, criterion: criterion).solve(a, rightHandSide: b, initialGuess: initialGuess)
        }
        lastReport = result.report
        free(methodNameBuffer)
        methodNameBuffer = strdup(result.report.method)
        return result.solution
    }

    var methodName: UnsafePointer<CChar>? { methodNameBuffer.map { UnsafePointer($0) } }

    /// Columns of the kept GCRO-DR recycle space.
    var recycledDimension: Int { recycling?.recycledDimension ?? 0 }

    private func preconditioner(for a: CSRMatrix) throws -> (any LinearOperator)? {
        if let cachedPreconditioner { return cachedPreconditioner }
        let built: (any LinearOperator)?
        switch preconditionerKind {
        case .none: built = nil
        case .jacobi: built = try JacobiPreconditioner(a)
        case .ssor: built = try SSORPreconditioner(a)
        case .incompleteCholesky: built = try IncompleteCholesky(a)
        case .incompleteLU: built = try IncompleteLU(a)
        }
        cachedPreconditioner = built
        return built
    }

    /// CHOLMOD when A is symmetric and the Cholesky factorization succeeds (A is positive definite),
    /// UMFPACK LU otherwise.
    private static func factorize(_ a: CSRMatrix) throws -> any DirectFactorization {
        try a.validateFinite()
        if a.isSymmetric(relativeTolerance: 1e-14), let cholesky = try? CholeskyFactorization(a) { return cholesky }
        return try LUFactorization(a)
    }
}

/// The two direct factorizations behind `PDEKIT_METHOD_DIRECT`.
protocol DirectFactorization {
    var name: String { get }
    func solve(_ b: [Double]) throws -> [Double]
}

extension CholeskyFactorization: DirectFactorization { var name: String { "CHOLMOD Cholesky" } }
extension LUFactorization: DirectFactorization { var name: String { "UMFPACK LU" } }

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
        guard let method = SolverHandle.Method(rawValue: method) else {
            throw CAPIError.invalid("unknown method \(method) (expected PDEKIT_METHOD_DIRECT … PDEKIT_METHOD_DCDM, 0 … 4)")
        }
        out.pointee = OpaquePointer(Unmanaged.passRetained(SolverHandle(method: method)).toOpaque())
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
        handle.criterion = StoppingCriterion(relativeTolerance: relativeTolerance, maximumIterations: Int(maxIterations))
        return .ok
    }
}

@_cdecl("pdekit_solver_set_preconditioner")
public func pdekit_solver_set_preconditioner(_ solver: OpaquePointer?, _ preconditioner: Int32) -> Int32 {
    withSolver(solver) { handle in
        guard let kind = SolverHandle.PreconditionerKind(rawValue: preconditioner) else {
            throw CAPIError.invalid("unknown preconditioner \(preconditioner) (expected 0 … 4)")
        }
        guard kind == .none || [.conjugateGradient, .gmres, .gcrodr].contains(handle.method) else {
            throw CAPIError.invalid("this method takes no preconditioner (only CG, GMRES and GCRO-DR do)")
        }
        handle.preconditionerKind = kind
        handle.reset()
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
        guard handle.method == .dcdm else { throw CAPIError.invalid("pdekit_solver_set_dcdm_model needs a PDEKIT_METHOD_DCDM solver") }
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
        handle.dcdm = (network, sizes)
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
