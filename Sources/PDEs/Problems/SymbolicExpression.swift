import Foundation

/// A resolved scalar expression of a problem: numbers, coordinates, unknown parameters and the
/// unknown fields' partial derivatives, combined by arithmetic and elementary functions.
///
/// ```
/// field(k, [m₀, …, m_{d−1}])  =  ∂^{|m|} u_k / ∂x₀^{m₀} … ∂x_{d−1}^{m_{d−1}}   (time is the last axis)
/// ```
/// Built once from the text (`ProblemResolver`), differentiated symbolically (`derivative(axis:)`,
/// so `div(a*grad(u))` becomes `a Δu + ∇a·∇u` with ∇a worked out from a's formula), and then
/// compiled by a solver (the PINN compiles it once into tensor operations over the Taylor-jet
/// derivatives; the finite-volume path evaluates coefficient expressions at grid nodes).
public indirect enum SymbolicExpression: Sendable, Hashable {
    public enum Function: String, Sendable, CaseIterable {
        case sin, cos, tan, exp, log, sqrt, tanh, abs, sign
    }
    public enum Comparison: String, Sendable { case less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">=", and = "&&", or = "||" }

    case constant(Double)
    case coordinate(Int)
    case parameter(Int)
    case field(Int, derivative: [Int])
    /// A random-field coefficient (sampled per data sample, `generate --problem`) or one of its
    /// partial derivatives: known at grid nodes only, never to the PINN.
    case randomCoefficient(Int, derivative: [Int])
    case sum(SymbolicExpression, SymbolicExpression)
    case difference(SymbolicExpression, SymbolicExpression)
    case product(SymbolicExpression, SymbolicExpression)
    case quotient(SymbolicExpression, SymbolicExpression)
    case power(SymbolicExpression, SymbolicExpression)
    case negation(SymbolicExpression)
    case function(Function, SymbolicExpression)
    /// 1 where the comparison holds, else 0 (predicates of boundary pieces; not differentiable).
    case comparison(Comparison, SymbolicExpression, SymbolicExpression)

    // MARK: Building with simplification

    public static func + (a: SymbolicExpression, b: SymbolicExpression) -> SymbolicExpression {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return .constant(x + y)
        case (.constant(0), _): return b
        case (_, .constant(0)): return a
        case (_, .negation(let c)): return a - c
        default: return .sum(a, b)
        }
    }
    public static func - (a: SymbolicExpression, b: SymbolicExpression) -> SymbolicExpression {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return .constant(x - y)
        case (.constant(0), _): return -b
        case (_, .constant(0)): return a
        case (_, .negation(let c)): return a + c
        default: return .difference(a, b)
        }
    }
    public static func * (a: SymbolicExpression, b: SymbolicExpression) -> SymbolicExpression {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return .constant(x * y)
        case (.constant(0), _), (_, .constant(0)): return .constant(0)
        case (.constant(1), _): return b
        case (_, .constant(1)): return a
        case (.constant(-1), _): return -b
        case (_, .constant(-1)): return -a
        case (_, .constant): return .product(b, a)   // constants first
        default: return .product(a, b)
        }
    }
    public static func / (a: SymbolicExpression, b: SymbolicExpression) -> SymbolicExpression {
        switch (a, b) {
        case (.constant(let x), .constant(let y)) where y != 0: return .constant(x / y)
        case (.constant(0), _): return .constant(0)
        case (_, .constant(1)): return a
        case (_, .constant(let y)) where y != 0: return .constant(1 / y) * a
        default: return .quotient(a, b)
        }
    }
    public static prefix func - (a: SymbolicExpression) -> SymbolicExpression {
        switch a {
        case .constant(let x): return .constant(-x)
        case .negation(let inner): return inner
        default: return .negation(a)
        }
    }
    public static func raise(_ a: SymbolicExpression, _ b: SymbolicExpression) -> SymbolicExpression {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return .constant(Foundation.pow(x, y))
        case (_, .constant(0)): return .constant(1)
        case (_, .constant(1)): return a
        default: return .power(a, b)
        }
    }
    public static func apply(_ f: Function, _ a: SymbolicExpression) -> SymbolicExpression {
        if case .constant(let x) = a { return .constant(f.evaluate(x)) }
        return .function(f, a)
    }

    // MARK: Queries

    /// Whether the expression involves an unknown field (otherwise it is a known function of the
    /// coordinates and the parameters).
    public var involvesFields: Bool {
        var found = false
        visit { if case .field = $0 { found = true } }
        return found
    }

    /// Whether the expression involves an unknown parameter.
    public var involvesParameters: Bool {
        var found = false
        visit { if case .parameter = $0 { found = true } }
        return found
    }

    /// Whether the expression involves a random-field coefficient.
    public var involvesRandomCoefficients: Bool {
        var found = false
        visit { if case .randomCoefficient = $0 { found = true } }
        return found
    }

    /// Every field derivative `(field, multi-index)` the expression uses.
    public var fieldDerivatives: Set<FieldDerivative> {
        var result: Set<FieldDerivative> = []
        visit { if case .field(let k, let m) = $0 { result.insert(FieldDerivative(field: k, orders: m)) } }
        return result
    }

    /// Calls `body` on every node, parents first.
    public func visit(_ body: (SymbolicExpression) -> Void) {
        body(self)
        switch self {
        case .constant, .coordinate, .parameter, .field, .randomCoefficient: break
        case .sum(let a, let b), .difference(let a, let b), .product(let a, let b), .quotient(let a, let b),
             .power(let a, let b), .comparison(_, let a, let b):
            a.visit(body); b.visit(body)
        case .negation(let a), .function(_, let a): a.visit(body)
        }
    }

    // MARK: Differentiation

    /// What a symbolic derivative is taken with respect to.
    public enum DifferentiationVariable: Sendable, Hashable {
        /// The coordinate `x_axis`: a field derivative `∂^m u` becomes `∂^{m + e_axis} u` (and a
        /// random coefficient likewise), so `div(a*grad(u))` expands to `a Δu + ∇a·∇u`.
        case coordinate(axis: Int)
        /// One field derivative's value taken as an independent symbol, everything else (the
        /// coordinates, the parameters, the other derivatives of the fields, the random
        /// coefficients) held fixed: `∂N/∂u` of a pointwise term `N(u, x)` (GP-HM's Gauss–Newton
        /// linearization), or `∂R/∂u_x` of a residual.
        case fieldValue(FieldDerivative)
    }

    /// `∂/∂x_axis` of the expression (fields' multi-indices go up by one on that axis).
    public func derivative(axis: Int) -> SymbolicExpression {
        derivative(withRespectTo: .coordinate(axis: axis))
    }

    /// The derivative of the expression with respect to `variable`, by the chain rule node by node
    /// (the one symbolic differentiation of the project):
    /// ```
    /// (a ± b)' = a' ± b'      (ab)' = a'b + ab'      (a/b)' = a'/b − a b'/b²
    /// (a^b)'   = b a^(b−1) a'                 when b' = 0
    ///          = a^b (b' log a + b a'/a)      otherwise
    /// f(a)'    = f'(a) a'     (sin, cos, tan, exp, log, sqrt, tanh, abs; sign' = 0)
    /// ```
    /// Comparisons (boundary predicates) are piecewise constant: their derivative is 0.
    public func derivative(withRespectTo variable: DifferentiationVariable) -> SymbolicExpression {
        func d(_ e: SymbolicExpression) -> SymbolicExpression { e.derivative(withRespectTo: variable) }
        switch self {
        case .constant, .parameter, .comparison: return .constant(0)
        case .coordinate(let i):
            guard case .coordinate(let axis) = variable else { return .constant(0) }
            return .constant(i == axis ? 1 : 0)
        case .field(let k, var orders):
            switch variable {
            case .coordinate(let axis):
                orders[axis] += 1
                return .field(k, derivative: orders)
            case .fieldValue(let symbol):
                return .constant(symbol == FieldDerivative(field: k, orders: orders) ? 1 : 0)
            }
        case .randomCoefficient(let k, var orders):
            guard case .coordinate(let axis) = variable else { return .constant(0) }
            orders[axis] += 1
            return .randomCoefficient(k, derivative: orders)
        case .sum(let a, let b): return d(a) + d(b)
        case .difference(let a, let b): return d(a) - d(b)
        case .product(let a, let b): return d(a) * b + a * d(b)
        case .quotient(let a, let b): return d(a) / b - a * d(b) / (b * b)
        case .negation(let a): return -d(a)
        case .power(let a, let b):
            let da = d(a), db = d(b)
            if case .constant(0) = db { return b * .raise(a, b - .constant(1)) * da }
            return self * (db * .apply(.log, a) + b * da / a)
        case .function(let f, let a):
            let da = d(a)
            if case .constant(0) = da { return .constant(0) }
            switch f {
            case .sin: return .apply(.cos, a) * da
            case .cos: return -(.apply(.sin, a) * da)
            case .tan: return da / .raise(.apply(.cos, a), .constant(2))
            case .exp: return self * da
            case .log: return da / a
            case .sqrt: return da / (.constant(2) * self)
            case .tanh: return (.constant(1) - .raise(self, .constant(2))) * da
            case .abs: return .apply(.sign, a) * da
            case .sign: return .constant(0)
            }
        }
    }

    // MARK: Evaluation

    /// The value at one point (`coordinates` has every axis, time last; `parameters` the unknown
    /// parameters' values; `field` gives a field derivative's value, needed only when the
    /// expression involves fields; `randomCoefficient` likewise a random coefficient's (derivative's)
    /// value, with `FieldDerivative.field` the coefficient's index).
    public func evaluate(coordinates: [Double], parameters: [Double] = [],
                         field: ((FieldDerivative) -> Double)? = nil,
                         randomCoefficient: ((FieldDerivative) -> Double)? = nil) -> Double {
        func value(_ e: SymbolicExpression) -> Double {
            e.evaluate(coordinates: coordinates, parameters: parameters, field: field, randomCoefficient: randomCoefficient)
        }
        switch self {
        case .constant(let c): return c
        case .coordinate(let i): return coordinates[i]
        case .parameter(let i): return parameters[i]
        case .field(let k, let m):
            guard let field else { preconditionFailure("SymbolicExpression.evaluate: the expression involves an unknown field") }
            return field(FieldDerivative(field: k, orders: m))
        case .randomCoefficient(let k, let m):
            guard let randomCoefficient else { preconditionFailure("SymbolicExpression.evaluate: the expression involves a random coefficient") }
            return randomCoefficient(FieldDerivative(field: k, orders: m))
        case .sum(let a, let b): return value(a) + value(b)
        case .difference(let a, let b): return value(a) - value(b)
        case .product(let a, let b): return value(a) * value(b)
        case .quotient(let a, let b): return value(a) / value(b)
        case .power(let a, let b): return Foundation.pow(value(a), value(b))
        case .negation(let a): return -value(a)
        case .function(let f, let a): return f.evaluate(value(a))
        case .comparison(let c, let a, let b): return c.holds(value(a), value(b)) ? 1 : 0
        }
    }
}

