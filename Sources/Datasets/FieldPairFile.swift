import Foundation
import TensorCore

/// How a file's input and target arrays lay out their axes.
public enum FieldLayout: Sendable, Equatable {
    /// `[N, n₁, …, n_d]`, one channel (FNO's Darcy `coeff`/`sol`, Burgers `a`/`u`).
    case samplesGrid
    /// `[N, C, n₁, …, n_d]`.
    case samplesChannelsGrid
    /// Either of the two, decided per array by its rank, for `dimensions` grid axes (what a trained
    /// model knows: `pdekit evaluate`).
    case grid(dimensions: Int)
}

extension FieldLayout {
    /// The grid axes `d` of an input and a target array in this layout, or nil when they do not pair up:
    /// the same number of samples, 1–3 grid axes and equal ranks, `[N, grid…]` or `[N, C, grid…]`; with
    /// `.samplesGrid` one of them may also carry a channel axis of size 1 (PDEBench's Darcy files: `nu`
    /// `[N, X, Y]` and `tensor` `[N, 1, X, Y]`). `.grid(dimensions:)` takes each array with or without a
    /// channel axis.
    public func gridAxes(inputShape: [Int], targetShape: [Int]) -> Int? {
        guard let inputSamples = inputShape.first, inputSamples == targetShape.first else { return nil }
        switch self {
        case .grid(let d):
            return (1...3).contains(d) && [inputShape.count, targetShape.count].allSatisfy({ $0 == d + 1 || $0 == d + 2 }) ? d : nil
        case .samplesChannelsGrid:
            let d = targetShape.count - 2
            return (1...3).contains(d) && inputShape.count == targetShape.count ? d : nil
        case .samplesGrid:
            let d = min(inputShape.count, targetShape.count) - 1
            guard (1...3).contains(d) else { return nil }
            if inputShape.count == targetShape.count { return d }
            let (longer, shorter) = inputShape.count > targetShape.count ? (inputShape, targetShape) : (targetShape, inputShape)
            return longer.count == shorter.count + 1 && longer[1] == 1 && Array(longer.dropFirst(2)) == Array(shorter.dropFirst()) ? d : nil
        }
    }
}

/// The one way to read operator-learning pairs from a data file: the input and target arrays by
/// key, their samples put in a ``SampleOrder``, shaped channels first (`[N, C, grid…]`), and every
/// `stride`-th grid point kept (the FNO paper's subsampling `r`). ``split(train:validation:test:testFile:)``
/// cuts the training, validation and test sets from it.
///
/// The steps run in that order, on all rows of the file: reorder, then channels first, then
/// subsample. Values are checked for NaN when a split becomes ``FieldPairs`` (rows no split uses
/// may hold anything).
public struct FieldPairFile: Dataset, Sendable {
    public typealias Scalar = Float

    /// The file read (HDF5, NPY, NPZ, MATLAB v5/v7.3, or a directory of `<key>.npy`).
    public let path: String
    /// All inputs, `[N, C_in, grid…]`, in the requested order, subsampled.
    public let inputs: Tensor<Float>
    /// All targets, `[N, C_out, grid…]`.
    public let targets: Tensor<Float>
    /// d, the number of grid axes.
    public let spatialDimensions: Int

