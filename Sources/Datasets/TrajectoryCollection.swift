import Foundation
import RunSupport
import TensorCore

/// Time series in the layouts of the public collections, detected from the keys (never the file
/// extension) and read as ``TrajectoryFile``s `[N, T, C, grid…]`:
///
/// - **PDEBench** (Takamoto et al. 2022): `tensor` `[N, T, x(, y, z)]` with `x-coordinate`,
///   `y-coordinate`, `t-coordinate` (one field); per-seed groups `0000/data` `[T, x(, y), C]` with
///   `grid/x|y|t`; compressible Navier–Stokes files with `density`, `pressure`, `Vx`, `Vy`, `Vz`, each
///   `[N, T, grid…]` (channels in that order). A Darcy file (`tensor` with `nu`) holds steady pairs, not
///   trajectories.
/// - **The Well** (Ohana et al. 2024): one file (``WellFile``), or a dataset directory whose
///   `data/train`, `data/valid`, `data/test` (or `train`, `valid`, `test`) hold its files: the split.
public enum TrajectoryCollection {
    public enum Layout: String, Sendable, Equatable {
        case pdebenchTensor = "PDEBench tensor"
        case pdebenchDarcy = "PDEBench Darcy"
        case pdebenchSeeds = "PDEBench per-seed groups"
        case pdebenchCFD = "PDEBench compressible Navier–Stokes"
        case theWellFile = "The Well file"
        case theWellDirectory = "The Well dataset directory"
    }

    /// The CFD fields, in channel order.
    public static let cfdFields = ["density", "pressure", "Vx", "Vy", "Vz"]

    /// The collection layout of `path`, or nil for any other file (including non-HDF5 files).
    public static func detect(_ path: String) throws -> Layout? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.cannotOpen(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { return try wellSplitDirectories(path).isEmpty ? nil : .theWellDirectory }
        guard let file = try? HDF5File(opening: path) else { return nil }
        defer { try? file.close() }
        if WellFile.isWellLayout(file) { return .theWellFile }
        if try file.exists("tensor") { return try file.exists("nu") ? .pdebenchDarcy : .pdebenchTensor }
        if try file.exists("density"), try file.exists("Vx") { return .pdebenchCFD }
        if try !seedGroups(file).isEmpty { return .pdebenchSeeds }
        return nil
    }

