/// Errors a user can cause when configuring or applying an ``MgNO``.
public enum MgNOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration field is out of range.
    case invalidConfiguration(String)
    /// The input does not have the shape `[batch, inputChannels, spatial…]` the model expects.
    case inputShapeMismatch(expected: String, got: [Int])
    /// A spatial size is not divisible by `2^(levels − 1)` and the grid policy is `.requireDivisible`.
    case gridNotDivisible(size: [Int], divisor: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid MgNO configuration: \(message)"
        case .inputShapeMismatch(let expected, let got): return "MgNO expects input \(expected), got \(got)"
        case .gridNotDivisible(let size, let divisor):
            return "MgNO grid \(size) is not divisible by 2^(levels−1) = \(divisor) (use gridPolicy .padAndCrop or fewer levels)"
        }
    }
}
