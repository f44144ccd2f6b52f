import Foundation
import RunSupport
import TensorCore

/// Time series of an HDF5 array read on demand, a few trajectories at a time, instead of the whole
/// array: what next-step training on a data set larger than memory reads one chunk of trajectories at a
/// time (``ChunkPrefetcher``).
///
/// The trajectories are the array's rows in a ``SampleOrder`` (as ``TrajectoryFile`` orders them), and
/// every read gives what ``TrajectoryFile/states`` holds for them, bit for bit: `[n, T, 1, grid…]`, every
/// `stride`-th grid point kept. Requested rows are read as hyperslabs of consecutive file rows
/// (``FieldPairStream``'s reader), under the same guard: a file that changes while it is streamed is a
/// `DatasetError.malformed` naming it, never stale data. Only plain arrays are streamed (`--trajectory-key`
/// with `--time-axis`); the PDEBench and The Well collections are read into memory.
public final class TrajectoryStream: @unchecked Sendable {
    public let path: String
    public let key: String
    public let layout: TrajectoryLayout
    /// All trajectories of the file, `N`.
    public let count: Int
    /// Time steps per trajectory, `T`.
    public let steps: Int
    /// The grid after subsampling.
    public let grid: [Int]
    let stride: Int
    /// Trajectory `i` of the stream is row `fileRows[i]` of the file (nil: the stored order).
    let fileRows: [Int]?
    let signature: FieldPairStream.FileSignature

    /// Opens the array `key` of the HDF5 file `path` (no data read but `sample_index`).
    /// - Throws: `DatasetError.unsupported` for a file that is not HDF5, `missingKey`, `shapeMismatch` for
    ///   a rank without 1–3 grid axes, an empty axis or fewer than two steps.
    public init(path: String, key: String = "sol", layout: TrajectoryLayout = .timeLast, order: SampleOrder = .sampled, stride: Int = 1) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        signature = try FieldPairStream.FileSignature(path: path)
        guard (try? DatasetLoader.open(path))?.hdf5File != nil else {
            throw DatasetError.unsupported(path: path, detail: "only HDF5 files are streamed from disk (read it into memory instead)")
        }
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        guard try file.exists(key) else {
            let names = try file.contents().filter { $0.kind == .dataset }.map { $0.path.hasPrefix("/") ? String($0.path.dropFirst()) : $0.path }
            throw DatasetError.missingKey(path: path, key: key, available: names.sorted())
        }
        let shape = try file.datasetInfo(key).shape
        guard (3...5).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(key) has shape \(shape); a \(layout.rawValue) trajectory array is \(layout == .timeLast ? "[samples, grid…, steps]" : "[samples, steps, grid…]") with 1–3 grid axes")
        }
        let steps = layout == .timeLast ? shape[shape.count - 1] : shape[1]
        guard steps >= 2 else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(key) has \(steps) time step; next-step learning needs at least 2")
        }
        let gridAxes = layout == .timeLast ? Array(shape[1..<(shape.count - 1)]) : Array(shape.dropFirst(2))
        self.path = path
        self.key = key
        self.layout = layout
        self.count = shape[0]
        self.steps = steps
        // ⌈n / stride⌉ without forming n + stride − 1.
        self.grid = gridAxes.map { ($0 - 1) / stride + 1 }
        self.stride = stride
        self.fileRows = try FieldPairFile.rows(path: path, order: order, rowCount: shape[0])
    }

    /// The stream of `path`, or nil when the file is not HDF5 and `required` is false (the caller then
    /// reads it into memory).
    public static func open(path: String, key: String, layout: TrajectoryLayout, order: SampleOrder, stride: Int, required: Bool) throws -> TrajectoryStream? {
        do {
            return try TrajectoryStream(path: path, key: key, layout: layout, order: order, stride: stride)
        } catch DatasetError.unsupported(_, _) where !required {
            return nil
        }
    }

    /// Bytes of one trajectory as Float32 in memory (saturating: a size that overflows is `Int.max`).
    public var bytesPerTrajectory: Int {
        (try? MemoryBudget.product([steps, MemoryBudget.product(grid, what: "a state"), MemoryLayout<Float>.size], what: "a trajectory")) ?? .max
    }

    /// Trajectories `indices` (stream rows, in that order, repeats allowed) as `[n, T, 1, grid…]`.
    /// - Throws: `DatasetError` for an index outside the stream, a file that changed since it was opened,
    ///   NaN or infinity in a trajectory, or a read failure.
    public func read(_ indices: [Int]) throws -> Tensor<Float> {
        guard !indices.isEmpty else { throw DatasetError.invalidSplit(path: path, detail: "no trajectories asked") }
        for index in indices where index < 0 || index >= count {
            throw DatasetError.invalidSplit(path: path, detail: "trajectory \(index) asked of \(count)")
        }
        let rows = indices.map { fileRows?[$0] ?? $0 }
        let raw = try FieldPairStream.withUnchangedFile(path, signature: signature) { file in try FieldPairStream.readRows(key, rows, from: file) }
        let states = TrajectoryFile.shaped(raw, layout: layout, stride: stride)
        guard states.isFinite else { throw DatasetError.nonFinite(path: path, detail: "\(key) of trajectories \(FieldPairStream.describe(indices))") }
        return states
    }

    /// Trajectories `range` as checked ``Trajectories`` (validation and test sets, read whole).
    public func trajectories(_ range: Range<Int>) throws -> Trajectories {
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        do { try MemoryBudget().require(bytes: MemoryBudget.product([range.count, bytesPerTrajectory], what: "trajectories \(range)"), what: "trajectories \(range) of \(path)") }
        catch { throw DatasetError.tooLarge(path: path, detail: "\(error)") }
        return try Trajectories(states: read(Array(range)), path: path)
    }
}
