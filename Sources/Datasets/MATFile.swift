import Foundation
import RunSupport

/// MATLAB `.mat` files: version 5 (and 7, which adds compression) read natively, version 7.3
/// read through HDF5.
///
/// Version 5 layout (MathWorks, "MAT-File Format", 2018):
/// ```
/// 128-byte header: 116 bytes of text, 8 bytes subsystem offset, u16 version 0x0100, "IM" or "MI"
/// data elements:  tag (u32 type, u32 byte count; or the small form with the count in the high
///                 half-word and ≤ 4 bytes of data), data, padding to 8 bytes
/// miCOMPRESSED (15): a zlib stream holding one further element
/// miMATRIX (14): array flags (class, complex/logical bits), dimensions (int32), name, real part
/// ```
/// Numeric classes (double, single, int8–64, uint8–64) and logical arrays are read; MATLAB stores
/// them column-major, and they are returned row-major with the shape MATLAB reports (`size(x)`).
/// Cell, struct, object, char, sparse and complex arrays are listed in `unsupported` with a reason
/// and throw `DatasetError.unsupported` when asked for.
///
/// Version 7.3 files are HDF5 files with a 512-byte user block; MATLAB writes each array with its
/// dimensions reversed, so datasets are read and their axes reversed to give MATLAB's shape.
public struct MATFile: Sendable {
    /// The file's path.
    public let path: String
    /// Format version: 5 (v5/v6/v7) or 73 (v7.3, HDF5).
    public let version: Int
    /// The numeric variables, in file order.
    public let variables: [(name: String, array: NumericArray)]
    /// Variables that could not be read, with the reason.
    public let unsupported: [(name: String, reason: String)]

    /// Every variable name, readable or not.
    public var names: [String] { variables.map(\.name) + unsupported.map(\.name) }

    /// One variable by name.
    public func array(named name: String) throws -> NumericArray {
        if let entry = variables.first(where: { $0.name == name }) { return entry.array }
        if let entry = unsupported.first(where: { $0.name == name }) {
            throw DatasetError.unsupported(path: path, detail: "variable '\(name)': \(entry.reason)")
        }
        throw DatasetError.missingKey(path: path, key: name, available: names)
    }

    /// Reads a `.mat` file of any supported version.
    public static func read(_ path: String) throws -> MATFile {
        let bytes = try readFileBytes(path)
        guard bytes.count >= 128 else { throw DatasetError.truncated(path: path, detail: "MAT header needs 128 bytes, file has \(bytes.count)") }
        let text = String(decoding: bytes[0..<116], as: UTF8.self)
        guard text.hasPrefix("MATLAB") else {
            throw DatasetError.malformed(path: path, detail: "no 'MATLAB' text header (MAT v4 files are not supported)")
        }
        let version = UInt16(bytes[124]) | UInt16(bytes[125]) << 8
        if text.contains("MATLAB 7.3") || version == 0x0200 || version == 0x0002 {
            return try readVersion73(path)
        }
        return try readVersion5(bytes, path: path)
    }

    // MARK: Version 5

    static func readVersion5(_ bytes: [UInt8], path: String) throws -> MATFile {
        let endian = (bytes[126], bytes[127])
        let bigEndian: Bool
        switch endian {
        case (0x49, 0x4D): bigEndian = false  // "IM": written little-endian
        case (0x4D, 0x49): bigEndian = true   // "MI"
        default: throw DatasetError.malformed(path: path, detail: "bad MAT endian indicator")
        }
        var reader = ByteReader(bytes, path: path, offset: 128, bigEndian: bigEndian)
        var variables = [(name: String, array: NumericArray)]()
        var unsupported = [(name: String, reason: String)]()
        while reader.remaining > 0 {
            // Trailing padding of fewer than 8 bytes is tolerated.
            if reader.remaining < 8 && reader.bytes[reader.offset...].allSatisfy({ $0 == 0 }) { break }
            let (type, payload) = try readElement(&reader)
            var elementType = type
            var element = payload
            if type == 15 {  // miCOMPRESSED
                let inflated = try inflateElement(payload, path: path, bigEndian: bigEndian)
                var inner = ByteReader(inflated, path: path, bigEndian: bigEndian)
                (elementType, element) = try readElement(&inner)
            }
            guard elementType == 14 else { continue }  // only miMATRIX elements are variables
            let variable = try readMatrix(Array(element), path: path, bigEndian: bigEndian)
            switch variable {
            case .success(let name, let array): variables.append((name, array))
            case .failure(let name, let reason): unsupported.append((name, reason))
            }
        }
        return MATFile(path: path, version: 5, variables: variables, unsupported: unsupported)
    }

