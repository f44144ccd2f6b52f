/// Failures of the ``Communicator`` and of ``MPIRuntime``.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// ``Communicator/world()`` before the host code initialized MPI.
    case notInitialized
    /// An MPI call returned an error code.
    case mpi(call: String, code: Int)
    /// A buffer longer than MPI's Int32 counts.
    case tooLarge(Int)
    /// A `--shard I/N` or launcher value that is not a valid shard.
    case invalidShard(String)
    /// A `PDEKIT_THREADS` value that is not a thread count (its first 20 characters).
    case invalidThreadCount(String)

    public var description: String {
        switch self {
        case .notInitialized: return "MPI is not initialized (the host code must call MPIRuntime.initialize() first)"
        case .mpi(let call, let code): return "\(call) failed with MPI error code \(code)"
        case .tooLarge(let count): return "a buffer of \(count) elements exceeds MPI's 2³¹ − 1 element count"
        case .invalidShard(let reason): return "invalid shard: \(reason)"
        case .invalidThreadCount(let text): return "PDEKIT_THREADS='\(text)' is not a thread count in 1…4096"
        }
    }
}
