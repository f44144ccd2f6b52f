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
    /// returns its sample count. The parts must be all N parts of one run, each complete; they are left
    /// as they are (`pdekit merge`).
    /// - Throws: ``GenerationError/shardSet(path:reason:)`` naming the first part that does not fit.
    @discardableResult
    public static func merge(_ paths: [String], into output: String) throws -> Int {
        let (parts, total) = try checkedSet(paths)
        let sources = try parts.map { try HDF5File(opening: $0.path, mode: .readOnly) }
        defer { for source in sources { try? source.close() } }
        let attributes = try sources[0].attributes()
        try HDF5File.writeAtomically(to: output) { file in
            let skipped: Set<String> = [shardAttribute, ShardedFileResumption.keyAttribute, ShardedFileResumption.completedAttribute]
            for (name, value) in attributes where !skipped.contains(name) { try file.setAttribute(name, value) }
            try file.setAttribute(ShardedFileResumption.keyAttribute, .string(parts[0].baseKey))
            try appendRows(of: Array(zip(sources, parts)), to: file)
            try file.setAttribute(ShardedFileResumption.completedAttribute, .int(total))
        }
        return total
    }

    /// ``merge(_:into:)`` for the parts of one `mpirun` job, which are removed afterwards: part 0 already
    /// holds the first rows in order, so the other parts' rows are appended to it and it becomes `output`,
    /// copying N − (rows of part 0) rows instead of N. The parts other than 0 are left for the caller to
    /// remove.
    ///
    /// A kill at any moment leaves a state the same command resumes: while rows are appended, part 0
    /// still says it holds its own rows (`pdekit.completed`), so a rerun drops the extra rows; then part 0
    /// is renamed to a temporary next to it (a kill now loses part 0, which a rerun solves again, removing
    /// the temporary as stale), made a whole data set there and renamed to `output`.
    @discardableResult
    public static func mergeIntoFirstPart(_ paths: [String], into output: String) throws -> Int {
        let (parts, total) = try checkedSet(paths)
        let first = try HDF5File(opening: parts[0].path, mode: .readWrite)
        do {
            let sources = try parts.dropFirst().map { try HDF5File(opening: $0.path, mode: .readOnly) }
            defer { for source in sources { try? source.close() } }
            try appendRows(of: Array(zip(sources, parts.dropFirst())), to: first)
            try first.close()
        } catch {
            try? first.close()
            throw error
        }
        // Named as `HDF5File.writeAtomically` names part 0's temporaries, so rank 0's rerun removes it as stale.
        let url = URL(fileURLWithPath: parts[0].path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").path
        guard rename(parts[0].path, temporary) == 0 else {
            throw GenerationError.shardSet(path: parts[0].path, reason: "cannot rename it to \(temporary): \(String(cString: strerror(errno)))")
        }
        do {
            let file = try HDF5File(opening: temporary, mode: .readWrite)
            do {
                try file.removeAttribute(shardAttribute)
                try file.setAttribute(ShardedFileResumption.keyAttribute, .string(parts[0].baseKey))
                try file.setAttribute(ShardedFileResumption.completedAttribute, .int(total))
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            guard rename(temporary, output) == 0 else {
                throw GenerationError.shardSet(path: parts[0].path, reason: "cannot rename the merged file to \(output): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return total
    }

    /// The parts at `paths` sorted by index, checked to be all parts of one run, each complete and
    /// following the previous one, and the total row count.
    static func checkedSet(_ paths: [String]) throws -> (parts: [Part], total: Int) {
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
        let file = try HDF5File(opening: first.path, mode: .readOnly)
        defer { try? file.close() }
        guard (try? file.attribute("pdekit.sample_count"))?.intValue == nextRow else {
            throw GenerationError.shardSet(path: first.path, reason: "the parts hold \(nextRow) rows, the run's pdekit.sample_count differs")
        }
        return (parts, nextRow)
    }

    /// Appends the rows of every source part to `file`'s `coeff`, `sol` and `sample_index`, in blocks of
    /// at most 64 MB of one array.
    static func appendRows(of sources: [(HDF5File, Part)], to file: HDF5File) throws {
        guard let (probe, _) = sources.first else { return }
        let sampleShape = Array(try probe.datasetInfo("coeff").shape.dropFirst())
        let solutionShape = Array(try probe.datasetInfo("sol").shape.dropFirst())
        let rowBytes = try MemoryBudget.product([8] + sampleShape, what: "one row")
        let block = max(1, min(256, (64 << 20) / max(rowBytes, 1)))
        let fieldChunk = HDF5DatasetOptions(chunkShape: [16] + sampleShape, extendable: true)
        let solutionChunk = HDF5DatasetOptions(chunkShape: [16] + solutionShape, extendable: true)
        let indexChunk = HDF5DatasetOptions(chunkShape: [1024], extendable: true)
        for (source, part) in sources {
            for start in stride(from: 0, to: part.rows, by: block) {
                let rows = start..<min(part.rows, start + block)
                try file.appendSamples(try source.readSamples("coeff", rows), to: "coeff", options: fieldChunk)
                try file.appendSamples(try source.readSamples("sol", rows), to: "sol", options: solutionChunk)
                try file.appendSamples(try source.readSamples("sample_index", rows), to: "sample_index", options: indexChunk)
            }
        }
    }
}
