import CBLAS

/// GCRO-DR(m, k): GMRES with deflated restarting and Krylov subspace recycling across a sequence of systems.
///
/// The solver keeps k vectors Uₖ with Cₖ = A Uₖ, Cₖᵀ Cₖ = I (harmonic Ritz vectors of small harmonic Ritz
/// values), both within one solve (deflated restarting) and from one system to the next.
/// ```
/// new system (or new A):  [Q, R] = qr(A Uₖ),  Cₖ = Q,  Uₖ = Uₖ R⁻¹
/// projection:             x ← x + Uₖ Cₖᵀ r,   r ← r − Cₖ Cₖᵀ r
/// cycle:   m − k Arnoldi steps with (I − Cₖ Cₖᵀ) A from v₁ = r/‖r‖:
///          (I − CₖCₖᵀ) A Vₘ₋ₖ = Vₘ₋ₖ₊₁ H̄ₘ₋ₖ,   Bₖ = Cₖᵀ A Vₘ₋ₖ
///          Ũₖ = Uₖ Dₖ (unit columns),  Ŵₘ = [Ũₖ Vₘ₋ₖ],  Ŵₘ₊₁ = [Cₖ Vₘ₋ₖ₊₁],  Ĝₘ = [Dₖ Bₖ; 0 H̄ₘ₋ₖ]
///          A Ŵₘ = Ŵₘ₊₁ Ĝₘ;   y = argmin ‖Ŵₘ₊₁ᵀ r − Ĝₘ y‖ = argmin ‖[0; ‖r‖e₁] − Ĝₘ y‖
///          (y₂ = GMRES least squares on H̄ₘ₋ₖ, y₁ = −Dₖ⁻¹ Bₖ y₂),   x ← x + Ŵₘ y
/// recycle: Ĝₘᵀ Ĝₘ z = θ Ĝₘᵀ Ŵₘ₊₁ᵀ Ŵₘ z  (harmonic Ritz; k smallest |θ|, complex pairs → real and
///          imaginary parts) → Pₖ;  [Q, R] = qr(Ĝₘ Pₖ),  Cₖ = Ŵₘ₊₁ Q,  Uₖ = Ŵₘ Pₖ R⁻¹
/// ```
/// The first cycle of the first system is a plain GMRES(m) cycle (k = 0 in the formulas above).
/// A right preconditioner M⁻¹ is supported by recycling for A M⁻¹ (x = x₀ + M⁻¹ t); keep it fixed over a sequence.
///
/// Complexity: per Arnoldi step one product with A plus O((m + k) n); per cycle O((m + k)² n + m³);
/// memory (2k + m + 1) n (plus k n for C's recomputation). Recomputing C on a new matrix costs k products.
/// References: M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson, S. Maiti, "Recycling Krylov subspaces
/// for sequences of linear systems", SIAM J. Sci. Comput. 28(5), 2006 (Algorithm 1, GCRO-DR).
public final class GCRODR: IterativeSolver {
    public var criterion: StoppingCriterion
    /// Krylov dimension m of a cycle (including the k recycled directions).
    public let restart: Int
    /// Number k of recycled vectors.
    public let recycledCount: Int
    /// Right preconditioner M⁻¹ (keep it fixed across a sequence), or nil.
    public var preconditioner: (any LinearOperator)?

    /// Recycled Uₖ (n × kₐ, column-major) and Cₖ = A Uₖ (orthonormal); kₐ ≤ k.
    var recycledU: VectorBlock?
    var recycledC: VectorBlock?

    /// Defaults k = 20, m = 40 (Parks et al.; used by the SKR data generator).
    public init(restart: Int = 40, recycledCount: Int = 20, criterion: StoppingCriterion = StoppingCriterion(),
                preconditioner: (any LinearOperator)? = nil) {
        precondition(recycledCount >= 1 && restart > recycledCount, "GCRODR: need 1 ≤ k < m")
        self.restart = restart
        self.recycledCount = recycledCount
        self.criterion = criterion
        self.preconditioner = preconditioner
    }

    public var methodName: String { "GCRO-DR(\(restart),\(recycledCount))" + preconditionerName(preconditioner) }

    /// Dimension of the currently stored recycle space (0 before the first cycle).
    public var recycledDimension: Int { recycledU?.columns ?? 0 }

    /// Forgets the recycle space (next solve starts like GMRES).
    public func resetRecycledSpace() { recycledU = nil; recycledC = nil }

