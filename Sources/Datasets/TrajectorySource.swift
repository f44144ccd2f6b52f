import Foundation
import TensorCore

/// One HDF5 file's trajectories in a layout PDEKit reads in blocks: a run of consecutive trajectories ×
/// a range of consecutive time steps, as `[n, s, C, grid…]` Float32 on the full grid, with hyperslab
/// reads only (nothing else of the file is touched). ``TrajectoryStream`` puts one or several of them
/// behind one trajectory index (a The Well split directory holds several files).
///
/// - `array`: one array, time last `[N, grid…, T]` or second `[N, T, grid…]` (a plain trajectory array;
///   PDEBench's `tensor`), one channel;
/// - `channelArrays`: PDEBench's compressible Navier–Stokes fields, each `[N, T, grid…]`, one channel each;
/// - `seedGroups`: PDEBench's per-seed groups, trajectory `i` being `<group i>/data` `[T, grid…, C]`;
/// - `well`: a The Well file's time-varying fields (``WellFile/block(_:trajectories:steps:)``).
struct TrajectorySource: Sendable {
    enum Layout: Sendable {
        case array(key: String, layout: TrajectoryLayout)
        case channelArrays([String])
        case seedGroups([String])
        case well(WellFile)
    }

    let path: String
    let layout: Layout
    let count: Int
    let steps: Int
    let channels: Int
    /// The full grid (before any subsampling).
    let grid: [Int]
    /// Trajectory `i` is file row `fileRows[i]` (nil: the stored order; only arrays have a sample order).
    let fileRows: [Int]?
    /// The Well's conditioning scalars (empty otherwise).
    let scalarNames: [String]
    let signature: FieldPairStream.FileSignature

    /// The source of a plain array `key` (see ``TrajectoryStream/init(path:key:layout:order:stride:)``).
    init(path: String, key: String, layout: TrajectoryLayout, order: SampleOrder) throws {
        signature = try FieldPairStream.FileSignature(path: path)
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
        self.path = path
        self.layout = .array(key: key, layout: layout)
        count = shape[0]
        steps = layout == .timeLast ? shape[shape.count - 1] : shape[1]
        channels = 1
        grid = layout == .timeLast ? Array(shape[1..<(shape.count - 1)]) : Array(shape.dropFirst(2))
        fileRows = try FieldPairFile.rows(path: path, order: order, rowCount: shape[0])
        scalarNames = []
        try checkSteps(key)
    }

