import Datasets
import Foundation

/// Reopening a partly written generator file: the shared resume step of `DatasetGenerator` and
/// `NavierStokesDatasetGenerator`.
///
/// A file is resumable when it carries the generator's content key (every parameter that changes the
/// data) and a completed-sample count; rows past that count belong to a shard that was cut short and
/// are dropped, so a killed run resumes with no sample lost or duplicated.
enum ShardedFileResumption {
    /// Attribute holding the number of samples fully written.
    static let completedAttribute = "pdekit.completed"
    /// Attribute holding the configuration's content key.
    static let keyAttribute = "pdekit.content_key"

    /// Removes the temporaries `HDF5File.writeAtomically` leaves next to `path` when a run is killed
    /// while creating the file (`.<name>.tmp-<UUID>`); only this output's, so other files' writes in
    /// the same directory are untouched. Returns the names removed.
    @discardableResult
    static func removeStaleTemporaries(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent(), prefix = ".\(url.lastPathComponent).tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.filter { $0.hasPrefix(prefix) }.sorted().filter {
            unlink(directory.appendingPathComponent($0).path) == 0
        }
    }

    /// Opens `path`, checks it was written for `contentKey`, truncates `arrays` to the completed count
    /// and returns that count; `inspect` may read more attributes from the open file.
    ///
    /// - Throws: `GenerationError.notResumable` (not a generator file, unreadable, count out of range),
    ///   `GenerationError.configurationMismatch` (written with other parameters).
    static func completedSamples(in path: String, contentKey: String, sampleCount: Int, arrays: [String],
                                 inspect: (HDF5File, [String]) throws -> Void = { _, _ in }) throws -> Int {
        let file: HDF5File
        do { file = try HDF5File(opening: path, mode: .readWrite) } catch {
            throw GenerationError.notResumable(path: path, reason: "\(error)")
        }
        defer { try? file.close() }
        let names = try file.attributeNames()
        guard names.contains(keyAttribute), names.contains(completedAttribute),
              let key = try file.attribute(keyAttribute).stringValue,
              let done = try file.attribute(completedAttribute).intValue else {
            throw GenerationError.notResumable(path: path, reason: "not written by pdekit generate (no \(completedAttribute) attribute)")
        }
        guard key == contentKey else {
            throw GenerationError.configurationMismatch(path: path, existing: key, requested: contentKey)
        }
        guard done >= 0, done <= sampleCount else { throw GenerationError.notResumable(path: path, reason: "completed = \(done) out of range") }
        for name in arrays where try file.exists(name) {
            try file.resizeSamples(name, to: done)   // drop rows of a shard that was cut short
        }
        try inspect(file, names)
        return done
    }
}
