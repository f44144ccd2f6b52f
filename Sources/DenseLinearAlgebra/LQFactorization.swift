import CBLAS

/// Thin `A = L Q` of a `k × n` matrix (`k ≤ n`) whose rows are `k` vectors: `Q ∈ ℝ^{k×n}` has orthonormal
/// rows spanning the same space, `L ∈ ℝ^{k×k}` is lower triangular.
///
/// This is the thin QR `Aᵀ = Qᵀ R` with `R = Lᵀ`, i.e. Gram–Schmidt of the rows of `A` done stably by
/// Householder reflections. Because `A` is row-major, its buffer is `Aᵀ` column-major, so LAPACK's
/// `dgeqrf`/`dorgqr` run on it directly with no transposition. `solveLower` applies `L⁻¹` from the left:
/// with `Aᵀ = Qᵀ R` and `Z` stored with its vectors as rows, `L⁻¹ Z` is `Z R⁻¹` in column notation
/// (the re-normalization step of GCRO-DR: `C = A Z = Qᵀ R ⇒ A (Z R⁻¹) = Qᵀ`).
/// Complexity: 4 n k² flops. Vectors that are numerically dependent (`|r_ii| ≤ 10⁻¹³ max|r_jj|`) or
/// NaN/∞ input are a typed `LAPACKError`.
/// Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §5.2.
public struct LQFactorization: Sendable {
    /// `L`, `k × k` lower triangular.
    public let lower: DenseMatrix
    /// `Q`, `k × n` with orthonormal rows.
    public let orthonormalRows: DenseMatrix

    public init(_ a: DenseMatrix) throws(LAPACKError) {
        let k = a.rows, n = a.columns
        guard k >= 1, n >= k else {
            throw LAPACKError(routine: "dgeqrf", info: 0, reason: .invalidShape("needs 1 ≤ rows ≤ columns, got \(k)×\(n)"))
        }
        try requireFinite(a.elements, routine: "dgeqrf")
        let n32 = try lapackSize(n, routine: "dgeqrf"), k32 = try lapackSize(k, routine: "dgeqrf")
        var q = a.elements            // column-major n × k view of Aᵀ
        var tau = [Double](repeating: 0, count: k)
        var info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n32, k32, &q, n32, &tau)
        guard info == 0 else { throw LAPACKError(routine: "dgeqrf", info: info) { _ in .illegalArgument(position: 0) } }
        // R (column-major, upper) sits in the first k entries of each column: R_pq = q[p + q·n], p ≤ q.
        // L = Rᵀ row-major: L_ij = R_ji = q[j + i·n], j ≤ i.
        var l = [Double](repeating: 0, count: k * k)
        var largest = 0.0
        for i in 0..<k {
            for j in 0...i { l[i * k + j] = q[j + i * n] }
            largest = max(largest, abs(l[i * k + i]))
        }
        for i in 0..<k where !(abs(l[i * k + i]) > 1e-13 * largest) {
            throw LAPACKError(routine: "dgeqrf", info: 0, reason: .rankDeficient(index: i))
        }
        info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, n32, k32, k32, &q, n32, tau)
        guard info == 0 else { throw LAPACKError(routine: "dorgqr", info: info) { _ in .illegalArgument(position: 0) } }
        lower = DenseMatrix(rows: k, columns: k, elements: l)
        orthonormalRows = DenseMatrix(rows: k, columns: n, elements: q)
    }

    /// `B ← L⁻¹ B` for `B` with `k` rows (forward substitution, BLAS `dtrsm`).
    public func solveLower(_ b: inout DenseMatrix) {
        precondition(b.rows == lower.rows, "LQFactorization.solveLower: \(b.rows) rows, L is \(lower.rows)×\(lower.rows)")
        guard b.columns > 0 else { return }
        let k = Int32(lower.rows), columns = Int32(b.columns)
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, k, columns, 1,
                    lower.elements, k, &b.elements, columns)
    }
}