    /// Reads `inputKey` and `targetKey` of `path`.
    ///
    /// - Parameters:
    ///   - layout: the arrays' axes; with `.samplesGrid`/`.samplesChannelsGrid` both arrays must have
    ///     the same rank and 1–3 grid axes.
    ///   - order: `.sampled` puts the rows of a `pdekit generate` file back in drawing order (its
    ///     `sample_index`); other files, directories and `.file` keep the stored order.
    ///   - stride: keep every `stride`-th point along each grid axis (≥ 1).
    /// - Throws: `DatasetError` for a missing file or key, unreadable data, or shapes that do not pair up.
    public init(path: String, inputKey: String = "coeff", targetKey: String = "sol", layout: FieldLayout = .samplesGrid,
                order: SampleOrder = .sampled, stride: Int = 1) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        let rawInputs = try Self.array(path: path, key: inputKey)
        let rawTargets = try Self.array(path: path, key: targetKey)
        let d: Int
        switch layout {
        case .grid(let dimensions):
            guard rawInputs.rank >= 1, rawTargets.rank >= 1, rawInputs.shape[0] == rawTargets.shape[0] else {
                throw DatasetError.shapeMismatch(path: path, detail: "inputs \(rawInputs.shape) and targets \(rawTargets.shape) do not form [samples, grid…] pairs")
            }
            d = dimensions
        case .samplesGrid, .samplesChannelsGrid:
            guard let axes = layout.gridAxes(inputShape: rawInputs.shape, targetShape: rawTargets.shape) else {
                throw DatasetError.shapeMismatch(path: path, detail: "inputs \(rawInputs.shape) and targets \(rawTargets.shape) do not form [samples, grid…] pairs")
            }
            d = axes
        }
        let rows = try Self.rows(path: path, order: order, rowCount: rawInputs.shape[0])
        self.path = path
        self.spatialDimensions = d
        self.inputs = Self.subsampled(try Self.channelsFirst(Self.reordered(rawInputs, rows: rows), spatialDimensions: d, name: inputKey, path: path), stride: stride)
        self.targets = Self.subsampled(try Self.channelsFirst(Self.reordered(rawTargets, rows: rows), spatialDimensions: d, name: targetKey, path: path), stride: stride)
    }

    public var count: Int { inputs.shape[0] }
    public var inputSampleShape: [Int] { Array(inputs.shape.dropFirst()) }
    public var targetSampleShape: [Int] { Array(targets.shape.dropFirst()) }
    /// The grid after subsampling.
    public var grid: [Int] { Array(inputs.shape.dropFirst(2)) }

    public func samples(at indices: [Int]) -> Sample<Float> {
        Sample(input: FieldPairs.rows(inputs, indices), target: FieldPairs.rows(targets, indices))
    }

    /// Samples `range` (in this file's order) as checked pairs, keeping every `stride`-th grid point of
    /// this file's grid (`pdekit evaluate` learns that stride from the data and the training grids).
    ///
    /// - Throws: `DatasetError.invalidSplit` for a range outside the file or a stride < 1, `nonFinite`
    ///   for NaN or infinity.
    public func pairs(_ range: Range<Int>, stride: Int = 1) throws -> FieldPairs {
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "samples \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        do {
            return try FieldPairs(inputs: Self.subsampled(inputs.sliced(alongAxis: 0, range), stride: stride),
                                  targets: Self.subsampled(targets.sliced(alongAxis: 0, range), stride: stride))
        } catch .nonFinite(_, let detail) {
            throw DatasetError.nonFinite(path: path, detail: "\(detail) of samples \(range.lowerBound)..<\(range.upperBound)")
        } catch .shapeMismatch(_, let detail) {
            throw DatasetError.shapeMismatch(path: path, detail: detail)
        } catch {
            throw error
        }
    }
}

extension FieldPairFile {
    /// The array `key` of `path` as Float32. `path` is any file `DatasetLoader` reads (format from
    /// its first bytes), or a directory holding `<key>.npy`.
    public static func array(path: String, key: String) throws -> Tensor<Float> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.cannotOpen(path: path, reason: "no such file")
        }
        if isDirectory.boolValue {
            let file = URL(fileURLWithPath: path).appendingPathComponent(key + ".npy").path
            guard FileManager.default.fileExists(atPath: file) else {
                throw DatasetError.missingKey(path: path, key: key, available: Self.npyNames(in: path))
            }
            return try DatasetLoader.open(file).tensor(named: key, as: Float.self)
        }
        return try DatasetLoader.open(path).tensor(named: key, as: Float.self)
    }

    static func npyNames(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Rows of `path` in `order`, or nil for the stored order. Only HDF5 files from `pdekit generate`
    /// carry the `sample_index` array that `.sampled` needs; other files and directories keep their order.
    public static func rows(path: String, order: SampleOrder, rowCount: Int) throws -> [Int]? {
        var isDirectory: ObjCBool = false
        guard order == .sampled, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return try DatasetLoader.open(path).rows(in: order, rowCount: rowCount)
    }

    /// `tensor`'s samples (first axis) in the order `rows` lists them (nil: unchanged).
    public static func reordered<Element: TensorScalar>(_ tensor: Tensor<Element>, rows: [Int]?) -> Tensor<Element> {
        guard let rows else { return tensor }
        return FieldPairs.rows(tensor, rows)
    }

    /// `[N, grid…]` becomes `[N, 1, grid…]`; `[N, C, grid…]` stays.
    ///
    /// - Throws: `DatasetError.shapeMismatch` for any other rank.
    public static func channelsFirst<Element: TensorScalar>(_ tensor: Tensor<Element>, spatialDimensions d: Int, name: String,
                                                            path: String = "<data>") throws -> Tensor<Element> {
        if tensor.rank == d + 1 { return tensor.reshaped([tensor.shape[0], 1] + Array(tensor.shape.dropFirst())) }
        if tensor.rank == d + 2 { return tensor }
        throw DatasetError.shapeMismatch(path: path, detail: "\(name) has shape \(tensor.shape); expected [samples, \(d) grid axes] or [samples, channels, \(d) grid axes]")
    }

    /// Every `stride`-th point along each grid axis (axes ≥ 2 of `[N, C, grid…]`), starting at 0.
    public static func subsampled<Element: TensorScalar>(_ tensor: Tensor<Element>, stride: Int) -> Tensor<Element> {
        guard stride > 1 else { return tensor }
        let maps = tensor.shape.enumerated().map { axis, size in
            axis < 2 ? Array(0..<size) : Array(Swift.stride(from: 0, to: size, by: stride))
        }
        return tensor.gathered(indexMaps: maps)
    }
}
