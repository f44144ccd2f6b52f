import TensorCore
import AutoDiff

/// Layer normalization over every axis but the batch (Ba, Kiros & Hinton 2016; PyTorch's
/// `nn.LayerNorm(normalized_shape)` with `normalized_shape` = the sample shape):
/// ```
/// y = (x − μ) / √(σ² + ε) · γ + β,   μ, σ² the mean and (biased) variance of one sample
/// ```
/// with elementwise affine `γ` (ones) and `β` (zeros) of the sample's shape.
public struct LayerNormalization<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>
    public let epsilon: Scalar

    /// - Parameter shape: the shape of one sample (`[channels, spatial…]`).
    public init(shape: [Int], epsilon: Scalar = 1e-5) {
        weight = Parameter(.ones(shape))
        bias = Parameter(.zeros(shape))
        self.epsilon = epsilon
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        precondition(Array(input.shape.dropFirst()) == weight.value.shape,
                     "LayerNormalization expects [batch] + \(weight.value.shape), got \(input.shape)")
        let axes = Array(1..<input.rank)
        let centred = input - input.mean(alongAxes: axes, keepingDimensions: true)
        let variance = centred.squared().mean(alongAxes: axes, keepingDimensions: true)
        let normalized = centred / (variance + epsilon).squareRoot()
        return normalized * weight.variable.reshaped([1] + weight.value.shape) + bias.variable.reshaped([1] + bias.value.shape)
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        visit(parameterPath(prefix, "bias"), bias)
    }
}
