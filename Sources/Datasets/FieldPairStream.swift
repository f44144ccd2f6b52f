import Foundation
import RunSupport
import TensorCore

/// Operator-learning pairs of an HDF5 file read on demand, row by row, instead of whole arrays: what
/// training on a data set larger than memory reads one chunk of rows at a time.
///
/// The rows are the file's rows in a ``SampleOrder`` (as ``FieldPairFile`` orders them), and every read
/// gives what ``FieldPairFile`` would hold for them: channels first (`[n, C, grid…]`) and every
/// `stride`-th grid point kept, bit for bit. Requested rows are sorted by their row in the file and
/// runs of consecutive rows become one hyperslab read (``HDF5File/readSamples(_:_:)``), so a chunk of
/// consecutive rows of a file in stored order is two reads (inputs, targets).
///
/// The file must not change while it is streamed: every read first compares its size, modification
/// time and file number with those seen when the stream opened, and a change (rewritten, truncated, replaced) is a
/// `DatasetError.malformed` naming the file, never stale or torn data. Reads are serialized (the HDF5
/// library is used from one thread at a time), so a prefetch thread and the training thread may share
/// a stream.
public final class FieldPairStream: PairRowSource, @unchecked Sendable {
    public let path: String
    public let inputKey: String
    public let targetKey: String
    /// d, the number of grid axes.
    public let spatialDimensions: Int
    /// All rows of the file, `N`.
    public let count: Int
    /// `[C_in, grid…]` and `[C_out, grid…]` of one row after subsampling.
    public let inputSampleShape: [Int]
    public let targetSampleShape: [Int]
    let stride: Int
    /// Row `i` of the stream is row `fileRows[i]` of the file (nil: the stored order).
    let fileRows: [Int]?
    let signature: FileSignature
    static let hdf5Lock = NSLock()

    /// Size, modification time and file number (a file replaced by rename has a new one): what must not
    /// change while the file is streamed.
    struct FileSignature: Equatable {
        var size: UInt64
        var modified: Date
        var fileNumber: UInt64

