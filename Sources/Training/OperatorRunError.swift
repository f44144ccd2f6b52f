/// A one-line user error of an operator training or evaluation run (`pdekit train`, `pdekit evaluate`):
/// a flag value, a sample count, a file that does not fit, a non-finite test error.
public struct OperatorRunError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }
}
