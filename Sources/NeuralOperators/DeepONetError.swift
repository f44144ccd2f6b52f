/// Errors a user can cause when building, fitting or loading a DeepONet.
public enum DeepONetError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case shapeMismatch(String)
    case podFailed(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid DeepONet configuration: \(message)"
        case .shapeMismatch(let message): return "DeepONet data shape mismatch: \(message)"
        case .podFailed(let message): return "POD basis failed: \(message)"
        case .checkpoint(let message): return "DeepONet checkpoint: \(message)"
        }
    }
}