    /// Inflates a `miCOMPRESSED` element: the zlib stream holds one element whose tag declares its
    /// size, so the tag is inflated first, the declared size is checked against the memory budget,
    /// and inflation stops at that size (a stream that inflates to more is refused, not followed).
    static func inflateElement(_ payload: ArraySlice<UInt8>, path: String, bigEndian: Bool) throws -> [UInt8] {
        var tag = ByteReader(try Zlib.inflatePrefix(payload, count: 8, framing: .zlib, path: path), path: path, bigEndian: bigEndian)
        let first = try tag.readUInt32("compressed MAT element tag")
        // Small elements keep their (≤ 4) bytes inside the 8-byte tag; others declare a u32 size.
        let declared = first >> 16 != 0 ? 0 : Int(try tag.readUInt32("compressed MAT element size"))
        let limit = 8 + declared + 7   // the tag, the data and at most 7 bytes of padding
        try DatasetError.checkedArray(shape: [limit], bytesPerElement: 1, what: "a compressed MAT element of \(declared) bytes", path: path)
        return try Zlib.inflate(payload, framing: .zlib, expectedSize: 8 + declared, limit: limit, path: path)
    }

    /// Reads one element tag and its data; the reader ends 8-byte aligned for normal elements.
    static func readElement(_ reader: inout ByteReader) throws -> (UInt32, ArraySlice<UInt8>) {
        let first = try reader.readUInt32("MAT element tag")
        if first >> 16 != 0 {
            // Small data element: byte count in the high half-word, data in the next 4 bytes.
            let count = Int(first >> 16)
            guard count <= 4 else { throw DatasetError.malformed(path: reader.path, detail: "small MAT element of \(count) bytes") }
            let data = try reader.readBytes(4, "small MAT element")
            return (first & 0xFFFF, data.prefix(count))
        }
        let count = Int(try reader.readUInt32("MAT element size"))
        let data = try reader.readBytes(count, "MAT element of type \(first)")
        if first != 15 {
            let padding = (8 - count % 8) % 8
            try reader.skip(min(padding, reader.remaining))
        }
        return (first, data)
    }

    enum MatrixResult {
        case success(String, NumericArray)
        case failure(String, String)
    }

    static let classNames: [UInt8: String] = [
        1: "a cell array", 2: "a struct", 3: "an object", 4: "a char array", 5: "a sparse matrix",
        16: "a function handle", 17: "an opaque object",
    ]

    static func readMatrix(_ bytes: [UInt8], path: String, bigEndian: Bool) throws -> MatrixResult {
        var reader = ByteReader(bytes, path: path, bigEndian: bigEndian)
        let (flagsType, flagsData) = try readElement(&reader)
        guard flagsType == 6, flagsData.count >= 8 else { throw DatasetError.malformed(path: path, detail: "MAT array flags missing") }
        var flagsReader = ByteReader(Array(flagsData), path: path, bigEndian: bigEndian)
        let flags = try flagsReader.readUInt32()
        let arrayClass = UInt8(flags & 0xFF)
        let isComplex = flags & 0x0800 != 0
        let isLogical = flags & 0x0200 != 0
        let (dimensionsType, dimensionsData) = try readElement(&reader)
        guard dimensionsType == 5 else { throw DatasetError.malformed(path: path, detail: "MAT dimensions are not int32") }
        var dimensionsReader = ByteReader(Array(dimensionsData), path: path, bigEndian: bigEndian)
        var shape = [Int]()
        while dimensionsReader.remaining >= 4 {
            let extent = Int(try dimensionsReader.readInt32())
            guard extent >= 0 else { throw DatasetError.malformed(path: path, detail: "negative MAT dimension") }
            shape.append(extent)
        }
        let (_, nameData) = try readElement(&reader)
        let name = String(decoding: nameData, as: UTF8.self)
        if let className = classNames[arrayClass] { return .failure(name, "\(className) is not supported (numeric and logical arrays are)") }
        guard (6...15).contains(arrayClass) else { return .failure(name, "MAT class \(arrayClass) is not supported") }
        if isComplex { return .failure(name, "complex arrays are not supported") }
        let (dataType, data) = try readElement(&reader)
        let format: RawElementFormat
        switch dataType {
        case 1: format = RawElementFormat(kind: .signed, size: 1, bigEndian: bigEndian)
        case 2: format = RawElementFormat(kind: .unsigned, size: 1, bigEndian: bigEndian)
        case 3: format = RawElementFormat(kind: .signed, size: 2, bigEndian: bigEndian)
        case 4: format = RawElementFormat(kind: .unsigned, size: 2, bigEndian: bigEndian)
        case 5: format = RawElementFormat(kind: .signed, size: 4, bigEndian: bigEndian)
        case 6: format = RawElementFormat(kind: .unsigned, size: 4, bigEndian: bigEndian)
        case 7: format = RawElementFormat(kind: .float, size: 4, bigEndian: bigEndian)
        case 9: format = RawElementFormat(kind: .float, size: 8, bigEndian: bigEndian)
        case 12: format = RawElementFormat(kind: .signed, size: 8, bigEndian: bigEndian)
        case 13: format = RawElementFormat(kind: .unsigned, size: 8, bigEndian: bigEndian)
        default: throw DatasetError.malformed(path: path, detail: "variable '\(name)' has data of MAT type \(dataType)")
        }
        guard let count = NumericArray.elementCount(shape), count.multipliedReportingOverflow(by: format.size) == (data.count, false) else {
            throw DatasetError.malformed(path: path, detail: "variable '\(name)' of shape \(shape) has \(data.count) data bytes")
        }
        var storage = try format.decode(data, count: count, path: path)
        // MATLAB may store a class in a narrower type (e.g. a double array of small integers as
        // uint8); convert to the array's class.
        let target: ElementType
        switch arrayClass {
        case 6: target = .float64
        case 7: target = .float32
        case 9: target = isLogical ? .bool : .uint8
        case 8, 10, 11, 12: target = .int32
        default: target = .int64
        }
        storage = try convert(storage, to: target, name: name, path: path)
        let columnMajor = NumericArray(checkedShape: Array(shape.reversed()), storage: storage)
        return .success(name, columnMajor.reversingAxes())
    }

