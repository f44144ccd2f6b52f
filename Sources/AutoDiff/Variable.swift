import TensorCore

/// A tensor tracked for reverse-mode automatic differentiation.
///
/// A `Variable` is a value plus, when some input requires a gradient and recording is on, the
/// `GradientNode` that produced it. Operations on variables (arithmetic, elementwise functions,
/// shape ops, matmul, convolution, FFT) compute their value with `TensorCore` kernels and record
/// a pullback written with variable operations, so the gradient graph is itself differentiable:
/// `gradients(of:withRespectTo:createGraph: true)` gives gradients that can be differentiated
/// again (the Laplacian of a PINN, then its gradient in the weights).
public struct Variable<Scalar: TensorScalar> {
    /// The value.
    public let value: Tensor<Scalar>
    /// The producing node, or nil for a constant.
    public let node: GradientNode<Scalar>?

    /// A constant (no gradient flows into it).
    public init(_ value: Tensor<Scalar>) {
        self.value = value
        self.node = nil
    }

    /// A variable with an explicit node (a leaf of a `Parameter`, or an operation's result).
    public init(value: Tensor<Scalar>, node: GradientNode<Scalar>?) {
        self.value = value
        self.node = node
    }

    /// A leaf whose gradient is wanted (for example collocation points of a PINN).
    public static func leaf(_ value: Tensor<Scalar>) -> Variable {
        Variable(value: value, node: GradientNode(leafShape: value.shape))
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }
    /// Rank of the value.
    public var rank: Int { value.rank }
    /// Whether a gradient can flow from this variable to some leaf.
    public var requiresGradient: Bool { node != nil }

    /// The same value, cut from the graph.
    public func detached() -> Variable { Variable(value) }

    /// Records an operation's result: a node exists only if recording is on and some input is tracked.
    @inlinable
    public static func recording(
        _ value: Tensor<Scalar>, operation: String, inputs: [Variable],
        pullback: @escaping (Variable) -> [Variable?]
    ) -> Variable {
        guard GradientRecording.isEnabled, inputs.contains(where: { $0.node != nil }) else { return Variable(value) }
        return Variable(value: value, node: GradientNode(inputs: inputs.map(\.node), shape: value.shape,
                                                         operation: operation, pullback: pullback))
    }
}

