import Foundation
import RunSupport

/// Everything a user can get wrong with a dataset file: each case names the file, so the CLI can
/// print one clear line.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file does not exist or cannot be opened or read.
    case cannotOpen(path: String, reason: String)
    /// The file cannot be written (or renamed into place).
    case cannotWrite(path: String, reason: String)
    /// The first bytes match no supported format.
    case unrecognizedFormat(path: String)
    /// The file ends before the structure it declares.
    case truncated(path: String, detail: String)
    /// A magic number, header or record is not what the format requires.
    case malformed(path: String, detail: String)
    /// The file uses a feature this reader does not implement (object arrays, cells, complex data…).
    case unsupported(path: String, detail: String)
    /// A named array, dataset or attribute is absent.
    case missingKey(path: String, key: String, available: [String])
    /// Shapes or element counts do not agree.
    case shapeMismatch(path: String, detail: String)
    /// An HDF5 library call failed.
    case hdf5(path: String, operation: String)
    /// A compressed stream failed to inflate or deflate, or its checksum does not match.
    case compression(path: String, detail: String)
    /// A size declared by the file overflows or needs more memory than the machine has.
    case tooLarge(path: String, detail: String)
    /// An array holds NaN or infinity where the data path needs finite values (`detail` names it).
    case nonFinite(path: String, detail: String)
    /// A split asks for more samples than there are, or for an empty part.
    case invalidSplit(path: String, detail: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .cannotWrite(let path, _), .unrecognizedFormat(let path),
             .truncated(let path, _), .malformed(let path, _), .unsupported(let path, _),
             .missingKey(let path, _, _), .shapeMismatch(let path, _), .hdf5(let path, _),
             .compression(let path, _), .tooLarge(let path, _), .nonFinite(let path, _), .invalidSplit(let path, _):
            return path
        }
    }

    public var description: String {
        let file = (path as NSString).lastPathComponent
        switch self {
        case .cannotOpen(_, let reason): return "cannot open \(path): \(reason)"
        case .cannotWrite(_, let reason): return "cannot write \(path): \(reason)"
        case .unrecognizedFormat: return "\(path): not a supported dataset format (expected HDF5, NPY, NPZ or MATLAB .mat)"
        case .truncated(_, let detail): return "\(file) is truncated: \(detail)"
        case .malformed(_, let detail): return "\(file) is malformed: \(detail)"
        case .unsupported(_, let detail): return "\(file): \(detail)"
        case .missingKey(_, let key, let available):
            return "missing key '\(key)' in \(file) (keys: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .shapeMismatch(_, let detail): return "\(file): shape mismatch: \(detail)"
        case .hdf5(_, let operation): return "\(file): HDF5 error in \(operation)"
        case .compression(_, let detail): return "\(file): compressed data is corrupt: \(detail)"
        case .tooLarge(_, let detail): return "\(file): \(detail)"
        case .nonFinite(_, let detail): return "\(file): \(detail) contains NaN or infinity"
        case .invalidSplit(_, let detail): return "\(file): \(detail)"
        }
    }

    public var errorDescription: String? { description }
}

extension DatasetError {
    /// The element count of `shape`, checked for overflow and, with `bytesPerElement`, against
    /// the memory budget; failures become `tooLarge` naming the file.
    @discardableResult
    static func checkedArray(shape: [Int], bytesPerElement: Int, what: String, path: String,
                             budget: MemoryBudget = MemoryBudget()) throws -> Int {
        do {
            return try budget.requireArray(shape: shape, bytesPerElement: bytesPerElement, what: what)
        } catch {
            throw DatasetError.tooLarge(path: path, detail: error.description)
        }
    }
}
