import TensorCore
import AutoDiff

/// A transposed convolution (the adjoint of a strided convolution), used for upsampling, for
/// example the prolongation of a multigrid V-cycle.
///
/// The weight is `[inputChannels, outputChannels, k…]` (PyTorch's layout). With input size `I`,
/// the output size per axis is
/// ```
/// O = (I − 1)·s − 2p + δ(K − 1) + 1 + outputPadding
/// ```
/// and `y = C_xᵀ(x, W)` where `C` is the convolution from `O` to `I` with the same stride, padding
/// and dilation.
public struct ConvolutionTranspose<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    public let stride: [Int]
    public let padding: [Int]
    public let outputPadding: [Int]

    public init(inputChannels: Int, outputChannels: Int, kernelSize: [Int], stride: [Int] = [1],
                padding: [Int] = [0], outputPadding: [Int] = [0], useBias: Bool = true,
                generator: inout SeededRandomNumberGenerator) {
        let d = kernelSize.count
        precondition((1...3).contains(d), "ConvolutionTranspose supports 1–3 spatial axes")
        func expand(_ values: [Int]) -> [Int] { values.count == 1 ? [Int](repeating: values[0], count: d) : values }
        self.stride = expand(stride)
        self.padding = expand(padding)
        self.outputPadding = expand(outputPadding)
        precondition(zip(self.outputPadding, self.stride).allSatisfy { $0 < $1 }, "outputPadding must be smaller than stride")
        let volume = kernelSize.reduce(1, *)
        weight = Parameter(Initializer.kaimingUniform.make([inputChannels, outputChannels] + kernelSize,
                                                           fanIn: outputChannels * volume, fanOut: inputChannels * volume,
                                                           using: &generator))
        bias = useBias ? Parameter(.zeros([outputChannels])) : nil
    }

    public var spatialRank: Int { weight.value.rank - 2 }
    public var inputChannels: Int { weight.value.shape[0] }
    public var outputChannels: Int { weight.value.shape[1] }

    /// Output spatial size for an input spatial size.
    public func outputSize(forInputSize inputSize: [Int]) -> [Int] {
        let kernel = Array(weight.value.shape.suffix(spatialRank))
        return (0..<spatialRank).map { (inputSize[$0] - 1) * stride[$0] - 2 * padding[$0] + kernel[$0] + outputPadding[$0] }
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let d = spatialRank
        precondition(input.rank == d + 2 && input.shape[1] == inputChannels,
                     "ConvolutionTranspose expects [batch, \(inputChannels), \(d) spatial axes], got \(input.shape)")
        let geometry = ConvolutionGeometry(inputSize: outputSize(forInputSize: Array(input.shape.suffix(d))),
                                           kernelSize: Array(weight.value.shape.suffix(d)), stride: stride,
                                           padding: padding, dilation: [Int](repeating: 1, count: d))
        precondition(geometry.outputSize == Array(input.shape.suffix(d)), "ConvolutionTranspose geometry mismatch")
        let y = Variable.convolutionTransposed(input, weight: weight.variable, geometry: geometry)
        guard let bias else { return y }
        return y + bias.variable.reshaped([outputChannels] + [Int](repeating: 1, count: d))
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        if let bias { visit(parameterPath(prefix, "bias"), bias) }
    }
}
