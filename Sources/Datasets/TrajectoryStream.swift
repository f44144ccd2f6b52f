import Foundation
import RunSupport
import TensorCore

/// Time series read from disk on demand, a few trajectories and a window of steps at a time, instead of
/// whole arrays: what next-step and space-time training on a data set larger than memory read one chunk
/// at a time (``ChunkPrefetcher``), and the one reader of the collections' files.
///
/// The trajectories are those of one or several HDF5 files (``TrajectorySource``): a plain array
/// (`--trajectory-key`, `--time-axis`, in a ``SampleOrder``), a PDEBench file (`tensor`, per-seed groups,
/// compressible Navier–Stokes fields) or The Well's files (one file, or all files of a split directory,
/// their trajectories one after the other in file-name order). Trajectory `i` of the stream maps to
/// (file, row of that file); a read of trajectories × steps gives `[n, s, C, grid…]` with every
/// `stride`-th grid point kept, bit for bit what the in-memory readers hold, and reads of each file only
/// the hyperslabs of the requested runs of consecutive rows and the requested steps. Every read checks that the file is
/// unchanged since the stream opened (``FieldPairStream``'s guard): a file that changes is a
/// `DatasetError.malformed` naming it, never stale data.
public final class TrajectoryStream: @unchecked Sendable {
    /// The file, or The Well split directory (named in errors).
    public let path: String
    /// All trajectories, `N`.
    public let count: Int
    /// Time steps per trajectory, `T`.
    public let steps: Int
    /// Field channels, `C`.
    public let channels: Int
    /// The grid after subsampling.
    public let grid: [Int]
    /// The Well's conditioning scalars read with the trajectories (empty: none, or dropped).
    public let scalarNames: [String]
    let stride: Int
    let sources: [TrajectorySource]
    /// The stream index of each source's first trajectory.
    let firstTrajectory: [Int]

