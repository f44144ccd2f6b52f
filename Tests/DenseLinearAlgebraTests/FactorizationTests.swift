import Foundation
import Testing
import DenseLinearAlgebra

@Suite struct CholeskyTests {
    @Test func factorReconstructsAndSolves() throws {
        let n = 40
        let a = randomSPD(n, seed: 1)
        let cholesky = try DenseCholeskyFactorization(a)
        let l = cholesky.lower
        for i in 0..<n {
            #expect(l[i, i] > 0)
            for j in (i + 1)..<n { #expect(l[i, j] == 0) }
        }
        // L Lᵀ = A (entries of A are O(n)).
        #expect(maxDifference(naiveProduct(l, l.transposed), a) < 1e-12 * Double(n))
        // A X = B for three right-hand sides and for one.
        let b = randomMatrix(n, 3, seed: 2)
        let x = try cholesky.solve(b)
        #expect(maxDifference(naiveProduct(a, x), b) < 1e-12)
        let b1 = randomMatrix(n, 1, seed: 3)
        #expect(maxDifference(naiveProduct(a, try cholesky.solve(b1)), b1) < 1e-12)
    }

    @Test func indefiniteSingularAndNaNAreTypedErrors() {
        // Eigenvalues −1 and 3: the leading minor of order 2 fails.
        #expect(throws: LAPACKError(routine: "dpotrf", info: 2, reason: .notPositiveDefinite(order: 2))) {
            try DenseCholeskyFactorization(DenseMatrix(rows: 2, columns: 2, elements: [1, 2, 2, 1]))
        }
        #expect(throws: LAPACKError.self) { try DenseCholeskyFactorization(DenseMatrix(rows: 2, columns: 2, elements: [1, 1, 1, 1])) }
        #expect(throws: LAPACKError(routine: "dpotrf", info: 0, reason: .nonFiniteInput)) {
            try DenseCholeskyFactorization(withNaN(randomSPD(5, seed: 4)))
        }
        #expect(throws: LAPACKError.self) { try DenseCholeskyFactorization(DenseMatrix(zeros: 2, 3)) }
    }
}

@Suite struct LUTests {
    @Test func solvesGeneralSystems() throws {
        let n = 30
        var a = randomMatrix(n, n, seed: 5)
        a[0, 0] = 0   // forces a row interchange
        let lu = try DenseLUFactorization(a)
        let b = randomMatrix(n, 4, seed: 6)
        let x = try lu.solve(b)
        #expect(maxDifference(naiveProduct(a, x), b) < 1e-12)
        var v = randomMatrix(n, 1, seed: 7).elements
        let rhs = DenseMatrix(rows: n, columns: 1, elements: v)
        try lu.solve(&v)
        #expect(maxDifference(naiveProduct(a, DenseMatrix(rows: n, columns: 1, elements: v)), rhs) < 1e-12)
        // Known answer: [[2, 1], [1, 3]] x = [3, 5] → x = [4/5, 7/5].
        let small = try DenseLUFactorization(DenseMatrix(rows: 2, columns: 2, elements: [2, 1, 1, 3]))
            .solve(DenseMatrix(rows: 2, columns: 1, elements: [3, 5]))
        #expect(abs(small[0, 0] - 0.8) < 1e-15 && abs(small[1, 0] - 1.4) < 1e-15)
    }

    @Test func singularNaNAndShapeAreTypedErrors() throws {
        // Rank 1.
        #expect(throws: LAPACKError.self) {
            try DenseLUFactorization(DenseMatrix(rows: 3, columns: 3, elements: [1, 2, 3, 2, 4, 6, 3, 6, 9]))
        }
        do {
            _ = try DenseLUFactorization(DenseMatrix(rows: 2, columns: 2, elements: [1, 2, 2, 4]))
            Issue.record("singular matrix factored")
        } catch {
            guard case .singular = error.reason else { Issue.record("wrong reason \(error.reason)"); return }
            #expect(error.routine == "dgetrf" && error.info > 0)
            #expect(!error.description.contains("\n") && error.description.contains("dgetrf"))
        }
        #expect(throws: LAPACKError(routine: "dgetrf", info: 0, reason: .nonFiniteInput)) { try DenseLUFactorization(withNaN(randomMatrix(4, 4, seed: 8))) }
        let lu = try DenseLUFactorization(randomSPD(4, seed: 9))
        #expect(throws: LAPACKError.self) { try lu.solve(DenseMatrix(zeros: 3, 1)) }
    }
}

@Suite struct SingularValueTests {
    @Test func reconstructsTallAndWide() throws {
        for (m, n) in [(9, 5), (5, 9)] {
            let a = randomMatrix(m, n, seed: UInt64(10 + m))
            let svd = try SingularValueDecomposition(a)
            let r = min(m, n)
            #expect(svd.left.rows == m && svd.left.columns == r && svd.rightTransposed.rows == r && svd.rightTransposed.columns == n)
            var us = svd.left
            for i in 0..<m { for k in 0..<r { us[i, k] *= svd.singularValues[k] } }
            #expect(maxDifference(naiveProduct(us, svd.rightTransposed), a) < 1e-13)
            #expect(maxDifference(naiveProduct(svd.left.transposed, svd.left), .identity(r)) < 1e-13)
            #expect(maxDifference(naiveProduct(svd.rightTransposed, svd.rightTransposed.transposed), .identity(r)) < 1e-13)
            for k in 1..<r { #expect(svd.singularValues[k - 1] >= svd.singularValues[k]) }
        }
    }

    @Test func rankOneHasOneSingularValue() throws {
        // u vᵀ with ‖u‖ = 3, ‖v‖ = 5: σ₁ = 15, the rest 0.
        let u = [1.0, 2, 2], v = [3.0, 0, 4, 0]
        let a = DenseMatrix(rows: 3, columns: 4, elements: u.flatMap { x in v.map { x * $0 } })
        let s = try SingularValueDecomposition(a).singularValues
        #expect(abs(s[0] - 15) < 1e-13)
        #expect(s.dropFirst().allSatisfy { abs($0) < 1e-13 })
        #expect(throws: LAPACKError(routine: "dgesdd", info: 0, reason: .nonFiniteInput)) { try SingularValueDecomposition(withNaN(a)) }
    }
}
