import DenseLinearAlgebra
import TensorCore

/// Proper orthogonal decomposition of training targets: the mean and the leading right singular vectors.
///
/// For targets `Y ∈ ℝ^{N×P}` (N samples on P shared query points):
/// ```
/// ȳ = (1/N) Σ_i Y_i,     Y − 1 ȳᵀ = U Σ Vᵀ   (thin SVD: SingularValueDecomposition, LAPACK dgesdd)
/// modes Φ = V[:, 0..<p] ∈ ℝ^{P×p},   Φᵀ Φ = I
/// ```
/// POD-DeepONet predicts `G(u)(y_j) = Σ_k b_k(u) Φ_{jk} + ȳ_j + b₀`.
///
/// Reference: Lu et al., CMAME 393 (2022) 114778, section 2.2.
public struct DeepONetPODBasis: Sendable, Equatable {
    /// `Φ`, shape `[P, p]`, orthonormal columns.
    public let modes: Tensor<Double>
    /// `ȳ`, shape `[P]`.
    public let mean: Tensor<Double>
    /// The singular values of the centred targets, all of them, descending.
    public let singularValues: [Double]

    public init(modes: Tensor<Double>, mean: Tensor<Double>, singularValues: [Double]) {
        self.modes = modes
        self.mean = mean
        self.singularValues = singularValues
    }

    /// Computes the first `modeCount` POD modes of `targets` (`[N, P]`).
    public init(targets: Tensor<Double>, modeCount: Int) throws {
        guard targets.rank == 2 else { throw DeepONetError.shapeMismatch("POD targets must be [samples, points], got \(targets.shape)") }
        let n = targets.shape[0], points = targets.shape[1]
        guard modeCount >= 1, modeCount <= min(n, points) else {
            throw DeepONetError.podFailed("\(modeCount) modes requested from \(n) samples on \(points) points")
        }
        var mean = [Double](repeating: 0, count: points)
        for i in 0..<n { for j in 0..<points { mean[j] += targets.scalars[i * points + j] } }
        for j in 0..<points { mean[j] /= Double(n) }
        var a = targets.scalars
        for i in 0..<n { for j in 0..<points { a[i * points + j] -= mean[j] } }
        // Thin SVD: A (n×P) = U (n×k) diag(s) Vᵀ (k×P), k = min(n, P); NaN targets or no convergence throw LAPACKError.
        let svd = try SingularValueDecomposition(DenseMatrix(rows: n, columns: points, elements: a))
        let vt = svd.rightTransposed.elements
        var phi = [Double](repeating: 0, count: points * modeCount)
        for j in 0..<points { for m in 0..<modeCount { phi[j * modeCount + m] = vt[m * points + j] } }
        self.modes = Tensor(uncheckedShape: [points, modeCount], scalars: phi)
        self.mean = Tensor(uncheckedShape: [points], scalars: mean)
        self.singularValues = svd.singularValues
    }
}
