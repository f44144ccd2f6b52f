import SparseSolvers

/// The Deep Conjugate Direction Method (DCDM) for symmetric positive definite A x = b.
///
/// ```
/// r₀ = b − A x₀
/// for k = 0, 1, …:
///     q = f(rₖ / ‖rₖ‖);  w = A q                              (one product with A)
///     for the last `memory` directions dᵢ (default 2):          A-orthogonalize
///         βᵢ = wᵀdᵢ / (dᵢᵀ A dᵢ);  q ← q − βᵢ dᵢ;  w ← w − βᵢ A dᵢ
///     dₖ = q;  αₖ = dₖᵀ rₖ / dₖᵀ A dₖ
///     xₖ₊₁ = xₖ + αₖ dₖ;   rₖ₊₁ = rₖ − αₖ A dₖ
/// stop when ‖rₖ‖ ≤ max(rtol ‖b‖, atol) (confirmed on the true residual) or at the iteration limit
/// ```
/// Each step minimizes the A-norm of the error along dₖ, so ‖e‖_A never increases for *any* direction map f,
/// and decreases by the factor 1 − cos²∠_A(dₖ, eₖ). A nonlinear f can, however, settle on residuals whose
/// direction is (nearly) orthogonal to r — an untrained ReLU network stalled that way on 16² Poisson — so
/// this implementation adds a safeguard not in the paper: when |cos∠(dₖ, rₖ)| < τ (default 10⁻³) the step
/// uses rₖ instead (A-orthogonalized the same way, one extra product with A). With it every step does at
/// least as well as an A-orthogonalized steepest-descent step. f = I gives CG in exact arithmetic, a
/// fixed SPD preconditioner M⁻¹ gives PCG, and f = A⁻¹ converges in one step. With a network trained to
/// approximate A⁻¹ (up to scale) the directions are nearly A-conjugate to all earlier ones, which is why
/// two are enough to orthogonalize against. Because f is nonlinear, the recurrence is not a Krylov
/// method and has no three-term optimality: the residual norm is not monotone, only the A-norm error is.
///
/// `directions` is any `LinearOperator`: usually a `DCDMDirectionOperator` wrapping a trained network,
/// but a preconditioner or a solver works too, which is how the tests check the iteration.
///
/// Outcomes: `.breakdown` when dᵀAd ≤ 0 or a value is not finite (f produced NaN, or A is not positive
/// definite), `.stagnation` when f returns a direction with dᵀr = 0 (no progress possible),
/// `.iterationLimit` otherwise unless the tolerance is met.
///
/// Complexity: per iteration one application of f, one of A, and O(memory · n) vector work; memory
/// (4 + 2·memory) n.
/// References: A. Kaneda, O. Akar, J. Chen, V. A. T. Kala, D. Hyde, J. Teran, "A Deep Conjugate Direction
/// Method for Iteratively Solving Linear Systems", ICML 2023, Algorithm 1.
public struct DeepConjugateDirection: IterativeSolver {
    public var criterion: StoppingCriterion
    /// The direction map f (applied to unit-norm residuals).
    public var directions: any LinearOperator
    /// How many previous search directions each new one is A-orthogonalized against (the paper uses 2).
    public var memory: Int
    /// Safeguard threshold τ: when the orthogonalized direction has |cos∠(d, r)| < τ, the step uses r
    /// instead (0 disables it).
    public var fallbackCosine: Double

    public init(directions: any LinearOperator, criterion: StoppingCriterion = StoppingCriterion(), memory: Int = 2,
                fallbackCosine: Double = 1e-3) {
        precondition(memory >= 0, "DeepConjugateDirection: memory must be non-negative")
        precondition(fallbackCosine >= 0 && fallbackCosine < 1, "DeepConjugateDirection: fallbackCosine must be in [0, 1)")
        self.directions = directions
        self.criterion = criterion
        self.memory = memory
        self.fallbackCosine = fallbackCosine
    }

