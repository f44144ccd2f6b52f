import Foundation
import TensorCore
import RunSupport

/// How an array of a file lays out the time axis of its trajectories.
public enum TrajectoryLayout: String, Sendable, CaseIterable {
    /// `[N, n₁, …, n_d, T]`, one field: Li et al.'s Navier–Stokes `u` and `pdekit generate navier-stokes`'s `sol`.
    case timeLast = "time-last"
    /// `[N, T, n₁, …, n_d]`, one field: PDEBench's `tensor` arrays.
    case timeSecond = "time-second"
}

/// The one way to read time series for next-step learning from a data file: the array `key` (any
/// format ``FieldPairFile/array(path:key:)`` reads), its trajectories put in a ``SampleOrder``,
/// shaped `[N, T, C, grid…]` and every `stride`-th grid point kept.
public struct TrajectoryFile: Sendable {
    public let path: String
    /// All trajectories, `[N, T, C, grid…]`, in the requested order, subsampled (not yet checked for NaN:
    /// rows no split uses may hold anything).
    public let states: Tensor<Float>
    /// Conditioning scalars `[N, T, S]` in the same order (The Well's `scalars/`), or nil.
    public let scalars: Tensor<Float>?
    public let scalarNames: [String]

    /// Reads the array `key` of `path`.
    ///
    /// - Parameters:
    ///   - layout: where the time axis is; the array's rank must leave 1–3 grid axes.
    ///   - order: `.sampled` puts the rows of a `pdekit generate` file back in drawing order.
    ///   - stride: keep every `stride`-th grid point (≥ 1).
    /// - Throws: `DatasetError` for a missing file or key, unreadable data, a rank without 1–3 grid axes,
    ///   fewer than two steps, or too little memory for the reordered copy.
    public init(path: String, key: String = "sol", layout: TrajectoryLayout = .timeLast, order: SampleOrder = .sampled,
                stride: Int = 1) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        let raw = try FieldPairFile.array(path: path, key: key)
        let d = raw.rank - 2
        guard (1...3).contains(d), raw.shape.allSatisfy({ $0 > 0 }) else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(key) has shape \(raw.shape); a \(layout.rawValue) trajectory array is \(layout == .timeLast ? "[samples, grid…, steps]" : "[samples, steps, grid…]") with 1–3 grid axes")
        }
        let steps = layout == .timeLast ? raw.shape[raw.rank - 1] : raw.shape[1]
        guard steps >= 2 else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(key) has \(steps) time step; next-step learning needs at least 2")
        }
        do { _ = try MemoryBudget().requireArray(shape: raw.shape, bytesPerElement: 8, what: "the reordered \(key)") } catch {
            throw DatasetError.tooLarge(path: path, detail: "\(error)")
        }
        let rows = try FieldPairFile.rows(path: path, order: order, rowCount: raw.shape[0])
        self.path = path
        self.states = Self.shaped(FieldPairFile.reordered(raw, rows: rows), layout: layout, stride: stride)
        scalars = nil
        scalarNames = []
    }

    /// Trajectories already shaped `[N, T, C, grid…]`, with scalars `[N, T, S]` (the collection readers build them).
    public init(path: String, states: Tensor<Float>, scalars: Tensor<Float>? = nil, scalarNames: [String] = []) {
        self.path = path
        self.states = states
        self.scalars = scalars
        self.scalarNames = scalars == nil ? [] : scalarNames
    }

    public var count: Int { states.shape[0] }
    public var spatialDimensions: Int { states.rank - 3 }

    /// Rows of a `layout` array (`[n, grid…, T]` or `[n, T, grid…]`) as `[n, T, 1, grid…]` (one field
    /// channel), every `stride`-th grid point kept.
    static func shaped(_ raw: Tensor<Float>, layout: TrajectoryLayout, stride: Int) -> Tensor<Float> {
        let timeSecond = layout == .timeLast ? raw.permuted([0, raw.rank - 1] + Array(1..<(raw.rank - 1))) : raw
        var shape = timeSecond.shape
        shape.insert(1, at: 2)
        return subsampled(timeSecond.reshaped(shape), stride: stride)
    }

    /// Every `stride`-th point along each grid axis (axes ≥ 3 of `[N, T, C, grid…]`).
    static func subsampled(_ tensor: Tensor<Float>, stride: Int) -> Tensor<Float> {
        guard stride > 1 else { return tensor }
        let maps = tensor.shape.enumerated().map { axis, size in
            axis < 3 ? Array(0..<size) : Array(Swift.stride(from: 0, to: size, by: stride))
        }
        return tensor.gathered(indexMaps: maps)
    }

    /// Trajectories `range` as checked ``Trajectories``.
    public func trajectories(_ range: Range<Int>) throws -> Trajectories {
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        do {
            return try Trajectories(states: states.sliced(alongAxis: 0, range), scalars: scalars?.sliced(alongAxis: 0, range), scalarNames: scalarNames, path: path)
        } catch .nonFinite(_, _) {
            throw DatasetError.nonFinite(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound)")
        }
    }

    /// Cuts the sets described by ``TrajectorySplit`` (counts are trajectories).
    /// - Throws: `DatasetError.invalidSplit` when a count is out of range, `nonFinite` for NaN in a used row.
    public func split(train: Int, validation: ValidationSize = .default, test: Int) throws -> TrajectorySplit {
        guard train > 0, test > 0 else {
            throw DatasetError.invalidSplit(path: path, detail: "the training and test sets need at least one trajectory each (asked for \(train) and \(test))")
        }
        let validationRows = try validation.rows(outOf: train, path: path)
        guard validationRows < train else {
            throw DatasetError.invalidSplit(path: path, detail: "\(validationRows) validation trajectories leave none of the \(train) training ones")
        }
        guard count >= train, count - train >= test else {
            throw DatasetError.invalidSplit(path: path, detail: "has \(count) trajectories, fewer than \(train) training + \(test) test trajectories")
        }
        return TrajectorySplit(train: try trajectories(0..<(train - validationRows)),
                               validation: validationRows > 0 ? try trajectories((train - validationRows)..<train) : nil,
                               test: try trajectories(train..<(train + test)))
    }
}
