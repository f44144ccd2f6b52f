import Foundation
import PDEs
import TensorCore
import AutoDiff

/// Compiles a problem's symbolic residual once into a tree of batched tensor operations over the
/// PINN's Taylor-jet derivatives (no expression is interpreted per point).
///
/// ```
/// field(k, m)        → FieldDerivatives: value, first(i) (|m| = 1), second(i) (m = 2 e_i)
/// parameter p        → the model's trainable scalar (broadcast over the batch)
/// known subtrees     → one pass over the coordinate columns in Double (like a hand-written source term)
/// + − × ÷ ^, sin …   → the differentiable Variable operations
/// ```
/// field(k, m), m = e_i + e_j → Context.mixed: `PINNModel.mixedDerivatives` (polarization on a
/// directional jet). A third derivative (`u_xxx`) is an `unsupported` `ProblemError` at compile time.
public struct ProblemResidualCompiler<Scalar: TensorScalar> {
    /// What a compiled residual sees at a batch of points.
    public final class Context {
        /// Field 0's derivatives.
        public let derivatives: FieldDerivatives<Scalar>
        /// Every field's derivatives (systems), `fields[0] === derivatives`.
        public let fields: [FieldDerivatives<Scalar>]
        public let parameters: [Variable<Scalar>]
        /// Coordinate columns in Double, `[axis][point]` (computed on first use: residuals without
        /// known terms never need them).
        public private(set) lazy var columns: [[Double]] = {
            let points = derivatives.points.value
            let values = points.scalars, n = points.shape[0], d = points.shape[1]
            return (0..<d).map { axis in (0..<n).map { Double(values[$0 * d + axis]) } }
        }()
        public var count: Int { derivatives.value.shape[0] }
        /// Gives the mixed derivatives of the pairs the residual uses (`PINNModel.mixedDerivatives`).
        let mixedProvider: (([MixedPair]) -> [Variable<Scalar>])?
        let mixedPairs: [MixedPair]
        private var mixedCache: [MixedPair: Variable<Scalar>]?

        public init(derivatives: FieldDerivatives<Scalar>, parameters: [Variable<Scalar>], mixedPairs: [MixedPair] = [],
                    mixed: (([MixedPair]) -> [Variable<Scalar>])? = nil) {
            self.derivatives = derivatives
            self.fields = [derivatives]
            self.parameters = parameters
            self.mixedPairs = mixedPairs
            self.mixedProvider = mixed
        }

        /// A context of several fields.
        public init(fields: [FieldDerivatives<Scalar>], parameters: [Variable<Scalar>], mixedPairs: [MixedPair] = [],
                    mixed: (([MixedPair]) -> [Variable<Scalar>])? = nil) {
            self.derivatives = fields[0]
            self.fields = fields
            self.parameters = parameters
            self.mixedPairs = mixedPairs
            self.mixedProvider = mixed
        }

        /// `∂²u/∂x_i∂x_j`, all pairs computed together on first use.
        func mixed(_ pair: MixedPair) -> Variable<Scalar> {
            if mixedCache == nil {
                guard let mixedProvider else { preconditionFailure("the residual needs mixed derivatives but the context has no provider") }
                let values = mixedProvider(mixedPairs)
                mixedCache = Dictionary(uniqueKeysWithValues: zip(mixedPairs, values))
            }
            return mixedCache![pair]!
        }
    }

    /// Two distinct axes `first < second` of a mixed second derivative of field `field`. Ordered by
    /// (field, first, second): lists of pairs are sorted, never taken from a `Set`'s iteration order,
    /// which changes from process to process (Swift seeds its hashing per process) and with it the
    /// order of the jet directions, and so the rounding of the loss.
    public struct MixedPair: Hashable, Comparable, Sendable {
        public let field: Int
        public let first: Int
        public let second: Int
        public init(_ a: Int, _ b: Int, field: Int = 0) { self.field = field; first = Swift.min(a, b); second = Swift.max(a, b) }
        public static func < (a: MixedPair, b: MixedPair) -> Bool { (a.field, a.first, a.second) < (b.field, b.first, b.second) }
    }

    enum Node {
        case constant(Double)
        case known(([[Double]]) -> [Double])
        case unknown((Context) -> Variable<Scalar>)
    }

    /// A compiled residual: the function, the pure second-derivative axes and the mixed pairs it
    /// needs (a pair's axes are among the pure ones: the polarization identity uses them).
    public struct Residual {
        public let evaluate: (Context) -> Variable<Scalar>
        public let secondAxes: [Int]
        public let mixedPairs: [MixedPair]
    }

