/// The (preconditioned) conjugate gradient method for symmetric positive definite A and M.
///
/// ```
/// r₀ = b − A x₀,  z₀ = M⁻¹ r₀,  p₀ = z₀
/// αⱼ = (rⱼᵀ zⱼ) / (pⱼᵀ A pⱼ)
/// xⱼ₊₁ = xⱼ + αⱼ pⱼ,   rⱼ₊₁ = rⱼ − αⱼ A pⱼ,   zⱼ₊₁ = M⁻¹ rⱼ₊₁
/// βⱼ = (rⱼ₊₁ᵀ zⱼ₊₁) / (rⱼᵀ zⱼ),   pⱼ₊₁ = zⱼ₊₁ + βⱼ pⱼ
/// ```
/// xⱼ minimizes the A-norm of the error over x₀ + K_j(M⁻¹A, M⁻¹r₀). If pᵀAp ≤ 0 (A not positive
/// definite) or rᵀz ≤ 0 (M not positive definite) the method reports `.breakdown`.
///
/// Complexity: per iteration one product with A, one with M⁻¹, 2 dot products, 3 vector updates; memory 4n.
/// References: M. R. Hestenes, E. Stiefel, "Methods of conjugate gradients for solving linear systems",
/// J. Res. NBS 49, 1952; Saad 2003, Algorithms 6.18 and 9.1.
public struct ConjugateGradient: IterativeSolver {
    public var criterion: StoppingCriterion
    /// M⁻¹ (symmetric positive definite), or nil for plain CG.
    public var preconditioner: (any LinearOperator)?

    public init(criterion: StoppingCriterion = StoppingCriterion(), preconditioner: (any LinearOperator)? = nil) {
        self.criterion = criterion
        self.preconditioner = preconditioner
    }

    public var methodName: String { (preconditioner == nil ? "CG" : "PCG") + preconditionerName(preconditioner) }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        var run = KrylovRun(a: a, b: b, criterion: criterion, method: methodName)
        var x = run.initialSolution(initialGuess)
        let n = b.count
        // r = b − A x
        var r = run.residual(x)
        var rNorm = VectorOperations.norm(r)
        run.history.append(rNorm)
        guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
        if rNorm <= run.threshold { return run.finish(x, outcome: .converged) }
        var z = [Double](repeating: 0, count: n)
        // z = M⁻¹ r, p = z
        applyPreconditioner(preconditioner, r, into: &z)
        var p = z
        var rho = VectorOperations.dot(r, z)
        var q = [Double](repeating: 0, count: n)
        while true {
            if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
            guard rho > 0, rho.isFinite else { return run.finish(x, outcome: .breakdown) }
            // q = A p
            run.apply(p, into: &q)
            run.iterations += 1
            // α = ρ / (pᵀ q); pᵀAp ≤ 0 means A is not positive definite
            let pq = VectorOperations.dot(p, q)
            guard pq > 0, pq.isFinite else { return run.finish(x, outcome: .breakdown) }
            let alpha = rho / pq
            // x = x + α p,  r = r − α q
            VectorOperations.axpy(alpha, p, &x)
            VectorOperations.axpy(-alpha, q, &r)
            rNorm = VectorOperations.norm(r)
            run.history.append(rNorm)
            guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
            run.offer(x, residualNorm: rNorm)
            if rNorm <= run.threshold {
                // Confirm on the true residual; otherwise continue from it (residual replacement).
                let trueR = run.residual(x)
                if VectorOperations.norm(trueR) <= run.threshold { return run.finish(x, outcome: .converged) }
                r = trueR
            }
            // z = M⁻¹ r
            applyPreconditioner(preconditioner, r, into: &z)
            // β = (rᵀz)_new / (rᵀz)_old,  p = z + β p
            let rhoNew = VectorOperations.dot(r, z)
            let beta = rhoNew / rho
            rho = rhoNew
            xpby(z, beta, &p)
        }
    }
}
