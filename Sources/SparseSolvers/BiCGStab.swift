/// BiCGStab: stabilized bi-conjugate gradients for nonsymmetric A, right-preconditioned.
///
/// ```
/// r₀ = b − A x₀,  r̂ = r₀,  ρ₀ = α = ω = 1,  v = p = 0
/// ρⱼ = r̂ᵀ rⱼ₋₁,   β = (ρⱼ / ρⱼ₋₁)(α / ω),   p = r + β (p − ω v)
/// p̂ = M⁻¹ p,  v = A p̂,  α = ρⱼ / (r̂ᵀ v),  s = r − α v
/// ŝ = M⁻¹ s,  t = A ŝ,  ω = (tᵀ s) / (tᵀ t)
/// x = x + α p̂ + ω ŝ,   r = s − ω t
/// ```
/// ρ = 0, r̂ᵀv = 0 or ω = 0 report `.breakdown`. One iteration costs two products with A.
///
/// Complexity: per iteration 2 products with A and M⁻¹, 4 dot products, 6 vector updates; memory 8n.
/// References: H. A. van der Vorst, "Bi-CGSTAB: a fast and smoothly converging variant of Bi-CG for the
/// solution of nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 13(2), 1992; Saad 2003, Algorithm 7.7.
public struct BiCGStab: IterativeSolver {
    public var criterion: StoppingCriterion
    public var preconditioner: (any LinearOperator)?

    public init(criterion: StoppingCriterion = StoppingCriterion(), preconditioner: (any LinearOperator)? = nil) {
        self.criterion = criterion
        self.preconditioner = preconditioner
    }

    public var methodName: String { "BiCGStab" + preconditionerName(preconditioner) }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        var run = KrylovRun(a: a, b: b, criterion: criterion, method: methodName)
        var x = run.initialSolution(initialGuess)
        let n = b.count
        // r = b − A x,  r̂ = r
        var r = run.residual(x)
        var rNorm = VectorOperations.norm(r)
        run.history.append(rNorm)
        guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
        if rNorm <= run.threshold { return run.finish(x, outcome: .converged) }
        var shadow = r
        var rho = 1.0, alpha = 1.0, omega = 1.0
        var v = [Double](repeating: 0, count: n), p = v, pHat = v, s = v, sHat = v, t = v
        while true {
            if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
            // ρⱼ = r̂ᵀ r
            let rhoNew = VectorOperations.dot(shadow, r)
            guard rhoNew != 0, rhoNew.isFinite else { return run.finish(x, outcome: .breakdown) }
            // β = (ρⱼ/ρⱼ₋₁)(α/ω),  p = r + β (p − ω v)
            let beta = (rhoNew / rho) * (alpha / omega)
            for i in 0..<n { p[i] = r[i] + beta * (p[i] - omega * v[i]) }
            rho = rhoNew
            // p̂ = M⁻¹ p,  v = A p̂
            applyPreconditioner(preconditioner, p, into: &pHat)
            run.apply(pHat, into: &v)
            run.iterations += 1
            // α = ρ / (r̂ᵀ v)
            let shadowV = VectorOperations.dot(shadow, v)
            guard shadowV != 0, shadowV.isFinite else { return run.finish(x, outcome: .breakdown) }
            alpha = rho / shadowV
            // s = r − α v
            for i in 0..<n { s[i] = r[i] - alpha * v[i] }
            let sNorm = VectorOperations.norm(s)
            if sNorm <= run.threshold {
                // x = x + α p̂ (early exit with half a step)
                VectorOperations.axpy(alpha, pHat, &x)
                run.history.append(sNorm)
                let trueR = run.residual(x)
                if VectorOperations.norm(trueR) <= run.threshold { return run.finish(x, outcome: .converged) }
                r = trueR; shadow = r; rho = 1; alpha = 1; omega = 1
                for i in 0..<n { v[i] = 0; p[i] = 0 }
                continue
            }
            // ŝ = M⁻¹ s,  t = A ŝ
            applyPreconditioner(preconditioner, s, into: &sHat)
            run.apply(sHat, into: &t)
            // ω = tᵀ s / tᵀ t
            let tt = VectorOperations.dot(t, t)
            guard tt > 0, tt.isFinite else { return run.finish(x, outcome: .breakdown) }
            omega = VectorOperations.dot(t, s) / tt
            // x = x + α p̂ + ω ŝ,   r = s − ω t
            VectorOperations.axpy(alpha, pHat, &x)
            VectorOperations.axpy(omega, sHat, &x)
            for i in 0..<n { r[i] = s[i] - omega * t[i] }
            rNorm = VectorOperations.norm(r)
            run.history.append(rNorm)
            guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
            run.offer(x, residualNorm: rNorm)
            if rNorm <= run.threshold {
                let trueR = run.residual(x)
                if VectorOperations.norm(trueR) <= run.threshold { return run.finish(x, outcome: .converged) }
                r = trueR; shadow = r; rho = 1; alpha = 1; omega = 1
                for i in 0..<n { v[i] = 0; p[i] = 0 }
                continue
            }
            guard omega != 0 else { return run.finish(x, outcome: .breakdown) }
        }
    }
}