    /// All trajectories of a collection file.
    /// - Throws: `DatasetError` naming the object inside the file for anything inconsistent.
    public static func read(_ path: String, stride: Int = 1) throws -> TrajectoryFile {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        let states: Tensor<Float>
        var scalars: Tensor<Float>?, scalarNames: [String] = []
        switch try detect(path) {
        case .pdebenchTensor:
            let tensor = try HDF5File(opening: path).readDataset("tensor")
            guard (3...5).contains(tensor.rank) else {
                throw DatasetError.shapeMismatch(path: path, detail: "/tensor has shape \(tensor.shape); PDEBench's time series are [N, T, x(, y, z)]")
            }
            var shape = tensor.shape
            shape.insert(1, at: 2)
            states = tensor.tensor(as: Float.self).reshaped(shape)
        case .pdebenchDarcy:
            throw DatasetError.unsupported(path: path, detail: "a PDEBench Darcy file (/nu → /tensor) holds steady pairs, not time series; train it with `train fno --input-key nu --target-key tensor`")
        case .pdebenchSeeds:
            let data = try PDEBenchFile.read(path)
            let fields = data.fields
            guard (4...6).contains(fields.rank) else {
                throw DatasetError.shapeMismatch(path: path, detail: "/0000/data has shape \(Array(fields.shape.dropFirst())); PDEBench's per-seed data are [T, x(, y, z), C]")
            }
            // [N, T, grid…, C] → [N, T, C, grid…]
            let r = fields.rank
            states = fields.tensor(as: Float.self).permuted([0, 1, r - 1] + Array(2..<(r - 1)))
        case .pdebenchCFD:
            let file = try HDF5File(opening: path)
            defer { try? file.close() }
            var channels: [Tensor<Float>] = []
            var firstShape: [Int]?
            for name in cfdFields where try file.exists(name) {
                let array = try file.readDataset(name)
                if let firstShape, array.shape != firstShape {
                    throw DatasetError.shapeMismatch(path: path, detail: "/\(name) has shape \(array.shape) but /density has \(firstShape)")
                }
                guard (3...5).contains(array.rank) else {
                    throw DatasetError.shapeMismatch(path: path, detail: "/\(name) has shape \(array.shape); PDEBench's CFD fields are [N, T, x(, y, z)]")
                }
                firstShape = firstShape ?? array.shape
                var shape = array.shape
                shape.insert(1, at: 2)
                channels.append(array.tensor(as: Float.self).reshaped(shape))
            }
            states = try Tensor.concatenated(channels, alongAxis: 2)
        case .theWellFile:
            let well = try WellFile(path: path)
            states = try well.trajectories(0..<well.trajectoryCount)
            scalars = try well.scalarValues(0..<well.trajectoryCount)
            scalarNames = well.scalars.map(\.name)
        case .theWellDirectory:
            throw DatasetError.unsupported(path: path, detail: "a The Well dataset directory is read split by split (TrajectoryCollection.split)")
        case nil:
            throw DatasetError.unsupported(path: path, detail: "neither a PDEBench nor a The Well layout (no /tensor, /density + /Vx, per-seed groups, or /t0_fields + /dimensions)")
        }
        return TrajectoryFile(path: path, states: TrajectoryFile.subsampled(states, stride: stride), scalars: scalars, scalarNames: scalarNames)
    }

    /// Training, validation and test trajectories: from a The Well directory its `train`, `valid` and
    /// `test` splits (at most `train − validation`, `validation` and `test` trajectories of each, in
    /// file order), otherwise ``TrajectoryFile/split(train:validation:test:)`` of the file's rows.
    public static func split(_ path: String, train: Int, validation: Int, test: Int, stride: Int = 1) throws -> TrajectorySplit {
        guard try detect(path) == .theWellDirectory else {
            return try read(path, stride: stride).split(train: train, validation: .count(validation), test: test)
        }
        guard train > validation, validation >= 0, test > 0 else {
            throw DatasetError.invalidSplit(path: path, detail: "needs --train above --validation (≥ 0) and --test > 0, got \(train), \(validation), \(test)")
        }
        let splits = try wellSplitDirectories(path)
        func load(_ name: String, limit: Int) throws -> Trajectories? {
            guard limit > 0 else { return nil }
            guard let directory = splits[name] else {
                throw DatasetError.missingKey(path: path, key: name, available: splits.keys.sorted())
            }
            var parts: [Tensor<Float>] = [], scalarParts: [Tensor<Float>] = [], scalarNames: [String]?
            var remaining = limit
            // Float32 bytes of the parts loaded so far; each file's full read is checked on top of them,
            // and the concatenation (a second copy) before it is made.
            var heldBytes = 0
            let budget = MemoryBudget()
            for file in try wellFiles(in: directory) where remaining > 0 {
                let well = try WellFile(path: file)
                let take = min(remaining, well.trajectoryCount)
                do {
                    let elements = try MemoryBudget.product([take, well.timeSteps, well.channelNames.count] + well.grid, what: "split \(name)")
                    let (needed, overflow) = heldBytes.addingReportingOverflow(try MemoryBudget.bytes(elements: elements, bytesPerElement: 4, what: "split \(name)"))
                    guard !overflow else { throw MemoryBudgetError.overflow(what: "split \(name)", factors: [heldBytes, elements, 4]) }
                    try budget.require(bytes: needed, what: "split \(name) of \(directory) up to \(file)")
                } catch let error as MemoryBudgetError {
                    throw DatasetError.tooLarge(path: directory, detail: error.description)
                }
                let part = TrajectoryFile.subsampled(try well.trajectories(0..<take), stride: stride)
                parts.append(part)
                let names = well.scalars.map(\.name)
                if let scalarNames, scalarNames != names {
                    throw DatasetError.shapeMismatch(path: directory, detail: "\(file) has the scalars \(names), the split's first file \(scalarNames)")
                }
                scalarNames = names
                if let values = try well.scalarValues(0..<take) { scalarParts.append(values) }
                heldBytes += part.scalars.count * 4
                remaining -= take
            }
            if parts.count > 1 {
                do { try budget.require(bytes: MemoryBudget.product([heldBytes, 2], what: "split \(name)"), what: "concatenating split \(name) of \(directory)") }
                catch { throw DatasetError.tooLarge(path: directory, detail: error.description) }
            }
            guard let first = parts.first else { throw DatasetError.invalidSplit(path: directory, detail: "no trajectories") }
            for part in parts where Array(part.shape.dropFirst()) != Array(first.shape.dropFirst()) {
                throw DatasetError.shapeMismatch(path: directory, detail: "files hold trajectories \(Array(part.shape.dropFirst())) and \(Array(first.shape.dropFirst()))")
            }
            let scalars = scalarParts.isEmpty ? nil : try Tensor.concatenated(scalarParts, alongAxis: 0)
            return try Trajectories(states: parts.count == 1 ? first : Tensor.concatenated(parts, alongAxis: 0), scalars: scalars,
                                    scalarNames: scalars == nil ? [] : scalarNames ?? [], path: directory)
        }
        let trainSet = try load("train", limit: train - validation)!, validationSet = try load("valid", limit: validation), testSet = try load("test", limit: test)!
        for other in [validationSet, testSet].compactMap({ $0 })
        where other.channels != trainSet.channels || other.grid != trainSet.grid || other.scalarNames != trainSet.scalarNames {
            throw DatasetError.shapeMismatch(path: path, detail: "splits hold \(other.channels) channels on \(other.grid) with scalars \(other.scalarNames) and \(trainSet.channels) on \(trainSet.grid) with \(trainSet.scalarNames)")
        }
        return TrajectorySplit(train: trainSet, validation: validationSet, test: testSet)
    }

