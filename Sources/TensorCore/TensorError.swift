/// Errors that a user of PDEKit can cause through tensor shapes and values (a file with the wrong
/// layout, a flag that asks for an impossible reshape, NaN in data).
///
/// Each case prints as one line, suitable for the CLI's `error: …` message.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// The element count does not match the product of the shape.
    case elementCountMismatch(shape: [Int], count: Int)
    /// A dimension is negative.
    case invalidShape([Int])
    /// Two shapes cannot be combined by the named operation.
    case incompatibleShapes(operation: String, [Int], [Int])
    /// An axis is out of range for a tensor of the given rank.
    case axisOutOfRange(axis: Int, rank: Int)
    /// A value is not finite where finite values are required.
    case nonFiniteValue(context: String)

    public var description: String {
        switch self {
        case .elementCountMismatch(let shape, let count):
            return "shape \(shape) needs \(shape.reduce(1, *)) elements but \(count) were given"
        case .invalidShape(let shape):
            return "invalid shape \(shape): dimensions must be non-negative"
        case .incompatibleShapes(let operation, let a, let b):
            return "\(operation): incompatible shapes \(a) and \(b)"
        case .axisOutOfRange(let axis, let rank):
            return "axis \(axis) is out of range for a tensor of rank \(rank)"
        case .nonFiniteValue(let context):
            return "\(context) contains NaN or infinity"
        }
    }
}
