import Foundation

/// NumPy `.npy` files: read and write.
///
/// Layout (NEP 1, "A simple file format for NumPy arrays"):
/// ```
/// "\x93NUMPY" major minor  header_len (u16 LE for 1.0; u32 LE for 2.0 and 3.0)
/// header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
///         padded with spaces and a newline so the data starts at a multiple of 64 bytes
/// data:   the elements, C (row-major) or Fortran (column-major) order, in the byte order of descr
/// ```
/// Reading accepts versions 1.0, 2.0 and 3.0 (UTF-8 header), either byte order, either memory
/// order (Fortran data is converted to row-major), and the dtypes `f4 f8 i1 i2 i4 i8 u1 u2 u4 u8
/// b1` (narrow integers widen, see `ElementType`). Object arrays (`|O`) hold a pickle; the only
/// pickles read are lists/tuples of numeric arrays (see `NumPyPickle`), everything else throws
/// `DatasetError.unsupported`. Writing produces version 1.0 (2.0 if the header is over 64 KiB),
/// little-endian, C order.
public enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The parsed header of a `.npy` file.
    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
        var dataOffset: Int
    }

    /// Reads one array from a `.npy` file.
    public static func read(_ path: String) throws -> NumericArray {
        try decode(try readFileBytes(path), path: path)
    }

    /// Writes one array to a `.npy` file atomically.
    public static func write(_ array: NumericArray, to path: String) throws {
        try writeFileAtomically(encode(array), to: path)
    }

    /// Decodes `.npy` bytes; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NumericArray {
        let header = try parseHeader(bytes, path: path)
        if header.descr.hasPrefix("|O") || header.descr.hasPrefix("O") {
            throw DatasetError.unsupported(path: path, detail: "object arrays (dtype |O, pickled Python objects) are not supported; only lists of numeric arrays inside .npz files are read")
        }
        return try decodeNumeric(bytes, header: header, path: path)
    }

    /// Decodes `.npy` bytes into named arrays: `[(name, array)]` for a numeric array, or
    /// `[(name[0], …), (name[1], …)]` for an object array holding numeric arrays.
    static func decodeEntries(_ bytes: [UInt8], name: String, path: String) throws -> [(String, NumericArray)] {
        let header = try parseHeader(bytes, path: path)
        guard header.descr.hasPrefix("|O") || header.descr.hasPrefix("O") else {
            return [(name, try decodeNumeric(bytes, header: header, path: path))]
        }
        let elements = try NumPyPickle.numericArrays(in: bytes[header.dataOffset...], path: path)
        return elements.enumerated().map { ("\(name)[\($0.offset)]", $0.element) }
    }

    static func decodeNumeric(_ bytes: [UInt8], header: Header, path: String) throws -> NumericArray {
        let format = try elementFormat(header.descr, path: path)
        guard let count = NumericArray.elementCount(header.shape) else {
            throw DatasetError.malformed(path: path, detail: "shape \(header.shape) overflows")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: format.size)
        guard !overflow else { throw DatasetError.malformed(path: path, detail: "shape \(header.shape) overflows") }
        var reader = ByteReader(bytes, path: path, offset: header.dataOffset)
        let data = try reader.readBytes(byteCount, "array data of shape \(header.shape)")
        let storage = try format.decode(data, count: count, path: path)
        if header.fortranOrder {
            return NumericArray(checkedShape: Array(header.shape.reversed()), storage: storage).reversingAxes()
        }
        return NumericArray(checkedShape: header.shape, storage: storage)
    }

    /// Maps a NumPy type string (`<f8`, `|b1`, `>i4`) to an element format.
    static func elementFormat(_ descr: String, path: String) throws -> RawElementFormat {
        var characters = Substring(descr)
        var bigEndian = false
        if let first = characters.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            characters = characters.dropFirst()
        }
        guard let kindCharacter = characters.first, let size = Int(characters.dropFirst()) else {
            throw DatasetError.malformed(path: path, detail: "dtype '\(descr)' is not a NumPy type string")
        }
        let kind: RawElementFormat.Kind
        switch kindCharacter {
        case "f": kind = .float
        case "i": kind = .signed
        case "u": kind = .unsigned
        case "b": kind = .bool
        default:
            throw DatasetError.unsupported(path: path, detail: "dtype '\(descr)' is not supported (supported: float32/64, int8–64, uint8–64, bool)")
        }
        let format = RawElementFormat(kind: kind, size: size, bigEndian: bigEndian)
        guard format.elementType != nil else {
            throw DatasetError.unsupported(path: path, detail: "dtype '\(descr)' is not supported (supported: float32/64, int8–64, uint8–64, bool)")
        }
        return format
    }

    static func parseHeader(_ bytes: [UInt8], path: String) throws -> Header {
        var reader = ByteReader(bytes, path: path)
        let magicBytes = try reader.readBytes(6, "NPY magic")
        guard Array(magicBytes) == magic else {
            throw DatasetError.malformed(path: path, detail: "bad NPY magic (expected \\x93NUMPY)")
        }
        let major = try reader.readUInt8("NPY version")
        _ = try reader.readUInt8("NPY version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try reader.readUInt16("NPY header length"))
        case 2, 3: headerLength = Int(try reader.readUInt32("NPY header length"))
        default: throw DatasetError.unsupported(path: path, detail: "NPY format version \(major) is not supported (1, 2, 3 are)")
        }
        let headerBytes = try reader.readBytes(headerLength, "NPY header")
        let text = major == 3 ? String(decoding: headerBytes, as: UTF8.self) : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        var parser = PythonLiteralParser(text: text, path: path)
        guard case .dictionary(let entries) = try parser.parseValue() else {
            throw DatasetError.malformed(path: path, detail: "NPY header is not a dict")
        }
        guard case .string(let descr)? = entries["descr"] else {
            if entries["descr"] != nil {
                throw DatasetError.unsupported(path: path, detail: "structured dtypes are not supported")
            }
            throw DatasetError.malformed(path: path, detail: "NPY header lacks 'descr'")
        }
        guard case .bool(let fortranOrder)? = entries["fortran_order"] else {
            throw DatasetError.malformed(path: path, detail: "NPY header lacks 'fortran_order'")
        }
        guard case .tuple(let shapeValues)? = entries["shape"] else {
            throw DatasetError.malformed(path: path, detail: "NPY header lacks 'shape'")
        }
        var shape = [Int]()
        for value in shapeValues {
            guard case .integer(let extent) = value, extent >= 0 else {
                throw DatasetError.malformed(path: path, detail: "NPY shape has a non-integer or negative extent")
            }
            shape.append(extent)
        }
        return Header(descr: descr, fortranOrder: fortranOrder, shape: shape, dataOffset: reader.offset)
    }

    /// Encodes an array as `.npy` bytes (little-endian, C order).
    public static func encode(_ array: NumericArray) -> [UInt8] {
        let code = array.elementType.numpyCode
        let byteOrder = array.elementType.byteCount == 1 ? "|" : "<"
        let shapeText = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(byteOrder)\(code)', 'fortran_order': False, 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var preamble = 10
        if header.utf8.count + 11 > 65_535 { version = 2; preamble = 12 }
        let total = preamble + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var bytes = magic
        bytes += [version, 0]
        if version == 1 { bytes.appendLittleEndian(UInt16(header.utf8.count)) } else { bytes.appendLittleEndian(UInt32(header.utf8.count)) }
        bytes += Array(header.utf8)
        bytes += array.storage.littleEndianBytes()
        return bytes
    }
}

