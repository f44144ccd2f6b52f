import TensorCore
import AutoDiff
import NeuralLayers

/// A fully connected net `x ↦ σ(… σ(x W₁ + b₁) …) W_L + b_L`, optionally with `σ` after the last layer too.
///
/// The branch and trunk nets of a DeepONet. Weights start Glorot-normal, as in DeepXDE's examples.
public struct DeepONetSubnetwork<Scalar: TensorScalar>: Layer {
    public let layers: [Linear<Scalar>]
    public let activation: Activation
    public let activatesOutput: Bool

    public init(widths: [Int], activation: Activation, activatesOutput: Bool,
                generator: inout SeededRandomNumberGenerator) {
        precondition(widths.count >= 2, "DeepONetSubnetwork needs at least input and output widths")
        layers = zip(widths, widths.dropFirst()).map { input, output in
            Linear(inputFeatures: input, outputFeatures: output, initializer: .glorotNormal(), generator: &generator)
        }
        self.activation = activation
        self.activatesOutput = activatesOutput
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if index < layers.count - 1 || activatesOutput { x = activation(x) }
        }
        return x
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        for (index, layer) in layers.enumerated() {
            layer.visitParameters(prefix: parameterPath(prefix, "layers.\(index)"), visit)
        }
    }
}