    /// Converts to the array's class. Values stored as reals must be integers in the target's
    /// range (as MATLAB writes them); NaN, ±∞, fractions or out-of-range values are refused.
    static func convert(_ storage: NumericArray.Storage, to type: ElementType, name: String, path: String) throws -> NumericArray.Storage {
        if storage.elementType == type { return storage }
        let values = NumericArray(checkedShape: [storage.count], storage: storage).doubleValues
        func integers<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            try values.map { value in
                guard let integer = T(exactly: value) else {
                    throw DatasetError.malformed(path: path, detail: "variable '\(name)' holds \(value), not a \(T.self) value of its class")
                }
                return integer
            }
        }
        switch type {
        case .float32: return .float32(values.map(Float.init))
        case .float64: return .float64(values)
        case .int32: return .int32(try integers(Int32.self))
        case .int64: return .int64(try integers(Int64.self))
        case .uint8: return .uint8(try integers(UInt8.self))
        case .bool: return .bool(values.map { $0 != 0 })
        }
    }

    // MARK: Version 7.3

    static func readVersion73(_ path: String) throws -> MATFile {
        let file = try HDF5File(opening: path)
        defer { try? file.close() }
        var variables = [(name: String, array: NumericArray)]()
        var unsupported = [(name: String, reason: String)]()
        for entry in try file.contents() where !entry.path.hasPrefix("/#") {
            let name = String(entry.path.dropFirst())
            guard !name.contains("/") else { continue }
            let matlabClass = (try? file.attribute("MATLAB_class", of: entry.path))?.stringValue
            if entry.kind != .dataset {
                unsupported.append((name, "\(matlabClass ?? "a group") (struct or object) is not supported"))
                continue
            }
            if let matlabClass, ["cell", "char", "struct", "function_handle"].contains(matlabClass) {
                unsupported.append((name, "a \(matlabClass) array is not supported"))
                continue
            }
            if (try? file.attribute("MATLAB_sparse", of: entry.path)) != nil {
                unsupported.append((name, "a sparse matrix is not supported"))
                continue
            }
            if (try? file.attribute("MATLAB_empty", of: entry.path))?.intValue == 1 {
                // An empty array: the dataset holds its MATLAB dimensions, not elements.
                variables.append((name, try NumericArray(shape: emptyShape(file, entry.path), storage: .float64([]))))
                continue
            }
            do {
                let stored = try file.readDataset(entry.path)
                var array = stored.reversingAxes()
                if matlabClass == "logical" {
                    array = NumericArray(checkedShape: array.shape, storage: try convert(array.storage, to: .bool, name: name, path: path))
                }
                variables.append((name, array))
            } catch DatasetError.unsupported(_, let detail) {
                unsupported.append((name, detail))
            }
        }
        return MATFile(path: path, version: 73, variables: variables, unsupported: unsupported)
    }

    /// The shape of an empty v7.3 array: its dataset holds MATLAB's dimensions (one of them 0),
    /// which must be small non-negative integers; anything else reads as 0×0.
    static func emptyShape(_ file: HDF5File, _ datasetPath: String) -> [Int] {
        guard let info = try? file.datasetInfo(datasetPath), info.shape.count <= 1, (info.shape.first ?? 1) <= 32,
              let values = try? file.readDataset(datasetPath).doubleValues else { return [0, 0] }
        var dimensions = [Int]()
        for value in values {
            guard let extent = Int(exactly: value), extent >= 0 else { return [0, 0] }
            dimensions.append(extent)
        }
        guard dimensions.contains(0) else { return [0, 0] }
        return dimensions
    }
}
