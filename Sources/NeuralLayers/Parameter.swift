import TensorCore
import AutoDiff

/// A trainable tensor: its value, and the leaf node into which `backward()` accumulates its gradient.
///
/// Parameters are reference types: a layer and an optimizer refer to the same parameter, and the
/// optimizer updates `value` in place.
public final class Parameter<Scalar: TensorScalar> {
    /// Current value.
    public var value: Tensor<Scalar>
    /// Graph leaf that collects `∂loss/∂value`.
    public let node: GradientNode<Scalar>

    public init(_ value: Tensor<Scalar>) {
        self.value = value
        self.node = GradientNode(leafShape: value.shape)
    }

    /// The parameter as a tracked variable (use once per forward pass).
    public var variable: Variable<Scalar> { Variable(value: value, node: node) }

    /// Accumulated gradient, or nil before the first `backward()` since the last reset.
    public var gradient: Tensor<Scalar>? {
        get { node.gradient }
        set { node.gradient = newValue }
    }

    /// Clears the accumulated gradient.
    public func zeroGradient() { node.gradient = nil }

    /// Number of scalars.
    public var count: Int { value.count }
}
