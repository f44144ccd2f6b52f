import Foundation

/// The check of a file a run will write against the free space of its file system, so that a
/// request such as `generate navier-stokes --samples 3037000500` (terabytes written shard by shard)
/// is one error line instead of a run that fills the disk after hours.
public enum DiskSpace {
    /// Bytes available to this user on the file system holding `directory` (`statvfs`'s
    /// `f_bavail × f_frsize`); nil when it cannot be determined.
    public static func availableBytes(in directory: String) -> Int? {
        var status = statvfs()
        guard statvfs(directory, &status) == 0 else { return nil }
        let (bytes, overflow) = Int(status.f_bavail).multipliedReportingOverflow(by: Int(status.f_frsize))
        return overflow ? .max : bytes
    }

    /// Throws when `bytes` exceed the space available in `directory` (no check when unknown).
    public static func require(bytes: Int, in directory: String, what: String) throws(DiskSpaceError) {
        guard let available = availableBytes(in: directory), bytes > available else { return }
        throw DiskSpaceError(what: what, bytes: bytes, available: available, directory: directory)
    }
}

/// A file that would not fit on its file system.
public struct DiskSpaceError: Error, CustomStringConvertible, Equatable, Sendable {
    public let what: String
    public let bytes: Int
    public let available: Int
    public let directory: String
    public var description: String {
        "\(what) needs \(MemoryBudgetError.format(bytes)) of disk but \(directory) has \(MemoryBudgetError.format(available)) free (--force overrides)"
    }
}
