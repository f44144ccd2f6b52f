import Foundation
import TensorCore

/// The file formats `DatasetLoader` recognizes.
public enum DatasetFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case hdf5 = "HDF5"
    case npy = "NPY"
    case npz = "NPZ"
    case matVersion5 = "MATLAB v5"
    case matVersion73 = "MATLAB v7.3 (HDF5)"

    public var description: String { rawValue }
}

/// Opens any supported dataset file and hands out its arrays by name.
///
/// The format is found from the first bytes, not the extension: `\x93NUMPY` (NPY), `PK\x03\x04`
/// or `PK\x05\x06` (zip, so NPZ), a `MATLAB` text header (MAT; version 7.3 when the header says
/// so), and the HDF5 signature `\x89HDF\r\n\x1a\n` at offset 0, 512, 1024, … (HDF5).
public enum DatasetLoader {
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Detects the format of a file from its leading bytes.
    public static func detectFormat(_ path: String) throws -> DatasetFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError.cannotOpen(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw DatasetError.cannotOpen(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DatasetError.cannotOpen(path: path, reason: "not readable") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 128)) ?? Data())
        if head.starts(with: NPYFormat.magic) { return .npy }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .npz }
        if head.starts(with: Array("MATLAB".utf8)) {
            let text = String(decoding: head.prefix(116), as: UTF8.self)
            if text.contains("MATLAB 7.3") { return .matVersion73 }
            if head.count >= 128, head[124] == 0x00, head[125] == 0x02 { return .matVersion73 }
            return .matVersion5
        }
        if head.starts(with: hdf5Signature) { return .hdf5 }
        // A user block moves the HDF5 superblock to 512, 1024, 2048, …
        var offset: UInt64 = 512
        while offset <= 1 << 20 {
            try? handle.seek(toOffset: offset)
            guard let bytes = try? handle.read(upToCount: 8), bytes.count == 8 else { break }
            if [UInt8](bytes) == hdf5Signature { return .hdf5 }
            offset *= 2
        }
        throw DatasetError.unrecognizedFormat(path: path)
    }

    /// Opens a file of any supported format.
    public static func open(_ path: String) throws -> DatasetFile {
        let format = try detectFormat(path)
        switch format {
        case .hdf5:
            return DatasetFile(path: path, format: format, source: .hdf5(try HDF5File(opening: path)))
        case .npy:
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let entries = try NPYFormat.decodeEntries(try readFileBytes(path), name: name, path: path)
            return DatasetFile(path: path, format: format, source: .arrays(entries.map { (name: $0.0, array: $0.1) }, []))
        case .npz:
            return DatasetFile(path: path, format: format, source: .arrays(try NPZFile.read(path), []))
        case .matVersion5, .matVersion73:
            let file = try MATFile.read(path)
            return DatasetFile(path: path, format: file.version == 73 ? .matVersion73 : .matVersion5,
                               source: .arrays(file.variables, file.unsupported))
        }
    }

    /// Opens a file and reads the named arrays, in order.
    public static func load(_ path: String, keys: [String]) throws -> [NumericArray] {
        let file = try open(path)
        return try keys.map { try file.array(named: $0) }
    }
}

/// An opened dataset file: its format, array names and the arrays themselves (HDF5 datasets are
/// read on demand; other formats are decoded when opened).
public final class DatasetFile {
    enum Source {
        case hdf5(HDF5File)
        case arrays([(name: String, array: NumericArray)], [(name: String, reason: String)])
    }

    /// The file's path.
    public let path: String
    /// The detected format.
    public let format: DatasetFormat
    let source: Source

    init(path: String, format: DatasetFormat, source: Source) {
        self.path = path
        self.format = format
        self.source = source
    }

    /// The underlying HDF5 file, for attribute access (nil for other formats).
    public var hdf5File: HDF5File? {
        if case .hdf5(let file) = source { return file }
        return nil
    }

    /// Names of the arrays (HDF5 dataset paths without the leading slash), readable or not.
    public func names() throws -> [String] {
        switch source {
        case .hdf5(let file): return try file.contents().filter { $0.kind == .dataset }.map { String($0.path.dropFirst()) }
        case .arrays(let arrays, let unsupported): return arrays.map(\.name) + unsupported.map(\.name)
        }
    }

    /// Arrays that exist but cannot be read, with the reason (cells, structs, complex data…).
    public var unsupportedArrays: [(name: String, reason: String)] {
        if case .arrays(_, let unsupported) = source { return unsupported }
        return []
    }

    /// Shape and element type of an array without reading its data when possible.
    public func describe(_ name: String) throws -> (shape: [Int], elementType: ElementType) {
        switch source {
        case .hdf5(let file):
            let info = try file.datasetInfo(name)
            guard let type = info.elementType else {
                throw DatasetError.unsupported(path: path, detail: "dataset '\(name)' holds \(info.storedTypeName) data, not numbers")
            }
            return (info.shape, type)
        case .arrays:
            let array = try self.array(named: name)
            return (array.shape, array.elementType)
        }
    }

    /// One array by name.
    ///
    /// - Throws: `DatasetError.missingKey` listing the available names, or `unsupported`.
    public func array(named name: String) throws -> NumericArray {
        switch source {
        case .hdf5(let file):
            return try file.readDataset(name)
        case .arrays(let arrays, let unsupported):
            if let entry = arrays.first(where: { $0.name == name }) { return entry.array }
            if let entry = unsupported.first(where: { $0.name == name }) {
                throw DatasetError.unsupported(path: path, detail: "'\(name)': \(entry.reason)")
            }
            throw DatasetError.missingKey(path: path, key: name, available: arrays.map(\.name) + unsupported.map(\.name))
        }
    }

    /// One array converted to a tensor.
    public func tensor<Scalar: TensorScalar>(named name: String, as type: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        try array(named: name).tensor(as: type)
    }
}
