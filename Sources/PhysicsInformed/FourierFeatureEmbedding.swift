import Foundation
import TensorCore
import AutoDiff
import NeuralLayers

/// Random Fourier features of the input: `γ(x) = [cos(2π x B), sin(2π x B)]`.
///
/// `B ∈ ℝ^{d×m}` has entries drawn once from `N(0, σ²)` and is not trained. A network on `γ(x)`
/// learns high frequencies (up to about `σ`) that a plain MLP is slow to fit (spectral bias).
/// ```
/// x: [N, d]  ↦  γ(x): [N, 2m]
/// ```
/// References: Tancik et al., "Fourier features let networks learn high frequency functions in
/// low dimensional domains", NeurIPS 2020; Wang, Wang & Perdikaris, "On the eigenvector bias of
/// Fourier feature networks", CMAME 384 (2021).
public struct FourierFeatureEmbedding<Scalar: TensorScalar>: Layer {
    /// The frequency matrix `B`, `[d, m]` (fixed).
    public let frequencies: Tensor<Scalar>

    public init(inputFeatures: Int, featureCount: Int, scale: Double, generator: inout SeededRandomNumberGenerator) {
        frequencies = .normal([inputFeatures, featureCount], standardDeviation: Scalar(scale), using: &generator)
    }

    /// Output width `2m`.
    public var outputFeatures: Int { 2 * frequencies.shape[1] }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let projected = Variable.matmul(input, Variable(frequencies * Scalar(2 * Double.pi)))
        return Variable.concatenated([projected.cos(), projected.sin()], alongAxis: -1)
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {}
}
