import TensorCore

/// A vertex of the reverse-mode computation graph: the operation that produced a `Variable`.
///
/// An interior node keeps its inputs' nodes and a pullback that maps the gradient of its output
/// to the gradients of its inputs. A leaf node (a parameter, or an input marked as requiring a
/// gradient) has no inputs; `backward()` accumulates into its `gradient`.
public final class GradientNode<Scalar: TensorScalar> {
    /// Nodes of the inputs (nil for constant inputs).
    public let inputs: [GradientNode?]
    /// `ḡ_out ↦ [ḡ_in]`, written with differentiable ops (nil for leaves).
    let pullback: ((Variable<Scalar>) -> [Variable<Scalar>?])?
    /// Shape of the value this node produced.
    public let shape: [Int]
    /// A short name of the operation, for debugging and error messages.
    public let operation: String
    /// Accumulated gradient of a leaf after `backward()`.
    public var gradient: Tensor<Scalar>?

    /// Creates a leaf.
    public init(leafShape shape: [Int]) {
        inputs = []
        pullback = nil
        self.shape = shape
        operation = "leaf"
    }

    @usableFromInline
    init(inputs: [GradientNode?], shape: [Int], operation: String,
         pullback: @escaping (Variable<Scalar>) -> [Variable<Scalar>?]) {
        self.inputs = inputs
        self.pullback = pullback
        self.shape = shape
        self.operation = operation
    }

    /// Whether this node is a leaf.
    public var isLeaf: Bool { pullback == nil }
}

/// Whether operations on `Variable`s record graph nodes on the current thread.
///
/// Recording is on by default. `withoutRecording` turns it off (inference, optimizer updates),
/// and a first-order `backward` runs its pullbacks without recording.
public enum GradientRecording {
    @TaskLocal public static var isEnabled = true

    /// Runs `body` with recording off: results are constants, no graph is built.
    public static func withoutRecording<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isEnabled.withValue(false) { try body() }
    }

    /// Runs `body` with recording set to `enabled`.
    public static func with<Result>(enabled: Bool, _ body: () throws -> Result) rethrows -> Result {
        try $isEnabled.withValue(enabled) { try body() }
    }
}
