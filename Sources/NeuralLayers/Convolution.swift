import TensorCore
import AutoDiff

/// A convolution layer over 1, 2 or 3 spatial axes, channels first (`[batch, channels, spatial…]`).
///
/// ```
/// y[b, o, j] = bias[o] + Σ_{c,k} W[o, c, k] · x̃[b, c, j·s + k·δ]
/// ```
/// where `x̃` is `x` padded by `padding` on each side in `paddingMode`: zeros (homogeneous
/// Dirichlet), circular (periodic) or replicate (edge copy). Output size per axis:
/// `⌊(S + 2p − δ(K − 1) − 1)/s⌋ + 1`.
public struct Convolution<Scalar: TensorScalar>: Layer {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let paddingMode: PaddingMode

    /// - Parameters:
    ///   - kernelSize: One size per spatial axis; its count (1–3) sets the spatial rank.
    ///   - stride, padding, dilation: One value per spatial axis, or a single value for all.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: [Int], stride: [Int] = [1],
                padding: [Int] = [0], dilation: [Int] = [1], paddingMode: PaddingMode = .zero,
                useBias: Bool = true, initializer: Initializer = .kaimingUniform,
                generator: inout SeededRandomNumberGenerator) {
        let d = kernelSize.count
        precondition((1...3).contains(d), "Convolution supports 1–3 spatial axes")
        func expand(_ values: [Int], _ name: String) -> [Int] {
            precondition(values.count == 1 || values.count == d, "\(name) needs 1 or \(d) entries")
            return values.count == 1 ? [Int](repeating: values[0], count: d) : values
        }
        self.stride = expand(stride, "stride")
        self.padding = expand(padding, "padding")
        self.dilation = expand(dilation, "dilation")
        self.paddingMode = paddingMode
        let volume = kernelSize.reduce(1, *)
        weight = Parameter(initializer.make([outputChannels, inputChannels] + kernelSize,
                                            fanIn: inputChannels * volume, fanOut: outputChannels * volume,
                                            using: &generator))
        let bound = 1 / Double(inputChannels * volume).squareRoot()
        bias = useBias ? Parameter(.uniform([outputChannels], lowerBound: Scalar(-bound), upperBound: Scalar(bound),
                                            using: &generator)) : nil
    }

    public var spatialRank: Int { weight.value.rank - 2 }
    public var inputChannels: Int { weight.value.shape[1] }
    public var outputChannels: Int { weight.value.shape[0] }
    public var kernelSize: [Int] { Array(weight.value.shape.suffix(spatialRank)) }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        let d = spatialRank
        precondition(input.rank == d + 2 && input.shape[1] == inputChannels,
                     "Convolution expects [batch, \(inputChannels), \(d) spatial axes], got \(input.shape)")
        var x = input
        var zeroPadding = padding
        if paddingMode != .zero && padding.contains(where: { $0 > 0 }) {
            x = x.padded(before: [0, 0] + padding, after: [0, 0] + padding, mode: paddingMode)
            zeroPadding = [Int](repeating: 0, count: d)
        }
        let geometry = ConvolutionGeometry(inputSize: Array(x.shape.suffix(d)), kernelSize: kernelSize,
                                           stride: stride, padding: zeroPadding, dilation: dilation)
        let y = Variable.convolution(x, weight: weight.variable, geometry: geometry)
        guard let bias else { return y }
        return y + bias.variable.reshaped([outputChannels] + [Int](repeating: 1, count: d))
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        visit(parameterPath(prefix, "weight"), weight)
        if let bias { visit(parameterPath(prefix, "bias"), bias) }
    }
}