    /// The split of any trajectory file: a PDEBench or The Well layout (recognized from its keys) through
    /// ``split(_:train:validation:test:stride:)``, any other file's array `key` through ``TrajectoryFile``.
    public static func split(_ path: String, key: String, layout: TrajectoryLayout, order: SampleOrder, train: Int, validation: Int, test: Int,
                             stride: Int = 1) throws -> TrajectorySplit {
        if try detect(path) != nil { return try split(path, train: train, validation: validation, test: test, stride: stride) }
        return try TrajectoryFile(path: path, key: key, layout: layout, order: order, stride: stride).split(train: train, validation: .count(validation), test: test)
    }

    /// `train`/`valid`/`test` → directory, under `path/data/` or `path/` (only those holding HDF5 files
    /// in The Well's layout).
    static func wellSplitDirectories(_ path: String) throws -> [String: String] {
        var found: [String: String] = [:]
        for base in [path + "/data", path] {
            for split in ["train", "valid", "test"] where found[split] == nil {
                let directory = base + "/" + split
                if let first = try? wellFiles(in: directory).first, let file = try? HDF5File(opening: first) {
                    if WellFile.isWellLayout(file) { found[split] = directory }
                    try? file.close()
                }
            }
        }
        return found
    }

    /// The `.hdf5`/`.h5` files of a directory, sorted (as the-well's `WellDataset` sorts them).
    static func wellFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".hdf5") || $0.hasSuffix(".h5") }.sorted()
            .map { directory + "/" + $0 }
    }

    static func seedGroups(_ file: HDF5File) throws -> [String] {
        try file.contents().filter { entry in
            entry.kind == .group && entry.path.count > 1 && entry.path.dropFirst().allSatisfy(\.isNumber)
        }.map(\.path).sorted()
    }
}
