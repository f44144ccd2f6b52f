/// Errors reading or writing safetensors checkpoints; each prints as one line.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case malformed(path: String?, reason: String)
    case unsupportedElementType(name: String, dtype: String)
    case missingTensor(name: String, available: [String])
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case unexpectedTensors(names: [String])

    /// The same error with the file path filled in.
    func located(at path: String) -> SafetensorsError {
        if case .malformed(nil, let reason) = self { return .malformed(path: path, reason: reason) }
        return self
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read checkpoint \(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write checkpoint \(path): \(reason)"
        case .malformed(let path, let reason): return "malformed safetensors file\(path.map { " \($0)" } ?? ""): \(reason)"
        case .unsupportedElementType(let name, let dtype): return "tensor '\(name)' has unsupported dtype \(dtype)"
        case .missingTensor(let name, let available):
            let listed = available.prefix(8).joined(separator: ", ") + (available.count > 8 ? ", …" : "")
            return "checkpoint has no tensor '\(name)' (it has: \(listed))"
        case .shapeMismatch(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found) in the checkpoint but the model expects \(expected)"
        case .unexpectedTensors(let names):
            return "checkpoint holds tensors the model does not have: \(names.prefix(8).joined(separator: ", "))"
        }
    }
}
