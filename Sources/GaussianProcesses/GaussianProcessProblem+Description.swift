import Foundation
import PDEs

extension GaussianProcessProblem {
    /// The GP-HM form of a problem file (``PDEs/PDEProblemDescription``), where GP-HM applies: one
    /// scalar field `u` on a 1-D or 2-D box, Dirichlet conditions on the whole boundary, an exact
    /// solution (to measure the error), and a residual that splits as
    /// ```
    /// R = Σ_i c_i ∂²u/∂x_i² + N(u, x) + h(x),     c_i ≠ 0 constants,
    /// ```
    /// solved as `Σ c_i u_{x_i x_i} + N(u, x) = f` with `f = −h`. The split is PDEs' one residual
    /// splitter (``PDEs/SymbolicExpression/linearDecomposition(in:)``, linear in the derivatives of
    /// `u`): a term that involves `u` without derivatives goes to `N`, whose `∂N/∂u` is PDEs' symbolic
    /// derivative with `u` as the variable (``PDEs/SymbolicExpression/derivative(withRespectTo:)``), and
    /// a term without `u` to `h`. Anything else (time, systems,
    /// unknown parameters, Neumann/Robin/periodic conditions, other domains, first or mixed
    /// derivatives, a coefficient of `u_xx` that varies) is refused with one message naming it.
    public init(description: PDEProblemDescription) throws {
        func refuse(_ what: String) -> GaussianProcessError {
            .invalidArgument("\(description.name): GP-HM does not solve \(what)")
        }
        guard description.timeInterval == nil else { throw refuse("time-dependent problems (a box in space only)") }
        guard description.fields.count == 1, description.residuals.count == 1 else {
            throw refuse("systems (\(description.fields.count) fields, \(description.residuals.count) equations; one field and one equation only)")
        }
        guard description.parameters.isEmpty else { throw refuse("problems with unknown parameters (inverse problems)") }
        guard description.randomCoefficients.isEmpty else { throw refuse("random-field coefficients (they are for 'pdekit generate --problem')") }
        guard case .box(let lower, let upper, _) = description.geometry, (1...2).contains(lower.count) else {
            throw refuse("this domain (a 1-D or 2-D box only)")
        }
        for condition in description.boundaryConditions {
            switch condition.kind {
            case .dirichlet: continue
            case .neumann: throw refuse("Neumann conditions (Dirichlet only)")
            case .robin: throw refuse("Robin conditions (Dirichlet only)")
            case .periodic: throw refuse("periodic conditions (Dirichlet only)")
            }
        }
        guard let exact = description.exactSolution?.first else {
            throw refuse("a problem without an exact solution ('exact': needed to report the error)")
        }
        let names = description.coordinateNames
        let split = try Self.split(description.residuals[0], dimension: lower.count, coordinateNames: names)
        guard split.coefficients.allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw refuse("an equation without ∂²u/∂\(names.joined(separator: "², ∂²u/∂"))² each with a nonzero constant coefficient")
        }
        let pieces = description.geometry.boundaryPieces(coordinateNames: names)
        let conditions = description.boundaryConditions
        let field = split.fieldTerm
        let fieldSlope = field.derivative(withRespectTo: .fieldValue(FieldDerivative(field: 0, orders: [Int](repeating: 0, count: names.count))))
        let known = split.knownTerm
        let term = PointwiseTerm(
            secondDerivativeCoefficients: split.coefficients,
            value: { u, x in field.evaluate(coordinates: x, field: { _ in u }) },
            derivative: { u, x in fieldSlope.evaluate(coordinates: x, field: { _ in u }) },
            isLinear: !fieldSlope.involvesFields)
        // g at a boundary point: the first Dirichlet condition that applies on a face through it.
        let boundaryValue: @Sendable ([Double]) -> Double = { x in
            for piece in pieces {
                guard let face = piece.face else { continue }
                let bound = face.isUpper ? upper[face.axis] : lower[face.axis]
                guard x[face.axis] == bound else { continue }
                for condition in conditions where condition.applies(toPiece: piece.name, at: x) {
                    if case .dirichlet(let value) = condition.kind { return value.evaluate(coordinates: x) }
                }
            }
            return exact.evaluate(coordinates: x)
        }
        try self.init(name: description.name, equation: .custom, lowerBounds: lower, upperBounds: upper,
                      solution: { exact.evaluate(coordinates: $0) }, source: { -known.evaluate(coordinates: $0) },
                      boundaryValue: boundaryValue, pointwiseTerm: term)
    }

    /// The residual split `Σ c_i ∂²u/∂x_i² + N(u, x) + h(x)` (see `init(description:)`), by PDEs'
    /// ``PDEs/SymbolicExpression/linearDecomposition(in:)`` linear in the derivatives of `u` of order ≥ 1.
    static func split(_ residual: SymbolicExpression, dimension: Int, coordinateNames names: [String])
        throws -> (coefficients: [Double], fieldTerm: SymbolicExpression, knownTerm: SymbolicExpression) {
        let form = "it solves Σ c_i u_(x_i x_i) + N(u, x) = f"
        // A derivative other than ∂²u/∂x_i² is refused by name before the split.
        let others = residual.fieldDerivatives.filter { $0.totalOrder > 0 && !($0.totalOrder == 2 && $0.orders.contains(2)) }
        if let derivative = others.min(by: { $0.orders.lexicographicallyPrecedes($1.orders) }) {
            let name = "u_" + derivative.orders.enumerated().map { String(repeating: names[$0.offset], count: $0.element) }.joined()
            let kind = derivative.totalOrder == 1 ? "first derivatives" : derivative.orders.filter({ $0 > 0 }).count > 1 ? "mixed derivatives" : "derivatives of order \(derivative.totalOrder)"
            throw GaussianProcessError.invalidArgument("GP-HM does not solve residuals with \(kind) (\(name)); \(form)")
        }
        let nonConstant = GaussianProcessError.invalidArgument(
            "GP-HM does not solve second derivatives under a non-constant factor, or inside a function, a power or a product with u; \(form)")
        guard let decomposition = residual.linearDecomposition(in: { $0.totalOrder > 0 }) else { throw nonConstant }
        var coefficients = [Double](repeating: 0, count: dimension)
        for (derivative, coefficient) in decomposition.terms {
            guard case .constant(let c) = coefficient, let axis = derivative.orders.firstIndex(of: 2) else { throw nonConstant }
            coefficients[axis] = c
        }
        return (coefficients, decomposition.fieldPart, decomposition.rest)
    }
}
