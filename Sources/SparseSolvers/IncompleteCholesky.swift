/// IC(0): incomplete Cholesky factorization A ≈ L D Lᵀ on the pattern of A (symmetric positive definite A).
///
/// ```
/// ILU(0) of a symmetric A gives U = D Lᵀ on the same pattern, so A ≈ L D Lᵀ with L unit lower.
/// z = M⁻¹ r:   L y = r,   y ← D⁻¹ y,   Lᵀ z = y
/// ```
/// The apply uses L and its explicit transpose, so M is exactly symmetric (as CG requires); a
/// non-positive pivot dᵢ throws `.nonPositivePivot` (A not positive definite, or not an M-matrix enough).
///
/// Complexity: set-up as ILU(0); apply O(nnz).
/// References: J. A. Meijerink, H. A. van der Vorst, "An iterative solution method for linear systems of which
/// the coefficient matrix is a symmetric M-matrix", Math. Comp. 31, 1977; Saad 2003, §10.3.4.
public struct IncompleteCholesky: NamedPreconditioner, Sendable {
    /// Strictly lower part of L (unit diagonal implied), CSR.
    let lower: CSRMatrix
    /// Strictly upper part of Lᵀ, CSR.
    let upper: CSRMatrix
    /// Pivots dᵢ > 0.
    public let pivots: [Double]
    public var rowCount: Int { pivots.count }
    public var columnCount: Int { pivots.count }
    public var preconditionerName: String { "IC(0)" }

    public init(_ a: CSRMatrix) throws {
        guard a.isSquare else { throw PreconditionerError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        guard a.isSymmetric(relativeTolerance: 1e-12) else { throw PreconditionerError.notSymmetric }
        let ilu: IncompleteLU
        do { ilu = try IncompleteLU(a) } catch PreconditionerError.zeroPivot(let row) {
            throw PreconditionerError.nonPositivePivot(row: row)
        }
        let f = ilu.factors
        let n = a.rowCount
        var coo = COOMatrix(rowCount: n, columnCount: n)
        var d = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for k in f.rowOffsets[i]..<f.rowOffsets[i + 1] {
                let j = f.columnIndices[k]
                if j < i { coo.appendUnchecked(row: i, column: j, value: f.values[k]) }
                else if j == i { d[i] = f.values[k] }
            }
            guard d[i] > 0, d[i].isFinite else { throw PreconditionerError.nonPositivePivot(row: i) }
        }
        lower = coo.csr()
        upper = lower.transposed()
        pivots = d
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowCount
        lower.rowOffsets.withUnsafeBufferPointer { lr in
        lower.columnIndices.withUnsafeBufferPointer { lc in
        lower.values.withUnsafeBufferPointer { lv in
        upper.rowOffsets.withUnsafeBufferPointer { ur in
        upper.columnIndices.withUnsafeBufferPointer { uc in
        upper.values.withUnsafeBufferPointer { uv in
        pivots.withUnsafeBufferPointer { d in
            // L y = r
            for i in 0..<n {
                var s = x[i]
                for k in lr[i]..<lr[i + 1] { s -= lv[k] * y[lc[k]] }
                y[i] = s
            }
            // y ← D⁻¹ y
            for i in 0..<n { y[i] /= d[i] }
            // Lᵀ z = y
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in ur[i]..<ur[i + 1] { s -= uv[k] * y[uc[k]] }
                y[i] = s
            }
        }}}}}}}
    }
}
