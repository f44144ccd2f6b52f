import Foundation

/// How elements are laid out in a file: kind, byte size and byte order. Decodes raw bytes into
/// `NumericArray.Storage`, widening narrow integers to a supported element type.
struct RawElementFormat: Equatable {
    enum Kind: Equatable { case float, signed, unsigned, bool }
    var kind: Kind
    var size: Int
    var bigEndian: Bool

    /// The element type the decoded values get.
    var elementType: ElementType? {
        switch (kind, size) {
        case (.float, 4): return .float32
        case (.float, 8): return .float64
        case (.signed, 1), (.signed, 2), (.signed, 4), (.unsigned, 2): return .int32
        case (.signed, 8), (.unsigned, 4), (.unsigned, 8): return .int64
        case (.unsigned, 1): return .uint8
        case (.bool, 1): return .bool
        default: return nil
        }
    }

    init(kind: Kind, size: Int, bigEndian: Bool = false) {
        self.kind = kind
        self.size = size
        self.bigEndian = bigEndian
    }

    init(_ type: ElementType) {
        switch type {
        case .float32: self.init(kind: .float, size: 4)
        case .float64: self.init(kind: .float, size: 8)
        case .int32: self.init(kind: .signed, size: 4)
        case .int64: self.init(kind: .signed, size: 8)
        case .uint8: self.init(kind: .unsigned, size: 1)
        case .bool: self.init(kind: .bool, size: 1)
        }
    }

    /// Decodes `count` elements from `bytes` (which must hold exactly `count * size` bytes).
    func decode(_ bytes: ArraySlice<UInt8>, count: Int, path: String) throws -> NumericArray.Storage {
        guard elementType != nil else {
            throw DatasetError.unsupported(path: path, detail: "element type \(kind) of \(size) bytes is not supported")
        }
        guard count.multipliedReportingOverflow(by: size) == (bytes.count, false) else {
            throw DatasetError.truncated(path: path, detail: "array data of \(count) elements of \(size) bytes, found \(bytes.count) bytes")
        }
        func raw<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { source in
                    for index in 0..<count {
                        let value = source.loadUnaligned(fromByteOffset: index * size, as: T.self)
                        buffer[index] = bigEndian ? T(bigEndian: value) : T(littleEndian: value)
                    }
                }
                initialized = count
            }
        }
        switch (kind, size) {
        case (.float, 4): return .float32(raw(UInt32.self).map(Float.init(bitPattern:)))
        case (.float, 8): return .float64(raw(UInt64.self).map(Double.init(bitPattern:)))
        case (.signed, 1): return .int32(raw(Int8.self).map(Int32.init))
        case (.signed, 2): return .int32(raw(Int16.self).map(Int32.init))
        case (.signed, 4): return .int32(raw(Int32.self))
        case (.signed, 8): return .int64(raw(Int64.self))
        case (.unsigned, 1): return .uint8(Array(bytes))
        case (.unsigned, 2): return .int32(raw(UInt16.self).map(Int32.init))
        case (.unsigned, 4): return .int64(raw(UInt32.self).map(Int64.init))
        case (.unsigned, 8):
            let values = raw(UInt64.self)
            guard values.allSatisfy({ $0 <= UInt64(Int64.max) }) else {
                throw DatasetError.unsupported(path: path, detail: "uint64 values above Int64.max are not supported")
            }
            return .int64(values.map { Int64($0) })
        case (.bool, 1): return .bool(bytes.map { $0 != 0 })
        default:
            throw DatasetError.unsupported(path: path, detail: "element type \(kind) of \(size) bytes is not supported")
        }
    }
}
