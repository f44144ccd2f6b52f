import CBLAS

/// Orthogonalization of one vector against a block of orthonormal vectors: classical Gram–Schmidt,
/// BLAS-2, with reorthogonalization — the kernel of every Arnoldi and Lanczos step in PDEKit.
///
/// The basis `V` is `k` orthonormal vectors of length `n` stored as the rows of a row-major matrix
/// (each vector contiguous). One pass computes
/// ```
/// h = V w,    w ← w − Vᵀ h
/// ```
/// (two reads of `V`, the same memory traffic as modified Gram–Schmidt but BLAS-2). Classical
/// Gram–Schmidt loses orthogonality like κ², so a second pass is needed; `whenNeeded` runs it only
/// when the first pass removed more than `1 − 1/√2` of `‖w‖` ("twice is enough"), `always` runs two
/// passes unconditionally (full reorthogonalization, as Lanczos with Ritz vectors wants). The returned
/// `h` sums the passes, so `w_in = Vᵀ h + w_out`.
/// References: Å. Björck, *Numerical Methods for Least Squares Problems*, SIAM 1996, §2.4.5;
/// L. Giraud, J. Langou, M. Rozložník, "The loss of orthogonality in the Gram–Schmidt orthogonalization
/// process", Comput. Math. Appl. 50 (2005); B. N. Parlett, *The Symmetric Eigenvalue Problem*, SIAM 1998, §6.9.
public enum GramSchmidt {
    public enum Reorthogonalization: Sendable {
        /// A second pass only when the first shrank `‖w‖` below `‖w‖/√2` (Kahan–Parlett criterion).
        case whenNeeded
        /// Always two passes.
        case always
    }

    /// Orthogonalizes `w` against the first `k` rows of `basis` (row-major, rows of length `w.count`)
    /// and returns the coefficients `h` (length `k`).
    public static func orthogonalize(_ w: inout [Double], againstFirst k: Int, rowsOf basis: [Double],
                                     reorthogonalization: Reorthogonalization = .whenNeeded) -> [Double] {
        let length = w.count
        precondition(k >= 0 && k * length <= basis.count, "GramSchmidt: basis holds fewer than \(k) vectors of length \(length)")
        var h = [Double](repeating: 0, count: k)
        guard k > 0, length > 0 else { return h }
        var pass = [Double](repeating: 0, count: k)
        let n = Int32(length), rows = Int32(k)
        var normBefore = reorthogonalization == .whenNeeded ? norm(w) : 0
        for _ in 0..<2 {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, n, 1, basis, n, w, 1, 0, &pass, 1)    // pass = V w
            cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, -1, basis, n, pass, 1, 1, &w, 1)     // w −= Vᵀ pass
            for i in 0..<k { h[i] += pass[i] }
            if reorthogonalization == .whenNeeded {
                let normAfter = norm(w)
                if normAfter > 0.7071067811865476 * normBefore { break }
                normBefore = normAfter
            }
        }
        return h
    }

    /// `‖x‖₂` as `√(xᵀx)` (Krylov vectors are O(1): no overflow-guarded scaling).
    private static func norm(_ x: [Double]) -> Double {
        cblas_ddot(Int32(x.count), x, 1, x, 1).squareRoot()
    }
}
