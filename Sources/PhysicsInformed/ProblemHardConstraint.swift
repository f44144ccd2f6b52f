import Foundation
import PDEs
import TensorCore
import AutoDiff

/// Hard Dirichlet (and initial) constraints for a `PDEProblemDescription`: the network's output is
/// wrapped as
///
/// ```
/// u(x) = A(x) + D(x) · N(x)                      (a `TrialFunction`: lift A, distance-like factor D)
/// box  Π_i [a_i, b_i]:  D = Π_i (x_i − a_i)(b_i − x_i) / ((b_i − a_i)/2)²
/// ball |x − c| ≤ r:     D = (r² − |x − c|²) / r²
/// A = g                                          (one Dirichlet formula for the whole boundary)
/// A = Σ_{∅≠S⊆axes} (−1)^{|S|+1} P_S g            (a box with a formula g_f per face: the Boolean
///     P_S g = Σ_{c∈{a,b}^S} Π_{i∈S} w_i(c_i) g_{max S, c_max S}(x | x_i = c_i, i ∈ S)   sum of the
///     w_i(a_i) = (b_i − x_i)/(b_i − a_i),  w_i(b_i) = (x_i − a_i)/(b_i − a_i)     face projectors)
/// time [t₀, t₁]:  u = u₀(x) + L(x, t) − L(x, t₀) + D(x) · (t − t₀)/(t₁ − t₀) · N(x, t)
/// ```
/// D vanishes exactly on the boundary and is positive inside, so u = g there for every network:
/// the condition holds to rounding, with no boundary loss term. The transfinite (Coons) lift of a
/// box reproduces every face's formula on that face when the formulas agree where faces meet
/// (corners, edges), as a continuous solution needs; otherwise the faces of the lower axis win. In
/// time, L is the spatial lift: u(x, t₀) = u₀ exactly, and u = g on the boundary when u₀ = g(·, t₀)
/// there. The lift is compiled into differentiable operations of x so the trial function's input
/// derivatives come from the tape; zero data keep A = 0, the bundled problems' `homogeneousDirichlet`
/// trial function, bit for bit.
/// References: Lagaris, Likas & Fotiadis, IEEE Trans. Neural Netw. 9 (1998); Gordon & Hall,
/// "Transfinite element methods", Numer. Math. 21 (1973) (Boolean sums of projectors); Sukumar &
/// Srivastava, "Exact imposition of boundary conditions with distance functions in PINNs", CMAME 389 (2022).
enum ProblemHardConstraint {
    /// Why the problem's conditions cannot be imposed exactly, or nil when they can.
    static func obstacle(_ problem: PDEProblemDescription) -> String? {
        do { _ = try lift(problem); return nil } catch { return (error as? ProblemError)?.message ?? "\(error)" }
    }

    /// The Dirichlet formula of every boundary piece (face order for a box), checked.
    static func pieceData(_ problem: PDEProblemDescription) throws -> [(piece: BoundaryPiece, value: SymbolicExpression)] {
        func refuse(_ message: String) -> ProblemError { ProblemError(.unsupported, message, at: nil) }
        switch problem.geometry {
        case .box, .ball: break
        default: throw refuse("hard constraints need a box or a disk/ball domain")
        }
        let conditions = problem.boundaryConditions.filter { $0.field == 0 }
        return try problem.geometry.boundaryPieces(coordinateNames: problem.coordinateNames).map { piece in
            guard let first = conditions.first(where: { c in
                if case .periodic = c.kind { return true }
                return c.on.isEmpty || c.on.contains { piece.name == $0 || piece.name.hasPrefix($0 + ".") }
            }) else { throw refuse("hard constraints need a Dirichlet condition on '\(piece.name)'") }
            if case .periodic = first.kind { throw refuse("hard constraints have no periodic axes (the periodic embedding already holds them)") }
            guard case .dirichlet(let g) = first.kind, first.predicate == nil else {
                throw refuse("hard constraints need Dirichlet conditions without \"where\" on the whole boundary")
            }
            guard !g.involvesParameters else { throw refuse("hard constraints need Dirichlet data without unknown parameters") }
            return (piece, g)
        }
    }

