import SparseSolvers

/// The scale-invariant DCDM training losses and their exact gradients with respect to the network output.
///
/// ```
/// q = f(b),  u = A q,  α = qᵀb / qᵀAq,  x = α q        (one DCDM step from x = 0)
/// s = qᵀb, t = qᵀu, c = uᵀb, e = uᵀu
///
/// residual (the paper's):  L_r = ‖b − α A q‖²  =  bᵀb − 2 s c / t + s² e / t²
///     ∂L_r/∂q = (−2c/t + 2se/t²) b − (2s/t) A b + (4sc/t² − 4s²e/t³) u + (2s²/t²) A u     (A = Aᵀ)
///
/// energy:  L_e = ‖A⁻¹b − α q‖²_A / ‖A⁻¹b‖²_A  =  1 − s² / (t ρ),   ρ = bᵀA⁻¹b
///     ∂L_e/∂q = −(2s/(t ρ)) b + (2s²/(t² ρ)) u
/// ```
/// Both are invariant under q → γq (γ ≠ 0): α absorbs the scale, so the network only has to get the
/// direction of A⁻¹b right, and both vanish exactly at q ∝ A⁻¹b. L_e is the relative A-norm error left
/// after the step, which is what a DCDM step actually reduces; ρ is given by the caller (the Ritz estimate
/// from `RitzTrainingSet`; a constant factor per sample, it only weights the samples). Why two: for
/// low-end-weighted b, the paper's L_r is larger at f = I (about 1.3 measured on 32², ‖b‖ = 1) than on the
/// plateau q ⊥ b (L_r = ‖b‖² = 1), and training from the near-identity initialization slid onto that
/// plateau; on L_e the plateau q ⊥ b is the *worst* value (1), so descent moves away from it.
/// The sparse products run in double precision outside the autodiff tape; the network is backpropagated
/// with ∂L/∂q as the seed.
///
/// Complexity: L_r: three products with A (A q, A b, A u); L_e: one. O(n) vector work.
/// References: Kaneda et al., ICML 2023, §4 (the loss L_r); Saad 2003, §5.2 (A-norm error of a projection step).
public enum DCDMLoss: String, Sendable, CaseIterable, Codable {
    /// ‖b − α A q‖² (Kaneda et al.).
    case residual
    /// 1 − (qᵀb)² / (qᵀAq · bᵀA⁻¹b).
    case energy

    /// L(q; b) and ∂L/∂q; `energy` is ρ = bᵀA⁻¹b (used by `.energy` only). Zero gradient when qᵀAq = 0.
    public func valueAndGradient(direction q: [Double], rightHandSide b: [Double], energy rho: Double,
                                 matrix a: any LinearOperator) -> (value: Double, gradient: [Double]) {
        switch self {
        case .residual: return Self.residualValueAndGradient(direction: q, rightHandSide: b, matrix: a)
        case .energy:
            let u = a.applied(to: q)
            let s = VectorOperations.dot(q, b), t = VectorOperations.dot(q, u)
            guard t > 0, t.isFinite, rho > 0 else { return (1, [Double](repeating: 0, count: q.count)) }
            let value = 1 - s * s / (t * rho)
            let cb = -2 * s / (t * rho), cu = 2 * s * s / (t * t * rho)
            var g = [Double](repeating: 0, count: q.count)
            for i in 0..<g.count { g[i] = cb * b[i] + cu * u[i] }
            return (value, g)
        }
    }

    /// L_e(q; b) with ρ = bᵀA⁻¹b given.
    public static func energyValue(direction q: [Double], rightHandSide b: [Double], energy rho: Double,
                                   matrix a: any LinearOperator) -> Double {
        let u = a.applied(to: q)
        let s = VectorOperations.dot(q, b), t = VectorOperations.dot(q, u)
        guard t > 0, rho > 0 else { return 1 }
        return 1 - s * s / (t * rho)
    }

    /// L_r(q; b) = ‖b − α A q‖². Returns ‖b‖² when qᵀAq = 0 (no step).
    public static func value(direction q: [Double], rightHandSide b: [Double], matrix a: any LinearOperator) -> Double {
        let u = a.applied(to: q)
        let s = VectorOperations.dot(q, b), t = VectorOperations.dot(q, u)
        guard t != 0 else { return VectorOperations.dot(b, b) }
        var r = b
        VectorOperations.axpy(-s / t, u, &r)
        return VectorOperations.dot(r, r)
    }

    /// L_r(q; b) and ∂L_r/∂q. When qᵀAq = 0 the gradient is zero.
    public static func valueAndGradient(direction q: [Double], rightHandSide b: [Double],
                                        matrix a: any LinearOperator) -> (value: Double, gradient: [Double]) {
        residualValueAndGradient(direction: q, rightHandSide: b, matrix: a)
    }

    static func residualValueAndGradient(direction q: [Double], rightHandSide b: [Double],
                                         matrix a: any LinearOperator) -> (value: Double, gradient: [Double]) {
        let u = a.applied(to: q)
        let s = VectorOperations.dot(q, b), t = VectorOperations.dot(q, u)
        let c = VectorOperations.dot(u, b), e = VectorOperations.dot(u, u)
        let bb = VectorOperations.dot(b, b)
        guard t != 0, t.isFinite else { return (bb, [Double](repeating: 0, count: q.count)) }
        let value = max(0, bb - 2 * s * c / t + s * s * e / (t * t))
        let ab = a.applied(to: b), au = a.applied(to: u)
        let cb = -2 * c / t + 2 * s * e / (t * t)
        let cab = -2 * s / t
        let cu = 4 * s * c / (t * t) - 4 * s * s * e / (t * t * t)
        let cau = 2 * s * s / (t * t)
        var g = [Double](repeating: 0, count: q.count)
        for i in 0..<g.count { g[i] = cb * b[i] + cab * ab[i] + cu * u[i] + cau * au[i] }
        return (value, g)
    }
}
