import TensorCore
import AutoDiff

/// A 1×1 convolution on channels-first fields: the same affine map of the channels at every point.
///
/// For `x: [B, C_in, n₁, …, n_d]` (any number of spatial axes, including none):
/// ```
/// y[b, :, p] = W x[b, :, p] + c,     W ∈ ℝ^{C_out×C_in}
/// ```
/// computed as one GEMM per batch entry (`[C_out, C_in] × [C_in, N]`) by `Variable.pointwiseAffine`.
public struct PointwiseConvolution<Scalar: TensorScalar>: Layer {
    /// `[C_out, C_in]`.
    public let weight: Parameter<Scalar>
    /// `[C_out]`, or nil.
    public let bias: Parameter<Scalar>?

    /// Weights `U(−a, a)`, `a = 1/√C_in` (PyTorch's default for a 1×1 convolution); biases likewise.
    public init(inputChannels: Int, outputChannels: Int, useBias: Bool = true, generator: inout SeededRandomNumberGenerator) {
        let bound = 1 / Double(max(inputChannels, 1)).squareRoot()
        weight = Parameter(Initializer.uniform(bound: bound).make([outputChannels, inputChannels], fanIn: inputChannels,
                                                                  fanOut: outputChannels, using: &generator))
        bias = useBias ? Parameter(Initializer.uniform(bound: bound).make([outputChannels], fanIn: inputChannels,
                                                                          fanOut: outputChannels, using: &generator)) : nil
    }

    public var inputChannels: Int { weight.value.shape[1] }
    public var outputChannels: Int { weight.value.shape[0] }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        precondition(input.rank >= 2 && input.shape[1] == inputChannels,
                     "PointwiseConvolution expects [B, \(inputChannels), …], got \(input.shape)")
        return Variable.pointwiseAffine(input, weight: weight.variable, bias: bias?.variable)
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        if let bias { visit(parameterPath(prefix, "bias"), bias) }
    }
}