    /// The spatial lift L (the single formula, or the box's Boolean sum) and, in time, the whole
    /// lift u₀ + L − L(t₀).
    static func lift(_ problem: PDEProblemDescription) throws -> SymbolicExpression {
        let data = try pieceData(problem)
        var spatial = data[0].value
        if data.contains(where: { $0.value != spatial }) {
            guard case .box(let lower, let upper, _) = problem.geometry else {
                throw ProblemError(.unsupported, "hard constraints on a ball need one Dirichlet formula for the whole sphere", at: nil)
            }
            spatial = booleanSum(faces: data.map(\.value), lower: lower, upper: upper)
        }
        guard let time = problem.timeInterval, let timeAxis = problem.timeAxis else { return spatial }
        guard let initial = problem.initialConditions.first(where: { $0.field == 0 }) else {
            throw ProblemError(.unsupported, "hard constraints in time need an initial condition", at: nil)
        }
        let atStart = spatial.substituting { node in
            if case .coordinate(timeAxis) = node { return .constant(time.start) } else { return nil }
        }
        return initial.value + spatial - atStart
    }

    /// The transfinite lift of per-face data `faces[2i + upper]` on the box (see the type's doc).
    static func booleanSum(faces: [SymbolicExpression], lower: [Double], upper: [Double]) -> SymbolicExpression {
        let d = lower.count
        func weight(_ axis: Int, upperCorner: Bool) -> SymbolicExpression {
            let x = SymbolicExpression.coordinate(axis), width = upper[axis] - lower[axis]
            return upperCorner ? (x - .constant(lower[axis])) / .constant(width) : (.constant(upper[axis]) - x) / .constant(width)
        }
        var total = SymbolicExpression.constant(0)
        for subset in 1..<(1 << d) {
            let axes = (0..<d).filter { subset & (1 << $0) != 0 }
            var projected = SymbolicExpression.constant(0)
            for corner in 0..<(1 << axes.count) {
                let isUpper = axes.indices.map { corner & (1 << $0) != 0 }
                let inner = axes.last!
                let value = faces[2 * inner + (isUpper.last! ? 1 : 0)].substituting { node in
                    guard case .coordinate(let a) = node, let k = axes.firstIndex(of: a) else { return nil }
                    return .constant(isUpper[k] ? upper[a] : lower[a])
                }
                var term = value
                for (k, axis) in axes.enumerated() { term = weight(axis, upperCorner: isUpper[k]) * term }
                projected = projected + term
            }
            total = axes.count % 2 == 1 ? total + projected : total - projected
        }
        return total
    }

    /// The trial function; call only when `obstacle` is nil.
    static func trialFunction<Scalar: TensorScalar>(for problem: PDEProblemDescription, box: Box) throws -> TrialFunction<Scalar> {
        let g = try lift(problem)
        let offset: ((Variable<Scalar>) -> Variable<Scalar>)?
        if case .constant(0) = g { offset = nil } else {
            let compiled = try differentiable(g, as: Scalar.self)
            offset = { x in compiled.variable(x) }
        }
        let d = problem.spatialDimension
        let spatialFactor: (Variable<Scalar>) -> Variable<Scalar>
        switch problem.geometry {
        case .ball(let center, let radius, _):
            let scale = Scalar(1 / (radius * radius))
            spatialFactor = { x in
                var squared: Variable<Scalar>? = nil
                for axis in center.indices {
                    let offset = TrialFunction<Scalar>.column(x, axis) - Scalar(center[axis])
                    squared = squared.map { $0 + offset * offset } ?? offset * offset
                }
                return (Scalar(radius * radius) - squared!) * scale
            }
        default:
            spatialFactor = TrialFunction<Scalar>.homogeneousDirichlet(on: box, axes: Array(0..<d)).factor
        }
        let shape = problem.geometry.isBox ? "box" : "ball"
        if let time = problem.timeInterval, let timeAxis = problem.timeAxis {
            let scale = Scalar(1 / (time.end - time.start))
            return TrialFunction(name: "Dirichlet on a \(shape) and initial condition (lift + distance · (t − t₀))", offset: offset) { x in
                spatialFactor(x) * ((TrialFunction<Scalar>.column(x, timeAxis) - Scalar(time.start)) * scale)
            }
        }
        if offset == nil && problem.geometry.isBox { return TrialFunction<Scalar>.homogeneousDirichlet(on: box) }
        return TrialFunction(name: "Dirichlet on a \(shape) (lift + distance)", offset: offset, factor: spatialFactor)
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
