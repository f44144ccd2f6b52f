import Foundation

/// A bounds-checked cursor over bytes: every read either returns a value or throws
/// `DatasetError.truncated`, so malformed files never read out of range.
struct ByteReader {
    let bytes: [UInt8]
    let path: String
    var offset: Int
    var bigEndian: Bool

    init(_ bytes: [UInt8], path: String, offset: Int = 0, bigEndian: Bool = false) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
        self.bigEndian = bigEndian
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw DatasetError.truncated(path: path, detail: "\(what()) needs \(count) bytes at offset \(offset), file has \(bytes.count)")
        }
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "data") throws {
        try require(count, what())
        offset += count
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "data") throws -> ArraySlice<UInt8> {
        try require(count, what())
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func readUInt8(_ what: @autoclosure () -> String = "byte") throws -> UInt8 {
        try require(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt(_ size: Int, _ what: @autoclosure () -> String = "integer") throws -> UInt64 {
        try require(size, what())
        var value: UInt64 = 0
        if bigEndian {
            for index in 0..<size { value = value << 8 | UInt64(bytes[offset + index]) }
        } else {
            for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        }
        offset += size
        return value
    }

    mutating func readUInt16(_ what: @autoclosure () -> String = "uint16") throws -> UInt16 { UInt16(try readUInt(2, what())) }
    mutating func readUInt32(_ what: @autoclosure () -> String = "uint32") throws -> UInt32 { UInt32(try readUInt(4, what())) }
    mutating func readUInt64(_ what: @autoclosure () -> String = "uint64") throws -> UInt64 { try readUInt(8, what()) }
    mutating func readInt32(_ what: @autoclosure () -> String = "int32") throws -> Int32 { Int32(bitPattern: try readUInt32(what())) }
}

/// Appends little-endian integers to a byte array.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}

/// Reads a whole file, mapping failures to `DatasetError.cannotOpen`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DatasetError.cannotOpen(path: path, reason: "no such file")
    }
    if isDirectory.boolValue { throw DatasetError.cannotOpen(path: path, reason: "is a directory") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw DatasetError.cannotOpen(path: path, reason: "not readable")
    }
    return [UInt8](data)
}

/// Writes bytes atomically: a temporary file in the same folder, then a rename over the target.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw DatasetError.cannotWrite(path: path, reason: error.localizedDescription)
    }
}
