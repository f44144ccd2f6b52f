import Datasets
import Foundation

/// The constructor arguments of a neuraloperator `FNO` that decide its forward pass, read from the
/// `_metadata` entry of its state dict, the `*_metadata.pkl` that `save_checkpoint` writes, or the
/// JSON that `pdekit export neuraloperator` writes. Absent values take `FNO`'s defaults.
struct NeuraloperatorKwargs {
    var values: [String: PickleValue]

    init(_ value: PickleValue?) {
        var values: [String: PickleValue] = [:]
        if case .dictionary(let pairs)? = value {
            for (key, item) in pairs { if let name = key.stringValue { values[name] = item } }
        }
        self.values = values
    }

    /// Reads a metadata file: a `torch.save` archive of the kwargs dict, or JSON.
    static func read(contentsOf path: String) throws(TorchInteropError) -> NeuraloperatorKwargs {
        let bytes = try TorchStateDict.readBytes(path, budget: .init())
        if bytes.starts(with: [0x50, 0x4B]) {
            return NeuraloperatorKwargs(try TorchArchive(bytes: bytes, path: path).root)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let dictionary = object as? [String: Any] else {
            throw .unreadable(path: path, reason: "metadata is neither a torch.save archive nor a JSON object")
        }
        return NeuraloperatorKwargs(.dictionary(dictionary.sorted { $0.key < $1.key }.map { (PickleValue.string($0.key), Self.pickleValue($0.value)) }))
    }

    static func pickleValue(_ json: Any) -> PickleValue {
        switch json {
        case is NSNull: return .none
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            if let integer = Int(exactly: number.doubleValue), !"\(number)".contains(".") { return .integer(integer) }
            return .float(number.doubleValue)
        case let string as String: return .string(string)
        case let array as [Any]: return .list(array.map(pickleValue))
        case let dictionary as [String: Any]:
            return .dictionary(dictionary.sorted { $0.key < $1.key }.map { (PickleValue.string($0.key), pickleValue($0.value)) })
        default: return .opaque(callable: .string("\(type(of: json))"), arguments: .none)
        }
    }

    var isEmpty: Bool { values.isEmpty }
    subscript(key: String) -> PickleValue? { values[key] }

    /// Whether `key` is absent, None, False, 0 or one of `defaults` (compared as strings, lowercased).
    func isUnset(_ key: String, orOneOf defaults: [String] = []) -> Bool {
        switch values[key] {
        case nil, .none?: return true
        case .bool(false)?: return true
        case .integer(0)?: return true
        case .float(0)?: return true
        case .string(let s)?: return defaults.contains(s.lowercased())
        case .list(let items)?, .tuple(let items)?: return items.allSatisfy { $0.doubleValue == 0 }
        default: return false
        }
    }

    /// `n_modes` as integers, if given.
    var nModes: [Int]? {
        guard let items = values["n_modes"]?.elements ?? values["n_modes"].flatMap({ $0.integerValue.map { [PickleValue.integer($0)] } }) else { return nil }
        let integers = items.compactMap(\.integerValue)
        return integers.count == items.count ? integers : nil
    }
}
