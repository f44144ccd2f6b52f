/// An expression as written (before names are resolved): the output of `ExpressionParser`.
///
/// Every node keeps the character offset of its first token in the text, so that a meaning error
/// (an unknown symbol, a vector where a scalar belongs) points at the exact column.
public indirect enum ParsedExpression: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
        case less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">=", and = "&&", or = "||"
    }
    case number(Double, offset: Int)
    case name(String, offset: Int)
    case negate(ParsedExpression, offset: Int)
    case binary(Operator, ParsedExpression, ParsedExpression, offset: Int)
    case call(String, [ParsedExpression], offset: Int)

    /// Offset of the node's first character in its text.
    public var offset: Int {
        switch self {
        case .number(_, let o), .name(_, let o), .negate(_, let o), .binary(_, _, _, let o), .call(_, _, let o): return o
        }
    }
}
