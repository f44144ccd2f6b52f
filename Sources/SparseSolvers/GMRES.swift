/// Restarted GMRES(m) with left or right preconditioning.
///
/// ```
/// cycle:  r₀ = b − A x₀ (right/none) or M⁻¹(b − A x₀) (left),  β = ‖r₀‖,  v₁ = r₀ / β
/// Arnoldi (j = 1…m):  w = A M⁻¹ vⱼ (right) or M⁻¹ A vⱼ (left);  hᵢⱼ = vᵢᵀ w;  w ← w − Σ hᵢⱼ vᵢ
///                     h_{j+1,j} = ‖w‖,  vⱼ₊₁ = w / h_{j+1,j}      (A Vⱼ = Vⱼ₊₁ H̄ⱼ)
/// yⱼ = argmin ‖β e₁ − H̄ⱼ y‖ (Givens), x = x₀ + M⁻¹ Vⱼ yⱼ (right) or x₀ + Vⱼ yⱼ (left)
/// ```
/// The cycle restarts from the true residual. Right preconditioning minimizes ‖b − A x‖₂ itself;
/// left preconditioning minimizes ‖M⁻¹(b − A x)‖₂ (its in-cycle history entries are that norm) and the
/// stopping test is confirmed on the true residual at the end of each cycle. A cycle that does not
/// reduce the true residual reports `.stagnation`.
///
/// Complexity: per iteration one product with A and M⁻¹ plus O(j n) orthogonalization (classical Gram–Schmidt with selective reorthogonalization, BLAS-2);
/// memory (m + 1) n.
/// References: Y. Saad, M. H. Schultz, SIAM J. Sci. Stat. Comput. 7(3), 1986; Saad 2003, Algorithms 9.4 and 9.5.
public struct GMRES: IterativeSolver {
    public var criterion: StoppingCriterion
    /// Restart length m (Krylov dimension per cycle).
    public var restart: Int
    public var preconditioner: (any LinearOperator)?
    public var side: PreconditionerSide

    public init(restart: Int = 40, criterion: StoppingCriterion = StoppingCriterion(),
                preconditioner: (any LinearOperator)? = nil, side: PreconditionerSide = .right) {
        precondition(restart >= 1, "GMRES: restart must be ≥ 1")
        self.restart = restart
        self.criterion = criterion
        self.preconditioner = preconditioner
        self.side = side
    }

    public var methodName: String {
        "GMRES(\(restart))" + preconditionerName(preconditioner) + (preconditioner == nil ? "" : ",\(side.rawValue)")
    }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        restartedArnoldiSolve(a, b, initialGuess, restart: restart, criterion: criterion, preconditioner: preconditioner,
                              side: side, flexible: false, method: methodName)
    }
}

/// The shared GMRES/FGMRES cycle.
func restartedArnoldiSolve(_ a: any LinearOperator, _ b: [Double], _ initialGuess: [Double]?, restart m: Int,
                           criterion: StoppingCriterion, preconditioner: (any LinearOperator)?, side: PreconditionerSide,
                           flexible: Bool, method: String) -> SolveResult {
    var run = KrylovRun(a: a, b: b, criterion: criterion, method: method)
    var x = run.initialSolution(initialGuess)
    let n = b.count
    let left = preconditioner != nil && side == .left && !flexible
    var previousNorm = Double.infinity
    var w = [Double](repeating: 0, count: n)
    var t = [Double](repeating: 0, count: n)
    var basis = VectorBlock(length: n, columns: m + 1)
    var zBasis = VectorBlock(length: flexible ? n : 0, columns: flexible ? m : 0)
    while true {
        // r = b − A x (true residual at every restart)
        let r = run.residual(x)
        let rNorm = VectorOperations.norm(r)
        run.history.append(rNorm)
        guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
        run.offer(x, residualNorm: rNorm)
        if rNorm <= run.threshold { return run.finish(x, outcome: .converged) }
        if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
        // r̂ = M⁻¹ r for left preconditioning
        var start = r
        if left { preconditioner!.apply(r, into: &start) }
        let beta = VectorOperations.norm(start)
        guard beta > 0, beta.isFinite else { return run.finish(x, outcome: .breakdown) }
        // Stagnation: a whole cycle did not reduce the minimized norm (‖M⁻¹r‖ when left-preconditioned).
        let minimizedNorm = left ? beta : rNorm
        if minimizedNorm >= previousNorm * (1 - 1e-13) { return run.finish(x, outcome: .stagnation) }
        previousNorm = minimizedNorm
        // Inner tolerance: the true threshold, rescaled to the preconditioned norm when left-preconditioned.
        let innerThreshold = left ? run.threshold * beta / rNorm : run.threshold
        // v₁ = r̂ / β
        basis.setColumn(0, start, scale: 1 / beta)
        var lsq = GivensLeastSquares(beta: beta)
        var j = 0
        var brokeDown = false
        while j < m && run.iterations < criterion.maximumIterations {
            if left {
                // w = M⁻¹ A vⱼ
                basis.apply(a, column: j, into: &t)
                run.applications += 1
                preconditioner!.apply(t, into: &w)
            } else if let pre = preconditioner {
                // zⱼ = M⁻¹ vⱼ,  w = A zⱼ
                basis.apply(pre, column: j, into: &t)
                if flexible { zBasis.setColumn(j, t) }
                run.apply(t, into: &w)
            } else {
                // w = A vⱼ
                basis.apply(a, column: j, into: &w)
                run.applications += 1
            }
            run.iterations += 1
            // hᵢⱼ = vᵢᵀ w,  w ← w − Σ hᵢⱼ vᵢ  (CGS, reorthogonalized when ‖w‖ drops by more than 1/√2)
            var h = basis.orthogonalize(&w, against: j + 1)
            // h_{j+1,j} = ‖w‖
            let hNext = VectorOperations.norm(w)
            h.append(hNext)
            guard h.allSatisfy({ $0.isFinite }) else { brokeDown = true; break }
            let estimate = lsq.addColumn(h)
            run.history.append(estimate)
            j += 1
            // Happy breakdown: the Krylov space is invariant, the least-squares solution is exact.
            if hNext <= 1e-14 * beta { break }
            if estimate <= innerThreshold { break }
            // vⱼ₊₁ = w / h_{j+1,j}
            basis.setColumn(j, w, scale: 1 / hNext)
        }
        if brokeDown && j == 0 { return run.finish(x, outcome: .breakdown) }
        // y = R⁻¹ g,  x = x + M⁻¹ V y (right), x + Z y (flexible), x + V y (left/none)
        guard j > 0, let y = lsq.solution() else { return run.finish(x, outcome: .breakdown) }
        if flexible && preconditioner != nil {
            VectorOperations.axpy(1, zBasis.combine(y, count: j), &x)
        } else if let pre = preconditioner, !left {
            pre.apply(basis.combine(y, count: j), into: &t)
            VectorOperations.axpy(1, t, &x)
        } else {
            VectorOperations.axpy(1, basis.combine(y, count: j), &x)
        }
        if brokeDown { return run.finish(x, outcome: .breakdown) }
    }
}
