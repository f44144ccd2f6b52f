import CBLAS

/// `P A = L U` of a square matrix by Gaussian elimination with partial pivoting (LAPACK `dgetrf`).
///
/// Solves `A X = B` as `L Y = P B`, `U X = Y` (`dgetrs`). Complexity: 2n³/3 flops to factor, 2n² per
/// right-hand side. An exactly zero pivot `U_ii` (a singular matrix) or NaN/∞ input is a typed
/// `LAPACKError`; a nearly singular matrix factors and gives a large-norm solution.
///
/// Layout: the row-major buffer of `A` is `Aᵀ` column-major, so LAPACK factors `Aᵀ = P L U` in place
/// (no transposition copy, which matters for the 6400² collocation systems) and `A X = B` is solved as
/// `(Aᵀ)ᵀ X = B` (`dgetrs` with `trans = 'T'`). Pivoting on `Aᵀ`'s rows is column pivoting on `A`:
/// the same backward stability.
/// Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §3.4.
public struct DenseLUFactorization: Sendable {
    /// `L` (unit diagonal, not stored) and `U` of `Aᵀ = P L U`, packed column-major as `dgetrf` returns them.
    let factors: [Double]
    /// 1-based pivot rows: row `i` was interchanged with row `pivots[i]`.
    let pivots: [Int32]
    public var size: Int { pivots.count }

    /// Factors the square matrix `a`.
    public init(_ a: DenseMatrix) throws(LAPACKError) {
        try requireSquare(a, routine: "dgetrf")
        try requireFinite(a.elements, routine: "dgetrf")
        let n = try lapackSize(a.rows, routine: "dgetrf")
        var lu = a.elements
        var pivots = [Int32](repeating: 0, count: a.rows)
        let info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, &lu, n, &pivots)
        guard info == 0 else { throw LAPACKError(routine: "dgetrf", info: info) { .singular(pivot: $0) } }
        factors = lu
        self.pivots = pivots
    }

    /// `X = A⁻¹ B` for `B` with `size` rows.
    public func solve(_ b: DenseMatrix) throws(LAPACKError) -> DenseMatrix {
        guard b.rows == size else {
            throw LAPACKError(routine: "dgetrs", info: 0, reason: .invalidShape("right-hand side has \(b.rows) rows, matrix \(size)"))
        }
        guard b.columns > 0 else { return b }
        // dgetrs wants B column-major: one right-hand side is the same buffer, more are transposed.
        if b.columns == 1 {
            var x = b.elements
            try solve(&x, columns: 1)
            return DenseMatrix(rows: b.rows, columns: 1, elements: x)
        }
        var x = b.transposed.elements
        try solve(&x, columns: b.columns)
        return DenseMatrix(rows: b.columns, columns: b.rows, elements: x).transposed
    }

    /// `x ← A⁻¹ x` for one right-hand side of length `size`.
    public func solve(_ x: inout [Double]) throws(LAPACKError) {
        guard x.count == size else {
            throw LAPACKError(routine: "dgetrs", info: 0, reason: .invalidShape("right-hand side has length \(x.count), matrix \(size)"))
        }
        try solve(&x, columns: 1)
    }

    /// `X ← A⁻¹ X` for `X` column-major `size × columns`.
    private func solve(_ x: inout [Double], columns: Int) throws(LAPACKError) {
        let n = try lapackSize(size, routine: "dgetrs"), nrhs = try lapackSize(columns, routine: "dgetrs")
        let info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, .lapack("T"), n, nrhs, factors, n, pivots, &x, n)
        guard info == 0 else { throw LAPACKError(routine: "dgetrs", info: info) { _ in .illegalArgument(position: 0) } }
    }
}
