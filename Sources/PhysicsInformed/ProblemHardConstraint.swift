import Foundation
import PDEs
import TensorCore
import AutoDiff

/// Hard Dirichlet constraints for a `PDEProblemDescription`: the network's output is wrapped as
///
/// ```
/// u(x) = g(x) + D(x) · N(x)          (a `TrialFunction`: lift A = g, distance-like factor D)
/// box  Π_i [a_i, b_i]:  D = Π_i (x_i − a_i)(b_i − x_i) / ((b_i − a_i)/2)²
/// ball |x − c| ≤ r:     D = (r² − |x − c|²) / r²
/// ```
/// D vanishes exactly on the boundary and is positive inside, so u = g there for every network:
/// the condition holds to rounding, with no boundary loss term. The lift is the Dirichlet formula
/// itself (one formula for the whole boundary, compiled into differentiable operations of x so the
/// trial function's input derivatives come from the tape); zero data keep A = 0, the bundled
/// problems' `homogeneousDirichlet` trial function, bit for bit.
/// References: Lagaris, Likas & Fotiadis, IEEE Trans. Neural Netw. 9 (1998); Sukumar & Srivastava,
/// "Exact imposition of boundary conditions with distance functions in PINNs", CMAME 389 (2022).
enum ProblemHardConstraint {
    /// Why the problem's conditions cannot be imposed exactly, or nil when they can.
    static func obstacle(_ problem: PDEProblemDescription) -> String? {
        guard problem.timeInterval == nil else { return "hard constraints are for stationary problems" }
        switch problem.geometry {
        case .box, .ball: break
        default: return "hard constraints need a box or a disk/ball domain"
        }
        guard let first = problem.boundaryConditions.first else { return "hard constraints need Dirichlet conditions" }
        for c in problem.boundaryConditions {
            guard case .dirichlet(let g) = c.kind, c.predicate == nil, c.field == 0 else {
                return "hard constraints need Dirichlet conditions without \"where\" on the whole boundary"
            }
            guard case .dirichlet(let g0) = first.kind, g == g0 else {
                return "hard constraints need one Dirichlet formula for the whole boundary (it becomes the lift)"
            }
            guard !g.involvesParameters else { return "hard constraints need Dirichlet data without unknown parameters" }
        }
        return nil
    }

    /// The trial function; call only when `obstacle` is nil.
    static func trialFunction<Scalar: TensorScalar>(for problem: PDEProblemDescription, box: Box) throws -> TrialFunction<Scalar> {
        guard case .dirichlet(let g) = problem.boundaryConditions[0].kind else {
            throw ProblemError(.unsupported, "hard constraints need Dirichlet conditions", at: nil)
        }
        let lift: ((Variable<Scalar>) -> Variable<Scalar>)?
        if case .constant(0) = g { lift = nil } else {
            let compiled = try differentiable(g, as: Scalar.self)
            lift = { x in compiled.variable(x) }
        }
        switch problem.geometry {
        case .ball(let center, let radius, _):
            let scale = Scalar(1 / (radius * radius))
            return TrialFunction(name: "Dirichlet on a ball (lift + distance)", offset: lift) { x in
                var squared: Variable<Scalar>? = nil
                for axis in center.indices {
                    let offset = TrialFunction<Scalar>.column(x, axis) - Scalar(center[axis])
                    squared = squared.map { $0 + offset * offset } ?? offset * offset
                }
                return (Scalar(radius * radius) - squared!) * scale
            }
        default:
            let homogeneous = TrialFunction<Scalar>.homogeneousDirichlet(on: box)
            guard let lift else { return homogeneous }
            return TrialFunction(name: "Dirichlet on a box (lift + distance)", offset: lift, factor: homogeneous.factor)
        }
    }

    /// A compiled known expression of the coordinates: a constant or a differentiable map of x.
    enum Compiled<Scalar: TensorScalar> {
        case constant(Double)
        case map((Variable<Scalar>) -> Variable<Scalar>)

        func variable(_ x: Variable<Scalar>) -> Variable<Scalar> {
            switch self {
            case .map(let f): return f(x)
            case .constant(let c):
                return Variable(Tensor(uncheckedShape: [x.shape[0], 1], scalars: [Scalar](repeating: Scalar(c), count: x.shape[0])))
            }
        }
    }

    /// `e` (coordinates, constants, arithmetic, elementary functions) as differentiable operations.
    static func differentiable<Scalar: TensorScalar>(_ e: SymbolicExpression, as: Scalar.Type) throws -> Compiled<Scalar> {
        func unsupported() -> ProblemError {
            ProblemError(.unsupported, "a hard-constraint lift needs Dirichlet data made of the coordinates, numbers and smooth functions", at: nil)
        }
        func binary(_ a: SymbolicExpression, _ b: SymbolicExpression, _ op: @escaping (Double, Double) -> Double,
                    _ vv: @escaping (Variable<Scalar>, Variable<Scalar>) -> Variable<Scalar>) throws -> Compiled<Scalar> {
            let lhs = try differentiable(a, as: Scalar.self), rhs = try differentiable(b, as: Scalar.self)
            if case .constant(let x) = lhs, case .constant(let y) = rhs { return .constant(op(x, y)) }
            return .map { x in vv(lhs.variable(x), rhs.variable(x)) }
        }
        switch e {
        case .constant(let c): return .constant(c)
        case .coordinate(let axis): return .map { TrialFunction<Scalar>.column($0, axis) }
        case .parameter, .field, .randomCoefficient, .comparison: throw unsupported()
        case .sum(let a, let b): return try binary(a, b, +) { $0 + $1 }
        case .difference(let a, let b): return try binary(a, b, -) { $0 - $1 }
        case .product(let a, let b): return try binary(a, b, *) { $0 * $1 }
        case .quotient(let a, let b): return try binary(a, b, /) { $0 / $1 }
        case .negation(let a):
            let inner = try differentiable(a, as: Scalar.self)
            if case .constant(let c) = inner { return .constant(-c) }
            return .map { -inner.variable($0) }
        case .power(let a, let b):
            let base = try differentiable(a, as: Scalar.self), exponent = try differentiable(b, as: Scalar.self)
            switch (base, exponent) {
            case (.constant(let x), .constant(let y)): return .constant(Foundation.pow(x, y))
            case (_, .constant(let y)): return .map { base.variable($0).power(Scalar(y)) }
            default: return .map { (exponent.variable($0) * base.variable($0).log()).exp() }
            }
        case .function(let function, let a):
            let inner = try differentiable(a, as: Scalar.self)
            if case .constant(let c) = inner { return .constant(function.evaluate(c)) }
            switch function {
            case .sin: return .map { inner.variable($0).sin() }
            case .cos: return .map { inner.variable($0).cos() }
            case .tan: return .map { let v = inner.variable($0); return v.sin() / v.cos() }
            case .exp: return .map { inner.variable($0).exp() }
            case .log: return .map { inner.variable($0).log() }
            case .sqrt: return .map { inner.variable($0).squareRoot() }
            case .tanh: return .map { inner.variable($0).tanh() }
            case .abs: return .map { inner.variable($0).absoluteValue() }
            case .sign: throw unsupported()
            }
        }
    }
}
