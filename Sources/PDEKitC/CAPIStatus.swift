import Foundation
import NeuralLayers
import NeuralOperators
import SparseSolvers
import LearnedSolvers
import Training

/// The status codes of `pdekit.h` (`PDEKIT_OK`, `PDEKIT_ERROR_*`); the raw values are the ABI.
enum CAPIStatus: Int32, CaseIterable {
    case ok = 0
    case nullPointer = 1
    case invalidArgument = 2
    case shapeMismatch = 3
    case io = 4
    case notConverged = 5
    case singular = 6
    case `internal` = 7
    case mpiNotInitialized = 8

    /// The name `pdekit_status_name` returns.
    var name: String {
        switch self {
        case .ok: "ok"
        case .nullPointer: "null pointer"
        case .invalidArgument: "invalid argument"
        case .shapeMismatch: "shape mismatch"
        case .io: "input/output error"
        case .notConverged: "not converged"
        case .singular: "singular matrix"
        case .internal: "internal error"
        case .mpiNotInitialized: "MPI not initialized"
        }
    }
}

/// An error raised by the C layer itself, with the status it maps to.
struct CAPIError: Error, CustomStringConvertible {
    let status: CAPIStatus
    let description: String

    static func null(_ what: String) -> CAPIError { CAPIError(status: .nullPointer, description: "\(what) is NULL") }
    static func invalid(_ message: String) -> CAPIError { CAPIError(status: .invalidArgument, description: message) }
    static func shape(_ message: String) -> CAPIError { CAPIError(status: .shapeMismatch, description: message) }
    static func io(_ message: String) -> CAPIError { CAPIError(status: .io, description: message) }
}

/// Classifies any error thrown below the C layer into a status code and a one-line message.
func classify(_ error: any Error) -> (CAPIStatus, String) {
    let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
    switch error {
    case let error as CAPIError: return (error.status, error.description)
    case let error as SafetensorsError:
        switch error {
        case .unreadable, .unwritable, .malformed: return (.io, message)
        case .shapeMismatch, .missingTensor, .unexpectedTensors, .unsupportedElementType: return (.io, "checkpoint does not match its configuration: \(message)")
        }
    case let error as TrainingError:
        switch error {
        case .checkpoint: return (.io, message)
        case .nonFiniteData: return (.invalidArgument, message)
        case .dataMismatch: return (.shapeMismatch, message)
        default: return (.invalidArgument, message)
        }
    case is FNOError: return (.shapeMismatch, message)
    case let error as DirectSolverError:
        switch error {
        case .singular, .notPositiveDefinite: return (.singular, message)
        case .sizeMismatch: return (.shapeMismatch, message)
        default: return (.invalidArgument, message)
        }
    case let error as PreconditionerError:
        switch error {
        case .mpiNotInitialized: return (.mpiNotInitialized, message)
        case .zeroPivot, .nonPositivePivot, .zeroDiagonal, .singularCoarseOperator: return (.singular, "preconditioner: \(message)")
        default: return (.invalidArgument, "preconditioner: \(message)")
        }
    case let error as LearnedSolverError:
        switch error {
        case .invalidCheckpoint: return (.io, message)
        case .rankMismatch: return (.shapeMismatch, message)
        default: return (.invalidArgument, message)
        }
    case is SparseMatrixError: return (.invalidArgument, message)
    case let error as SolverConfigurationError:
        switch error {
        case .gridMismatch, .sizeMismatch, .notSquare: return (.shapeMismatch, message)
        default: return (.invalidArgument, message)
        }
    case let error as CocoaError where error.isFileError: return (.io, error.localizedDescription)
    default: return (.internal, message)
    }
}

/// The per-thread last error message behind `pdekit_last_error()`.
///
/// Stored in POSIX thread-specific data so that an error on one thread never overwrites another's;
/// each thread's C string is freed when the thread exits or the next message replaces it.
enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }()

    /// A static empty C string.
    nonisolated(unsafe) static let emptyString: UnsafeMutablePointer<CChar> = strdup("")!

    /// Replaces the calling thread's message.
    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(old)
    }

    /// Clears the calling thread's message (every entry point does this first).
    static func clear() {
        if let old = pthread_getspecific(key) {
            pthread_setspecific(key, nil)
            free(old)
        }
    }

    /// The calling thread's message, valid until its next PDEKit call.
    static var current: UnsafePointer<CChar> {
        if let pointer = pthread_getspecific(key) { return UnsafePointer(pointer.assumingMemoryBound(to: CChar.self)) }
        return UnsafePointer(emptyString)
    }
}

/// Runs one C entry point: clears the thread's last error, runs `body`, maps a thrown error to its
/// status and message. Nothing escapes as a Swift error or a trap for errors a caller can cause.
@inline(__always)
func entryPoint(_ body: () throws -> CAPIStatus) -> Int32 {
    LastError.clear()
    do {
        return try body().rawValue
    } catch {
        let (status, message) = classify(error)
        LastError.set(message)
        return status.rawValue
    }
}

/// Checks that `pointer` is non-NULL, naming it in the error.
@inline(__always)
func required<T>(_ pointer: T?, _ what: String) throws -> T {
    guard let pointer else { throw CAPIError.null(what) }
    return pointer
}

/// A C count (int64_t) as a non-negative Int.
func count(_ value: Int64, _ what: String) throws -> Int {
    guard value >= 0, value <= Int64(Int32.max) * 64 else { throw CAPIError.invalid("\(what) must be non-negative and reasonable, got \(value)") }
    return Int(value)
}

/// `∏ factors` for a buffer size, refusing overflow (a size error names the factors, never a
/// wrapped-around negative count).
func checkedProduct(_ factors: [Int], _ what: String) throws -> Int {
    var result = 1
    for factor in factors {
        let (next, overflow) = result.multipliedReportingOverflow(by: factor)
        guard !overflow, factor >= 0 else {
            throw CAPIError.shape("\(what): \(factors.map(String.init).joined(separator: " × ")) overflows a 64-bit count")
        }
        result = next
    }
    return result
}
