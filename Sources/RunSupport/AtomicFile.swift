import Foundation

/// Atomic file replacement: the one way PDEKit writes a file that must never be seen half-written.
///
/// ```
/// write:   data ──► <dir>/.<name>.partial-<pid>-<random>   (same directory, so same file system)
///               ──► fsync ──► rename(2) onto <dir>/<name>    (atomic on POSIX file systems)
/// ```
/// A reader sees the old file or the new one, never a mix; two processes writing into one folder
/// never share a temporary name. A process killed between the two steps leaves a temporary behind;
/// ``removeStaleTemporaries(in:)`` deletes those (and Foundation's own `.dat.nosync*` leftovers) when a
/// long job starts again.
public enum AtomicFile {
    /// The marker in every temporary name this type creates.
    static let temporaryMarker = ".partial-"

    /// Writes `data` to `url` atomically (see the type's description).
    public static func write(_ data: Data, to url: URL) throws(AtomicWriteError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            "." + url.lastPathComponent + temporaryMarker + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AtomicWriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var failure: String? = nil
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno)); return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw AtomicWriteError(path: url.path, reason: failure)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws(AtomicWriteError) {
        try write(Data(text.utf8), to: url)
    }

    /// Deletes temporaries left in `directory` by writes that were killed half-way: this type's
    /// `.<name>.partial-*` files and Foundation's `.dat.nosync*` files. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names where (name.hasPrefix(".") && name.contains(temporaryMarker)) || name.hasPrefix(".dat.nosync") {
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }
}

/// An atomic write that did not happen (the destination is left as it was).
public struct AtomicWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
