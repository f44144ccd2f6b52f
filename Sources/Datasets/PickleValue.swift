/// A value of the restricted unpickler (`RestrictedUnpickler`): plain data, containers, and
/// references to Python globals that are never resolved or called. What a global or a call means
/// is for the reader of a format to decide (`NumPyPickle` for NumPy object arrays, TorchInterop's
/// `TorchArchive` for `torch.save` state dicts).
public indirect enum PickleValue: Sendable, CustomStringConvertible {
    case none
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// A Python 2 `str` (`SHORT_BINSTRING`/`BINSTRING`): bytes that Python 3 reads as text or as bytes
    /// depending on the caller (NumPy's protocol-2 array data, old text keys).
    case byteString([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// A dict or `collections.OrderedDict`, in insertion order.
    case dictionary([(key: PickleValue, value: PickleValue)])
    /// A reference to `module.name` (a class or function), kept as its name.
    case global(module: String, name: String)
    /// `callable(*arguments)` (`REDUCE`/`NEWOBJ`) for any callable but `collections.OrderedDict` and
    /// `dict`: kept, never called; `state` is what a later `BUILD` would have set on it.
    case opaque(callable: PickleValue, arguments: PickleValue, state: PickleValue? = nil)
    /// A persistent id (`BINPERSID`): a reference the pickle's container resolves (torch.save storages).
    case persistent(PickleValue)

    /// The value as a string key, if it is one.
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .byteString(let bytes): return String(validating: bytes, as: UTF8.self)
        default: return nil
        }
    }
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
        case .bytes(let b), .byteString(let b): return "bytes(\(b.count))"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let pairs): return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .global(let module, let name): return "\(module).\(name)"
        case .opaque(let callable, _, _): return "<\(callable) object>"
        case .persistent(let id): return "<persistent \(id)>"
        }
    }
}

