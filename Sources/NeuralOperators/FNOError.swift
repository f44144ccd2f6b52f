/// Errors a user can cause when building or applying a neural operator.
public enum FNOError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The input's shape does not fit the model (wrong rank or channel count, grid too small for the modes).
    case inputShapeMismatch(expected: String, found: [Int])

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid FNO configuration: \(reason)"
        case .inputShapeMismatch(let expected, let found): return "input shape \(found) does not fit the model: expected \(expected)"
        }
    }
}
