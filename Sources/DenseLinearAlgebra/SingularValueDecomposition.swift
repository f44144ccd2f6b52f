import CBLAS

/// Thin singular value decomposition `A = U Σ Vᵀ` of an `m × n` matrix (LAPACK divide-and-conquer `dgesdd`).
///
/// With `r = min(m, n)`: `U ∈ ℝ^{m×r}` and `V ∈ ℝ^{n×r}` have orthonormal columns and
/// `σ₁ ≥ … ≥ σ_r ≥ 0`. The leading right singular vectors are the POD modes of the rows of `A`
/// (Eckart–Young: `Σ_{k≤p} σ_k u_k v_kᵀ` is the best rank-`p` approximation in the Frobenius norm).
/// Complexity: O(m n r). NaN/∞ input is a typed `LAPACKError`.
/// Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §2.4 and §8.6.
public struct SingularValueDecomposition: Sendable {
    /// `U`, `m × r`.
    public let left: DenseMatrix
    /// `σ₁ ≥ … ≥ σ_r`.
    public let singularValues: [Double]
    /// `Vᵀ`, `r × n`: row `k` is the right singular vector `v_k`.
    public let rightTransposed: DenseMatrix

    public init(_ a: DenseMatrix) throws(LAPACKError) {
        guard a.rows >= 1, a.columns >= 1 else {
            throw LAPACKError(routine: "dgesdd", info: 0, reason: .invalidShape("needs a non-empty matrix, got \(a.rows)×\(a.columns)"))
        }
        try requireFinite(a.elements, routine: "dgesdd")
        let m = try lapackSize(a.rows, routine: "dgesdd"), n = try lapackSize(a.columns, routine: "dgesdd")
        let r = min(a.rows, a.columns)
        var work = a.elements
        var s = [Double](repeating: 0, count: r)
        var u = [Double](repeating: 0, count: a.rows * r)
        var vt = [Double](repeating: 0, count: r * a.columns)
        let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, .lapack("S"), m, n, &work, n, &s, &u, Int32(r), &vt, n)
        guard info == 0 else { throw LAPACKError(routine: "dgesdd", info: info) { .noConvergence(count: $0) } }
        left = DenseMatrix(rows: a.rows, columns: r, elements: u)
        singularValues = s
        rightTransposed = DenseMatrix(rows: r, columns: a.columns, elements: vt)
    }
}
