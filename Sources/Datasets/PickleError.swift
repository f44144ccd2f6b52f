/// Why `RestrictedUnpickler` refused a pickle (each reader adds the file's name and its own wording).
public enum PickleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pickle is damaged, ends early, or exceeds a limit (`detail` names what and where).
    case malformed(detail: String)
    /// An opcode outside the restricted set (for instance `INST`, `OBJ`, `EXT1`, text-mode `INT`).
    case unsupportedOpcode(UInt8, offset: Int)
    /// A global outside the caller's allowed set (`module.name`).
    case disallowedGlobal(String, offset: Int)

    public var description: String {
        switch self {
        case .malformed(let detail): return detail
        case .unsupportedOpcode(let opcode, let offset):
            return "pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset) is outside the restricted set (nothing was executed)"
        case .disallowedGlobal(let name, let offset): return "global '\(name)' at byte \(offset) is not allowed"
        }
    }
}
