import Foundation
import Testing
import DenseLinearAlgebra

/// `max_j ‖A qⱼ − λⱼ qⱼ‖_∞` over the columns of `q`, NaN propagated.
private func eigenResidual(_ a: DenseMatrix, _ q: DenseMatrix, _ values: [Double]) -> Double {
    var lambdaQ = q
    for i in 0..<q.rows { for j in 0..<q.columns { lambdaQ[i, j] *= values[j] } }
    return maxDifference(naiveProduct(a, q), lambdaQ)
}

@Suite struct SymmetricEigenTests {
    @Test func randomSymmetricEigenpairs() throws {
        let n = 35
        let m = randomMatrix(n, n, seed: 20)
        var a = m
        for i in 0..<n { for j in 0..<n { a[i, j] = m[i, j] + m[j, i] } }
        let eig = try SymmetricEigendecomposition(a)
        #expect(eigenResidual(a, eig.eigenvectors, eig.eigenvalues) < 1e-12)
        #expect(maxDifference(naiveProduct(eig.eigenvectors.transposed, eig.eigenvectors), .identity(n)) < 1e-13)
        for k in 1..<n { #expect(eig.eigenvalues[k - 1] <= eig.eigenvalues[k]) }
    }

    @Test func laplacianSpectrum() throws {
        let (a, exact) = laplacian(50)
        let eig = try SymmetricEigendecomposition(a)
        #expect(maxDifference(DenseMatrix(rows: 1, columns: 50, elements: eig.eigenvalues), DenseMatrix(rows: 1, columns: 50, elements: exact)) < 1e-13)
        #expect(throws: LAPACKError(routine: "dsyevd", info: 0, reason: .nonFiniteInput)) { try SymmetricEigendecomposition(withNaN(a)) }
        #expect(throws: LAPACKError.self) { try SymmetricEigendecomposition(DenseMatrix(zeros: 2, 3)) }
    }
}

@Suite struct TridiagonalEigenTests {
    @Test func allPairsOfTheLaplacian() throws {
        let n = 60
        let (a, exact) = laplacian(n)
        let d = [Double](repeating: 2, count: n), e = [Double](repeating: -1, count: n - 1)
        let all = try SymmetricTridiagonalEigendecomposition(diagonal: d, offDiagonal: e)
        let q = try #require(all.eigenvectors)
        #expect(maxDifference(DenseMatrix(rows: 1, columns: n, elements: all.eigenvalues), DenseMatrix(rows: 1, columns: n, elements: exact)) < 1e-13)
        #expect(eigenResidual(a, q, all.eigenvalues) < 1e-12)
        #expect(maxDifference(naiveProduct(q.transposed, q), .identity(n)) < 1e-13)
        let valuesOnly = try SymmetricTridiagonalEigendecomposition(diagonal: d, offDiagonal: e, computeVectors: false)
        #expect(valuesOnly.eigenvectors == nil)
        #expect(maxDifference(DenseMatrix(rows: 1, columns: n, elements: valuesOnly.eigenvalues), DenseMatrix(rows: 1, columns: n, elements: exact)) < 1e-13)
    }

