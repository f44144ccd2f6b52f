import Foundation
import RunSupport
import TensorCore

/// A set of named tensors in the *safetensors* format, the checkpoint format PDEKit writes.
///
/// Layout of a file (all integers little-endian):
/// ```
/// [8 bytes]  N = length of the JSON header (UInt64)
/// [N bytes]  JSON: { "__metadata__": { "key": "value", … },
///                    "name": { "dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end] }, … }
///            (padded with spaces so the data starts 8-byte aligned)
/// [rest]     the tensors' bytes, row-major, at [begin, end) relative to the end of the header
/// ```
/// PDEKit writes `F32` and `F64`; it reads `F32`, `F64`, `F16`, `BF16`, `I32` and `I64` and converts
/// to the requested scalar type. Tensors keep their insertion order when written.
///
/// References: the safetensors format specification (Hugging Face).
public struct SafetensorsArchive: Sendable {
    /// Element types a safetensors file may declare.
    public enum ElementType: String, Sendable, CaseIterable {
        case float16 = "F16", bfloat16 = "BF16", float32 = "F32", float64 = "F64"
        case int32 = "I32", int64 = "I64"
        /// Complex float (real, imaginary) pairs; `tensor(named:)` returns them as a trailing axis of 2.
        case complex64 = "C64"

        /// Bytes per element.
        public var byteCount: Int {
            switch self {
            case .float16, .bfloat16: return 2
            case .float32, .int32: return 4
            case .float64, .int64, .complex64: return 8
            }
        }
    }

    /// One stored tensor: shape, element type and raw little-endian bytes.
    public struct Entry: Sendable {
        public let shape: [Int]
        public let elementType: ElementType
        public let bytes: [UInt8]
    }

    /// Free-form string metadata (`__metadata__`), e.g. the model's JSON configuration.
    public var metadata: [String: String]
    /// Names in insertion (or file) order.
    public private(set) var names: [String] = []
    private var entries: [String: Entry] = [:]

    /// An empty archive.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The stored entry for `name`, if any.
    public func entry(named name: String) -> Entry? { entries[name] }