        init(path: String) throws {
            let attributes: [FileAttributeKey: Any]
            do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
                throw DatasetError.cannotOpen(path: path, reason: "cannot read its size and modification time (\(error.localizedDescription))")
            }
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
            modified = attributes[.modificationDate] as? Date ?? .distantPast
            fileNumber = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        }
    }

    /// Opens `inputKey` and `targetKey` of the HDF5 file `path` (no data read but `sample_index`).
    ///
    /// - Parameters:
    ///   - layout: `.samplesGrid` (`[N, grid…]`) or `.samplesChannelsGrid` (`[N, C, grid…]`), 1–3 grid axes.
    ///   - order: `.sampled` streams the rows of a `pdekit generate` file in drawing order.
    ///   - stride: keep every `stride`-th grid point (≥ 1).
    /// - Throws: `DatasetError.unsupported` for a file that is not HDF5 (only HDF5 is read in
    ///   hyperslabs), `missingKey`, `shapeMismatch` for arrays that do not pair up.
    public init(path: String, inputKey: String = "coeff", targetKey: String = "sol", layout: FieldLayout = .samplesGrid,
                order: SampleOrder = .sampled, stride: Int = 1) throws {
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        signature = try FileSignature(path: path)
        guard (try? DatasetLoader.open(path))?.hdf5File != nil else {
            throw DatasetError.unsupported(path: path, detail: "only HDF5 files are streamed from disk (read it into memory instead)")
        }
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        let names = try file.contents().filter { $0.kind == .dataset }.map { $0.path.hasPrefix("/") ? String($0.path.dropFirst()) : $0.path }
        for key in [inputKey, targetKey] where !(try file.exists(key)) {
            throw DatasetError.missingKey(path: path, key: key, available: names.sorted())
        }
        guard stride >= 1 else { throw DatasetError.invalidSplit(path: path, detail: "the subsampling stride must be positive, got \(stride)") }
        let inputShape = try file.datasetInfo(inputKey).shape, targetShape = try file.datasetInfo(targetKey).shape
        guard let d = layout.gridAxes(inputShape: inputShape, targetShape: targetShape), inputShape[0] > 0,
              Array(inputShape.suffix(d)) == Array(targetShape.suffix(d)) else {
            throw DatasetError.shapeMismatch(path: path, detail: "inputs \(inputShape) and targets \(targetShape) do not form [samples, \(layout == .samplesChannelsGrid ? "channels, " : "")grid…] pairs")
        }
        func sampleShape(_ shape: [Int]) -> [Int] {
            let channels = shape.count == d + 2 ? shape[1] : 1
            // ⌈n / stride⌉ without forming n + stride − 1 (a stride near Int.max would overflow).
            return [channels] + shape.suffix(d).map { $0 == 0 ? 0 : ($0 - 1) / stride + 1 }
        }
        self.path = path
        self.inputKey = inputKey
        self.targetKey = targetKey
        self.spatialDimensions = d
        self.count = inputShape[0]
        self.inputSampleShape = sampleShape(inputShape)
        self.targetSampleShape = sampleShape(targetShape)
        self.stride = stride
        self.fileRows = try FieldPairFile.rows(path: path, order: order, rowCount: inputShape[0])
    }

    /// The stream of `path`, or nil when the file is not HDF5 and `required` is false (the caller then
    /// reads it into memory).
    public static func open(path: String, inputKey: String, targetKey: String, layout: FieldLayout, order: SampleOrder, stride: Int,
                            required: Bool) throws -> FieldPairStream? {
        do {
            return try FieldPairStream(path: path, inputKey: inputKey, targetKey: targetKey, layout: layout, order: order, stride: stride)
        } catch DatasetError.unsupported(_, _) where !required {
            return nil
        }
    }

    /// Rows `indices` (stream rows, in that order) as unchecked `[n, C, grid…]` inputs and targets.
    /// - Throws: `DatasetError` for an index outside the stream, a file that changed since it was
    ///   opened, NaN or infinity in a row, or a read failure.
    public func read(_ indices: [Int]) throws -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        guard !indices.isEmpty else { throw DatasetError.invalidSplit(path: path, detail: "no rows asked") }
        for index in indices where index < 0 || index >= count {
            throw DatasetError.invalidSplit(path: path, detail: "row \(index) asked of \(count)")
        }
        let rows = indices.map { fileRows?[$0] ?? $0 }
        func load(_ key: String, _ file: HDF5File) throws -> Tensor<Float> {
            let ordered = try Self.readRows(key, rows, from: file)
            return FieldPairFile.subsampled(try FieldPairFile.channelsFirst(ordered, spatialDimensions: spatialDimensions, name: key, path: path), stride: stride)
        }
        let (inputs, targets) = try Self.withUnchangedFile(path, signature: signature) { file in (try load(inputKey, file), try load(targetKey, file)) }
        guard inputs.isFinite, targets.isFinite else {
            throw DatasetError.nonFinite(path: path, detail: "\(inputs.isFinite ? targetKey : inputKey) of rows \(Self.describe(indices))")
        }
        return (inputs, targets)
    }

    /// Rows `range` as checked ``FieldPairs`` (validation and test sets, read whole).
    public func pairs(_ range: Range<Int>) throws -> FieldPairs {
        guard range.lowerBound >= 0, range.upperBound <= count, !range.isEmpty else {
            throw DatasetError.invalidSplit(path: path, detail: "samples \(range.lowerBound)..<\(range.upperBound) asked of \(count)")
        }
        do { try MemoryBudget().require(bytes: MemoryBudget.product([range.count, bytesPerRow], what: "rows \(range)"), what: "rows \(range) of \(path)") }
        catch { throw DatasetError.tooLarge(path: path, detail: "\(error)") }
        let (inputs, targets) = try read(Array(range))
        do { return try FieldPairs(inputs: inputs, targets: targets) } catch { throw DatasetError.shapeMismatch(path: path, detail: error.description) }
    }

    /// Runs `body` on the file opened for reading while holding the HDF5 lock, after and before checking
    /// that the file still has `signature`.
    static func withUnchangedFile<Result>(_ path: String, signature: FileSignature, _ body: (HDF5File) throws -> Result) throws -> Result {
        hdf5Lock.lock()
        defer { hdf5Lock.unlock() }
        try checkUnchanged(path, signature: signature)
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        let result = try body(file)
        try checkUnchanged(path, signature: signature)
        return result
    }

    static func checkUnchanged(_ path: String, signature: FileSignature) throws {
        let now = try FileSignature(path: path)
        guard now == signature else {
            throw DatasetError.malformed(path: path, detail: "the file changed while it was streamed (\(signature.size) bytes when opened, \(now.size) now, or a new modification time or file); restart the run on a file that stays unchanged")
        }
    }

    /// File rows `rows` of the array `key` (in that order, repeats allowed) as Float32: the distinct rows
    /// sorted, runs of consecutive rows read as one hyperslab each, then gathered into the asked order.
    static func readRows(_ key: String, _ rows: [Int], from file: HDF5File) throws -> Tensor<Float> {
        let sorted = Array(Set(rows)).sorted()
        var runs: [Range<Int>] = []
        for row in sorted {
            if let last = runs.last, last.upperBound == row { runs[runs.count - 1] = last.lowerBound..<(row + 1) } else { runs.append(row..<(row + 1)) }
        }
        var position: [Int: Int] = [:]
        for (k, row) in sorted.enumerated() { position[row] = k }
        let gather = rows.map { position[$0]! }
        let parts = try runs.map { try file.readSamples(key, $0).tensor(as: Float.self) }
        let all = parts.count == 1 ? parts[0] : try Tensor.concatenated(parts, alongAxis: 0)
        return gather == Array(0..<sorted.count) ? all : FieldPairs.rows(all, gather)
    }

    static func describe(_ indices: [Int]) -> String {
        indices.count <= 4 ? "\(indices)" : "\(indices.prefix(3).map(String.init).joined(separator: ", ")), … (\(indices.count) rows)"
    }
}
