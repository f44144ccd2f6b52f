/// Parses the expressions of a problem description: residuals, boundary values, coefficients,
/// predicates.
///
/// ```
/// equation   := expression ('=' expression)?
/// expression := or ;  or := and ('||' and)* ;  and := compare ('&&' compare)*
/// compare    := sum (('<' | '>' | '<=' | '>=') sum)?
/// sum        := product (('+' | '-') product)*
/// product    := unary (('*' | '/') unary)*
/// unary      := ('-' | '+') unary | power
/// power      := primary ('^' unary)?                 (right-associative: −x^2 = −(x^2))
/// primary    := number | name | name '(' expression (',' expression)* ')' | '(' expression ')'
/// ```
/// Names are letters, digits and underscores (`u_xx`, `nu`, `x0`); numbers are decimal with an
/// optional exponent (`1e-3`). A syntax error is a `ProblemError` at the offending character.
public struct ExpressionParser {
    private enum Token: Equatable {
        case number(Double), name(String), symbol(String), end
    }
    private let source: ProblemText
    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0
    /// How many `unary` rules are open: each '(', call argument, unary sign and '^' exponent adds one.
    private var nesting = 0

    /// Deepest nesting of parentheses, signs and exponents accepted; keeps a hostile expression
    /// (`((((…` or `- - - …` thousands deep) from overflowing the stack.
    public static let maximumNesting = 100

    /// Most tokens accepted in one expression: a chain `1+1+…+1` is as deep a tree as it is long, and
    /// the code that differentiates, compiles and frees that tree recurses over it.
    public static let maximumTokens = 10_000

    public init(_ source: ProblemText) throws {
        self.source = source
        tokens = try Self.tokenize(source)
        if tokens.count > Self.maximumTokens {
            throw ProblemError(.syntax, "the expression has more than \(Self.maximumTokens) tokens",
                               at: source.location(ofOffset: tokens[Self.maximumTokens].offset))
        }
    }

    /// Parses a whole expression.
    public static func expression(_ source: ProblemText) throws -> ParsedExpression {
        var parser = try ExpressionParser(source)
        let result = try parser.parseOr()
        try parser.expectEnd()
        return result
    }

    /// Parses `lhs = rhs` (or a bare expression, read as `expression = 0`).
    public static func equation(_ source: ProblemText) throws -> (lhs: ParsedExpression, rhs: ParsedExpression?) {
        var parser = try ExpressionParser(source)
        let lhs = try parser.parseOr()
        if parser.peek == .symbol("=") {
            parser.position += 1
            let rhs = try parser.parseOr()
            try parser.expectEnd()
            return (lhs, rhs)
        }
        try parser.expectEnd()
        return (lhs, nil)
    }

    private var peek: Token { tokens[position].token }
    private var offset: Int { tokens[position].offset }

    private func error(_ message: String, at offset: Int) -> ProblemError {
        ProblemError(.syntax, message, at: source.location(ofOffset: offset))
    }