    /// Adds (or replaces) a tensor stored in its own precision (`F32` for Float, `F64` for Double).
    public mutating func add<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, named name: String) {
        let elementType: ElementType = Scalar.self == Double.self ? .float64 : .float32
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tensor.count * elementType.byteCount)
        if elementType == .float64 {
            for value in tensor.scalars { withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        } else {
            for value in tensor.scalars { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        if entries[name] == nil { names.append(name) }
        entries[name] = Entry(shape: tensor.shape, elementType: elementType, bytes: bytes)
    }

    /// The tensor `name`, converted to `Scalar`.
    ///
    /// - Throws: `SafetensorsError.missingTensor` when absent.
    public func tensor<Scalar: TensorScalar>(named name: String, as _: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        guard let entry = entries[name] else {
            throw SafetensorsError.missingTensor(name: name, available: names)
        }
        let isComplex = entry.elementType == .complex64
        let count = entry.shape.reduce(1, *) * (isComplex ? 2 : 1)
        let size = isComplex ? 4 : entry.elementType.byteCount
        var scalars = [Scalar](repeating: 0, count: count)
        entry.bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let offset = index * size
                let value: Double
                switch entry.elementType {
                case .float32, .complex64:
                    value = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                case .float64:
                    value = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                case .float16:
                    value = Self.halfToDouble(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                case .bfloat16:
                    let high = UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                    value = Double(Float(bitPattern: high << 16))
                case .int32:
                    value = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                case .int64:
                    value = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                }
                scalars[index] = Scalar(value)
            }
        }
        return Tensor(uncheckedShape: entry.shape + (isComplex ? [2] : []), scalars: scalars)
    }

    /// Adds (or replaces) a complex tensor given as interleaved `[…, 2]` real and imaginary parts,
    /// stored as `C64` of shape `…` (what PyTorch's `complex64` tensors read back as).
    public mutating func addComplex(interleaved tensor: Tensor<Float>, named name: String) {
        precondition(tensor.shape.last == 2, "addComplex expects a trailing axis of 2, got \(tensor.shape)")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tensor.count * 4)
        for value in tensor.scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        if entries[name] == nil { names.append(name) }
        entries[name] = Entry(shape: Array(tensor.shape.dropLast()), elementType: .complex64, bytes: bytes)
    }

    /// IEEE binary16 → Double.
    private static func halfToDouble(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    // MARK: Encoding

    /// The key of the metadata object in the header; no tensor may have this name.
    public static let metadataKey = "__metadata__"

    /// The header as Codable values: `__metadata__` (when there is metadata) and one description per
    /// tensor, written by ``JSONOutput`` (keys sorted; readers find a tensor's bytes by its offsets,
    /// not by the header's key order).
    private struct Header: Encodable {
        struct TensorDescription: Encodable {
            let dtype: String
            let shape: [Int]
            let dataOffsets: [Int]
            enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
        }
        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        let metadata: [String: String]
        let tensors: [(name: String, description: TensorDescription)]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            if !metadata.isEmpty { try container.encode(metadata, forKey: Key(stringValue: SafetensorsArchive.metadataKey)) }
            for (name, description) in tensors { try container.encode(description, forKey: Key(stringValue: name)) }
        }
    }

    /// The archive as safetensors bytes.
    ///
    /// - Throws: `SafetensorsError.malformed` when a tensor is named `__metadata__` (readers would take
    ///   its description for the metadata and refuse the file).
    public func encoded() throws -> Data {
        if names.contains(Self.metadataKey) {
            throw SafetensorsError.malformed(path: nil, reason: "a tensor cannot be named \(Self.metadataKey), the header's metadata key")
        }
        var offset = 0
        var tensors: [(name: String, description: Header.TensorDescription)] = []
        for name in names {
            let entry = entries[name]!
            let end = offset + entry.bytes.count
            tensors.append((name, Header.TensorDescription(dtype: entry.elementType.rawValue, shape: entry.shape, dataOffsets: [offset, end])))
            offset = end
        }
        var headerBytes = [UInt8](try JSONOutput.singleLine.encoder.encode(Header(metadata: metadata, tensors: tensors)))
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for name in names { data.append(contentsOf: entries[name]!.bytes) }
        return data
    }

    /// Writes the archive atomically (``AtomicFile``: a unique temporary in the same directory, then rename).
    public func write(to url: URL) throws {
        let data = try encoded()
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw SafetensorsError.unwritable(path: url.path, reason: error.reason)
        }
    }

    // MARK: Decoding

    /// Reads an archive from a file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        do { try self.init(data: data) } catch let error as SafetensorsError {
            throw error.located(at: url.path)
        }
    }

    /// Decodes safetensors bytes, validating the header against the data.
    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SafetensorsError.malformed(path: nil, reason: "file shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength < 100_000_000 else {
            throw SafetensorsError.malformed(path: nil, reason: "header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) } catch {
            throw SafetensorsError.malformed(path: nil, reason: "header is not valid JSON")
        }
        guard let header = object as? [String: Any] else {
            throw SafetensorsError.malformed(path: nil, reason: "header is not a JSON object")
        }
        self.metadata = [:]
        if let metadata = header[Self.metadataKey] {
            guard let strings = metadata as? [String: String] else {
                throw SafetensorsError.malformed(path: nil, reason: "__metadata__ must map strings to strings")
            }
            self.metadata = strings
        }
        let bufferSize = bytes.count - dataStart
        var ordered: [(begin: Int, name: String)] = []
        for (name, value) in header where name != Self.metadataKey {
            guard let description = value as? [String: Any],
                  let dtype = description["dtype"] as? String,
                  let shapeNumbers = description["shape"] as? [NSNumber],
                  let offsetNumbers = description["data_offsets"] as? [NSNumber], offsetNumbers.count == 2 else {
                throw SafetensorsError.malformed(path: nil, reason: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let elementType = ElementType(rawValue: dtype) else {
                throw SafetensorsError.unsupportedElementType(name: name, dtype: dtype)
            }
            let shapeValues = shapeNumbers.map(Self.exactInteger), offsets = offsetNumbers.map(Self.exactInteger)
            guard shapeValues.allSatisfy({ $0 != nil }), let begin = offsets[0], let end = offsets[1] else {
                throw SafetensorsError.malformed(path: nil, reason: "tensor '\(name)' has a shape or offset that is not an integer")
            }
            let shape = shapeValues.map { $0! }
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin, end <= bufferSize else {
                throw SafetensorsError.malformed(path: nil, reason: "tensor '\(name)' has offsets [\(begin), \(end)) outside the \(bufferSize)-byte buffer")
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            let byteCount = count.multipliedReportingOverflow(by: elementType.byteCount)
            guard !overflow, !byteCount.overflow, byteCount.partialValue == end - begin else {
                throw SafetensorsError.malformed(path: nil, reason: "tensor '\(name)' of shape \(shape) and type \(dtype) does not fill [\(begin), \(end))")
            }
            entries[name] = Entry(shape: shape, elementType: elementType, bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)]))
            ordered.append((begin, name))
        }
        let sorted = ordered.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        names = sorted.map(\.name)
        // The spec's byte ranges never overlap: each tensor owns its bytes.
        var previous = (end: 0, name: "")
        for (begin, name) in sorted {
            guard let size = entries[name]?.bytes.count, size > 0 else { continue }
            guard begin >= previous.end else {
                throw SafetensorsError.malformed(path: nil, reason: "tensors '\(previous.name)' and '\(name)' overlap in the data buffer")
            }
            previous = (begin + size, name)
        }
    }

    /// A JSON number as an `Int` if it is an integer in range (not 1.5, 1e300, NaN or 2⁶³).
    private static func exactInteger(_ number: NSNumber) -> Int? {
        Int(exactly: number.doubleValue)
    }
}
