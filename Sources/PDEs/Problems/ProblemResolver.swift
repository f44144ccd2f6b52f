/// Gives the names of a problem their meaning and lowers vector notation to scalar expressions.
///
/// ```
/// names:      coordinates (x, y, z, t), fields (u), derivatives u_x, u_xx, u_t, u_xy (one letter per
///             ∂, so coordinate names must be single letters to use them), coefficients (their
///             formula is substituted), unknown parameters, the constants pi and e
/// functions:  sin cos tan exp log sqrt tanh abs sign; grad(s) (spatial), div(v), lap(s) = div(grad(s)),
///             dot(v, w), d(s, x) = ∂s/∂x
/// vectors:    v ± w, s·v, v·s, v/s, −v; anything else with a vector is a dimension error
/// ```
public struct ProblemResolver {
    /// A lowered value: a scalar, or a vector of spatial components.
    enum Value {
        case scalar(SymbolicExpression)
        case vector([SymbolicExpression])
    }

    public let coordinateNames: [String]
    public let spatialDimension: Int
    public let fields: [String]
    public let parameters: [String]
    private let coefficients: [String: ProblemText]
    /// Names of random-field coefficients (`.randomCoefficient(index)` in that order).
    public let randomCoefficients: [String]
    private var resolvedCoefficients: [String: SymbolicExpression] = [:]
    private var resolving: Set<String> = []

    public init(coordinateNames: [String], spatialDimension: Int, fields: [String], parameters: [String],
                coefficients: [String: ProblemText], randomCoefficients: [String] = []) {
        self.randomCoefficients = randomCoefficients
        self.coordinateNames = coordinateNames
        self.spatialDimension = spatialDimension
        self.fields = fields
        self.parameters = parameters
        self.coefficients = coefficients
    }

    /// A scalar expression from text.
    public mutating func scalar(_ text: ProblemText, allowFields: Bool = true) throws -> SymbolicExpression {
        let parsed = try ExpressionParser.expression(text)
        return try requireScalar(try lower(parsed, in: text), parsed, text, what: "the expression", allowFields: allowFields)
    }

    /// `lhs − rhs` of an equation text.
    public mutating func residual(_ text: ProblemText) throws -> SymbolicExpression {
        let (lhs, rhs) = try ExpressionParser.equation(text)
        let left = try requireScalar(try lower(lhs, in: text), lhs, text, what: "the left side", allowFields: true)
        guard let rhs else { return left }
        let right = try requireScalar(try lower(rhs, in: text), rhs, text, what: "the right side", allowFields: true)
        return left - right
    }

    /// The formula of a coefficient (resolved once, substituted where it is used).
    public mutating func coefficient(_ name: String) throws -> SymbolicExpression? {
        if let done = resolvedCoefficients[name] { return done }
        guard let text = coefficients[name] else { return nil }
        guard !resolving.contains(name) else {
            throw ProblemError(.invalidValue, "coefficient '\(name)' is defined in terms of itself", at: text.location)
        }
        resolving.insert(name)
        defer { resolving.remove(name) }
        let value = try scalar(text, allowFields: false)
        resolvedCoefficients[name] = value
        return value
    }

    private func requireScalar(_ value: Value, _ node: ParsedExpression, _ text: ProblemText, what: String,
                               allowFields: Bool) throws -> SymbolicExpression {
        guard case .scalar(let s) = value else {
            throw ProblemError(.dimensionMismatch, "\(what) is a vector with \(spatialDimension) components where a scalar is needed",
                               at: text.location(ofOffset: node.offset))
        }
        if !allowFields && s.involvesFields {
            throw ProblemError(.invalidValue, "a coefficient or boundary value cannot depend on the unknown fields",
                               at: text.location(ofOffset: node.offset))
        }
        return s
    }

