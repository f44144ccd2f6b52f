import TestSupport
import Foundation
import Testing
import GaussianProcesses

/// Kronecker solve and log-determinant against a dense computation (explicit K₁ ⊗ K₂ and Gaussian
/// elimination written here, independent of LAPACK).
@Suite struct KroneckerTests {
    /// SPD matrix from a kernel on irregular points plus a nugget.
    func gram(_ points: [Double], lengthscale: Double) -> [Double] {
        let n = points.count
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            let d = points[i] - points[j]
            m[i * n + j] = exp(-d * d / (2 * lengthscale * lengthscale)) * (1 + 0.3 * cos(2 * d)) + (i == j ? 0.05 : 0)
        } }
        return m
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting; returns x and log|det A|.
    func denseSolve(_ a: [Double], _ b: [Double]) -> ([Double], Double) {
        let n = b.count
        var m = a, x = b, logDet = 0.0
        for k in 0..<n {
            let p = (k..<n).max { abs(m[$0 * n + k]) < abs(m[$1 * n + k]) }!
            if p != k { for j in 0..<n { m.swapAt(k * n + j, p * n + j) }; x.swapAt(k, p) }
            logDet += log(abs(m[k * n + k]))
            for i in (k + 1)..<n {
                let f = m[i * n + k] / m[k * n + k]
                for j in k..<n { m[i * n + j] -= f * m[k * n + j] }
                x[i] -= f * x[k]
            }
        }
        for k in stride(from: n - 1, through: 0, by: -1) {
            var s = x[k]
            for j in (k + 1)..<n { s -= m[k * n + j] * x[j] }
            x[k] = s / m[k * n + k]
        }
        return (x, logDet)
    }

    @Test func solveAndLogDeterminantMatchDense() throws {
        let p1 = [0, 0.13, 0.3, 0.52, 0.61, 0.9, 1.2]
        let p2 = [0, 0.2, 0.45, 0.5, 0.8]
        let k1 = gram(p1, lengthscale: 0.4), k2 = gram(p2, lengthscale: 0.25)
        let n1 = p1.count, n2 = p2.count
        var dense = [Double](repeating: 0, count: n1 * n2 * n1 * n2)
        for i in 0..<n1 { for j in 0..<n2 { for k in 0..<n1 { for l in 0..<n2 {
            dense[(i * n2 + j) * n1 * n2 + k * n2 + l] = k1[i * n1 + k] * k2[j * n2 + l]
        } } } }
        let u = (0..<(n1 * n2)).map { sin(Double($0) * 0.7) + 0.1 * Double($0 % 3) }
        let (expected, expectedLogDet) = denseSolve(dense, u)
        let system = try KroneckerEigensystem(factorMatrices: [k1, k2])
        let x = system.solve(u)
        let error = zip(x, expected).map { abs($0 - $1) }.maxOrNaN()!
        #expect(error < 1e-9 * expected.map(abs).maxOrNaN()!)
        #expect(abs(system.logDeterminant - expectedLogDet) < 1e-9 * abs(expectedLogDet))
        // K⁻¹ applied to a column of the dense K gives the unit vector back.
        let e = (0..<(n1 * n2)).map { $0 == 7 ? 1.0 : 0.0 }
        let kColumn = (0..<(n1 * n2)).map { dense[$0 * n1 * n2 + 7] }
        let back = system.solve(kColumn)
        #expect(zip(back, e).map { abs($0 - $1) }.maxOrNaN()! < 1e-9)
        // One factor (1-D).
        let single = try KroneckerEigensystem(factorMatrices: [k1])
        let (x1, logDet1) = denseSolve(k1, Array(u.prefix(n1)))
        #expect(zip(single.solve(Array(u.prefix(n1))), x1).map { abs($0 - $1) }.maxOrNaN()! < 1e-10)
        #expect(abs(single.logDeterminant - logDet1) < 1e-10)
    }

    @Test func rejectsIndefiniteFactor() {
        #expect(throws: GaussianProcessError.self) { try KroneckerEigensystem(factorMatrices: [[1, 2, 2, 1]]) }
    }
}
