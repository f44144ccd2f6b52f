import TensorCore
import AutoDiff

/// A fully connected network `x ↦ L_n(σ(… σ(L_1 x)))` with one activation between layers.
public struct MultilayerPerceptron<Scalar: TensorScalar>: Layer {
    public let layers: [Linear<Scalar>]
    public let activation: Activation

    /// - Parameter widths: `[input, hidden…, output]`, at least two entries.
    public init(widths: [Int], activation: Activation, generator: inout SeededRandomNumberGenerator) {
        precondition(widths.count >= 2, "MultilayerPerceptron needs at least input and output widths")
        let initializer: Initializer = activation == .relu ? .kaimingUniform : .glorotUniform()
        var layers: [Linear<Scalar>] = []
        for (input, output) in zip(widths, widths.dropFirst()) {
            layers.append(Linear(inputFeatures: input, outputFeatures: output, initializer: initializer, generator: &generator))
        }
        self.layers = layers
        self.activation = activation
    }

    public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
        var x = input
        for (index, layer) in layers.enumerated() {
            x = layer(x)
            if index < layers.count - 1 { x = activation(x) }
        }
        return x
    }

    public func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void) {
        for (index, layer) in layers.enumerated() {
            layer.visitParameters(prefix: parameterPath(prefix, "layers.\(index)"), visit)
        }
    }
}