    private var knownNames: String {
        var parts = ["fields: \(fields.joined(separator: ", "))", "coordinates: \(coordinateNames.joined(separator: ", "))"]
        if !coefficients.isEmpty || !randomCoefficients.isEmpty {
            parts.append("coefficients: \((coefficients.keys.sorted() + randomCoefficients).joined(separator: ", "))")
        }
        if !parameters.isEmpty { parts.append("parameters: \(parameters.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }

    private mutating func name(_ name: String, at offset: Int, in text: ProblemText) throws -> SymbolicExpression {
        if let axis = coordinateNames.firstIndex(of: name) { return .coordinate(axis) }
        if let k = fields.firstIndex(of: name) { return .field(k, derivative: [Int](repeating: 0, count: coordinateNames.count)) }
        if let p = parameters.firstIndex(of: name) { return .parameter(p) }
        if let r = randomCoefficients.firstIndex(of: name) {
            return .randomCoefficient(r, derivative: [Int](repeating: 0, count: coordinateNames.count))
        }
        do {
            if let c = try coefficient(name) { return c }
        } catch var error as ProblemError where error.location == nil {
            error = ProblemError(error.kind, error.message, at: text.location(ofOffset: offset))
            throw error
        }
        if name == "pi" { return .constant(Double.pi) }
        if name == "e" { return .constant(2.718281828459045) }
        // u_xy: field u differentiated once in x and once in y.
        if let underscore = name.lastIndex(of: "_") {
            let base = String(name[..<underscore]), letters = name[name.index(after: underscore)...]
            if let k = fields.firstIndex(of: base), !letters.isEmpty {
                var orders = [Int](repeating: 0, count: coordinateNames.count)
                var column = offset + base.count + 1
                for letter in letters {
                    guard let axis = coordinateNames.firstIndex(of: String(letter)) else {
                        throw ProblemError(.unknownSymbol, "'\(letter)' in '\(name)' is not a coordinate (coordinates: \(coordinateNames.joined(separator: ", ")))",
                                           at: text.location(ofOffset: column))
                    }
                    orders[axis] += 1
                    column += 1
                }
                return .field(k, derivative: orders)
            }
        }
        throw ProblemError(.unknownSymbol, "unknown symbol '\(name)' (\(knownNames))", at: text.location(ofOffset: offset))
    }

    mutating func lower(_ node: ParsedExpression, in text: ProblemText) throws -> Value {
        func mismatch(_ message: String, _ at: Int) -> ProblemError {
            ProblemError(.dimensionMismatch, message, at: text.location(ofOffset: at))
        }
        switch node {
        case .number(let value, _): return .scalar(.constant(value))
        case .name(let n, let offset): return .scalar(try name(n, at: offset, in: text))
        case .negate(let inner, _):
            switch try lower(inner, in: text) {
            case .scalar(let s): return .scalar(-s)
            case .vector(let v): return .vector(v.map { -$0 })
            }
        case .binary(let op, let lhsNode, let rhsNode, let offset):
            let lhs = try lower(lhsNode, in: text), rhs = try lower(rhsNode, in: text)
            switch (lhs, rhs) {
            case (.scalar(let a), .scalar(let b)):
                switch op {
                case .add: return .scalar(a + b)
                case .subtract: return .scalar(a - b)
                case .multiply: return .scalar(a * b)
                case .divide: return .scalar(a / b)
                case .power: return .scalar(.raise(a, b))
                case .less: return .scalar(.comparison(.less, a, b))
                case .greater: return .scalar(.comparison(.greater, a, b))
                case .lessOrEqual: return .scalar(.comparison(.lessOrEqual, a, b))
                case .greaterOrEqual: return .scalar(.comparison(.greaterOrEqual, a, b))
                case .and: return .scalar(.comparison(.and, a, b))
                case .or: return .scalar(.comparison(.or, a, b))
                }
            case (.vector(let v), .vector(let w)) where op == .add || op == .subtract:
                return .vector(zip(v, w).map { op == .add ? $0 + $1 : $0 - $1 })
            case (.scalar(let s), .vector(let v)) where op == .multiply: return .vector(v.map { s * $0 })
            case (.vector(let v), .scalar(let s)) where op == .multiply || op == .divide:
                return .vector(v.map { op == .multiply ? $0 * s : $0 / s })
            default:
                func kind(_ v: Value) -> String { if case .vector = v { return "a vector" } else { return "a scalar" } }
                throw mismatch("'\(op.rawValue)' between \(kind(lhs)) and \(kind(rhs)): mismatched dimensions"
                               + (op == .multiply ? " (use dot(v, w) for the product of two vectors)" : ""), rhsNode.offset > offset ? rhsNode.offset : offset)
            }
        case .call(let function, let arguments, let offset):
            func argumentCount(_ n: Int) throws {
                guard arguments.count == n else {
                    throw ProblemError(.syntax, "\(function) takes \(n) argument\(n == 1 ? "" : "s"), got \(arguments.count)",
                                       at: text.location(ofOffset: offset))
                }
            }
            func scalarArgument(_ i: Int) throws -> SymbolicExpression {
                guard case .scalar(let s) = try lower(arguments[i], in: text) else {
                    throw mismatch("\(function) needs a scalar argument, got a vector: mismatched dimensions", arguments[i].offset)
                }
                return s
            }
            func vectorArgument(_ i: Int) throws -> [SymbolicExpression] {
                guard case .vector(let v) = try lower(arguments[i], in: text) else {
                    throw mismatch("\(function) needs a vector argument (such as grad(u)), got a scalar: mismatched dimensions", arguments[i].offset)
                }
                return v
            }
            if let f = SymbolicExpression.Function(rawValue: function) {
                try argumentCount(1)
                return .scalar(.apply(f, try scalarArgument(0)))
            }
            switch function {
            case "grad":
                try argumentCount(1)
                let s = try scalarArgument(0)
                return .vector((0..<spatialDimension).map { s.derivative(axis: $0) })
            case "div":
                try argumentCount(1)
                let v = try vectorArgument(0)
                return .scalar(v.enumerated().reduce(SymbolicExpression.constant(0)) { $0 + $1.element.derivative(axis: $1.offset) })
            case "lap", "laplacian":
                try argumentCount(1)
                let s = try scalarArgument(0)
                return .scalar((0..<spatialDimension).reduce(SymbolicExpression.constant(0)) { $0 + s.derivative(axis: $1).derivative(axis: $1) })
            case "dot":
                try argumentCount(2)
                let v = try vectorArgument(0), w = try vectorArgument(1)
                return .scalar(zip(v, w).reduce(SymbolicExpression.constant(0)) { $0 + $1.0 * $1.1 })
            case "d":
                try argumentCount(2)
                let s = try scalarArgument(0)
                guard case .name(let axisName, let axisOffset) = arguments[1], let axis = coordinateNames.firstIndex(of: axisName) else {
                    throw ProblemError(.unknownSymbol, "the second argument of d must be a coordinate (\(coordinateNames.joined(separator: ", ")))",
                                       at: text.location(ofOffset: arguments[1].offset))
                }
                _ = axisOffset
                return .scalar(s.derivative(axis: axis))
            default:
                throw ProblemError(.unknownSymbol, "unknown function '\(function)' (known: \(SymbolicExpression.Function.allCases.map(\.rawValue).joined(separator: ", ")), grad, div, lap, dot, d)",
                                   at: text.location(ofOffset: offset))
            }
        }
    }
}