    /// Compiles `expression` (of field `0`; parameters in the order of `parameterNames`).
    public static func compile(_ expression: SymbolicExpression, fieldCount: Int = 1, location: TextLocation? = nil) throws -> Residual {
        var secondAxes = Set<Int>(), mixedPairs = Set<MixedPair>()
        for derivative in expression.fieldDerivatives.sorted() {
            let nonzero = derivative.orders.enumerated().filter { $0.element > 0 }
            guard derivative.field < fieldCount else {
                throw ProblemError(.unsupported, "the residual uses field \(derivative.field) of \(fieldCount)", at: location)
            }
            guard derivative.totalOrder <= 2 else {
                throw ProblemError(.unsupported, "the PINN's Taylor-jet derivatives go up to second order; this residual needs ∂^\(derivative.orders)",
                                   at: location)
            }
            if derivative.totalOrder == 2 {
                secondAxes.formUnion(nonzero.map(\.offset))
                if nonzero.count == 2 { mixedPairs.insert(MixedPair(nonzero[0].offset, nonzero[1].offset, field: derivative.field)) }
            }
        }
        let node = try compileNode(expression, location: location)
        let evaluate: (Context) -> Variable<Scalar>
        switch node {
        case .unknown(let f): evaluate = f
        case .known(let f): evaluate = { context in Variable(tensor(f(context.columns))) }
        case .constant(let c):
            evaluate = { context in Variable(Tensor(uncheckedShape: [context.count, 1], scalars: [Scalar](repeating: Scalar(c), count: context.count))) }
        }
        return Residual(evaluate: evaluate, secondAxes: secondAxes.sorted(),
                        mixedPairs: mixedPairs.sorted())
    }

    static func tensor(_ values: [Double]) -> Tensor<Scalar> {
        Tensor(uncheckedShape: [values.count, 1], scalars: values.map { Scalar($0) })
    }

    static func variable(_ node: Node) -> (Context) -> Variable<Scalar> {
        switch node {
        case .unknown(let f): return f
        case .known(let f): return { Variable(tensor(f($0.columns))) }
        case .constant(let c): return { context in Variable(Tensor(uncheckedShape: [1, 1], scalars: [Scalar(c)])) .broadcast(toShape: [context.count, 1]) }
        }
    }

    static func known(_ node: Node) -> ([[Double]]) -> [Double] {
        switch node {
        case .known(let f): return f
        case .constant(let c): return { columns in [Double](repeating: c, count: columns.first?.count ?? 1) }
        case .unknown: preconditionFailure("known(): the node depends on the network")
        }
    }

