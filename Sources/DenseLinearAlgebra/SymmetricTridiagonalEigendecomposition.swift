import CBLAS

/// Eigenpairs of the symmetric tridiagonal `T = tridiag(e, d, e)` (`d ∈ ℝⁿ` diagonal, `e ∈ ℝⁿ⁻¹`
/// off-diagonal), `T qⱼ = λⱼ qⱼ`, `λ₁ ≤ … ≤ λₙ`.
///
/// All pairs use the implicit QL/QR iteration (LAPACK `dstev`, O(n²) values, O(n³) with vectors); the
/// lowest `m` pairs use MRRR (`dstevr` with an index range, O(n m) — the choice for a few states of a
/// large finite-difference Hamiltonian). Example with a closed form: the 1-D Dirichlet Laplacian
/// `tridiag(−1, 2, −1)` has `λ_k = 2 − 2 cos(kπ/(n + 1))`, `k = 1 … n`.
/// References: LAPACK Users' Guide, 3rd ed., 1999 (`?stev`, `?stevr`); I. S. Dhillon, B. N. Parlett,
/// "Multiple representations to compute orthogonal eigenvectors of symmetric tridiagonal matrices",
/// Linear Algebra Appl. 387 (2004).
public struct SymmetricTridiagonalEigendecomposition: Sendable {
    /// Which eigenpairs to compute.
    public enum Selection: Sendable, Equatable {
        /// All `n` (`dstev`).
        case all
        /// The `count` smallest (`dstevr`, index range 1…count).
        case lowest(Int)
    }

    /// Ascending eigenvalues (all, or the lowest `count`).
    public let eigenvalues: [Double]
    /// `n × m` matrix whose columns are the orthonormal eigenvectors, or nil when not requested.
    public let eigenvectors: DenseMatrix?

    /// Decomposes `tridiag(offDiagonal, diagonal, offDiagonal)`; `offDiagonal.count == diagonal.count − 1`.
    public init(diagonal: [Double], offDiagonal: [Double], selection: Selection = .all, computeVectors: Bool = true) throws(LAPACKError) {
        let routine = selection == .all ? "dstev" : "dstevr"
        let size = diagonal.count
        guard size >= 1, offDiagonal.count == size - 1 else {
            throw LAPACKError(routine: routine, info: 0, reason: .invalidShape("tridiagonal matrix needs n ≥ 1 diagonal and n − 1 off-diagonal entries, got \(diagonal.count) and \(offDiagonal.count)"))
        }
        try requireFinite(diagonal + offDiagonal, routine: routine)
        let n = try lapackSize(size, routine: routine)
        var d = diagonal
        var e = offDiagonal + [0]   // LAPACK's workspace view of e has length n
        // Without vectors the layout is irrelevant, and LAPACKE's row-major path would still demand ldz ≥ n.
        let layout = computeVectors ? LAPACK_ROW_MAJOR : LAPACK_COL_MAJOR
        switch selection {
        case .all:
            let columns = computeVectors ? size : 1
            var z = [Double](repeating: 0, count: computeVectors ? size * size : 1)
            let info = LAPACKE_dstev(layout, .lapack(computeVectors ? "V" : "N"), n, &d, &e, &z, Int32(columns))
            guard info == 0 else { throw LAPACKError(routine: routine, info: info) { .noConvergence(count: $0) } }
            eigenvalues = d
            eigenvectors = computeVectors ? DenseMatrix(rows: size, columns: size, elements: z) : nil
        case .lowest(let count):
            guard count >= 1, count <= size else {
                throw LAPACKError(routine: routine, info: 0, reason: .invalidShape("asked for the lowest \(count) of \(size) eigenpairs"))
            }
            var found: Int32 = 0
            var values = [Double](repeating: 0, count: size)
            var z = [Double](repeating: 0, count: computeVectors ? size * count : 1)
            var support = [Int32](repeating: 0, count: 2 * count)
            let info = LAPACKE_dstevr(layout, .lapack(computeVectors ? "V" : "N"), .lapack("I"), n, &d, &e,
                                      0, 0, 1, Int32(count), 0, &found, &values, &z, Int32(computeVectors ? count : 1), &support)
            guard info == 0 else { throw LAPACKError(routine: routine, info: info) { .noConvergence(count: $0) } }
            guard found == Int32(count) else {
                throw LAPACKError(routine: routine, info: 0, reason: .noConvergence(count: count - Int(found)))
            }
            eigenvalues = Array(values.prefix(count))
            eigenvectors = computeVectors ? DenseMatrix(rows: size, columns: count, elements: z) : nil
        }
    }
}