    /// Solves A x = b, recomputing C = A U for the (possibly new) operator.
    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        solve(a, rightHandSide: b, initialGuess: initialGuess, operatorChanged: true)
    }

    /// Solves A x = b. Pass `operatorChanged: false` only when A (and M) are exactly those of the previous
    /// solve, to skip the k products of recomputing C = A U.
    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?,
                      operatorChanged: Bool) -> SolveResult {
        var run = KrylovRun(a: a, b: b, criterion: criterion, method: methodName)
        var x = run.initialSolution(initialGuess)
        let n = b.count
        let op: any LinearOperator = preconditioner.map { ProductOperator(a, $0) } ?? a
        if let u = recycledU, u.length != n { resetRecycledSpace() }
        // A new matrix: [Q, R] = qr(A U), C = Q, U = U R⁻¹.
        if operatorChanged || recycledC == nil, let u = recycledU {
            var au = VectorBlock(length: n, columns: u.columns)
            var col = [Double](repeating: 0, count: n)
            for j in 0..<u.columns {
                op.apply(u.column(j), into: &col)
                run.applications += 1
                au.setColumn(j, col)
            }
            if let (q, r) = DenseLinearAlgebra.thinQR(au.data, rows: n, columns: u.columns) {
                var newU = u
                DenseLinearAlgebra.solveRightUpper(&newU.data, rows: n, r: r, k: u.columns)
                recycledU = newU
                recycledC = VectorBlock(length: n, data: q)
            } else {
                resetRecycledSpace()
            }
        }
        var previousNorm = Double.infinity
        var w = [Double](repeating: 0, count: n)
        var t = [Double](repeating: 0, count: n)
        while true {
            // r = b − A x
            var r = run.residual(x)
            // Projection onto the recycled space: x ← x + M⁻¹ U Cᵀ r,  r ← r − C Cᵀ r.
            if let c = recycledC, let u = recycledU {
                let ctr = c.transposeTimes(r)
                VectorOperations.axpy(-1, c.combine(ctr, count: c.columns), &r)
                let du = u.combine(ctr, count: u.columns)
                if let pre = preconditioner { pre.apply(du, into: &t); VectorOperations.axpy(1, t, &x) }
                else { VectorOperations.axpy(1, du, &x) }
            }
            let rNorm = VectorOperations.norm(r)
            run.history.append(rNorm)
            guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
            if rNorm <= run.threshold {
                let trueNorm = VectorOperations.norm(run.residual(x))
                if trueNorm <= run.threshold { return run.finish(x, outcome: .converged) }
            }
            if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
            if rNorm >= previousNorm * (1 - 1e-13) { return run.finish(x, outcome: .stagnation) }
            previousNorm = rNorm
            let kk = recycledC?.columns ?? 0
            let steps = restart - kk
            // v₁ = r / ‖r‖
            var basis = VectorBlock(length: n, columns: steps + 1)
            basis.setColumn(0, r, scale: 1 / rNorm)
            var bMatrix = [[Double]]()        // columns of Bₖ = Cₖᵀ A Vⱼ
            var hColumns = [[Double]]()       // columns of H̄
            var lsq = GivensLeastSquares(beta: rNorm)
            var j = 0
            var brokeDown = false
            while j < steps && run.iterations < criterion.maximumIterations {
                // w = A vⱼ
                basis.apply(op, column: j, into: &w)
                run.applications += 1
                run.iterations += 1
                // Bₖ[:, j] = Cₖᵀ w,  w ← (I − Cₖ Cₖᵀ) w
                if let c = recycledC { bMatrix.append(c.orthogonalize(&w, against: kk)) }
                // hᵢⱼ = vᵢᵀ w,  w ← w − Σ hᵢⱼ vᵢ,  h_{j+1,j} = ‖w‖
                var h = basis.orthogonalize(&w, against: j + 1)
                let hNext = VectorOperations.norm(w)
                h.append(hNext)
                guard h.allSatisfy({ $0.isFinite }) else { brokeDown = true; break }
                hColumns.append(h)
                let estimate = lsq.addColumn(h)
                run.history.append(estimate)
                j += 1
                if hNext <= 1e-14 * rNorm || estimate <= run.threshold { break }
                // vⱼ₊₁ = w / h_{j+1,j}
                basis.setColumn(j, w, scale: 1 / hNext)
            }
            guard j > 0, !brokeDown || j > 0, let y2 = lsq.solution() else { return run.finish(x, outcome: .breakdown) }
            // y₁ = −Dₖ⁻¹ Bₖ y₂;  x ← x + Ũₖ y₁ + Vⱼ y₂ = x − Uₖ (Bₖ y₂) + Vⱼ y₂
            var dt = basis.combine(y2, count: j)
            if let u = recycledU, kk > 0 {
                var by = [Double](repeating: 0, count: kk)
                for col in 0..<j { for i in 0..<kk { by[i] += bMatrix[col][i] * y2[col] } }
                VectorOperations.axpy(-1, u.combine(by, count: kk), &dt)
            }
            if let pre = preconditioner { pre.apply(dt, into: &t); VectorOperations.axpy(1, t, &x) }
            else { VectorOperations.axpy(1, dt, &x) }
            if brokeDown { return run.finish(x, outcome: .breakdown) }
            updateRecycledSpace(basis: basis, steps: j, h: hColumns, b: bMatrix)
        }
    }

    /// Harmonic Ritz update of (Uₖ, Cₖ) from the cycle just finished.
    private func updateRecycledSpace(basis: VectorBlock, steps j: Int, h: [[Double]], b: [[Double]]) {
        let n = basis.length
        let kk = recycledC?.columns ?? 0
        let s = kk + j                       // columns of Ŵₘ
        let rows = s + 1                     // rows of Ĝₘ
        // Column norms of Uₖ → Dₖ = diag(1/‖uᵢ‖), Ũₖ = Uₖ Dₖ.
        var d = [Double](repeating: 1, count: kk)
        var uTilde = recycledU ?? VectorBlock(length: n, columns: 0)
        for i in 0..<kk {
            let norm = cblas_dnrm2(Int32(n), Array(uTilde.data[(i * n)..<((i + 1) * n)]), 1)
            d[i] = 1 / norm
            uTilde.data.withUnsafeMutableBufferPointer { cblas_dscal(Int32(n), d[i], $0.baseAddress! + i * n, 1) }
        }
        // Ĝₘ (rows × s, column-major) = [Dₖ Bₖ; 0 H̄]
        var g = [Double](repeating: 0, count: rows * s)
        for i in 0..<kk { g[i + i * rows] = d[i] }
        for col in 0..<j {
            for i in 0..<kk { g[i + (kk + col) * rows] = b[col][i] }
            for i in 0..<h[col].count { g[kk + i + (kk + col) * rows] = h[col][i] }
        }
        // Ŵₘ₊₁ᵀ Ŵₘ = [CₖᵀŨₖ  0; Vⱼ₊₁ᵀŨₖ  I]  (rows × s)
        var wtw = [Double](repeating: 0, count: rows * s)
        if kk > 0, let c = recycledC {
            let ctu = DenseLinearAlgebra.transposeTimes(c.data, uTilde.data, n: n, p: kk, q: kk)
            let vtu = DenseLinearAlgebra.transposeTimes(basis.data, uTilde.data, n: n, p: j + 1, q: kk)
            for col in 0..<kk {
                for i in 0..<kk { wtw[i + col * rows] = ctu[i + col * kk] }
                for i in 0...j { wtw[kk + i + col * rows] = vtu[i + col * (j + 1)] }
            }
        }
        for col in 0..<j { wtw[kk + col + (kk + col) * rows] = 1 }
        // Generalized eigenproblem  ĜᵀĜ z = θ Ĝᵀ (Ŵₘ₊₁ᵀŴₘ) z  (both s × s).
        let lhs = DenseLinearAlgebra.transposeTimes(g, g, n: rows, p: s, q: s)
        let rhs = DenseLinearAlgebra.transposeTimes(g, wtw, n: rows, p: s, q: s)
        let kTarget = min(recycledCount, s)
        guard let p = DenseLinearAlgebra.smallestGeneralizedEigenvectors(lhs, rhs, size: s, count: kTarget) else { return }
        let kNew = p.count / s
        guard kNew > 0 else { return }
        // [Q, R] = qr(Ĝₘ Pₖ)
        let gp = DenseLinearAlgebra.multiply(g, p, m: rows, k: s, n: kNew)
        guard let (q, r) = DenseLinearAlgebra.thinQR(gp, rows: rows, columns: kNew) else { return }
        // Cₖ = Ŵₘ₊₁ Q = Cₖ Q[0..<kk] + Vⱼ₊₁ Q[kk...]
        var newC = VectorBlock(length: n, columns: kNew)
        var newU = VectorBlock(length: n, columns: kNew)
        let qTop = (0..<kNew).flatMap { col in (0..<kk).map { q[$0 + col * rows] } }
        let qBottom = (0..<kNew).flatMap { col in (0...j).map { q[kk + $0 + col * rows] } }
        DenseLinearAlgebra.multiplyAccumulate(basis.data, qBottom, into: &newC.data, n: n, k: j + 1, columns: kNew)
        if kk > 0, let c = recycledC { DenseLinearAlgebra.multiplyAccumulate(c.data, qTop, into: &newC.data, n: n, k: kk, columns: kNew) }
        // Uₖ = Ŵₘ Pₖ R⁻¹ = (Ũₖ P[0..<kk] + Vⱼ P[kk...]) R⁻¹
        let pTop = (0..<kNew).flatMap { col in (0..<kk).map { p[$0 + col * s] } }
        let pBottom = (0..<kNew).flatMap { col in (0..<j).map { p[kk + $0 + col * s] } }
        DenseLinearAlgebra.multiplyAccumulate(basis.data, pBottom, into: &newU.data, n: n, k: j, columns: kNew)
        if kk > 0 { DenseLinearAlgebra.multiplyAccumulate(uTilde.data, pTop, into: &newU.data, n: n, k: kk, columns: kNew) }
        DenseLinearAlgebra.solveRightUpper(&newU.data, rows: n, r: r, k: kNew)
        recycledC = newC
        recycledU = newU
    }
}
