import CBLAS

/// `A = Q Λ Qᵀ` of a real symmetric matrix by LAPACK's divide-and-conquer `dsyevd`.
///
/// `Λ = diag(λ₁ ≤ … ≤ λₙ)`, `Q` orthogonal with `A qⱼ = λⱼ qⱼ` for its columns `qⱼ`.
/// Complexity: O(n³) (about 9n³ flops with vectors). NaN/∞ input is a typed `LAPACKError`.
/// Reference: J. J. M. Cuppen, Numer. Math. 36 (1981); LAPACK Users' Guide, 3rd ed., 1999, `?syevd`.
public struct SymmetricEigendecomposition: Sendable {
    /// `λ₁ ≤ … ≤ λₙ`.
    public let eigenvalues: [Double]
    /// `Q`: the orthonormal eigenvectors are its **columns** (`n × n`, row-major like every `DenseMatrix`).
    public let eigenvectors: DenseMatrix
    public var size: Int { eigenvalues.count }

    /// Decomposes the symmetric matrix `a` (only its lower triangle is read).
    public init(_ a: DenseMatrix) throws(LAPACKError) {
        try requireSquare(a, routine: "dsyevd")
        try requireFinite(a.elements, routine: "dsyevd")
        let n = try lapackSize(a.rows, routine: "dsyevd")
        var q = a.elements
        var w = [Double](repeating: 0, count: a.rows)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, .lapack("V"), .lapack("L"), n, &q, n, &w)
        guard info == 0 else { throw LAPACKError(routine: "dsyevd", info: info) { .noConvergence(count: $0) } }
        eigenvalues = w
        eigenvectors = DenseMatrix(rows: a.rows, columns: a.rows, elements: q)
    }
}
