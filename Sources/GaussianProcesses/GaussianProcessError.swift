/// Errors a caller of the GP solver can cause (bad sizes, a kernel matrix LAPACK rejects, NaN).
public enum GaussianProcessError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case tooLarge(String)
    /// A kernel Gram factor has a non-positive eigenvalue (raise the jitter).
    case kernelNotPositiveDefinite(smallestEigenvalue: Double)
    case nonFinite(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .tooLarge(let message): return "problem too large: \(message)"
        case .kernelNotPositiveDefinite(let value): return "the kernel matrix is not positive definite (smallest eigenvalue \(value)) — raise the jitter"
        case .nonFinite(let message): return "non-finite value: \(message)"
        }
    }
}
