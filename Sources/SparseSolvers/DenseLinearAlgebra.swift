import CBLAS

/// Small dense kernels (column-major) for the Krylov solvers, backed by BLAS and LAPACKE.
///
/// Complexity: O(n p q) products, O(n k²) thin QR, O(s³) generalized eigenproblem.
/// References: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., 2013 (QR §5.2, QZ §7.7).
enum DenseLinearAlgebra {
    /// Aᵀ B for A (n × p) and B (n × q): a p × q matrix.
    static func transposeTimes(_ a: [Double], _ b: [Double], n: Int, p: Int, q: Int) -> [Double] {
        var c = [Double](repeating: 0, count: p * q)
        guard n > 0, p > 0, q > 0 else { return c }
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(p), Int32(q), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(p))
        return c
    }

    /// A B for A (m × k), B (k × n).
    static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(m), b, Int32(k), 0, &c, Int32(m))
        return c
    }

    /// C += A[:, 0..<k] B for A with leading dimension n, B (k × columns).
    static func multiplyAccumulate(_ a: [Double], _ b: [Double], into c: inout [Double], n: Int, k: Int, columns: Int) {
        guard n > 0, k > 0, columns > 0 else { return }
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(columns), Int32(k), 1, a, Int32(n), b, Int32(k), 1, &c, Int32(n))
    }

    /// Thin QR of A (rows × columns): Q (rows × columns, orthonormal) and R (columns × columns, upper).
    /// Returns nil when R is numerically rank deficient.
    static func thinQR(_ a: [Double], rows: Int, columns: Int) -> (q: [Double], r: [Double])? {
        guard columns > 0, rows >= columns else { return nil }
        var q = a
        var tau = [Double](repeating: 0, count: columns)
        guard LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(rows), Int32(columns), &q, Int32(rows), &tau) == 0 else { return nil }
        var r = [Double](repeating: 0, count: columns * columns)
        var largest = 0.0
        for col in 0..<columns { for i in 0...col { r[i + col * columns] = q[i + col * rows] } ; largest = max(largest, abs(r[col + col * columns])) }
        for i in 0..<columns where !(abs(r[i + i * columns]) > 1e-13 * largest) { return nil }
        guard LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(rows), Int32(columns), Int32(columns), &q, Int32(rows), tau) == 0 else { return nil }
        return (q, r)
    }

    /// X ← X R⁻¹ for X (rows × k) and upper-triangular R (k × k).
    static func solveRightUpper(_ x: inout [Double], rows: Int, r: [Double], k: Int) {
        guard rows > 0, k > 0 else { return }
        cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(rows), Int32(k), 1, r, Int32(k), &x, Int32(rows))
    }

    /// Real basis (size × count', count' ≤ count) of the eigenvectors of A z = θ B z with the smallest |θ|.
    /// A complex pair contributes its real and imaginary parts (only the real part when one slot is left).
    static func smallestGeneralizedEigenvectors(_ a: [Double], _ b: [Double], size s: Int, count k: Int) -> [Double]? {
        var aa = a, bb = b
        var alphaR = [Double](repeating: 0, count: s), alphaI = alphaR, beta = alphaR
        var vl = [Double](repeating: 0, count: 1)
        var vr = [Double](repeating: 0, count: s * s)
        let info = LAPACKE_dggev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "V")), Int32(s),
                                 &aa, Int32(s), &bb, Int32(s), &alphaR, &alphaI, &beta, &vl, 1, &vr, Int32(s))
        guard info == 0 else { return nil }
        func magnitude(_ i: Int) -> Double {
            let num = (alphaR[i] * alphaR[i] + alphaI[i] * alphaI[i]).squareRoot()
            return abs(beta[i]) > 1e-300 * num && beta[i] != 0 ? num / abs(beta[i]) : .infinity
        }
        let order = (0..<s).sorted { magnitude($0) < magnitude($1) }
        var chosen: [[Double]] = []
        var used = Set<Int>()
        for i in order where chosen.count < k && !used.contains(i) {
            guard magnitude(i).isFinite else { break }
            let column = { (c: Int) in Array(vr[(c * s)..<((c + 1) * s)]) }
            if alphaI[i] == 0 {
                chosen.append(column(i)); used.insert(i)
            } else {
                // LAPACK stores a pair as columns (j, j+1) = (Re, Im), with alphaI[j] > 0.
                let first = alphaI[i] > 0 ? i : i - 1
                used.insert(first); used.insert(first + 1)
                chosen.append(column(first))
                if chosen.count < k { chosen.append(column(first + 1)) }
            }
        }
        guard !chosen.isEmpty else { return nil }
        return chosen.flatMap { $0 }
    }
}
