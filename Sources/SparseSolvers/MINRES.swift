import Foundation

/// MINRES: minimum-residual Krylov method for symmetric (possibly indefinite) A.
///
/// ```
/// Lanczos:   β₁ v₁ = r₀,   βⱼ₊₁ vⱼ₊₁ = A vⱼ − αⱼ vⱼ − βⱼ vⱼ₋₁,  αⱼ = vⱼᵀ A vⱼ
///            A Vⱼ = Vⱼ₊₁ T̄ⱼ  (T̄ⱼ tridiagonal, (j+1) × j)
/// xⱼ = x₀ + Vⱼ yⱼ,   yⱼ = argmin ‖β₁ e₁ − T̄ⱼ y‖   (QR of T̄ⱼ by Givens rotations, updated each step)
/// search directions wⱼ = (vⱼ − εⱼ wⱼ₋₂ − δⱼ wⱼ₋₁) / γⱼ,   xⱼ = xⱼ₋₁ + φⱼ wⱼ,   ‖rⱼ‖ = |φ̄ⱼ|
/// ```
/// Singular A with b outside its range (an inconsistent system): ‖rⱼ‖ cannot reach rtol ‖b‖, and once
/// xⱼ is the least-squares solution further steps divide by γⱼ → 0 and x grows along the null space.
/// The standard second stopping test catches it first (Paige–Saunders; Choi, Paige, Saunders 2011):
/// ```
/// ‖A rⱼ₋₁‖ = φ̄ⱼ₋₁ √(γ̄ⱼ² + δ̄ⱼ₊₁²),   ‖A‖ ≈ ‖T̄ⱼ‖_F = √(Σ αᵢ² + 2 βᵢ²)
/// stop with outcome .leastSquares when √(γ̄ⱼ² + δ̄ⱼ₊₁²) / ‖A‖ = ‖A rⱼ₋₁‖ / (‖A‖ ‖rⱼ₋₁‖) ≤ τ,
/// τ = max(min(rtol, 1e-6), 1e-8)
/// ```
/// and xⱼ₋₁ (before the step) is returned. The floor 1e-8 matters: in floating point the ratio
/// bottoms out (about 2e-10 on a 16² Neumann Laplacian) and rises again as the iterates drift along
/// the null space, so a smaller τ is never met and x diverges. A consistent system is mistaken for
/// an inconsistent one only when κ(A) ≳ 1/τ (then it is singular to working accuracy anyway). As in every Krylov method here, the returned iterate is
/// never worse than the initial guess (`KrylovRun.finish`).
/// With a symmetric positive definite preconditioner M the Lanczos process runs in the M⁻¹ inner
/// product and |φ̄ⱼ| is the M⁻¹-norm of the residual; the 2-norm test is then confirmed explicitly.
///
/// Complexity: per iteration one product with A (and M⁻¹), 2 dot products, ~7 vector updates; memory 7n.
/// References: C. C. Paige, M. A. Saunders, "Solution of sparse indefinite systems of linear equations",
/// SIAM J. Numer. Anal. 12(4), 1975; S.-C. T. Choi, C. C. Paige, M. A. Saunders, "MINRES-QLP",
/// SIAM J. Sci. Comput. 33(4), 2011 (the ‖A r‖ test); Saad 2003, §6.6.
public struct MINRES: IterativeSolver {
    public var criterion: StoppingCriterion
    /// M⁻¹, symmetric positive definite, or nil.
    public var preconditioner: (any LinearOperator)?

    public init(criterion: StoppingCriterion = StoppingCriterion(), preconditioner: (any LinearOperator)? = nil) {
        self.criterion = criterion
        self.preconditioner = preconditioner
    }

