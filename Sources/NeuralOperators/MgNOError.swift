/// Errors a user can cause when configuring or applying an ``MgNO``.
public enum MgNOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration field is out of range.
    case invalidConfiguration(String)
    /// The input does not have the shape `[batch, inputChannels, spatial…]` the model expects.
    case inputShapeMismatch(expected: String, got: [Int])
    /// A spatial size is not divisible by `2^(levels − 1)` and the grid policy is `.requireDivisible`.
    case gridNotDivisible(size: [Int], divisor: Int)
    /// The grid does not map back exactly through the configured prolongation kernels (each 4 needs
    /// an even fine grid, each 3 an odd one), or differs from the layer-normalization grid.
    case gridDoesNotFitConfiguration(size: [Int], reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid MgNO configuration: \(message)"
        case .inputShapeMismatch(let expected, let got): return "MgNO expects input \(expected), got \(got)"
        case .gridNotDivisible(let size, let divisor):
            return "MgNO grid \(size) is not divisible by 2^(levels−1) = \(divisor) (use gridPolicy .padAndCrop or fewer levels)"
        case .gridDoesNotFitConfiguration(let size, let reason): return "MgNO grid \(size) does not fit the configuration: \(reason)"
        }
    }
}
