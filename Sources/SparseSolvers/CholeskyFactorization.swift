import CSuiteSparse

/// Owns a `cholmod_common` workspace (started in init, finished in deinit).
final class CholmodWorkspace {
    let common: UnsafeMutablePointer<cholmod_common>
    init() {
        _ = CholmodParallelRegions.isBound
        common = .allocate(capacity: 1)
        cholmod_l_start(common)
        common.pointee.print = 0
        common.pointee.error_handler = nil
        // CHOLMOD chooses simplicial or supernodal from the analysis (simplicial is several times
        // faster on small 2-D grids, supernodal on large ones); simplicial factors are computed
        // as LLᵀ so a non-positive pivot is reported as not positive definite in both modes.
        common.pointee.supernodal = CHOLMOD_AUTO
        common.pointee.final_ll = 1
        // CHOLMOD's own supernode amalgamation (nrelax 4 / 16 / 48). Session 10 relaxed it to 16 / 64 / 256
        // to open fewer OpenMP regions; with CHOLMOD's regions run as plain calls
        // (`CholmodParallelRegions`) the default is faster and its factor half the size. Measured
        // (BENCHMARKS-scaling.md, session 11; CPU ms per factorization, relaxed → default): 128² Darcy
        // 1 thread 4.3 → 3.9 (L 11.6 → 5.4 MB), 2 threads 10.3 → 8.9; 256² 1 thread 26.9 → 24.2, its solve 7.9 → 4.5.
    }
    deinit {
        cholmod_l_finish(common)
        common.deallocate()
    }
}

/// Sparse Cholesky A = L Lᵀ (CHOLMOD, simplicial or supernodal as its analysis picks), with a
/// reusable symbolic analysis.
///
/// ```
/// analysis:       P (fill-reducing permutation, AMD/METIS), elimination tree, supernodes of L
/// factorization:  P A Pᵀ = L Lᵀ
/// solve:          x = Pᵀ L⁻ᵀ L⁻¹ P b
/// ```
/// The symbolic analysis depends only on the sparsity pattern: create it once, then call
/// `factorize(_:)` for every matrix with that pattern (e.g. a sequence of PDE coefficients).
///
/// Complexity: analysis about O(nnz(L)); factorization O(Σⱼ nnz(L₊ⱼ)²) flops; solve O(nnz(L)) per
/// right-hand side. For 2-D grids nnz(L) = O(n log n), for 3-D O(n^{4/3}).
/// References: Y. Chen, T. A. Davis, W. W. Hager, S. Rajamanickam, "Algorithm 887: CHOLMOD, supernodal
/// sparse Cholesky factorization and update/downdate", ACM TOMS 35(3), 2008.
public final class CholeskyFactorization: LinearOperator {
    let workspace = CholmodWorkspace()
    var factor: UnsafeMutablePointer<cholmod_factor>?
    /// A in CHOLMOD's form, kept from the analysis: a refactorization copies only the values into it.
    private var matrix: UnsafeMutablePointer<cholmod_sparse>?
    let rowOffsets: [Int]
    let columnIndices: [Int]
    public let rowCount: Int
    public var columnCount: Int { rowCount }
    /// True once a numeric factorization succeeded.
    public private(set) var isFactorized = false

