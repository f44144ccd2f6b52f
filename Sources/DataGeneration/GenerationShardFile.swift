import Datasets
import Distributed
import Foundation
import RunSupport

/// The files of a sharded `generate` run, and the merge that joins them into one data set.
///
/// Part I of N (``Distributed/Shard``) of the solve order is written by ``DatasetGenerator/run(output:shard:communicator:shardLimit:progress:)``
/// to `<stem>.shard-I-of-N.<ext>` next to the output: an ordinary resumable generator file whose
/// content key names the part and whose attribute `pdekit.shard` = [I, N, first row, rows] places it
/// in the sequence. ``merge(_:into:)`` checks that the parts are one complete set and writes the rows
/// in order into one HDF5 file, the same arrays a one-process run writes.
///
/// Why one merged file rather than an HDF5 virtual dataset over the parts: every reader (`inspect`,
/// `train`, `evaluate`, h5py, the hostile-file checks of `HDF5StructureCheck`) reads a plain file
/// unchanged, the file can be copied or moved alone (a virtual dataset refers to its sources by path),
/// and a resumable generator file keeps its extendable datasets, which virtual-dataset mappings do not
/// follow as the sources grow. The price is one sequential copy at the end.
public enum GenerationShardFile {
    /// Root attribute of a part: [index, count, first row of the solve order, rows].
    public static let shardAttribute = "pdekit.shard"

    /// `data.h5` → `data.shard-0-of-4.h5` (a name without an extension gets the suffix appended).
    public static func path(of output: String, shard: Shard) -> String {
        let url = URL(fileURLWithPath: output)
        let suffix = ".shard-\(shard.index)-of-\(shard.count)"
        let name = url.lastPathComponent
        let renamed = url.pathExtension.isEmpty ? name + suffix
            : url.deletingPathExtension().lastPathComponent + suffix + "." + url.pathExtension
        let directory = (output as NSString).deletingLastPathComponent
        return directory.isEmpty ? renamed : (directory as NSString).appendingPathComponent(renamed)
    }

    /// The paths of all `count` parts of `output`.
    public static func paths(of output: String, count: Int) throws -> [String] {
        try (0..<count).map { path(of: output, shard: try Shard(index: $0, count: count)) }
    }

    static let keySeparator = " shard="

    static func contentKey(_ key: String, shard: Shard) -> String { key + keySeparator + shard.description }

