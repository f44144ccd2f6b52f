/// Everything a user can get wrong with a PyTorch checkpoint or its import; each case prints as one line.
public enum TorchInteropError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file cannot be read, or is not a `torch.save` zip archive nor a safetensors file.
    case unreadable(path: String, reason: String)
    /// The archive or pickle is damaged or ends early (`detail` names what).
    case malformed(path: String, detail: String)
    /// A pickle opcode outside the restricted set a state dict uses.
    case unsupportedOpcode(path: String, opcode: UInt8, offset: Int)
    /// A tensor's storage, dtype, size, stride or offset does not fit its storage or the machine.
    case invalidTensor(path: String, name: String, detail: String)
    /// The state dict is not a model this importer knows, or uses a feature PDEKit's FNO lacks.
    case unsupportedModel(String)
    /// A tensor the model needs is absent.
    case missingTensor(name: String)
    /// A tensor has the wrong shape or element type for the model.
    case tensorMismatch(name: String, detail: String)
    /// A run directory or export target cannot be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read PyTorch checkpoint \(path): \(reason)"
        case .malformed(let path, let detail): return "\(path) is not a valid torch.save file: \(detail)"
        case .unsupportedOpcode(let path, let opcode, let offset):
            return "\(path): pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset) is outside the restricted set a state dict uses (nothing was executed)"
        case .invalidTensor(let path, let name, let detail): return "\(path): tensor '\(name)': \(detail)"
        case .unsupportedModel(let detail): return "unsupported neuraloperator model: \(detail)"
        case .missingTensor(let name): return "the checkpoint has no tensor '\(name)'"
        case .tensorMismatch(let name, let detail): return "tensor '\(name)': \(detail)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