    private mutating func expectEnd() throws {
        guard peek == .end else { throw error("unexpected \(describe(peek)) after the expression", at: offset) }
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let v): return "number \(v)"
        case .name(let n): return "'\(n)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of the expression"
        }
    }

    private mutating func parseBinary(_ operators: [ParsedExpression.Operator], next: (inout ExpressionParser) throws -> ParsedExpression,
                                      single: Bool = false) throws -> ParsedExpression {
        var lhs = try next(&self)
        while case .symbol(let s) = peek, let op = operators.first(where: { $0.rawValue == s }) {
            let start = lhs.offset
            position += 1
            let rhs = try next(&self)
            lhs = .binary(op, lhs, rhs, offset: start)
            if single { break }
        }
        return lhs
    }

    private mutating func parseOr() throws -> ParsedExpression { try parseBinary([.or]) { try $0.parseAnd() } }
    private mutating func parseAnd() throws -> ParsedExpression { try parseBinary([.and]) { try $0.parseCompare() } }
    private mutating func parseCompare() throws -> ParsedExpression {
        try parseBinary([.lessOrEqual, .greaterOrEqual, .less, .greater], next: { try $0.parseSum() }, single: true)
    }
    private mutating func parseSum() throws -> ParsedExpression { try parseBinary([.add, .subtract]) { try $0.parseProduct() } }
    private mutating func parseProduct() throws -> ParsedExpression { try parseBinary([.multiply, .divide]) { try $0.parseUnary() } }

    private mutating func parseUnary() throws -> ParsedExpression {
        let start = offset
        guard nesting < Self.maximumNesting else {
            throw error("the expression nests parentheses, signs or powers deeper than \(Self.maximumNesting) levels", at: start)
        }
        nesting += 1
        defer { nesting -= 1 }
        if peek == .symbol("-") { position += 1; return .negate(try parseUnary(), offset: start) }
        if peek == .symbol("+") { position += 1; return try parseUnary() }
        let base = try parsePrimary()
        if peek == .symbol("^") {
            position += 1
            return .binary(.power, base, try parseUnary(), offset: start)
        }
        return base
    }

    private mutating func parsePrimary() throws -> ParsedExpression {
        let start = offset
        switch peek {
        case .number(let value):
            position += 1
            return .number(value, offset: start)
        case .name(let name):
            position += 1
            guard peek == .symbol("(") else { return .name(name, offset: start) }
            position += 1
            var arguments: [ParsedExpression] = []
            if peek != .symbol(")") {
                arguments.append(try parseOr())
                while peek == .symbol(",") { position += 1; arguments.append(try parseOr()) }
            }
            guard peek == .symbol(")") else { throw error("expected ',' or ')' in the arguments of \(name), found \(describe(peek))", at: offset) }
            position += 1
            return .call(name, arguments, offset: start)
        case .symbol("("):
            position += 1
            let inner = try parseOr()
            guard peek == .symbol(")") else { throw error("expected ')' to close the '(' at column \(source.location(ofOffset: start).column), found \(describe(peek))", at: offset) }
            position += 1
            return inner
        default:
            throw error("expected a number, a name or '(', found \(describe(peek))", at: offset)
        }
    }

    private static func tokenize(_ source: ProblemText) throws -> [(token: Token, offset: Int)] {
        let characters = Array(source.text)
        var result: [(token: Token, offset: Int)] = []
        var i = 0
        func fail(_ message: String, _ at: Int) -> ProblemError { ProblemError(.syntax, message, at: source.location(ofOffset: at)) }
        while i < characters.count {
            let c = characters[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber || (c == "." && i + 1 < characters.count && characters[i + 1].isNumber) {
                while i < characters.count, characters[i].isNumber || characters[i] == "." { i += 1 }
                if i < characters.count, characters[i] == "e" || characters[i] == "E" {
                    var j = i + 1
                    if j < characters.count, characters[j] == "+" || characters[j] == "-" { j += 1 }
                    if j < characters.count, characters[j].isNumber {
                        i = j
                        while i < characters.count, characters[i].isNumber { i += 1 }
                    }
                }
                let text = String(characters[start..<i])
                guard let value = Double(text), value.isFinite else { throw fail("malformed number '\(text)'", start) }
                result.append((.number(value), start))
            } else if c.isLetter || c == "_" {
                while i < characters.count, characters[i].isLetter || characters[i].isNumber || characters[i] == "_" { i += 1 }
                result.append((.name(String(characters[start..<i])), start))
            } else {
                let two = i + 1 < characters.count ? String(characters[i...(i + 1)]) : ""
                if ["<=", ">=", "&&", "||"].contains(two) {
                    result.append((.symbol(two), start)); i += 2
                } else if "+-*/^(),=<>".contains(c) {
                    result.append((.symbol(String(c)), start)); i += 1
                } else {
                    throw fail("unexpected character '\(c)'", start)
                }
            }
        }
        result.append((.end, characters.count))
        return result
    }
}
