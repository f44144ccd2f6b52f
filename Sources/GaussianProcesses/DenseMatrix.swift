import CBLAS
import TensorCore

/// A row-major dense `Float64` matrix with the few BLAS/LAPACK calls the GP solver needs.
struct DenseMatrix: Sendable {
    var rows: Int
    var columns: Int
    var elements: [Double]

    init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "DenseMatrix: element count mismatch")
        self.rows = rows; self.columns = columns; self.elements = elements
    }

    init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: 0, count: rows * columns))
    }

    static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(zeros: n, n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    /// Toeplitz matrix `M_ij = table[i − j + (columns − 1)]` from a table over signed lags (the
    /// Gram matrix of a stationary kernel on a uniform grid).
    init(toeplitz table: [Double], size n: Int) {
        precondition(table.count == 2 * n - 1)
        var e = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { e[i * n + j] = table[i - j + n - 1] } }
        self.init(rows: n, columns: n, elements: e)
    }

    subscript(_ i: Int, _ j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    var transposed: DenseMatrix {
        var t = DenseMatrix(zeros: columns, rows)
        for i in 0..<rows { for j in 0..<columns { t.elements[j * rows + i] = elements[i * columns + j] } }
        return t
    }

    /// `op(A) op(B)` through `cblas_dgemm`.
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

    /// Solves `A X = B` by LU with partial pivoting (`dgesv`); `A` square.
    static func solve(_ a: DenseMatrix, _ b: DenseMatrix) throws -> DenseMatrix {
        precondition(a.rows == a.columns && a.rows == b.rows)
        var lu = a.elements
        var x = b.elements
        var pivots = [Int32](repeating: 0, count: a.rows)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(a.rows), Int32(b.columns), &lu, Int32(a.rows), &pivots, &x, Int32(b.columns))
        guard info == 0 else { throw GaussianProcessError.lapackFailure(routine: "dgesv", info: Int(info)) }
        return DenseMatrix(rows: b.rows, columns: b.columns, elements: x)
    }

    /// Solves `A X = B` for symmetric positive definite `A` by Cholesky (`dpotrf` + `dpotrs`).
    static func choleskySolve(_ a: DenseMatrix, _ b: DenseMatrix) throws -> DenseMatrix {
        precondition(a.rows == a.columns && a.rows == b.rows)
        var factor = a.elements
        var x = b.elements
        let lower = CChar(UInt8(ascii: "L"))
        var info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, lower, Int32(a.rows), &factor, Int32(a.rows))
        guard info == 0 else { throw GaussianProcessError.lapackFailure(routine: "dpotrf", info: Int(info)) }
        info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, lower, Int32(a.rows), Int32(b.columns), factor, Int32(a.rows), &x, Int32(b.columns))
        guard info == 0 else { throw GaussianProcessError.lapackFailure(routine: "dpotrs", info: Int(info)) }
        return DenseMatrix(rows: b.rows, columns: b.columns, elements: x)
    }
}
