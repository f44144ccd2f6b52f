/// Splitting an expression that is linear in the unknown fields into its coefficients.
///
/// ```
/// r  =  Σ_m C_m(x) ∂^m u  +  r₀(x)        (m over the field derivatives r uses)
/// ```
/// worked out on the tree (C_m and r₀ are expressions of the coordinates, parameters and random
/// coefficients, built with the simplifying operators, so `−div(a grad u)` gives C_xx = −a exactly,
/// not `(−a − 1) + 1`). Used by the finite-volume path of `generate --problem`, which needs the
/// operator −∇·(a∇u) + b·∇u + c u = f.
extension SymbolicExpression {
    /// The field coefficients and the field-free part, or nil when the expression is not linear in
    /// the fields (a product of two field terms, a field inside a function or a power, a field in a
    /// denominator or a comparison).
    public func linearDecomposition() -> (terms: [FieldDerivative: SymbolicExpression], rest: SymbolicExpression)? {
        func scaled(_ d: (terms: [FieldDerivative: SymbolicExpression], rest: SymbolicExpression),
                    _ by: (SymbolicExpression) -> SymbolicExpression) -> ([FieldDerivative: SymbolicExpression], SymbolicExpression) {
            (d.terms.mapValues(by), by(d.rest))
        }
        switch self {
        case .constant, .coordinate, .parameter, .randomCoefficient: return ([:], self)
        case .field(let k, let m): return ([FieldDerivative(field: k, orders: m): .constant(1)], .constant(0))
        case .sum(let a, let b), .difference(let a, let b):
            guard let left = a.linearDecomposition(), let right = b.linearDecomposition() else { return nil }
            let isSum: Bool
            if case .sum = self { isSum = true } else { isSum = false }
            var terms = left.terms
            for (key, value) in right.terms {
                let existing = terms[key] ?? .constant(0)
                terms[key] = isSum ? existing + value : existing - value
            }
            return (terms, isSum ? left.rest + right.rest : left.rest - right.rest)
        case .product(let a, let b):
            if !a.involvesFields, let right = b.linearDecomposition() { return scaled(right) { a * $0 } }
            if !b.involvesFields, let left = a.linearDecomposition() { return scaled(left) { $0 * b } }
            return nil
        case .quotient(let a, let b):
            guard !b.involvesFields, let left = a.linearDecomposition() else { return nil }
            return scaled(left) { $0 / b }
        case .negation(let a):
            guard let inner = a.linearDecomposition() else { return nil }
            return scaled(inner) { -$0 }
        case .power, .function, .comparison:
            return involvesFields ? nil : ([:], self)
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