extension SymbolicExpression.Function {
    public func evaluate(_ x: Double) -> Double {
        switch self {
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .tanh: return Foundation.tanh(x)
        case .abs: return Swift.abs(x)
        case .sign: return x > 0 ? 1 : x < 0 ? -1 : 0
        }
    }
}

extension SymbolicExpression.Comparison {
    public func holds(_ x: Double, _ y: Double) -> Bool {
        switch self {
        case .less: return x < y
        case .greater: return x > y
        case .lessOrEqual: return x <= y
        case .greaterOrEqual: return x >= y
        case .and: return x != 0 && y != 0
        case .or: return x != 0 || y != 0
        }
    }
}

/// One partial derivative of one unknown field: `∂^{|m|} u_field / ∂x^m`.
public struct FieldDerivative: Sendable, Hashable, Comparable {
    public let field: Int
    /// Derivative order per axis (time last).
    public let orders: [Int]
    public init(field: Int, orders: [Int]) { self.field = field; self.orders = orders }
    public var totalOrder: Int { orders.reduce(0, +) }
    /// By field, then orders lexicographically: what walks a set of derivatives sorts it first, so
    /// messages and results do not follow a `Set`'s per-process iteration order.
    public static func < (a: FieldDerivative, b: FieldDerivative) -> Bool {
        a.field != b.field ? a.field < b.field : a.orders.lexicographicallyPrecedes(b.orders)
    }
}
