import Foundation
import DenseLinearAlgebra

/// SplitMix64 numbers in [−1, 1] (reproducible, independent of the code under test).
func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> DenseMatrix {
    var state = seed
    let values = (0..<(rows * columns)).map { _ -> Double in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }
    return DenseMatrix(rows: rows, columns: columns, elements: values)
}

/// `A B` by the textbook triple loop (the reference, not BLAS).
func naiveProduct(_ a: DenseMatrix, _ b: DenseMatrix) -> DenseMatrix {
    precondition(a.columns == b.rows)
    var c = DenseMatrix(zeros: a.rows, b.columns)
    for i in 0..<a.rows { for j in 0..<b.columns {
        var s = 0.0
        for k in 0..<a.columns { s += a[i, k] * b[k, j] }
        c[i, j] = s
    } }
    return c
}

/// `max |a_ij − b_ij|`, NaN when either holds NaN (so a `<` check against it fails).
func maxDifference(_ a: DenseMatrix, _ b: DenseMatrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    var worst = 0.0
    for (x, y) in zip(a.elements, b.elements) {
        let d = abs(x - y)
        if d.isNaN { return .nan }
        worst = max(worst, d)
    }
    return worst
}

/// `max |a_ij|` with NaN propagated.
func maxAbs(_ a: DenseMatrix) -> Double { maxDifference(a, DenseMatrix(zeros: a.rows, a.columns)) }

/// A symmetric positive definite `MᵀM + n I`.
func randomSPD(_ n: Int, seed: UInt64) -> DenseMatrix {
    let m = randomMatrix(n, n, seed: seed)
    var a = naiveProduct(m.transposed, m)
    for i in 0..<n { a[i, i] += Double(n) }
    return a
}

/// The 1-D Dirichlet Laplacian `tridiag(−1, 2, −1)` and its eigenvalues `2 − 2cos(kπ/(n+1))`.
func laplacian(_ n: Int) -> (matrix: DenseMatrix, eigenvalues: [Double]) {
    var a = DenseMatrix(zeros: n, n)
    for i in 0..<n { a[i, i] = 2; if i > 0 { a[i, i - 1] = -1; a[i - 1, i] = -1 } }
    let values = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }
    return (a, values)
}

/// Matrix with one NaN entry.
func withNaN(_ a: DenseMatrix) -> DenseMatrix {
    var b = a
    b[a.rows - 1, 0] = .nan
    return b
}
