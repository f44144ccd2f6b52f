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

    /// All trajectories of a collection file (through ``TrajectoryStream``, the one reader of the layouts).
    /// - Throws: `DatasetError` naming the object inside the file for anything inconsistent.
    public static func read(_ path: String, stride: Int = 1) throws -> TrajectoryFile {
        let stream = try TrajectoryStream(collection: path, stride: stride)
        return try stream.file(0..<stream.count)
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
        let trainSet = try wellSplit(path, "train", stride: stride).trajectories(limit: train - validation)
        let validationSet = validation > 0 ? try wellSplit(path, "valid", stride: stride).trajectories(limit: validation) : nil
        let testSet = try wellSplit(path, "test", stride: stride).trajectories(limit: test)
        for other in [validationSet, testSet].compactMap({ $0 })
        where other.channels != trainSet.channels || other.grid != trainSet.grid || other.scalarNames != trainSet.scalarNames {
            throw DatasetError.shapeMismatch(path: path, detail: "splits hold \(other.channels) channels on \(other.grid) with scalars \(other.scalarNames) and \(trainSet.channels) on \(trainSet.grid) with \(trainSet.scalarNames)")
        }
        return TrajectorySplit(train: trainSet, validation: validationSet, test: testSet)
    }

    /// The split `name` (`train`, `valid`, `test`) of a The Well dataset directory as a stream.
    /// - Throws: `DatasetError.missingKey` naming the splits found when it is missing.
    public static func wellSplit(_ path: String, _ name: String, stride: Int = 1, keepsScalars: Bool = true) throws -> TrajectoryStream {
        let splits = try wellSplitDirectories(path)
        guard let directory = splits[name] else { throw DatasetError.missingKey(path: path, key: name, available: splits.keys.sorted()) }
        return try TrajectoryStream(wellSplit: directory, stride: stride, keepsScalars: keepsScalars)
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