    /// Whether `path` is a complete data set written for `contentKey` (read only; false when absent).
    /// - Throws: ``GenerationError/configurationMismatch(path:existing:requested:)`` when it was written
    ///   with other parameters, ``GenerationError/notResumable(path:reason:)`` when it is not a generator file.
    public static func isComplete(_ path: String, contentKey: String, sampleCount: Int) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let file: HDF5File
        do { file = try HDF5File(opening: path, mode: .readOnly) } catch { throw GenerationError.notResumable(path: path, reason: "\(error)") }
        defer { try? file.close() }
        let names = try file.attributeNames()
        guard names.contains(ShardedFileResumption.keyAttribute), names.contains(ShardedFileResumption.completedAttribute),
              let key = try file.attribute(ShardedFileResumption.keyAttribute).stringValue,
              let done = try file.attribute(ShardedFileResumption.completedAttribute).intValue else {
            throw GenerationError.notResumable(path: path, reason: "not written by pdekit generate")
        }
        guard key == contentKey else { throw GenerationError.configurationMismatch(path: path, existing: key, requested: contentKey) }
        return done == sampleCount
    }

    /// One part as found on disk.
    struct Part {
        var path: String
        var index: Int, count: Int, firstRow: Int, rows: Int
        var baseKey: String
    }

    static func part(at path: String) throws -> Part {
        func bad(_ reason: String) -> GenerationError { .shardSet(path: path, reason: reason) }
        let file: HDF5File
        do { file = try HDF5File(opening: path, mode: .readOnly) } catch { throw bad("\(error)") }
        defer { try? file.close() }
        let names = try file.attributeNames()
        guard names.contains(shardAttribute), case .ints(let values) = try file.attribute(shardAttribute), values.count == 4 else {
            throw bad("not a part of a sharded generate run (no \(shardAttribute) attribute of 4 integers)")
        }
        guard names.contains(ShardedFileResumption.keyAttribute), let key = try file.attribute(ShardedFileResumption.keyAttribute).stringValue,
              let separator = key.range(of: keySeparator, options: .backwards),
              key[separator.upperBound...] == "\(values[0])/\(values[1])" else {
            throw bad("its content key does not name part \(values[0])/\(values[1])")
        }
        guard names.contains(ShardedFileResumption.completedAttribute),
              let done = try file.attribute(ShardedFileResumption.completedAttribute).intValue else { throw bad("no \(ShardedFileResumption.completedAttribute)") }
        let (index, count, firstRow, rows) = (values[0], values[1], values[2], values[3])
        guard count >= 1, (0..<count).contains(index), firstRow >= 0, rows >= 0, !firstRow.addingReportingOverflow(rows).overflow else {
            throw bad("pdekit.shard = \(values) is not a part")
        }
        guard done == rows else { throw bad("incomplete: \(done) of \(rows) rows written (rerun the same generate command to finish it)") }
        for name in ["coeff", "sol", "sample_index"] {
            guard try file.exists(name), let stored = try file.datasetInfo(name).shape.first, stored == rows else {
                throw bad("dataset '\(name)' does not hold the \(rows) rows of the part")
            }
        }
        return Part(path: path, index: index, count: count, firstRow: firstRow, rows: rows, baseKey: String(key[..<separator.lowerBound]))
    }

    /// Joins the parts at `paths` (any order) into one data set at `output` (written atomically) and
    /// returns its sample count. The parts must be all N parts of one run, each complete.
    /// - Throws: ``GenerationError/shardSet(path:reason:)`` naming the first part that does not fit.
    @discardableResult
    public static func merge(_ paths: [String], into output: String) throws -> Int {
        guard !paths.isEmpty else { throw GenerationError.invalidParameter(name: "shards", reason: "no part files given") }
        let parts = try paths.map(part(at:)).sorted { $0.index < $1.index }
        let first = parts[0]
        var nextRow = 0
        for (position, part) in parts.enumerated() {
            guard part.baseKey == first.baseKey else {
                throw GenerationError.shardSet(path: part.path, reason: "written with other parameters than \(first.path)")
            }
            guard part.count == parts.count, part.index == position else {
                throw GenerationError.shardSet(path: part.path, reason: "part \(part.index)/\(part.count), but \(parts.count) parts were given; give each of the \(part.count) parts once")
            }
            guard part.firstRow == nextRow else {
                throw GenerationError.shardSet(path: part.path, reason: "starts at row \(part.firstRow), expected \(nextRow)")
            }
            nextRow += part.rows
        }
        let total = nextRow
        let sources = try parts.map { try HDF5File(opening: $0.path, mode: .readOnly) }
        defer { for source in sources { try? source.close() } }
        let attributes = try sources[0].attributes()
        guard let recordedCount = attributes.first(where: { $0.name == "pdekit.sample_count" })?.value.intValue, recordedCount == total else {
            throw GenerationError.shardSet(path: first.path, reason: "the parts hold \(total) rows, the run's pdekit.sample_count differs")
        }
        let sampleShape = Array(try sources[0].datasetInfo("coeff").shape.dropFirst())
        let solutionShape = Array(try sources[0].datasetInfo("sol").shape.dropFirst())
        let rowBytes = try MemoryBudget.product([8] + sampleShape, what: "one row")
        let block = max(1, min(256, (64 << 20) / max(rowBytes, 1)))
        try HDF5File.writeAtomically(to: output) { file in
            let skipped: Set<String> = [shardAttribute, ShardedFileResumption.keyAttribute, ShardedFileResumption.completedAttribute]
            for (name, value) in attributes where !skipped.contains(name) { try file.setAttribute(name, value) }
            try file.setAttribute(ShardedFileResumption.keyAttribute, .string(first.baseKey))
            let fieldChunk = HDF5DatasetOptions(chunkShape: [16] + sampleShape, extendable: true)
            let indexChunk = HDF5DatasetOptions(chunkShape: [1024], extendable: true)
            for (source, part) in zip(sources, parts) {
                for start in stride(from: 0, to: part.rows, by: block) {
                    let rows = start..<min(part.rows, start + block)
                    try file.appendSamples(try source.readSamples("coeff", rows), to: "coeff", options: fieldChunk)
                    try file.appendSamples(try source.readSamples("sol", rows), to: "sol", options: HDF5DatasetOptions(chunkShape: [16] + solutionShape, extendable: true))
                    try file.appendSamples(try source.readSamples("sample_index", rows), to: "sample_index", options: indexChunk)
                }
            }
            try file.setAttribute(ShardedFileResumption.completedAttribute, .int(total))
        }
        return total
    }
}