    /// Symbolic analysis of the pattern of a symmetric matrix (no numeric factorization yet).
    /// A counts as symmetric when |aᵢⱼ − aⱼᵢ| ≤ `symmetryTolerance` · max|a|; CHOLMOD then reads its upper triangle.
    public init(analyzing a: CSRMatrix, symmetryTolerance: Double) throws {
        guard a.isSquare else { throw DirectSolverError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        guard a.isSymmetric(relativeTolerance: symmetryTolerance) else { throw DirectSolverError.notSymmetric }
        rowCount = a.rowCount
        rowOffsets = a.rowOffsets
        columnIndices = a.columnIndices
        let sparse = try makeSparse(a)
        matrix = sparse
        guard let f = cholmod_l_analyze(sparse, workspace.common) else {
            throw DirectSolverError.libraryFailure(library: "CHOLMOD analyze", status: Int(workspace.common.pointee.status))
        }
        factor = f
        // Small supernodes: one OpenBLAS thread (a waiting worker spins on the other core).
        CholmodBLASThreads.adapt(largestUpdateRows: largestUpdateRowCount)
    }

    /// Symbolic analysis of a matrix symmetric to 1e-14 relative.
    public convenience init(analyzing a: CSRMatrix) throws {
        try self.init(analyzing: a, symmetryTolerance: 1e-14)
    }

    /// Analysis and numeric factorization of a symmetric positive definite matrix.
    public convenience init(_ a: CSRMatrix) throws {
        try self.init(analyzing: a)
        try factorize(a)
    }

    deinit {
        if factor != nil { cholmod_l_free_factor(&factor, workspace.common) }
        if matrix != nil { cholmod_l_free_sparse(&matrix, workspace.common) }
    }

    /// Numeric (re)factorization of a matrix with the analyzed pattern, reusing the analysis.
    /// Throws `.notPositiveDefinite` if a pivot is not positive.
    public func factorize(_ a: CSRMatrix) throws {
        guard a.rowCount == rowCount, a.rowOffsets == rowOffsets, a.columnIndices == columnIndices else {
            throw DirectSolverError.patternMismatch
        }
        for v in a.values where !v.isFinite { throw DirectSolverError.nonFiniteValue }
        isFactorized = false
        guard let sparse = matrix else { throw DirectSolverError.notFactorized }
        if a.entryCount > 0 {
            a.values.withUnsafeBufferPointer { sparse.pointee.x.assumingMemoryBound(to: Double.self).update(from: $0.baseAddress!, count: a.entryCount) }
        }
        let ok = cholmod_l_factorize(sparse, factor, workspace.common)
        let status = workspace.common.pointee.status
        if status == CHOLMOD_NOT_POSDEF || (factor.map { Int($0.pointee.minor) < rowCount } ?? false) {
            throw DirectSolverError.notPositiveDefinite(column: Int(factor?.pointee.minor ?? 0))
        }
        guard ok != 0, status >= CHOLMOD_OK else { throw DirectSolverError.libraryFailure(library: "CHOLMOD factorize", status: Int(status)) }
        isFactorized = true
    }

    /// x = A⁻¹ b.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(rightHandSides: [b])[0]
    }

    /// Solves A X = B for several right-hand sides in one CHOLMOD call.
    public func solve(rightHandSides bs: [[Double]]) throws -> [[Double]] {
        guard isFactorized else { throw DirectSolverError.notFactorized }
        let n = rowCount, k = bs.count
        if k == 0 { return [] }
        for b in bs {
            guard b.count == n else { throw DirectSolverError.sizeMismatch(expected: n, actual: b.count) }
            guard VectorOperations.allFinite(b) else { throw DirectSolverError.nonFiniteValue }
        }
        guard let dense = cholmod_l_allocate_dense(n, k, n, Int32(CHOLMOD_REAL), workspace.common) else {
            throw DirectSolverError.libraryFailure(library: "CHOLMOD allocate", status: Int(workspace.common.pointee.status))
        }
        var bd: UnsafeMutablePointer<cholmod_dense>? = dense
        defer { cholmod_l_free_dense(&bd, workspace.common) }
        let bx = dense.pointee.x.assumingMemoryBound(to: Double.self)
        for (c, b) in bs.enumerated() { b.withUnsafeBufferPointer { (bx + c * n).update(from: $0.baseAddress!, count: n) } }
        guard let xd = cholmod_l_solve(Int32(CHOLMOD_A), factor, dense, workspace.common) else {
            throw DirectSolverError.libraryFailure(library: "CHOLMOD solve", status: Int(workspace.common.pointee.status))
        }
        var xdo: UnsafeMutablePointer<cholmod_dense>? = xd
        defer { cholmod_l_free_dense(&xdo, workspace.common) }
        let xx = xd.pointee.x.assumingMemoryBound(to: Double.self)
        return (0..<k).map { c in Array(UnsafeBufferPointer(start: xx + c * n, count: n)) }
    }

