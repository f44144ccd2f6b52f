import Foundation

/// A new, empty directory `<temporary directory>/pdekit-<label>-<UUID>` for one test; the caller
/// removes it (`defer { try? FileManager.default.removeItem(at: directory) }`).
public func makeScratchDirectory(_ label: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