    /// The source of a collection file whose `layout` ``TrajectoryCollection/detect(_:)`` found.
    /// - Throws: `DatasetError` naming the object inside the file for shapes that do not fit the layout,
    ///   `.unsupported` for a Darcy file or a directory.
    init(path: String, collection: TrajectoryCollection.Layout) throws {
        signature = try FieldPairStream.FileSignature(path: path)
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        self.path = path
        fileRows = nil
        var scalarNames: [String] = []
        switch collection {
        case .pdebenchTensor:
            let shape = try file.datasetInfo("tensor").shape
            guard (3...5).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
                throw DatasetError.shapeMismatch(path: path, detail: "/tensor has shape \(shape); PDEBench's time series are [N, T, x(, y, z)]")
            }
            layout = .array(key: "tensor", layout: .timeSecond)
            (count, steps, channels, grid) = (shape[0], shape[1], 1, Array(shape.dropFirst(2)))
        case .pdebenchCFD:
            var keys: [String] = [], first: [Int]?
            for name in TrajectoryCollection.cfdFields where try file.exists(name) {
                let shape = try file.datasetInfo(name).shape
                if let first, shape != first {
                    throw DatasetError.shapeMismatch(path: path, detail: "/\(name) has shape \(shape) but /\(keys[0]) has \(first)")
                }
                guard (3...5).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
                    throw DatasetError.shapeMismatch(path: path, detail: "/\(name) has shape \(shape); PDEBench's CFD fields are [N, T, x(, y, z)]")
                }
                first = first ?? shape
                keys.append(name)
            }
            guard let shape = first else { throw DatasetError.missingKey(path: path, key: "density", available: []) }
            layout = .channelArrays(keys)
            (count, steps, channels, grid) = (shape[0], shape[1], keys.count, Array(shape.dropFirst(2)))
        case .pdebenchSeeds:
            let groups = try TrajectoryCollection.seedGroups(file)
            var first: [Int]?
            for group in groups {
                let shape = try file.datasetInfo(group + "/data").shape
                guard (3...5).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
                    throw DatasetError.shapeMismatch(path: path, detail: "\(group)/data has shape \(shape); PDEBench's per-seed data are [T, x(, y, z), C]")
                }
                if let first, shape != first {
                    throw DatasetError.shapeMismatch(path: path, detail: "\(group)/data has shape \(shape) but \(groups[0])/data has \(first)")
                }
                first = first ?? shape
            }
            guard let shape = first else { throw DatasetError.missingKey(path: path, key: "0000/data", available: []) }
            layout = .seedGroups(groups)
            (count, steps, channels, grid) = (groups.count, shape[0], shape[shape.count - 1], Array(shape.dropFirst().dropLast()))
        case .theWellFile:
            let well = try WellFile(file: file, path: path)
            guard !well.channelNames.isEmpty else {
                throw DatasetError.malformed(path: path, detail: "no field of /t0_fields, /t1_fields or /t2_fields is time_varying")
            }
            layout = .well(well)
            (count, steps, channels, grid) = (well.trajectoryCount, well.timeSteps, well.channelNames.count, well.grid)
            scalarNames = well.scalars.map(\.name)
        case .pdebenchDarcy:
            throw DatasetError.unsupported(path: path, detail: "a PDEBench Darcy file (/nu → /tensor) holds steady pairs, not time series; train it with `train fno --input-key nu --target-key tensor`")
        case .theWellDirectory:
            throw DatasetError.unsupported(path: path, detail: "a The Well dataset directory is read split by split (TrajectoryCollection.split)")
        }
        self.scalarNames = scalarNames
        try checkSteps(collection.rawValue)
    }

    private func checkSteps(_ what: String) throws {
        guard steps >= 2 else {
            throw DatasetError.shapeMismatch(path: path, detail: "\(what) has \(steps) time step; next-step learning needs at least 2")
        }
    }

    /// File rows `rows` (consecutive), steps `steps`, as `[rows.count, steps.count, C, grid…]` on the full grid.
    /// - Throws: `DatasetError` for a read failure or a range outside the file.
    func block(_ file: HDF5File, rows: Range<Int>, steps range: Range<Int>) throws -> Tensor<Float> {
        let n = rows.count, s = range.count
        switch layout {
        case .array(let key, .timeSecond):
            let raw = try file.readBlock(key, start: [rows.lowerBound, range.lowerBound] + grid.map { _ in 0 }, count: [n, s] + grid)
            return raw.tensor(as: Float.self).reshaped([n, s, 1] + grid)
        case .array(let key, .timeLast):
            let raw = try file.readBlock(key, start: [rows.lowerBound] + grid.map { _ in 0 } + [range.lowerBound], count: [n] + grid + [s])
            return TrajectoryFile.shaped(raw.tensor(as: Float.self), layout: .timeLast, stride: 1)
        case .channelArrays(let keys):
            let parts = try keys.map { key in
                try file.readBlock(key, start: [rows.lowerBound, range.lowerBound] + grid.map { _ in 0 }, count: [n, s] + grid)
                    .tensor(as: Float.self).reshaped([n, s, 1] + grid)
            }
            return parts.count == 1 ? parts[0] : try Tensor.concatenated(parts, alongAxis: 2)
        case .seedGroups(let groups):
            let r = grid.count + 2
            let parts = try rows.map { row in
                try file.readBlock(groups[row] + "/data", start: [range.lowerBound] + grid.map { _ in 0 } + [0], count: [s] + grid + [channels])
                    .tensor(as: Float.self).permuted([0, r - 1] + Array(1..<(r - 1))).reshaped([1, s, channels] + grid)
            }
            return parts.count == 1 ? parts[0] : try Tensor.concatenated(parts, alongAxis: 0)
        case .well(let well):
            return try well.block(file, trajectories: rows, steps: range)
        }
    }

    /// The Well's scalars of trajectories `rows`, `[n, T, S]` (nil without scalars).
    func scalars(_ rows: Range<Int>) throws -> Tensor<Float>? {
        guard case .well(let well) = layout else { return nil }
        return try well.scalarValues(rows)
    }
}