    static func compileNode(_ e: SymbolicExpression, location: TextLocation?) throws -> Node {
        switch e {
        case .constant(let c): return .constant(c)
        case .coordinate(let axis): return .known { $0[axis] }
        case .parameter(let p): return .unknown { $0.parameters[p] }
        case .randomCoefficient:
            throw ProblemError(.unsupported, "random-field coefficients are for 'pdekit generate --problem'; the PINN needs a formula", at: location)
        case .field(let k, let orders):
            let nonzero = orders.indices.filter { orders[$0] > 0 }
            if nonzero.count == 2 {
                let pair = MixedPair(nonzero[0], nonzero[1], field: k)
                return .unknown { $0.mixed(pair) }
            }
            if let axis = orders.firstIndex(where: { $0 > 0 }) {
                if orders[axis] == 1 { return .unknown { $0.fields[k].first(axis) } }
                return .unknown { $0.fields[k].second(axis) }
            }
            return .unknown { $0.fields[k].value }
        case .negation(let a):
            switch try compileNode(a, location: location) {
            case .constant(let c): return .constant(-c)
            case .known(let f): return .known { f($0).map { -$0 } }
            case .unknown(let f): return .unknown { -f($0) }
            }
        case .sum(let a, let b), .difference(let a, let b), .product(let a, let b), .quotient(let a, let b):
            let lhs = try compileNode(a, location: location), rhs = try compileNode(b, location: location)
            let op: (Double, Double) -> Double
            switch e {
            case .sum: op = (+)
            case .difference: op = (-)
            case .product: op = (*)
            default: op = (/)
            }
            switch (lhs, rhs) {
            case (.constant(let x), .constant(let y)): return .constant(op(x, y))
            case (.unknown, _), (_, .unknown): break
            default:
                let f = known(lhs), g = known(rhs)
                if case .constant(let y) = rhs { return .known { f($0).map { op($0, y) } } }
                if case .constant(let x) = lhs { return .known { g($0).map { op(x, $0) } } }
                return .known { columns in zip(f(columns), g(columns)).map(op) }
            }
            return .unknown(try combine(e, lhs, rhs))
        case .power(let a, let b):
            let base = try compileNode(a, location: location), exponent = try compileNode(b, location: location)
            switch (base, exponent) {
            case (.constant(let x), .constant(let y)): return .constant(Foundation.pow(x, y))
            case (.unknown(let f), .constant(let y)):
                if y == 2 { return .unknown { let v = f($0); return v * v } }
                return .unknown { f($0).power(Scalar(y)) }
            case (.unknown, _), (_, .unknown):
                // a^b = exp(b log a)
                let f = variable(base), g = variable(exponent)
                return .unknown { (g($0) * f($0).log()).exp() }
            default:
                let f = known(base), g = known(exponent)
                return .known { columns in zip(f(columns), g(columns)).map { Foundation.pow($0, $1) } }
            }
        case .function(let function, let a):
            let inner = try compileNode(a, location: location)
            switch inner {
            case .constant(let c): return .constant(function.evaluate(c))
            case .known(let f): return .known { f($0).map(function.evaluate) }
            case .unknown(let f):
                switch function {
                case .sin: return .unknown { f($0).sin() }
                case .cos: return .unknown { f($0).cos() }
                case .tan: return .unknown { let v = f($0); return v.sin() / v.cos() }
                case .exp: return .unknown { f($0).exp() }
                case .log: return .unknown { f($0).log() }
                case .sqrt: return .unknown { f($0).squareRoot() }
                case .tanh: return .unknown { f($0).tanh() }
                case .abs: return .unknown { f($0).absoluteValue() }
                case .sign: return .unknown { Variable(f($0).value.map { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }) }
                }
            }
        case .comparison(let c, let a, let b):
            let lhs = try compileNode(a, location: location), rhs = try compileNode(b, location: location)
            if case .unknown = lhs { throw ProblemError(.unsupported, "a comparison of the unknown field is not differentiable", at: location) }
            if case .unknown = rhs { throw ProblemError(.unsupported, "a comparison of the unknown field is not differentiable", at: location) }
            let f = known(lhs), g = known(rhs)
            return .known { columns in zip(f(columns), g(columns)).map { c.holds($0, $1) ? 1 : 0 } }
        }
    }

    /// `a ∘ b` when at least one side depends on the network: constants and known columns enter
    /// as scalars and constant tensors (no graph nodes of their own).
    static func combine(_ e: SymbolicExpression, _ lhs: Node, _ rhs: Node) throws -> (Context) -> Variable<Scalar> {
        switch (e, lhs, rhs) {
        case (.sum, .unknown(let f), .constant(let c)): return { f($0) + Scalar(c) }
        case (.sum, .constant(let c), .unknown(let f)): return { f($0) + Scalar(c) }
        case (.sum, .unknown(let f), .known(let g)): return { f($0) + tensor(g($0.columns)) }
        case (.sum, .known(let g), .unknown(let f)): return { f($0) + tensor(g($0.columns)) }
        case (.sum, .unknown(let f), .unknown(let g)): return { f($0) + g($0) }
        case (.difference, .unknown(let f), .constant(let c)): return { f($0) - Scalar(c) }
        case (.difference, .constant(let c), .unknown(let f)): return { Scalar(c) - f($0) }
        case (.difference, .unknown(let f), .known(let g)): return { f($0) - tensor(g($0.columns)) }
        case (.difference, .known(let g), .unknown(let f)): return { Variable(tensor(g($0.columns))) - f($0) }
        case (.difference, .unknown(let f), .unknown(let g)): return { f($0) - g($0) }
        case (.product, .unknown(let f), .constant(let c)): return { f($0) * Scalar(c) }
        case (.product, .constant(let c), .unknown(let f)): return { f($0) * Scalar(c) }
        case (.product, .unknown(let f), .known(let g)): return { f($0) * tensor(g($0.columns)) }
        case (.product, .known(let g), .unknown(let f)): return { f($0) * tensor(g($0.columns)) }
        case (.product, .unknown(let f), .unknown(let g)): return { f($0) * g($0) }
        case (.quotient, .unknown(let f), .constant(let c)): return { f($0) * Scalar(1 / c) }
        case (.quotient, .unknown(let f), .known(let g)): return { f($0) * tensor(g($0.columns).map { 1 / $0 }) }
        default:
            let f = variable(lhs), g = variable(rhs)
            return { f($0) / g($0) }
        }
    }
}