    /// Opens the array `key` of the HDF5 file `path` (no data read but `sample_index`).
    /// - Throws: `DatasetError.unsupported` for a file that is not HDF5, `missingKey`, `shapeMismatch` for
    ///   a rank without 1–3 grid axes, an empty axis or fewer than two steps.
    public convenience init(path: String, key: String = "sol", layout: TrajectoryLayout = .timeLast, order: SampleOrder = .sampled, stride: Int = 1) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        _ = try FieldPairStream.FileSignature(path: path)
        guard (try? DatasetLoader.open(path))?.hdf5File != nil else {
            throw DatasetError.unsupported(path: path, detail: "only HDF5 files are streamed from disk (read it into memory instead)")
        }
        try self.init(path: path, sources: [TrajectorySource(path: path, key: key, layout: layout, order: order)], stride: stride, keepsScalars: false)
    }

    /// Opens a PDEBench or The Well file (the layout recognized from its keys, ``TrajectoryCollection/detect(_:)``).
    /// - Parameter keepsScalars: read The Well's `scalars/` with the trajectories.
    /// - Throws: `DatasetError` naming the object inside the file for anything inconsistent, `.unsupported`
    ///   for another file, a Darcy file or a directory.
    public convenience init(collection path: String, stride: Int = 1, keepsScalars: Bool = true) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        guard let layout = try TrajectoryCollection.detect(path) else {
            throw DatasetError.unsupported(path: path, detail: "neither a PDEBench nor a The Well layout (no /tensor, /density + /Vx, per-seed groups, or /t0_fields + /dimensions)")
        }
        try self.init(path: path, sources: [TrajectorySource(path: path, collection: layout)], stride: stride, keepsScalars: keepsScalars)
    }

    /// Opens the files of a The Well split directory (`…/data/train`): their trajectories in file-name order.
    /// - Throws: `DatasetError` for a directory without The Well files, files whose fields, grids, steps or
    ///   scalars differ, or counts that overflow.
    public convenience init(wellSplit directory: String, stride: Int = 1, keepsScalars: Bool = true) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: directory, detail: "the subsampling stride must be positive, got \(stride)") }
        let files = try TrajectoryCollection.wellFiles(in: directory)
        guard !files.isEmpty else { throw DatasetError.invalidSplit(path: directory, detail: "no .hdf5 or .h5 file") }
        try self.init(path: directory, sources: files.map { try TrajectorySource(path: $0, collection: .theWellFile) }, stride: stride, keepsScalars: keepsScalars)
    }

    init(path: String, sources: [TrajectorySource], stride: Int, keepsScalars: Bool) throws {
        guard let first = sources.first else { throw DatasetError.invalidSplit(path: path, detail: "no trajectories") }
        var total = 0, starts: [Int] = []
        for source in sources {
            guard source.steps == first.steps, source.channels == first.channels, source.grid == first.grid else {
                throw DatasetError.shapeMismatch(path: path, detail: "\(source.path) holds \(source.steps) steps of \(source.channels) channels on \(source.grid), \(first.path) \(first.steps) of \(first.channels) on \(first.grid)")
            }
            guard !keepsScalars || source.scalarNames == first.scalarNames else {
                throw DatasetError.shapeMismatch(path: path, detail: "\(source.path) has the scalars \(source.scalarNames), the split's first file \(first.scalarNames)")
            }
            starts.append(total)
            let (sum, overflow) = total.addingReportingOverflow(source.count)
            guard !overflow else { throw DatasetError.malformed(path: path, detail: "the files' n_trajectories add up beyond a 64-bit count") }
            total = sum
        }
        self.path = path
        self.sources = sources
        firstTrajectory = starts
        count = total
        steps = first.steps
        channels = first.channels
        // ⌈n / stride⌉ without forming n + stride − 1.
        grid = first.grid.map { ($0 - 1) / stride + 1 }
        self.stride = stride
        scalarNames = keepsScalars ? first.scalarNames : []
    }

    /// The stream of a plain array `path`, or nil when the file is not HDF5 and `required` is false (the
    /// caller then reads it into memory).
    public static func open(path: String, key: String, layout: TrajectoryLayout, order: SampleOrder, stride: Int, required: Bool) throws -> TrajectoryStream? {
        do {
            return try TrajectoryStream(path: path, key: key, layout: layout, order: order, stride: stride)
        } catch DatasetError.unsupported(_, _) where !required {
            return nil
        }
    }

    /// Bytes of one state (all channels) as Float32 after subsampling (saturating: an overflow is `Int.max`).
    public var bytesPerState: Int {
        (try? MemoryBudget.product([channels, MemoryBudget.product(grid, what: "a state"), MemoryLayout<Float>.size], what: "a state")) ?? .max
    }

    /// Bytes of one trajectory as Float32 in memory (saturating).
    public var bytesPerTrajectory: Int { (try? MemoryBudget.product([steps, bytesPerState], what: "a trajectory")) ?? .max }

    /// Bytes of one trajectory as read, on the full grid, plus the subsampled copy (saturating).
    var bytesPerTrajectoryRead: Int {
        let full = (try? MemoryBudget.product([steps, channels, MemoryBudget.product(sources[0].grid, what: "a state"), MemoryLayout<Float>.size], what: "a trajectory")) ?? .max
        return stride == 1 ? full : full.addingReportingOverflow(bytesPerTrajectory).overflow ? .max : full + bytesPerTrajectory
    }

    /// Trajectories `indices` (stream indices, in that order, repeats allowed) at `steps` (all when nil)
    /// as `[n, s, C, grid…]`.
    /// - Throws: `DatasetError` for an index or step outside the stream, a file that changed since it was
    ///   opened, NaN or infinity, or a read failure.
    public func read(_ indices: [Int], steps range: Range<Int>? = nil) throws -> Tensor<Float> {
        let states = try readUnchecked(indices, steps: range ?? 0..<steps)
        guard states.isFinite else { throw DatasetError.nonFinite(path: path, detail: "trajectories \(FieldPairStream.describe(indices))") }
        return states
    }

    func readUnchecked(_ indices: [Int], steps range: Range<Int>) throws -> Tensor<Float> {
        guard !indices.isEmpty else { throw DatasetError.invalidSplit(path: path, detail: "no trajectories asked") }
        guard range.lowerBound >= 0, range.upperBound <= steps, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "steps \(range.lowerBound)..<\(range.upperBound) asked of \(steps)")
        }
        for index in indices where index < 0 || index >= count {
            throw DatasetError.invalidSplit(path: path, detail: "trajectory \(index) asked of \(count)")
        }
        // (source, file row) of each index; the distinct ones sorted, read as runs of consecutive rows.
        let located = indices.map { index -> (source: Int, row: Int) in
            let k = firstTrajectory.lastIndex { $0 <= index } ?? 0
            let local = index - firstTrajectory[k]
            return (k, sources[k].fileRows?[local] ?? local)
        }
        let distinct = Set(located.map { [$0.source, $0.row] }).sorted { $0.lexicographicallyPrecedes($1) }
        var position: [[Int]: Int] = [:]
        for (p, key) in distinct.enumerated() { position[key] = p }
        var parts: [Tensor<Float>] = []
        for k in Set(distinct.map { $0[0] }).sorted() {
            let source = sources[k]
            var runs: [Range<Int>] = []
            for key in distinct where key[0] == k {
                if let last = runs.last, last.upperBound == key[1] { runs[runs.count - 1] = last.lowerBound..<(key[1] + 1) } else { runs.append(key[1]..<(key[1] + 1)) }
            }
            parts += try FieldPairStream.withUnchangedFile(source.path, signature: source.signature) { file in
                try runs.map { try source.block(file, rows: $0, steps: range) }
            }
        }
        let all = parts.count == 1 ? parts[0] : try Tensor.concatenated(parts, alongAxis: 0)
        let gather = located.map { position[[$0.source, $0.row]]! }
        return TrajectoryFile.subsampled(gather == Array(0..<distinct.count) ? all : FieldPairs.rows(all, gather), stride: stride)
    }

    /// The conditioning scalars of trajectories `range`, `[range.count, T, S]` (nil without them).
    public func scalars(_ range: Range<Int>) throws -> Tensor<Float>? {
        guard !scalarNames.isEmpty else { return nil }
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        var parts: [Tensor<Float>] = []
        for (k, source) in sources.enumerated() {
            let lower = max(range.lowerBound, firstTrajectory[k]) - firstTrajectory[k], upper = min(range.upperBound, firstTrajectory[k] + source.count) - firstTrajectory[k]
            if lower < upper, let values = try source.scalars(lower..<upper) { parts.append(values) }
        }
        return parts.count == 1 ? parts[0] : try Tensor.concatenated(parts, alongAxis: 0)
    }

    /// Trajectories `range` with their scalars, read whole and not checked for NaN (rows no split uses
    /// may hold anything): the in-memory collection readers' data.
    func file(_ range: Range<Int>) throws -> TrajectoryFile {
        try requireMemory(range)
        return TrajectoryFile(path: path, states: try readUnchecked(Array(range), steps: 0..<steps), scalars: try scalars(range), scalarNames: scalarNames)
    }

    /// Trajectories `range` as checked ``Trajectories`` (validation and test sets, read whole).
    public func trajectories(_ range: Range<Int>) throws -> Trajectories {
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        try requireMemory(range)
        return try Trajectories(states: read(Array(range)), scalars: scalars(range), scalarNames: scalarNames, path: path)
    }

    private func requireMemory(_ range: Range<Int>) throws {
        do { try MemoryBudget().require(bytes: MemoryBudget.product([range.count, bytesPerTrajectoryRead], what: "trajectories \(range)"), what: "trajectories \(range) of \(path)") }
        catch { throw DatasetError.tooLarge(path: path, detail: "\(error)") }
    }
}

extension TrajectoryStream {
    /// The first `min(limit, count)` trajectories as checked ``Trajectories`` (a The Well split gives
    /// what it has, at most `limit`).
    public func trajectories(limit: Int) throws -> Trajectories {
        try trajectories(0..<min(max(limit, 1), count))
    }
}
