import CBLAS

/// Eigenpairs of the real generalized problem `A z = θ B z` (`A`, `B` square, not necessarily symmetric)
/// by the QZ algorithm (LAPACK `dggev`, right eigenvectors).
///
/// Each eigenvalue is returned as `θⱼ = (αᴿⱼ + i αᴵⱼ)/βⱼ` (`βⱼ = 0`: infinite eigenvalue). A complex
/// conjugate pair occupies columns `j, j + 1` of the eigenvector matrix with `αᴵⱼ > 0`: `z = v_j ± i v_{j+1}`.
/// Complexity: about 66 n³ flops. NaN/∞ input is a typed `LAPACKError`.
/// References: C. B. Moler, G. W. Stewart, "An algorithm for generalized matrix eigenvalue problems",
/// SIAM J. Numer. Anal. 10 (1973); G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, §7.7.
public struct GeneralizedEigendecomposition: Sendable {
    public let alphaReal: [Double]
    public let alphaImaginary: [Double]
    public let beta: [Double]
    /// `n × n`; column `j` is the right eigenvector of `θⱼ` (or the real/imaginary part of a pair).
    public let rightEigenvectors: DenseMatrix
    public var size: Int { beta.count }

    public init(_ a: DenseMatrix, _ b: DenseMatrix) throws(LAPACKError) {
        try requireSquare(a, routine: "dggev")
        guard b.rows == a.rows, b.columns == a.columns else {
            throw LAPACKError(routine: "dggev", info: 0, reason: .invalidShape("A is \(a.rows)×\(a.columns) but B is \(b.rows)×\(b.columns)"))
        }
        try requireFinite(a.elements, routine: "dggev")
        try requireFinite(b.elements, routine: "dggev")
        let size = a.rows
        let n = try lapackSize(size, routine: "dggev")
        var aa = a.elements, bb = b.elements
        var alphaR = [Double](repeating: 0, count: size), alphaI = alphaR, beta = alphaR
        var vl = [Double](repeating: 0, count: 1)
        var vr = [Double](repeating: 0, count: size * size)
        let info = LAPACKE_dggev(LAPACK_ROW_MAJOR, .lapack("N"), .lapack("V"), n, &aa, n, &bb, n,
                                 &alphaR, &alphaI, &beta, &vl, 1, &vr, n)
        guard info == 0 else { throw LAPACKError(routine: "dggev", info: info) { .noConvergence(count: $0) } }
        alphaReal = alphaR; alphaImaginary = alphaI; self.beta = beta
        rightEigenvectors = DenseMatrix(rows: size, columns: size, elements: vr)
    }

    /// `|θⱼ|`, or `+∞` when `βⱼ` is zero or negligible.
    public func magnitude(_ j: Int) -> Double {
        let numerator = (alphaReal[j] * alphaReal[j] + alphaImaginary[j] * alphaImaginary[j]).squareRoot()
        return beta[j] != 0 && abs(beta[j]) > 1e-300 * numerator ? numerator / abs(beta[j]) : .infinity
    }

    /// A real basis of the eigenvectors of the (at most) `count` finite eigenvalues of smallest `|θ|`, as
    /// the rows of a `count' × n` matrix (`count' ≤ count`): a complex pair contributes its real and
    /// imaginary parts (only the real part when one slot is left). Nil when no eigenvalue is finite.
    public func smallestMagnitudeRealBasis(count: Int) -> DenseMatrix? {
        let n = size
        let order = (0..<n).sorted { magnitude($0) < magnitude($1) }
        var chosen: [Double] = []
        var rows = 0
        var used = Set<Int>()
        for j in order where rows < count && !used.contains(j) {
            guard magnitude(j).isFinite else { break }
            if alphaImaginary[j] == 0 {
                chosen += rightEigenvectors.column(j); rows += 1; used.insert(j)
            } else {
                let first = alphaImaginary[j] > 0 ? j : j - 1
                used.insert(first); used.insert(first + 1)
                chosen += rightEigenvectors.column(first); rows += 1
                if rows < count { chosen += rightEigenvectors.column(first + 1); rows += 1 }
            }
        }
        guard rows > 0 else { return nil }
        return DenseMatrix(rows: rows, columns: n, elements: chosen)
    }
}
