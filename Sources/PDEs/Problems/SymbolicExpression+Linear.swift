/// Splitting an expression that is linear in (some of) the unknown fields' derivatives.
///
/// ```
/// r  =  Σ_m C_m(x) ∂^m u  +  N(u, x)  +  r₀(x)        (m over the chosen derivatives r uses)
/// ```
/// worked out on the tree (C_m and r₀ are expressions of the coordinates, parameters and random
/// coefficients, built with the simplifying operators, so `−div(a grad u)` gives C_xx = −a exactly,
/// not `(−a − 1) + 1`; N holds the terms in the derivatives that were not chosen, as written, and may
/// be nonlinear in them). The one residual splitter of the project: the finite-volume path of
/// `generate --problem` chooses every derivative (`linearDecomposition()`: the operator
/// −∇·(a∇u) + b·∇u + c u = f, N = 0); GP-HM chooses the derivatives of order ≥ 1
/// (`Σ c_i u_(x_i x_i) + N(u, x) = f`).
extension SymbolicExpression {
    /// `r = Σ_m C_m ∂^m u + N + r₀` (see the extension's description).
    public struct LinearDecomposition: Sendable {
        /// `C_m` per chosen derivative `∂^m u` (free of fields).
        public var terms: [FieldDerivative: SymbolicExpression]
        /// `N`: the terms in the fields' derivatives that were not chosen (0 when every one is chosen).
        public var fieldPart: SymbolicExpression
        /// `r₀`: the field-free part.
        public var rest: SymbolicExpression

        /// Every part transformed by `by` (a field-free factor or divisor, or a sign).
        func scaled(_ by: (SymbolicExpression) -> SymbolicExpression) -> LinearDecomposition {
            LinearDecomposition(terms: terms.mapValues(by), fieldPart: by(fieldPart), rest: by(rest))
        }
    }

    /// The field coefficients and the field-free part, or nil when the expression is not linear in
    /// the fields (a product of two field terms, a field inside a function or a power, a field in a
    /// denominator or a comparison).
    public func linearDecomposition() -> (terms: [FieldDerivative: SymbolicExpression], rest: SymbolicExpression)? {
        linearDecomposition(in: { _ in true }).map { ($0.terms, $0.rest) }
    }

    /// The split linear in the derivatives `isChosen` selects, or nil when a chosen derivative appears
    /// otherwise than linearly with a field-free coefficient (a product with another field term, inside
    /// a function or a power, in a denominator or a comparison). A subexpression without chosen
    /// derivatives but with other field terms goes to `fieldPart` whole.
    public func linearDecomposition(in isChosen: (FieldDerivative) -> Bool) -> LinearDecomposition? {
        let zero = SymbolicExpression.constant(0)
        if involvesFields && !fieldDerivatives.contains(where: isChosen) {
            return LinearDecomposition(terms: [:], fieldPart: self, rest: zero)
        }
        switch self {
        case .constant, .coordinate, .parameter, .randomCoefficient:
            return LinearDecomposition(terms: [:], fieldPart: zero, rest: self)
        case .field(let k, let m):
            return LinearDecomposition(terms: [FieldDerivative(field: k, orders: m): .constant(1)], fieldPart: zero, rest: zero)
        case .sum(let a, let b), .difference(let a, let b):
            guard let left = a.linearDecomposition(in: isChosen), let right = b.linearDecomposition(in: isChosen) else { return nil }
            let isSum: Bool
            if case .sum = self { isSum = true } else { isSum = false }
            func combine(_ x: SymbolicExpression, _ y: SymbolicExpression) -> SymbolicExpression { isSum ? x + y : x - y }
            var terms = left.terms
            for (key, value) in right.terms { terms[key] = combine(terms[key] ?? zero, value) }
            return LinearDecomposition(terms: terms, fieldPart: combine(left.fieldPart, right.fieldPart), rest: combine(left.rest, right.rest))
        case .product(let a, let b):
            if !a.involvesFields, let right = b.linearDecomposition(in: isChosen) { return right.scaled { a * $0 } }
            if !b.involvesFields, let left = a.linearDecomposition(in: isChosen) { return left.scaled { $0 * b } }
            return nil
        case .quotient(let a, let b):
            guard !b.involvesFields, let left = a.linearDecomposition(in: isChosen) else { return nil }
            return left.scaled { $0 / b }
        case .negation(let a):
            return a.linearDecomposition(in: isChosen)?.scaled { -$0 }
        case .power, .function, .comparison:
            return involvesFields ? nil : LinearDecomposition(terms: [:], fieldPart: zero, rest: self)
        }
    }

    /// The expression rebuilt bottom-up with the simplifying operators after `replace` (nil keeps a
    /// leaf): e.g. derivatives of random coefficients set to 0 fold `−a_x + a_x` to the constant 0.
    public func substituting(_ replace: (SymbolicExpression) -> SymbolicExpression?) -> SymbolicExpression {
        if let replaced = replace(self) { return replaced }
        switch self {
        case .constant, .coordinate, .parameter, .field, .randomCoefficient: return self
        case .sum(let a, let b): return a.substituting(replace) + b.substituting(replace)
        case .difference(let a, let b): return a.substituting(replace) - b.substituting(replace)
        case .product(let a, let b): return a.substituting(replace) * b.substituting(replace)
        case .quotient(let a, let b): return a.substituting(replace) / b.substituting(replace)
        case .power(let a, let b): return .raise(a.substituting(replace), b.substituting(replace))
        case .negation(let a): return -a.substituting(replace)
        case .function(let f, let a): return .apply(f, a.substituting(replace))
        case .comparison(let c, let a, let b): return .comparison(c, a.substituting(replace), b.substituting(replace))
        }
    }
}
