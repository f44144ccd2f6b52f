import CBLAS

/// `A = L Lᵀ` of a symmetric positive definite matrix (LAPACK `dpotrf`, lower triangle read).
///
/// Solves `A X = B` by two triangular solves, `L Y = B`, `Lᵀ X = Y` (`dpotrs`).
/// Complexity: n³/3 flops to factor, 2n² per right-hand side. A matrix that is not positive definite
/// (for example indefinite, singular, or with NaN) is a typed `LAPACKError`.
///
/// Layout: the row-major lower triangle of `A` is the column-major upper triangle of `Aᵀ = A`, so LAPACK
/// runs on the buffer in place with `uplo = 'U'` (`A = Uᵀ U`), and `U` read row-major is `L`.
/// Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §4.2.
public struct DenseCholeskyFactorization: Sendable {
    /// `L`, lower triangular with a positive diagonal (the strict upper triangle is zero).
    public let lower: DenseMatrix
    public var size: Int { lower.rows }

    /// Factors the symmetric matrix `a` (only its lower triangle is read).
    public init(_ a: DenseMatrix) throws(LAPACKError) {
        try requireSquare(a, routine: "dpotrf")
        let n = try lapackSize(a.rows, routine: "dpotrf")
        var l = a.elements
        let size = a.rows
        // Only the lower triangle is read: check it alone for NaN/∞.
        for i in 0..<size { for j in 0...i where !l[i * size + j].isFinite {
            throw LAPACKError(routine: "dpotrf", info: 0, reason: .nonFiniteInput)
        } }
        let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, .lapack("U"), n, &l, n)
        guard info == 0 else { throw LAPACKError(routine: "dpotrf", info: info) { .notPositiveDefinite(order: $0) } }
        for i in 0..<size { for j in (i + 1)..<size { l[i * size + j] = 0 } }
        lower = DenseMatrix(rows: size, columns: size, elements: l)
    }

    /// `X = A⁻¹ B` for `B` with `size` rows.
    public func solve(_ b: DenseMatrix) throws(LAPACKError) -> DenseMatrix {
        guard b.rows == size else {
            throw LAPACKError(routine: "dpotrs", info: 0, reason: .invalidShape("right-hand side has \(b.rows) rows, matrix \(size)"))
        }
        guard b.columns > 0 else { return b }
        let n = try lapackSize(size, routine: "dpotrs"), columns = try lapackSize(b.columns, routine: "dpotrs")
        // dpotrs wants B column-major: one right-hand side is the same buffer, more are transposed.
        var x = b.columns == 1 ? b.elements : b.transposed.elements
        let info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, .lapack("U"), n, columns, lower.elements, n, &x, n)
        guard info == 0 else { throw LAPACKError(routine: "dpotrs", info: info) { _ in .illegalArgument(position: 0) } }
        return b.columns == 1 ? DenseMatrix(rows: b.rows, columns: 1, elements: x)
                              : DenseMatrix(rows: b.columns, columns: b.rows, elements: x).transposed
    }
}
