import DenseLinearAlgebra
import TensorCore

/// The GP solver's matrix arithmetic on `DenseLinearAlgebra.DenseMatrix` (row-major): Toeplitz Gram
/// matrices of stationary kernels, products split over cores by `BLASRuntime.parallelGEMM`, and the
/// elementwise operations of the objective and its adjoint.
extension DenseMatrix {
    /// Toeplitz matrix `M_ij = table[i − j + (columns − 1)]` from a table over signed lags (the
    /// Gram matrix of a stationary kernel on a uniform grid).
    init(toeplitz table: [Double], size n: Int) {
        precondition(table.count == 2 * n - 1)
        var e = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { e[i * n + j] = table[i - j + n - 1] } }
        self.init(rows: n, columns: n, elements: e)
    }

    /// `op(A) op(B)` through `BLASRuntime.parallelGEMM` (row blocks over cores when large).
    static func product(_ a: DenseMatrix, _ b: DenseMatrix, transposeA: Bool = false, transposeB: Bool = false) -> DenseMatrix {
        let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns
        let n = transposeB ? b.rows : b.columns
        let kb = transposeB ? b.columns : b.rows
        precondition(k == kb, "DenseMatrix.product: inner dimensions \(k) and \(kb) differ")
        var c = DenseMatrix(zeros: m, n)
        if m == 0 || n == 0 { return c }
        if k == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    // OpenBLAS runs single-threaded in PDEKit; large products are split over cores.
                    BLASRuntime.parallelGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                             alpha: 1.0, a: pa.baseAddress!, lda: a.columns, b: pb.baseAddress!, ldb: b.columns,
                                             beta: 0.0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    static func * (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix { product(a, b) }

    static func + (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        var c = a
        for i in 0..<c.elements.count { c.elements[i] += b.elements[i] }
        return c
    }

    static func - (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        var c = a
        for i in 0..<c.elements.count { c.elements[i] -= b.elements[i] }
        return c
    }

    static func * (s: Double, a: DenseMatrix) -> DenseMatrix {
        var c = a
        for i in 0..<c.elements.count { c.elements[i] *= s }
        return c
    }

    /// `Σ_ij A_ij B_ij`.
    static func frobeniusInner(_ a: DenseMatrix, _ b: DenseMatrix) -> Double {
        precondition(a.elements.count == b.elements.count)
        var s = 0.0
        for i in 0..<a.elements.count { s += a.elements[i] * b.elements[i] }
        return s
    }

    /// Sums of the diagonals: `out[m + columns − 1] = Σ_{i − j = m} A_ij` (adjoint of `init(toeplitz:)`).
    func diagonalSums() -> [Double] {
        precondition(rows == columns)
        let n = rows
        var out = [Double](repeating: 0, count: 2 * n - 1)
        for i in 0..<n { for j in 0..<n { out[i - j + n - 1] += elements[i * n + j] } }
        return out
    }
}