    public var methodName: String { "MINRES" + preconditionerName(preconditioner) }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        var run = KrylovRun(a: a, b: b, criterion: criterion, method: methodName)
        var x = run.initialSolution(initialGuess)
        let n = b.count
        // r₁ = b − A x₀,  y = M⁻¹ r₁,  β₁ = sqrt(r₁ᵀ y)
        var r1 = run.residual(x)
        let r0Norm = VectorOperations.norm(r1)
        run.history.append(r0Norm)
        guard r0Norm.isFinite else { return run.finish(x, outcome: .breakdown) }
        if r0Norm <= run.threshold { return run.finish(x, outcome: .converged) }
        var y = [Double](repeating: 0, count: n)
        applyPreconditioner(preconditioner, r1, into: &y)
        let beta1Squared = VectorOperations.dot(r1, y)
        guard beta1Squared > 0 else { return run.finish(x, outcome: .breakdown) }
        let beta1 = beta1Squared.squareRoot()
        // Threshold in the preconditioned norm, scaled like the 2-norm test.
        let estimateThreshold = preconditioner == nil ? run.threshold : run.threshold * beta1 / r0Norm
        var r2 = r1
        var v = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n), w1 = w, w2 = w
        var oldBeta = 0.0, beta = beta1
        var dbar = 0.0, epsilon = 0.0, phibar = beta1
        var cs = -1.0, sn = 0.0
        // ‖T̄ⱼ‖²_F, the estimate of ‖A‖² for the least-squares test.
        var tridiagonalNormSquared = 0.0
        let leastSquaresTolerance = max(min(criterion.relativeTolerance, 1e-6), 1e-8)
        while true {
            if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
            // vⱼ = y / βⱼ
            for i in 0..<n { v[i] = y[i] / beta }
            // y = A vⱼ − (βⱼ/βⱼ₋₁) r₁
            run.apply(v, into: &y)
            run.iterations += 1
            if run.iterations >= 2 { VectorOperations.axpy(-beta / oldBeta, r1, &y) }
            // αⱼ = vⱼᵀ y,   y = y − (αⱼ/βⱼ) r₂
            let alpha = VectorOperations.dot(v, y)
            VectorOperations.axpy(-alpha / beta, r2, &y)
            swap(&r1, &r2)
            r2 = y
            // y = M⁻¹ r₂,  βⱼ₊₁ = sqrt(r₂ᵀ y)
            applyPreconditioner(preconditioner, r2, into: &y)
            oldBeta = beta
            let betaSquared = VectorOperations.dot(r2, y)
            guard betaSquared >= 0, betaSquared.isFinite else { return run.finish(x, outcome: .breakdown) }
            beta = betaSquared.squareRoot()
            // Apply the previous rotation to the new column of T̄, then build the next rotation.
            let oldEpsilon = epsilon
            let delta = cs * dbar + sn * alpha
            let gbar = sn * dbar - cs * alpha
            epsilon = sn * beta
            dbar = -cs * beta
            // Least-squares test on the iterate before this step: ‖A r‖ / (‖A‖ ‖r‖) = √(γ̄² + δ̄²) / ‖A‖.
            tridiagonalNormSquared += alpha * alpha + oldBeta * oldBeta + beta * beta
            let operatorNorm = tridiagonalNormSquared.squareRoot()
            let normalResidualRatio = (gbar * gbar + dbar * dbar).squareRoot()
            if run.iterations >= 2, operatorNorm > 0, normalResidualRatio <= leastSquaresTolerance * operatorNorm {
                return run.finish(x, outcome: .leastSquares)
            }
            let gamma = max((gbar * gbar + beta * beta).squareRoot(), Double.leastNormalMagnitude)
            cs = gbar / gamma
            sn = beta / gamma
            let phi = cs * phibar
            phibar = sn * phibar
            // wⱼ = (vⱼ − εⱼ wⱼ₋₂ − δⱼ wⱼ₋₁) / γⱼ,   x = x + φⱼ wⱼ
            swap(&w1, &w2)      // w1 ← old w2 (wⱼ₋₂)
            swap(&w2, &w)       // w2 ← old w  (wⱼ₋₁)
            for i in 0..<n { w[i] = (v[i] - oldEpsilon * w1[i] - delta * w2[i]) / gamma }
            VectorOperations.axpy(phi, w, &x)
            let estimate = abs(phibar)
            run.history.append(preconditioner == nil ? estimate : estimate * r0Norm / beta1)
            run.offer(x, residualNorm: estimate)
            guard estimate.isFinite else { return run.finish(x, outcome: .breakdown) }
            if estimate <= estimateThreshold {
                let trueNorm = VectorOperations.norm(run.residual(x))
                if trueNorm <= run.threshold { return run.finish(x, outcome: .converged) }
            }
            if beta == 0 {
                // Lanczos terminated: the Krylov space is invariant; x is the minimum-residual solution.
                return run.finish(x, outcome: .stagnation)
            }
        }
    }
}
