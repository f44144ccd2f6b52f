import TensorCore
import AutoDiff

/// A differentiable map with named parameters.
///
/// `visitParameters` reports every parameter with a stable, dot-separated path
/// (`"blocks.2.spectral.weight"`), which checkpoints use as tensor names. No reflection is used.
public protocol Layer<Scalar> {
    associatedtype Scalar: TensorScalar
    /// Applies the layer.
    func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar>
    /// Calls `visit(path, parameter)` for every parameter, paths prefixed with `prefix`.
    func visitParameters(prefix: String, _ visit: (String, Parameter<Scalar>) -> Void)
}

extension Layer {
    /// All parameters with their paths, in visiting order.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var result: [(name: String, parameter: Parameter<Scalar>)] = []
        visitParameters(prefix: "") { result.append(($0, $1)) }
        return result
    }

    /// All parameters, in visiting order.
    public var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }

    /// Applies the layer to a constant tensor without building a graph (inference).
    public func inference(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        GradientRecording.withoutRecording { callAsFunction(Variable(input)).value }
    }
}

/// Joins a path prefix and a name: `join("blocks.2", "weight") == "blocks.2.weight"`.
public func parameterPath(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "." + name
}
