import Foundation
import RunSupport
import TensorCore

/// One HDF5 file of The Well (Ohana et al. 2024, PolymathicAI), read as its own code defines the layout:
///
/// ```
/// /  @dataset_name @grid_type @n_spatial_dims @n_trajectories @simulation_parameters (+ one attribute each)
/// dimensions/        @spatial_dims = [x, y, …]; time [T] (or [B, T] when sample_varying); x [n_x], y [n_y] …
/// boundary_conditions/<name>/  @bc_type @associated_dims …; mask, values
/// scalars/           @field_names; one dataset each, @sample_varying @time_varying
/// t0_fields/ t1_fields/ t2_fields/   @field_names; one dataset each, @dim_varying [d] @sample_varying @time_varying,
///                    shape [B if sample_varying][T if time_varying][n_i, or 1 where not dim_varying][d]^order
///                    (the format page leaves the non-varying axes out; both are read)
/// ```
///
/// A tensor field of order `k` becomes `d^k` component channels named `<field>_<axes>` (`velocity_x`,
/// `velocity_y`; `stress_xx`, `stress_xy`, …; the axes in row-major order of the last axes), as the
/// `the-well` package's `WellDataset` names them. ``trajectories(_:)`` stacks the time-varying fields
/// (t0, then t1, then t2, each in `field_names` order) as `[N, T, C, grid…]`, repeating a field along
/// any axis it does not vary on. Every inconsistency is a `DatasetError` naming the object inside the file.
public struct WellFile: Sendable {
    /// One field (a dataset of `t0_fields`, `t1_fields` or `t2_fields`).
    public struct Field: Sendable, Equatable {
        /// The dataset's name, e.g. `velocity`.
        public var name: String
        /// 0 scalar, 1 vector, 2 tensor field.
        public var order: Int
        /// `name` for a scalar field, `name_x`, `name_y`, … for the components of a vector or tensor field.
        public var channelNames: [String]
        public var sampleVarying: Bool
        public var timeVarying: Bool
        /// Whether the field varies along each spatial axis.
        public var dimVarying: [Bool]
        /// The stored shape.
        public var shape: [Int]
        /// The path inside the file, e.g. `/t1_fields/velocity`.
        public var objectPath: String
    }

    /// A boundary condition group.
    public struct BoundaryCondition: Sendable, Equatable {
        public var name: String
        /// `periodic`, `wall`, `open`, …
        public var type: String
        public var associatedDimensions: [String]
    }

    /// A scalar of `scalars/`.
    public struct Scalar: Sendable, Equatable {
        public var name: String
        public var sampleVarying: Bool
        public var timeVarying: Bool
        /// The value when the scalar is constant and has one element.
        public var value: Double?
    }

    public let path: String
    public let datasetName: String
    public let gridType: String
    public let trajectoryCount: Int
    /// Names of the spatial axes (`dimensions@spatial_dims`).
    public let spatialDimensionNames: [String]
    /// Points along each spatial axis.
    public let grid: [Int]
    public let timeSteps: Int
    /// The first trajectory's times.
    public let times: [Double]
    /// `simulation_parameters` with their values (root attributes).
    public let simulationParameters: [(name: String, value: HDF5AttributeValue)]
    public let boundaryConditions: [BoundaryCondition]
    public let scalars: [Scalar]
    public let fields: [Field]

    /// Whether `file` has The Well's layout (root `n_spatial_dims` and the groups `dimensions` and `t0_fields`).
    public static func isWellLayout(_ file: HDF5File) -> Bool {
        ((try? file.exists("dimensions")) ?? false) && ((try? file.exists("t0_fields")) ?? false)
            && ((try? file.attributeNames(of: "/").contains("n_spatial_dims")) ?? false)
    }

    /// Reads and checks the metadata of `path` (no field data).
    /// - Throws: `DatasetError` naming the object inside the file for a missing group, dataset or
    ///   attribute, or a shape that disagrees with the attributes.
    public init(path: String) throws {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        try self.init(file: file, path: path)
    }

