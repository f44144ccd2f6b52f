import Foundation

/// The one lock that serializes calls into FFTW's planner, which is not thread-safe.
///
/// Every module that makes FFTW plans (TensorCore's `FFTPlanCache`, PDEs' cosine transforms, …)
/// plans inside `withLock`; executing an existing plan needs no lock.
public enum FFTWPlanner {
    private static let lock = NSLock()

    /// Runs `body` (which may create or destroy FFTW plans) while holding the planner lock.
    public static func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
