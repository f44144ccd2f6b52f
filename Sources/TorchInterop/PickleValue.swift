/// A value of the restricted unpickler (`RestrictedUnpickler`): plain data, containers, and
/// references to Python globals that are never resolved or called.
public indirect enum PickleValue: Sendable, CustomStringConvertible {
    case none
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// A dict or `collections.OrderedDict`, in insertion order.
    case dictionary([(key: PickleValue, value: PickleValue)])
    /// A reference to `module.name` (a class or function), kept as its name.
    case global(module: String, name: String)
    /// `callable(*arguments)` for a callable the reader does not interpret: kept, never called.
    case opaque(callable: PickleValue, arguments: PickleValue)
    /// A storage named by a persistent id `('storage', type, key, location, count)`.
    case storage(TorchStorageReference)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (its storage not yet read).
    case tensor(TorchTensorReference)

    /// The value as a string key, if it is one.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The value as an integer (booleans count as 0/1), if it is one.
    public var integerValue: Int? {
        switch self {
        case .integer(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
    /// The value as a number, if it is one.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }
    /// The elements of a tuple or list.
    public var elements: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }
    /// The value for a string key of a dictionary.
    public subscript(key: String) -> PickleValue? {
        guard case .dictionary(let pairs) = self else { return nil }
        return pairs.first { $0.key.stringValue == key }?.value
    }

    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .integer(let i): return String(i)
        case .float(let f): return String(f)
        case .string(let s): return "'\(s)'"
        case .bytes(let b): return "bytes(\(b.count))"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let pairs): return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .global(let module, let name): return "\(module).\(name)"
        case .opaque(let callable, _): return "<\(callable) object>"
        case .storage(let s): return "<\(s.elementType.rawValue) storage \(s.key)>"
        case .tensor(let t): return "<tensor \(t.shape)>"
        }
    }
}

/// A storage of a `torch.save` archive: the file `data/<key>` holding `count` elements.
public struct TorchStorageReference: Sendable, Equatable {
    public var elementType: TorchElementType
    public var key: String
    public var count: Int
}

/// A tensor view of a storage: `element(i₁, …, i_k) = storage[offset + Σ i_j stride_j]`.
public struct TorchTensorReference: Sendable, Equatable {
    public var storage: TorchStorageReference
    public var offset: Int
    public var shape: [Int]
    public var strides: [Int]
}

/// Element types of PyTorch storages and safetensors entries that the importer reads.
public enum TorchElementType: String, Sendable, CaseIterable {
    case float16 = "HalfStorage", bfloat16 = "BFloat16Storage", float32 = "FloatStorage", float64 = "DoubleStorage"
    case complex64 = "ComplexFloatStorage", complex128 = "ComplexDoubleStorage"
    case int64 = "LongStorage", int32 = "IntStorage", int16 = "ShortStorage", int8 = "CharStorage"
    case uint8 = "ByteStorage", bool = "BoolStorage"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16: return 2
        case .float32, .int32: return 4
        case .float64, .int64, .complex64: return 8
        case .complex128: return 16
        }
    }
    /// Whether an element is a complex pair.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }
}