    /// y = A⁻¹ x (so the factorization can serve as an exact preconditioner or inner solver).
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(isFactorized, "CholeskyFactorization.apply: not factorized")
        guard let r = try? solve(Array(x)) else {
            for i in 0..<rowCount { y[i] = .nan }  // non-finite input: propagate NaN, the caller reports breakdown
            return
        }
        for i in 0..<rowCount { y[i] = r[i] }
    }

    /// The analysis CHOLMOD chose, which fixes the factor's rounding: the fill-reducing ordering,
    /// simplicial or supernodal, and the supernode amalgamation (e.g. "CHOLMOD supernodal, AMD
    /// ordering, amalgamation 4/16/48"). Data files record it next to the solver.
    public var analysisDescription: String {
        guard let f = factor else { return "CHOLMOD (not analyzed)" }
        let orderings = [0: "natural", 1: "given", 2: "AMD", 3: "METIS", 4: "NESDIS", 5: "COLAMD", 6: "natural postordered"]
        let ordering = orderings[Int(f.pointee.ordering)] ?? "ordering \(f.pointee.ordering)"
        let relax = workspace.common.pointee.nrelax
        return f.pointee.is_super != 0
            ? "CHOLMOD supernodal, \(ordering) ordering, amalgamation \(relax.0)/\(relax.1)/\(relax.2), "
                + (CholmodParallelRegions.isBound && CholmodParallelRegions.runsRegionsInline ? "OpenMP regions inline" : "OpenMP regions through libgomp")
            : "CHOLMOD simplicial, \(ordering) ordering"
    }

    /// The most rows below any supernode's diagonal block (CHOLMOD's `maxesize`, known from the analysis;
    /// 0 for a simplicial factor): the size of the largest update product, which decides whether OpenBLAS
    /// keeps its threads (``CholmodBLASThreads``).
    public var largestUpdateRowCount: Int {
        guard let f = factor, f.pointee.is_super != 0 else { return 0 }
        return Int(f.pointee.maxesize)
    }

    /// Number of entries in L (after factorization).
    public var factorEntryCount: Int {
        guard let f = factor else { return 0 }
        if f.pointee.is_super != 0 {
            // Supernodal: sum of (rows × columns) of each supernode's dense block.
            return Int(f.pointee.xsize)
        }
        return Int(f.pointee.nzmax)
    }

    /// A cholmod_sparse copy of A (full symmetric pattern, stype = 1: the upper part is used).
    /// CSR of a symmetric matrix is its CSC, so the arrays copy straight across.
    private func makeSparse(_ a: CSRMatrix) throws -> UnsafeMutablePointer<cholmod_sparse> {
        let n = a.rowCount, nnz = a.entryCount
        guard let s = cholmod_l_allocate_sparse(n, n, nnz, 1, 1, 1, Int32(CHOLMOD_REAL), workspace.common) else {
            throw DirectSolverError.libraryFailure(library: "CHOLMOD allocate", status: Int(workspace.common.pointee.status))
        }
        let p = s.pointee.p.assumingMemoryBound(to: Int.self)
        let i = s.pointee.i.assumingMemoryBound(to: Int.self)
        let x = s.pointee.x.assumingMemoryBound(to: Double.self)
        a.rowOffsets.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n + 1) }
        if nnz > 0 {
            a.columnIndices.withUnsafeBufferPointer { i.update(from: $0.baseAddress!, count: nnz) }
            a.values.withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: nnz) }
        }
        return s
    }
}