    @Test func lowestPairsByMRRR() throws {
        let n = 500
        let (a, exact) = laplacian(n)
        let lowest = try SymmetricTridiagonalEigendecomposition(diagonal: [Double](repeating: 2, count: n),
                                                                offDiagonal: [Double](repeating: -1, count: n - 1), selection: .lowest(4))
        #expect(lowest.eigenvalues.count == 4)
        for k in 0..<4 { #expect(abs(lowest.eigenvalues[k] - exact[k]) < 1e-13) }
        let lowestValues = try SymmetricTridiagonalEigendecomposition(diagonal: [Double](repeating: 2, count: n),
                                                                      offDiagonal: [Double](repeating: -1, count: n - 1),
                                                                      selection: .lowest(4), computeVectors: false)
        #expect(lowestValues.eigenvectors == nil)
        for k in 0..<4 { #expect(abs(lowestValues.eigenvalues[k] - exact[k]) < 1e-13) }
        let q = try #require(lowest.eigenvectors)
        #expect(q.rows == n && q.columns == 4)
        #expect(eigenResidual(a, q, lowest.eigenvalues) < 1e-12)
        #expect(maxDifference(naiveProduct(q.transposed, q), .identity(4)) < 1e-12)
    }

    @Test func badInputIsTypedError() {
        #expect(throws: LAPACKError.self) { try SymmetricTridiagonalEigendecomposition(diagonal: [1, 2], offDiagonal: [1, 1]) }
        #expect(throws: LAPACKError.self) { try SymmetricTridiagonalEigendecomposition(diagonal: [1, 2], offDiagonal: [1], selection: .lowest(3)) }
        #expect(throws: LAPACKError(routine: "dstevr", info: 0, reason: .nonFiniteInput)) {
            try SymmetricTridiagonalEigendecomposition(diagonal: [1, .nan, 1], offDiagonal: [1, 1], selection: .lowest(1))
        }
    }
}

@Suite struct GeneralizedEigenTests {
    @Test func diagonalPencilAndSmallestBasis() throws {
        // A = diag(1, 2, 3), B = diag(2, 1, 1): θ = 0.5, 2, 3 with eigenvectors e₁, e₂, e₃.
        let a = DenseMatrix(rows: 3, columns: 3, elements: [1, 0, 0, 0, 2, 0, 0, 0, 3])
        let b = DenseMatrix(rows: 3, columns: 3, elements: [2, 0, 0, 0, 1, 0, 0, 0, 1])
        let pencil = try GeneralizedEigendecomposition(a, b)
        let magnitudes = (0..<3).map(pencil.magnitude).sorted()
        for (got, want) in zip(magnitudes, [0.5, 2, 3]) { #expect(abs(got - want) < 1e-14) }
        let basis = try #require(pencil.smallestMagnitudeRealBasis(count: 2))
        #expect(basis.rows == 2)
        // Rows are ± e₁ and ± e₂ up to scale.
        #expect(abs(basis[0, 1]) < 1e-14 && abs(basis[0, 2]) < 1e-14 && abs(basis[0, 0]) > 0)
        #expect(abs(basis[1, 0]) < 1e-14 && abs(basis[1, 2]) < 1e-14 && abs(basis[1, 1]) > 0)
    }

    @Test func randomPencilResidualAndComplexPair() throws {
        let n = 12
        let a = randomMatrix(n, n, seed: 30), b = randomSPD(n, seed: 31)
        let pencil = try GeneralizedEigendecomposition(a, b)
        let v = pencil.rightEigenvectors
        let av = naiveProduct(a, v), bv = naiveProduct(b, v)
        var j = 0
        while j < n {
            let ar = pencil.alphaReal[j], ai = pencil.alphaImaginary[j], be = pencil.beta[j]
            if ai == 0 {
                // β A v = αᴿ B v
                var worst = 0.0
                for i in 0..<n { worst = max(worst, abs(be * av[i, j] - ar * bv[i, j])) }
                #expect(worst < 1e-11, "real pair \(j): \(worst)")
                j += 1
            } else {
                // β A (x + i y) = (αᴿ + i αᴵ) B (x + i y)
                var worst = 0.0
                for i in 0..<n {
                    let re = be * av[i, j] - (ar * bv[i, j] - ai * bv[i, j + 1])
                    let im = be * av[i, j + 1] - (ar * bv[i, j + 1] + ai * bv[i, j])
                    worst = max(worst, abs(re), abs(im))
                }
                #expect(worst < 1e-11, "complex pair \(j): \(worst)")
                j += 2
            }
        }
        // Rotation by 90°: θ = ±i, the basis is the real and imaginary parts x, y with A x = −y, A y = x.
        let rotation = DenseMatrix(rows: 2, columns: 2, elements: [0, -1, 1, 0])
        let basis = try #require(try GeneralizedEigendecomposition(rotation, .identity(2)).smallestMagnitudeRealBasis(count: 2))
        let x = DenseMatrix(rows: 2, columns: 1, elements: basis.row(0)), y = DenseMatrix(rows: 2, columns: 1, elements: basis.row(1))
        #expect(maxDifference(naiveProduct(rotation, x), DenseMatrix(rows: 2, columns: 1, elements: y.elements.map { -$0 })) < 1e-14)
        #expect(maxDifference(naiveProduct(rotation, y), x) < 1e-14)
        #expect(throws: LAPACKError.self) { try GeneralizedEigendecomposition(withNaN(a), b) }
    }
}