    init(file: HDF5File, path: String) throws {
        func malformed(_ detail: String) -> DatasetError { .malformed(path: path, detail: detail) }
        func requireGroup(_ name: String) throws {
            guard try file.exists(name) else { throw malformed("The Well layout needs the group /\(name), which is missing") }
        }
        func string(_ name: String, of object: String = "/") throws -> String {
            guard let value = try file.attribute(name, of: object).stringValue else { throw malformed("\(object)@\(name) is not a string") }
            return value
        }
        func strings(_ name: String, of object: String) throws -> [String] {
            switch try file.attribute(name, of: object) {
            case .strings(let values): return values
            case .string(let value): return [value]
            // h5py stores an empty Python list as an empty float64 array: no names.
            case .doubles(let values) where values.isEmpty: return []
            case .ints(let values) where values.isEmpty: return []
            default: throw malformed("\(object)@\(name) is not a list of strings")
            }
        }
        func integer(_ name: String, of object: String = "/") throws -> Int {
            guard let value = try file.attribute(name, of: object).intValue else { throw malformed("\(object)@\(name) is not an integer") }
            return value
        }
        func flag(_ name: String, of object: String) throws -> Bool {
            let value = try integer(name, of: object)
            guard value == 0 || value == 1 else { throw malformed("\(object)@\(name) is \(value), not a boolean") }
            return value == 1
        }
        for group in ["dimensions", "boundary_conditions", "scalars", "t0_fields", "t1_fields", "t2_fields"] { try requireGroup(group) }
        self.path = path
        datasetName = try string("dataset_name")
        gridType = try string("grid_type")
        let d = try integer("n_spatial_dims")
        trajectoryCount = try integer("n_trajectories")
        guard (1...3).contains(d), trajectoryCount >= 1 else {
            throw malformed("/@n_spatial_dims \(d) must be 1–3 and /@n_trajectories \(trajectoryCount) positive")
        }
        spatialDimensionNames = try strings("spatial_dims", of: "/dimensions")
        guard spatialDimensionNames.count == d else {
            throw malformed("/dimensions@spatial_dims names \(spatialDimensionNames.count) axes but /@n_spatial_dims is \(d)")
        }
        var grid: [Int] = []
        for axis in spatialDimensionNames {
            let shape = try file.datasetInfo("/dimensions/\(axis)").shape
            guard let points = shape.last, points > 0, shape.count <= 2 else { throw malformed("/dimensions/\(axis) has shape \(shape); expected [n] or [B, n]") }
            grid.append(points)
        }
        self.grid = grid
        let timeShape = try file.datasetInfo("/dimensions/time").shape
        let timeSampleVarying = try flag("sample_varying", of: "/dimensions/time")
        guard let steps = timeShape.last, steps > 0, timeShape.count == (timeSampleVarying ? 2 : 1),
              !timeSampleVarying || timeShape[0] == trajectoryCount else {
            throw malformed("/dimensions/time has shape \(timeShape); with sample_varying \(timeSampleVarying) expected \(timeSampleVarying ? "[\(trajectoryCount), T]" : "[T]")")
        }
        timeSteps = steps
        times = Array(try file.readDataset("/dimensions/time").doubleValues.prefix(steps))
        let parameterNames = (try? file.attributeNames(of: "/").contains("simulation_parameters")) == true ? try strings("simulation_parameters", of: "/") : []
        simulationParameters = try parameterNames.map { name in (name, try file.attribute(name, of: "/")) }
        boundaryConditions = try file.contents(of: "/boundary_conditions").filter { $0.kind == .group && $0.path.split(separator: "/").count == 2 }.map { entry in
            let object = entry.path.hasPrefix("/") ? entry.path : "/boundary_conditions/" + entry.path
            let name = String(object.split(separator: "/").last ?? "")
            let dims = (try? file.attributeNames(of: object).contains("associated_dims")) == true ? try strings("associated_dims", of: object) : []
            return BoundaryCondition(name: name, type: try string("bc_type", of: object), associatedDimensions: dims)
        }
        scalars = try (try file.attributeNames(of: "/scalars").contains("field_names") ? strings("field_names", of: "/scalars") : []).map { name in
            let object = "/scalars/\(name)"
            let sampleVarying = try flag("sample_varying", of: object), timeVarying = try flag("time_varying", of: object)
            let value = !sampleVarying && !timeVarying ? try file.readDataset(object).doubleValues.first : nil
            return Scalar(name: name, sampleVarying: sampleVarying, timeVarying: timeVarying, value: value)
        }
        var fields: [Field] = []
        for order in 0...2 {
            let group = "/t\(order)_fields"
            let names = try file.attributeNames(of: group).contains("field_names") ? try strings("field_names", of: group) : []
            for name in names {
                let object = "\(group)/\(name)"
                guard try file.exists(object) else { throw malformed("\(group)@field_names lists \(name), but \(object) is missing") }
                let sampleVarying = try flag("sample_varying", of: object), timeVarying = try flag("time_varying", of: object)
                let dimVarying: [Bool]
                switch try file.attribute("dim_varying", of: object) {
                case .ints(let values) where values.count == d && values.allSatisfy({ $0 == 0 || $0 == 1 }): dimVarying = values.map { $0 == 1 }
                case .int(let value) where d == 1 && (value == 0 || value == 1): dimVarying = [value == 1]
                case let other: throw malformed("\(object)@dim_varying is \(other); expected \(d) booleans")
                }
                let shape = try file.datasetInfo(object).shape
                var expected: [Int] = []
                if sampleVarying { expected.append(trajectoryCount) }
                if timeVarying { expected.append(steps) }
                // the-well's loader tiles a field along the axes it does not vary on, which needs them
                // stored with size 1; the format page shows them left out. Either is read.
                let documented = expected + zip(grid, dimVarying).filter(\.1).map(\.0) + [Int](repeating: d, count: order)
                expected += zip(grid, dimVarying).map { $1 ? $0 : 1 } + [Int](repeating: d, count: order)
                guard shape == expected || shape == documented else {
                    throw malformed("\(object) has shape \(shape), but sample_varying \(sampleVarying), time_varying \(timeVarying) and dim_varying \(dimVarying) of an order-\(order) field on a \(grid) grid of \(trajectoryCount) trajectories and \(steps) steps ask for \(expected)")
                }
                var suffixes = [""]
                let axisNames = spatialDimensionNames
                for _ in 0..<order { suffixes = suffixes.flatMap { prefix in axisNames.map { prefix + $0 } } }
                let channelNames = order == 0 ? [name] : suffixes.map { "\(name)_\($0)" }
                fields.append(Field(name: name, order: order, channelNames: channelNames, sampleVarying: sampleVarying, timeVarying: timeVarying,
                                    dimVarying: dimVarying, shape: shape, objectPath: object))
            }
        }
        self.fields = fields
    }