/// A value of the small Python literal language used in NPY headers.
enum PythonLiteral: Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([String: PythonLiteral])
}

/// Parses strings, integers, True/False/None, tuples, lists and dicts with string keys.
struct PythonLiteralParser {
    let characters: [Character]
    let path: String
    var index = 0
    var depth = 0

    init(text: String, path: String) {
        characters = Array(text)
        self.path = path
    }

    func fail(_ message: String) -> DatasetError {
        DatasetError.malformed(path: path, detail: "NPY header: \(message)")
    }

    mutating func skipSpace() {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
    }

    mutating func parseValue() throws -> PythonLiteral {
        skipSpace()
        guard index < characters.count else { throw fail("unexpected end") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw fail("nested too deeply") }
        let character = characters[index]
        switch character {
        case "'", "\"":
            index += 1
            var value = ""
            while index < characters.count, characters[index] != character {
                value.append(characters[index])
                index += 1
            }
            guard index < characters.count else { throw fail("unterminated string") }
            index += 1
            return .string(value)
        case "(", "[":
            let close: Character = character == "(" ? ")" : "]"
            index += 1
            var items = [PythonLiteral]()
            while true {
                skipSpace()
                guard index < characters.count else { throw fail("unterminated sequence") }
                if characters[index] == close { index += 1; break }
                items.append(try parseValue())
                skipSpace()
                guard index < characters.count else { throw fail("unterminated sequence") }
                if characters[index] == "," { index += 1 } else if characters[index] != close { throw fail("expected ',' or '\(close)'") }
            }
            return character == "(" ? .tuple(items) : .list(items)
        case "{":
            index += 1
            var entries = [String: PythonLiteral]()
            while true {
                skipSpace()
                guard index < characters.count else { throw fail("unterminated dict") }
                if characters[index] == "}" { index += 1; break }
                guard case .string(let key) = try parseValue() else { throw fail("dict key is not a string") }
                skipSpace()
                guard index < characters.count, characters[index] == ":" else { throw fail("expected ':'") }
                index += 1
                entries[key] = try parseValue()
                skipSpace()
                guard index < characters.count else { throw fail("unterminated dict") }
                if characters[index] == "," { index += 1 } else if characters[index] != "}" { throw fail("expected ',' or '}'") }
            }
            return .dictionary(entries)
        default:
            var token = ""
            while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "-" {
                token.append(characters[index])
                index += 1
            }
            if token.hasSuffix("L") { token.removeLast() }  // Python 2 long literals
            switch token {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                guard let value = Int(token) else { throw fail("unexpected token '\(token.isEmpty ? String(character) : token)'") }
                return .integer(value)
            }
        }
    }
}
