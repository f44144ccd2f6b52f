/// Errors a user can cause in the learned solvers (bad configuration, a model that does not fit the
/// problem); each prints as one line. LAPACK failures arrive as `DenseLinearAlgebra.LAPACKError`.
public enum LearnedSolverError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The checkpoint's metadata lacks or garbles the network configuration.
    case invalidCheckpoint(path: String, reason: String)
    /// The model's spatial rank differs from the problem's.
    case rankMismatch(model: Int, problem: Int)
    /// Lanczos stopped before producing any vector (zero start vector).
    case emptyKrylovSpace

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid configuration: \(reason)"
        case .invalidCheckpoint(let path, let reason): return "invalid DCDM checkpoint \(path): \(reason)"
        case .rankMismatch(let model, let problem):
            return "the model is \(model)-D but the problem is \(problem)-D"
        case .emptyKrylovSpace: return "Lanczos start vector is zero"
        }
    }
}