    /// The scalars of `scalars/` for trajectories `range`, `[range.count, T, S]` in `field_names` order:
    /// a constant (stored `[]` or `[1]`) repeats over trajectories and steps, a `sample_varying` one
    /// (`[B]`) over steps, a `time_varying` one (`[T]`) over trajectories; `[B, T]` is used as stored.
    /// nil when the file has no scalars.
    /// - Throws: `DatasetError` naming the scalar's object for a shape its flags do not explain, or a
    ///   range outside the file.
    public func scalarValues(_ range: Range<Int>) throws -> Tensor<Float>? {
        guard !scalars.isEmpty else { return nil }
        guard range.lowerBound >= 0, range.upperBound <= trajectoryCount, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(trajectoryCount)")
        }
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        let n = range.count, t = timeSteps, s = scalars.count
        let count = try DatasetError.checkedArray(shape: [n, t, s], bytesPerElement: 4, what: "The Well scalars", path: path)
        var out = [Float](repeating: 0, count: count)
        for (k, scalar) in scalars.enumerated() {
            let object = "/scalars/\(scalar.name)"
            let shape = try file.datasetInfo(object).shape
            let expected: [Int] = (scalar.sampleVarying ? [trajectoryCount] : []) + (scalar.timeVarying ? [t] : [])
            guard shape == expected || (expected.isEmpty && shape == [1]) else {
                throw DatasetError.malformed(path: path, detail: "\(object) has shape \(shape), but sample_varying \(scalar.sampleVarying) and time_varying \(scalar.timeVarying) over \(trajectoryCount) trajectories and \(t) steps ask for \(expected)")
            }
            let values = (scalar.sampleVarying ? try file.readSamples(object, range) : try file.readDataset(object)).tensor(as: Float.self).scalars
            for sample in 0..<n {
                for step in 0..<t {
                    let index = (scalar.sampleVarying ? sample * (scalar.timeVarying ? t : 1) : 0) + (scalar.timeVarying ? step : 0)
                    out[(sample * t + step) * s + k] = values[index]
                }
            }
        }
        return Tensor(uncheckedShape: [n, t, s], scalars: out)
    }

    /// The time-varying fields' channels, in the order ``trajectories(_:)`` stacks them.
    public var channelNames: [String] { fields.filter(\.timeVarying).flatMap(\.channelNames) }

    /// Trajectories `range` of the time-varying fields as `[range.count, T, C, grid…]` (Float32), each field
    /// repeated along the axes it does not vary on and its components as channels.
    /// - Throws: `DatasetError` for a range outside the file, no time-varying field, or too little memory.
    public func trajectories(_ range: Range<Int>) throws -> Tensor<Float> {
        guard range.lowerBound >= 0, range.upperBound <= trajectoryCount, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound) asked of \(trajectoryCount)")
        }
        try DatasetError.checkedArray(shape: [range.count, timeSteps, channelNames.count] + grid, bytesPerElement: 8, what: "The Well trajectories", path: path)
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        return try block(file, trajectories: range, steps: 0..<timeSteps)
    }

    /// Trajectories `range` at steps `steps` of the time-varying fields, `[range.count, steps.count, C, grid…]`,
    /// read from the open `file` as one hyperslab per field (a field that is not `sample_varying` is read
    /// once for all trajectories). What ``trajectories(_:)`` and a streamed batch read.
    /// - Throws: `DatasetError` for ranges outside the file, no time-varying field, or a read failure.
    func block(_ file: HDF5File, trajectories range: Range<Int>, steps: Range<Int>) throws -> Tensor<Float> {
        guard range.lowerBound >= 0, range.upperBound <= trajectoryCount, !range.isEmpty,
              steps.lowerBound >= 0, steps.upperBound <= timeSteps, !steps.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "trajectories \(range.lowerBound)..<\(range.upperBound), steps \(steps.lowerBound)..<\(steps.upperBound) asked of \(trajectoryCount) × \(timeSteps)")
        }
        let varying = fields.filter(\.timeVarying)
        guard !varying.isEmpty else { throw DatasetError.malformed(path: path, detail: "no field of /t0_fields, /t1_fields or /t2_fields is time_varying") }
        let channels = channelNames.count, n = range.count, t = steps.count
        let points: Int
        do { points = try MemoryBudget.product(grid, what: "The Well grid \(grid)") } catch { throw DatasetError.tooLarge(path: path, detail: error.description) }
        let shape = [n, t, channels] + grid
        let count = try DatasetError.checkedArray(shape: shape, bytesPerElement: 8, what: "The Well trajectories", path: path)
        var out = [Float](repeating: 0, count: count)
        var channel = 0
        for field in varying {
            // The stored box: [trajectories if sample_varying][steps][each axis: n_i or 1][d]^order.
            let start = (field.sampleVarying ? [range.lowerBound] : []) + [steps.lowerBound] + [Int](repeating: 0, count: field.shape.count - (field.sampleVarying ? 2 : 1))
            let extent = (field.sampleVarying ? [n] : []) + [t] + Array(field.shape.dropFirst(field.sampleVarying ? 2 : 1))
            let values = try file.readBlock(field.objectPath, start: start, count: extent).tensor(as: Float.self).scalars
            let components = field.channelNames.count
            // Strides of the block over (sample, time, each varying axis, component); 0 along
            // an axis the field does not vary on (the value repeats).
            var axisStride = [Int](repeating: 0, count: grid.count)
            var running = components
            for axis in (0..<grid.count).reversed() where field.dimVarying[axis] {
                axisStride[axis] = running
                running *= grid[axis]
            }
            let timeStride = running, sampleStride = running * t
            // A point's offset in the block: its grid index along the varying axes (the whole point index
            // when the field varies along every axis).
            let pointOffset: [Int] = field.dimVarying.allSatisfy { $0 } ? (0..<points).map { $0 * components } : (0..<points).map { point in
                var remainder = point, offset = 0
                for axis in (0..<grid.count).reversed() {
                    offset += (remainder % grid[axis]) * axisStride[axis]
                    remainder /= grid[axis]
                }
                return offset
            }
            values.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { target in
                    for s in 0..<n {
                        for step in 0..<t {
                            let base = (field.sampleVarying ? s * sampleStride : 0) + step * timeStride
                            for component in 0..<components {
                                let row = ((s * t + step) * channels + channel + component) * points
                                for point in 0..<points { target[row + point] = source[base + pointOffset[point] + component] }
                            }
                        }
                    }
                }
            }
            channel += components
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }
}
