import DenseLinearAlgebra
/// Solves and log-determinant with a Kronecker-product covariance `K = K₁ ⊗ K₂` (or a single
/// factor) through per-factor eigendecompositions, never forming `K`.
///
/// With `K_i = Q_i Λ_i Q_iᵀ` and the grid values as a row-major `N₁ × N₂` matrix `U`
/// (so `(K₁ ⊗ K₂) vec(U) = K₁ U K₂ᵀ`):
/// ```
/// K⁻¹ vec(U) = Q₁ [ (Q₁ᵀ U Q₂) ⊘ (λ₁ λ₂ᵀ) ] Q₂ᵀ
/// log|K|     = N₂ Σ_i log λ₁ᵢ + N₁ Σ_j log λ₂ⱼ
/// K^{1/2} V  = (Q₁ Λ₁^{1/2}) V (Q₂ Λ₂^{1/2})ᵀ       (a square-root factor, K = L Lᵀ)
/// ```
/// Complexity: O(Σ N_i³) to factor, O(N Σ N_i) per solve (N = N₁N₂).
/// References: Saatçi, "Scalable Inference for Structured Gaussian Process Models", PhD thesis, 2012;
/// Fang et al., ICLR 2024, §4.
public struct KroneckerEigensystem: Sendable {
    public let factors: [SymmetricEigendecomposition]
    /// Grid sizes `[N₁]` or `[N₁, N₂]`.
    public var sizes: [Int] { factors.map(\.size) }
    public var count: Int { sizes.reduce(1, *) }

    /// Decomposes each row-major symmetric factor matrix (one or two).
    public init(factorMatrices: [[Double]]) throws {
        guard factorMatrices.count == 1 || factorMatrices.count == 2 else {
            throw GaussianProcessError.invalidArgument("Kronecker covariance needs one or two factors")
        }
        var decompositions: [SymmetricEigendecomposition] = []
        for matrix in factorMatrices {
            let n = Int(Double(matrix.count).squareRoot().rounded())
            guard n * n == matrix.count else { throw GaussianProcessError.invalidArgument("factor is not square") }
            decompositions.append(try SymmetricEigendecomposition(DenseMatrix(rows: n, columns: n, elements: matrix)))
        }
        try self.init(factors: decompositions)
    }

    public init(factors: [SymmetricEigendecomposition]) throws {
        guard factors.count == 1 || factors.count == 2 else {
            throw GaussianProcessError.invalidArgument("Kronecker covariance needs one or two factors")
        }
        for f in factors where !(f.eigenvalues.first.map { $0 > 0 } ?? false) {
            throw GaussianProcessError.kernelNotPositiveDefinite(smallestEigenvalue: f.eigenvalues.first ?? 0)
        }
        self.factors = factors
    }

    /// `log|K|`.
    public var logDeterminant: Double {
        let n = count
        var total = 0.0
        for f in factors { total += Double(n / f.size) * f.eigenvalues.reduce(0) { $0 + Foundation.log($1) } }
        return total
    }

    /// `K⁻¹ vec(U)` for the row-major grid values `u`.
    public func solve(_ u: [Double]) -> [Double] {
        precondition(u.count == count, "KroneckerEigensystem.solve: size mismatch")
        return solve(matrix(u)).elements
    }

    /// `L V` with `L = ⊗ Q_i Λ_i^{1/2}`, so `vec(L V)` has covariance `K` when `V` is white noise.
    public func applySquareRoot(_ v: [Double]) -> [Double] {
        precondition(v.count == count)
        return applySquareRoot(matrix(v)).elements
    }

    // MARK: Internal matrix forms

    func matrix(_ u: [Double]) -> DenseMatrix {
        DenseMatrix(rows: sizes[0], columns: sizes.count == 2 ? sizes[1] : 1, elements: u)
    }

    func solve(_ u: DenseMatrix) -> DenseMatrix {
        let q1 = factors[0].eigenvectors, l1 = factors[0].eigenvalues
        var hat = DenseMatrix.product(q1, u, transposeA: true)            // Q₁ᵀ U
        if factors.count == 2 { hat = hat * factors[1].eigenvectors }        // (Q₁ᵀ U) Q₂
        let l2 = factors.count == 2 ? factors[1].eigenvalues : [1.0]
        for i in 0..<hat.rows { for j in 0..<hat.columns { hat[i, j] /= l1[i] * l2[j] } }
        var result = q1 * hat                                            // Q₁ Â
        if factors.count == 2 { result = DenseMatrix.product(result, factors[1].eigenvectors, transposeB: true) }
        return result
    }

    /// `Q diag(g(λ)) Qᵀ` for factor `index`.
    func spectralFunction(_ index: Int, _ g: (Double) -> Double) -> DenseMatrix {
        var scaled = factors[index].eigenvectors
        let n = scaled.rows
        for j in 0..<n { let s = g(factors[index].eigenvalues[j]); for i in 0..<n { scaled[i, j] *= s } }
        return DenseMatrix.product(scaled, factors[index].eigenvectors, transposeB: true)
    }

    /// `Q_i Λ_i^{1/2}` for factor `index`.
    func squareRootFactor(_ index: Int) -> DenseMatrix {
        var scaled = factors[index].eigenvectors
        let n = scaled.rows
        for j in 0..<n { let s = factors[index].eigenvalues[j].squareRoot(); for i in 0..<n { scaled[i, j] *= s } }
        return scaled
    }

    func applySquareRoot(_ v: DenseMatrix) -> DenseMatrix {
        var result = squareRootFactor(0) * v
        if factors.count == 2 { result = DenseMatrix.product(result, squareRootFactor(1), transposeB: true) }
        return result
    }
}

import Foundation
