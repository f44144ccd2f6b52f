/// Errors a caller of the GP solver can cause (bad sizes, a kernel matrix LAPACK rejects, NaN).
public enum GaussianProcessError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case tooLarge(String)
    case lapackFailure(routine: String, info: Int)
    case nonFinite(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .tooLarge(let message): return "problem too large: \(message)"
        case .lapackFailure(let routine, let info): return "LAPACK \(routine) failed (info = \(info)); the kernel matrix is singular or not positive definite — raise the jitter"
        case .nonFinite(let message): return "non-finite value: \(message)"
        }
    }
}
