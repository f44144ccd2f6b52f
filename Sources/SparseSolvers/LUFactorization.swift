import CSuiteSparse

/// Sparse LU factorization P R A Q = L U of a general square matrix (UMFPACK).
///
/// ```
/// UMFPACK factors the CSC matrix M; our CSR arrays of A are the CSC arrays of M = Aᵀ,
/// so A x = b is solved as Mᵀ x = b (UMFPACK_At) without copying or transposing.
/// ```
/// Complexity: depends on fill; O(nnz(L) + nnz(U)) per solve.
/// References: T. A. Davis, "Algorithm 832: UMFPACK V4.3, an unsymmetric-pattern multifrontal method",
/// ACM TOMS 30(2), 2004.
public final class LUFactorization: LinearOperator {
    let rowOffsets: [Int]
    let columnIndices: [Int]
    let values: [Double]
    var numeric: UnsafeMutableRawPointer?
    public let rowCount: Int
    public var columnCount: Int { rowCount }

    /// Factors A; throws `.singular` when a pivot is exactly zero.
    public init(_ a: CSRMatrix) throws {
        guard a.isSquare else { throw DirectSolverError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        for v in a.values where !v.isFinite { throw DirectSolverError.nonFiniteValue }
        rowCount = a.rowCount
        rowOffsets = a.rowOffsets
        columnIndices = a.columnIndices
        values = a.values
        var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
        var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        umfpack_dl_defaults(&control)
        var symbolic: UnsafeMutableRawPointer?
        let n = rowCount
        var status = umfpack_dl_symbolic(n, n, rowOffsets, columnIndices, values, &symbolic, control, &info)
        guard status == UMFPACK_OK else {
            if symbolic != nil { umfpack_dl_free_symbolic(&symbolic) }
            throw DirectSolverError.libraryFailure(library: "UMFPACK symbolic", status: Int(status))
        }
        status = umfpack_dl_numeric(rowOffsets, columnIndices, values, symbolic, &numeric, control, &info)
        umfpack_dl_free_symbolic(&symbolic)
        if status == UMFPACK_WARNING_singular_matrix {
            throw DirectSolverError.singular
        }
        guard status == UMFPACK_OK else { throw DirectSolverError.libraryFailure(library: "UMFPACK numeric", status: Int(status)) }
    }

    deinit {
        if numeric != nil { umfpack_dl_free_numeric(&numeric) }
    }

    /// x = A⁻¹ b.
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == rowCount else { throw DirectSolverError.sizeMismatch(expected: rowCount, actual: b.count) }
        guard VectorOperations.allFinite(b) else { throw DirectSolverError.nonFiniteValue }
        var x = [Double](repeating: 0, count: rowCount)
        var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
        var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        umfpack_dl_defaults(&control)
        let status = umfpack_dl_solve(Int(UMFPACK_At), rowOffsets, columnIndices, values, &x, b, numeric, control, &info)
        guard status == UMFPACK_OK else { throw DirectSolverError.libraryFailure(library: "UMFPACK solve", status: Int(status)) }
        return x
    }

    /// Solves for several right-hand sides.
    public func solve(rightHandSides bs: [[Double]]) throws -> [[Double]] {
        try bs.map { try solve($0) }
    }

    /// y = A⁻¹ x.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        guard let r = try? solve(Array(x)) else {
            for i in 0..<rowCount { y[i] = .nan }  // non-finite input: propagate NaN, the caller reports breakdown
            return
        }
        for i in 0..<rowCount { y[i] = r[i] }
    }
}