    public var methodName: String {
        let inner: String
        if directions is DCDMDirectionOperator { inner = "network" }
        else if let named = directions as? any NamedPreconditioner { inner = named.preconditionerName }
        else { inner = String(describing: type(of: directions)) }
        return "DCDM(\(inner))"
    }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        solveCountingFallbacks(a, rightHandSide: b, initialGuess: initialGuess).result
    }

    /// `solve`, also returning how many steps used the residual instead of f's direction (the safeguard).
    public func solveCountingFallbacks(_ a: any LinearOperator, rightHandSide b: [Double],
                                       initialGuess: [Double]? = nil) -> (result: SolveResult, fallbacks: Int) {
        var fallbacks = 0
        let result = iterate(a, b, initialGuess, &fallbacks)
        return (result, fallbacks)
    }

    func iterate(_ a: any LinearOperator, _ b: [Double], _ initialGuess: [Double]?, _ fallbacks: inout Int) -> SolveResult {
        let start = ContinuousClock.now
        let n = b.count
        precondition(a.rowCount == n && a.columnCount == n, "DCDM: operator is \(a.rowCount)×\(a.columnCount), b has length \(n)")
        precondition(directions.rowCount == n && directions.columnCount == n, "DCDM: direction map has the wrong size")
        var x = initialGuess ?? [Double](repeating: 0, count: n)
        precondition(x.count == n, "DCDM: initial guess has the wrong length")
        let bNorm = VectorOperations.norm(b)
        let threshold = criterion.threshold(rightHandSideNorm: bNorm)
        var history: [Double] = []
        var iterations = 0
        var applications = 0

        func finish(_ proposed: SolveOutcome) -> SolveResult {
            applications += 1
            let rNorm = VectorOperations.norm(VectorOperations.residual(a, x, b))
            var outcome = proposed
            if rNorm.isFinite && rNorm <= threshold { outcome = .converged }
            else if outcome == .converged { outcome = rNorm.isFinite ? .stagnation : .breakdown }
            if !rNorm.isFinite { outcome = .breakdown }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let report = SolveReport(outcome: outcome, iterations: iterations, residualNorms: history,
                                     relativeResidual: bNorm > 0 ? rNorm / bNorm : rNorm, method: methodName,
                                     seconds: seconds, operatorApplications: applications)
            return SolveResult(solution: x, report: report)
        }

        // r = b − A x
        applications += 1
        var r = VectorOperations.residual(a, x, b)
        var rNorm = VectorOperations.norm(r)
        history.append(rNorm)
        guard rNorm.isFinite else { return finish(.breakdown) }
        if rNorm <= threshold { return finish(.converged) }
        // Previous directions dᵢ, A dᵢ and dᵢᵀ A dᵢ (most recent last).
        var previous: [(d: [Double], ad: [Double], dad: Double)] = []
        var q = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        while true {
            if iterations >= criterion.maximumIterations { return finish(.iterationLimit) }
            // q = f(r / ‖r‖)
            var unit = r
            VectorOperations.scale(1 / rNorm, &unit)
            directions.apply(unit, into: &q)
            guard VectorOperations.allFinite(q) else { return finish(.breakdown) }
            // w = A q
            a.apply(q, into: &w)
            applications += 1
            // A-orthogonalize against the last `memory` directions: q ← q − βᵢ dᵢ, w ← w − βᵢ A dᵢ
            for p in previous {
                let beta = VectorOperations.dot(w, p.d) / p.dad
                VectorOperations.axpy(-beta, p.d, &q)
                VectorOperations.axpy(-beta, p.ad, &w)
            }
            // Safeguard: a direction (nearly) orthogonal to r makes no progress; use r itself for this step.
            if fallbackCosine > 0 {
                let cosine = VectorOperations.dot(q, r) / (VectorOperations.norm(q) * rNorm)
                if !(abs(cosine) >= fallbackCosine) {
                    fallbacks += 1
                    q = r
                    a.apply(q, into: &w)
                    applications += 1
                    for p in previous {
                        let beta = VectorOperations.dot(w, p.d) / p.dad
                        VectorOperations.axpy(-beta, p.d, &q)
                        VectorOperations.axpy(-beta, p.ad, &w)
                    }
                }
            }
            // α = dᵀr / dᵀAd
            let dad = VectorOperations.dot(q, w)
            guard dad.isFinite else { return finish(.breakdown) }
            guard dad > 0 else {
                // dᵀAd = 0 with d ≠ 0 (or < 0): A is not SPD; d = 0: f gave a direction in span of the last ones.
                return finish(VectorOperations.norm(q) == 0 ? .stagnation : .breakdown)
            }
            let dr = VectorOperations.dot(q, r)
            if dr == 0 { return finish(.stagnation) }
            let alpha = dr / dad
            // x = x + α d,  r = r − α A d
            VectorOperations.axpy(alpha, q, &x)
            VectorOperations.axpy(-alpha, w, &r)
            iterations += 1
            rNorm = VectorOperations.norm(r)
            history.append(rNorm)
            guard rNorm.isFinite else { return finish(.breakdown) }
            if rNorm <= threshold {
                // Confirm on the true residual; otherwise continue from it (residual replacement).
                applications += 1
                let trueResidual = VectorOperations.residual(a, x, b)
                let trueNorm = VectorOperations.norm(trueResidual)
                if trueNorm <= threshold { return finish(.converged) }
                r = trueResidual
                rNorm = trueNorm
            }
            if memory > 0 {
                previous.append((q, w, dad))
                if previous.count > memory { previous.removeFirst() }
            }
        }
    }
}
