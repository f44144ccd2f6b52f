import TensorCore
import AutoDiff

/// A pointwise multilayer perceptron over the channels of a channels-first field.
///
/// ```
/// y = L_n ∘ σ ∘ L_{n−1} ∘ ⋯ ∘ σ ∘ L_1 (x),     L_i a 1×1 convolution (`PointwiseConvolution`)
/// ```
/// The same MLP acts at every grid point, so it is resolution-independent; FNO uses it for lifting,
/// projection and inside its blocks (Kossaifi et al., neuraloperator, 2024).
public struct ChannelMLP<Scalar: TensorScalar>: Layer {
    public let layers: [PointwiseConvolution<Scalar>]
    public let activation: Activation

    /// - Parameters:
    ///   - hiddenChannels: Width of every hidden layer (`layerCount − 1` of them).
    ///   - layerCount: Number of 1×1 convolutions (≥ 1).
    public init(inputChannels: Int, outputChannels: Int, hiddenChannels: Int, layerCount: Int = 2,
                activation: Activation = .gelu, generator: inout SeededRandomNumberGenerator) {
        precondition(layerCount >= 1, "ChannelMLP needs at least one layer")
        var layers: [PointwiseConvolution<Scalar>] = []
        for index in 0..<layerCount {
            let input = index == 0 ? inputChannels : hiddenChannels
            let output = index == layerCount - 1 ? outputChannels : hiddenChannels
            layers.append(PointwiseConvolution(inputChannels: input, outputChannels: output, generator: &generator))
        }
        self.layers = layers
        self.activation = activation
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if index < layers.count - 1 { x = activation.applyFused(x) }
        }
        return x
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        for (index, layer) in layers.enumerated() { layer.visitParameters(prefix: parameterPath(prefix, "layers.\(index)"), visit) }
    }
}
