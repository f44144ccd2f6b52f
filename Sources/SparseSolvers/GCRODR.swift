import CBLAS
import DenseLinearAlgebra

/// GCRO-DR(m, k): GMRES with deflated restarting and Krylov subspace recycling across a sequence of systems.
///
/// The solver keeps k solution-space vectors Zₖ with Cₖ = A Zₖ, Cₖᵀ Cₖ = I (harmonic Ritz vectors of small
/// harmonic Ritz values), both within one solve (deflated restarting) and from one system to the next.
/// With a right preconditioner M⁻¹ the cycle is the flexible form (M⁻¹ applied to the Arnoldi vectors,
/// the images Zⱼ = M⁻¹ Vⱼ kept), so the recycle space lives in solution space and does not depend on M:
/// the preconditioner may change from one system to the next (the SKR generator rebuilds ILU(0) per system).
/// ```
/// new matrix A:   [Q, R] = qr(A Zₖ),  Cₖ = Q,  Zₖ = Zₖ R⁻¹          (k products with A, no M⁻¹)
/// projection:     x ← x + Zₖ Cₖᵀ r,   r ← r − Cₖ Cₖᵀ r
/// cycle:          j ≤ m − k flexible Arnoldi steps from v₁ = r/‖r‖, zᵢ = M⁻¹ vᵢ, orthogonalized against [Cₖ Vᵢ]:
///                 A Zⱼ = Cₖ Bₖ + Vⱼ₊₁ H̄ⱼ
///                 Z̃ₖ = Zₖ Dₖ (unit columns),  Ŵ = [Z̃ₖ Zⱼ],  Ŵ₊ = [Cₖ Vⱼ₊₁],  Ĝ = [Dₖ Bₖ; 0 H̄ⱼ],   A Ŵ = Ŵ₊ Ĝ
///                 y₂ = argmin ‖‖r‖e₁ − H̄ⱼ y₂‖,  y₁ = −Dₖ⁻¹ Bₖ y₂,  x ← x + Ŵ [y₁; y₂]
/// recycle:        Ĝᵀ Ĝ p = θ Ĝᵀ (Ŵ₊ᵀ Ŵ) p   (harmonic Ritz pairs of A from range Ŵ; k smallest |θ|,
///                 complex pairs → real and imaginary parts) → Pₖ;  [Q, R] = qr(Ĝ Pₖ),  Cₖ = Ŵ₊ Q,  Zₖ = Ŵ Pₖ R⁻¹
/// ```
/// Without a preconditioner Zⱼ = Vⱼ and this is exactly Algorithm 1 of Parks et al. With one, the harmonic
/// Ritz vectors are those of A (not A M⁻¹) from the flexible search space, as in flexible GCRO-DR; the
/// invariant A Zₖ = Cₖ (hence correctness) holds for any choice of Pₖ.
/// The first cycle of the first system is a plain (flexible) GMRES(m) cycle (k = 0 above).
///
/// Storage: a set of vectors (Ŵ, Ŵ₊, Zₖ, Cₖ) is kept as in `DenseMatrix`, one vector per row (k × n
/// row-major, which is the n × k column-major layout the BLAS calls below name); the small matrices
/// (Ĝ and the QZ inputs) likewise.
/// Cost per Arnoldi step: one product with A and M⁻¹ plus one classical Gram–Schmidt pass (with selective
/// reorthogonalization) against k + j vectors, BLAS-2. Per cycle: three BLAS-3 products n × (m+1) × m /
/// n × (m+1) × k / n × m × k, an (m × m) QZ (LAPACK `dggev`) and a small QR. Per new matrix: k products
/// with A (never with M⁻¹) and an n × k QR. Memory (2m + 2k + 1) n.
/// References: M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson, S. Maiti, "Recycling Krylov subspaces
/// for sequences of linear systems", SIAM J. Sci. Comput. 28(5), 2006 (Algorithm 1, GCRO-DR);
/// L. M. Carvalho, S. Gratton, R. Lago, X. Vasseur, "A flexible generalized conjugate residual method with
/// inner orthogonalization and deflated restarting", SIAM J. Matrix Anal. Appl. 32(4), 2011 (flexible variant).
public final class GCRODR: IterativeSolver {
    public var criterion: StoppingCriterion
    /// Krylov dimension m of a cycle (including the k recycled directions).
    public let restart: Int
    /// Number k of recycled vectors.
    public let recycledCount: Int
    /// Right preconditioner M⁻¹ (may change between solves), or nil.
    public var preconditioner: (any LinearOperator)?

    /// Recycled Zₖ (n × kₐ, column-major, solution space) and Cₖ = A Zₖ (orthonormal); kₐ ≤ k.
    private var recycledZ: [Double] = []
    private var recycledC: [Double] = []
    private var recycledColumns = 0
    private var recycledLength = 0

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
    public var recycledDimension: Int { recycledColumns }

    /// Forgets the recycle space (next solve starts like GMRES).
    public func resetRecycledSpace() {
        recycledZ = []; recycledC = []; recycledColumns = 0
    }

    /// Solves A x = b, recomputing C = A Z for the (possibly new) operator.
    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        solve(a, rightHandSide: b, initialGuess: initialGuess, operatorChanged: true)
    }

    /// Solves A x = b. Pass `operatorChanged: false` only when A is exactly that of the previous solve, to
    /// skip the k products of recomputing C = A Z (the preconditioner may differ either way).
    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?,
                      operatorChanged: Bool) -> SolveResult {
        var run = KrylovRun(a: a, b: b, criterion: criterion, method: methodName)
        var x = run.initialSolution(initialGuess)
        let n = b.count
        if recycledColumns > 0, recycledLength != n { resetRecycledSpace() }
        if operatorChanged, recycledColumns > 0 { recomputeC(a, n: n, run: &run) }
        let m = restart
        let ld = m + 1                                          // leading dimension of Ĝ
        var rBasis = [Double](repeating: 0, count: n * (m + 1)) // Ŵ₊ = [C V]
        var xBasis = [Double](repeating: 0, count: n * m)       // Ŵ  = [Z D, M⁻¹V]
        var g = [Double](repeating: 0, count: ld * m)           // Ĝ, column-major
        var w = [Double](repeating: 0, count: n)
        var previousNorm = Double.infinity
        while true {
            // r = b − A x, then the projection onto the recycle space.
            var r = run.residual(x)
            let kk = recycledColumns
            if kk > 0 {
                var ctr = [Double](repeating: 0, count: kk)
                cblas_dgemv(CblasColMajor, CblasTrans, Int32(n), Int32(kk), 1, recycledC, Int32(n), r, 1, 0, &ctr, 1)
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(kk), -1, recycledC, Int32(n), ctr, 1, 1, &r, 1)
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(kk), 1, recycledZ, Int32(n), ctr, 1, 1, &x, 1)
            }
            let rNorm = Self.norm(r, count: n)
            run.history.append(rNorm)
            guard rNorm.isFinite else { return run.finish(x, outcome: .breakdown) }
            run.offer(x, residualNorm: rNorm)
            if rNorm <= run.threshold {
                let trueNorm = VectorOperations.norm(run.residual(x))
                if trueNorm <= run.threshold { return run.finish(x, outcome: .converged) }
            }
            if run.iterations >= criterion.maximumIterations { return run.finish(x, outcome: .iterationLimit) }
            if rNorm >= previousNorm * (1 - 1e-13) { return run.finish(x, outcome: .stagnation) }
            previousNorm = rNorm
            // Ŵ₊ = [C, v₁],  Ŵ = [Z D, ·],  Ĝ[:, 0..<kk] = [D; 0].
            var d = [Double](repeating: 1, count: kk)
            for i in 0..<(ld * m) { g[i] = 0 }
            if kk > 0 {
                rBasis.withUnsafeMutableBufferPointer { rp in
                    recycledC.withUnsafeBufferPointer { cp in rp.baseAddress!.update(from: cp.baseAddress!, count: n * kk) }
                }
                xBasis.withUnsafeMutableBufferPointer { xp in
                    recycledZ.withUnsafeBufferPointer { zp in
                        for i in 0..<kk {
                            let column = zp.baseAddress! + i * n
                            let norm = cblas_ddot(Int32(n), column, 1, column, 1).squareRoot()
                            d[i] = norm > 0 ? 1 / norm : 1
                            for t in 0..<n { xp[i * n + t] = d[i] * column[t] }
                        }
                    }
                }
                for i in 0..<kk { g[i + i * ld] = d[i] }
            }
            let scale = 1 / rNorm
            rBasis.withUnsafeMutableBufferPointer { rp in
                r.withUnsafeBufferPointer { sp in for t in 0..<n { rp[kk * n + t] = scale * sp[t] } }
            }
            let steps = m - kk
            var lsq = GivensLeastSquares(beta: rNorm)
            var j = 0
            var brokeDown = false
            while j < steps && run.iterations < criterion.maximumIterations {
                let col = kk + j
                // zⱼ = M⁻¹ vⱼ (kept in Ŵ),  w = A zⱼ
                rBasis.withUnsafeBufferPointer { rp in
                    xBasis.withUnsafeMutableBufferPointer { xp in
                        let v = UnsafeBufferPointer(rebasing: rp[(col * n)..<((col + 1) * n)])
                        let z = UnsafeMutableBufferPointer(rebasing: xp[(col * n)..<((col + 1) * n)])
                        if let pre = preconditioner { pre.apply(v, into: z) } else { z.baseAddress!.update(from: v.baseAddress!, count: n) }
                        w.withUnsafeMutableBufferPointer { wp in a.apply(UnsafeBufferPointer(z), into: wp) }
                    }
                }
                run.applications += 1
                run.iterations += 1
                // [Bₖ; H̄](:, j) = [C Vⱼ]ᵀ w,  w ← w − [C Vⱼ] (·),  h_{j+1,j} = ‖w‖
                let h = GramSchmidt.orthogonalize(&w, againstFirst: col + 1, rowsOf: rBasis)
                let hNext = Self.norm(w, count: n)
                guard hNext.isFinite, h.allSatisfy({ $0.isFinite }) else { brokeDown = true; break }
                for i in 0...col { g[i + col * ld] = h[i] }
                g[col + 1 + col * ld] = hNext
                let estimate = lsq.addColumn(Array(h[kk...]) + [hNext])
                run.history.append(estimate)
                j += 1
                // vⱼ₊₁ = w / h_{j+1,j} (zero after a lucky breakdown)
                let invariant = hNext <= 1e-14 * rNorm
                let factor = invariant ? 0 : 1 / hNext
                rBasis.withUnsafeMutableBufferPointer { rp in
                    w.withUnsafeBufferPointer { wp in for t in 0..<n { rp[(col + 1) * n + t] = factor * wp[t] } }
                }
                if invariant || estimate <= run.threshold { break }
            }
            guard j > 0, let y2 = lsq.solution() else { return run.finish(x, outcome: .breakdown) }
            // y = [y₁; y₂] with y₁ = −Dₖ⁻¹ Bₖ y₂;  x ← x + Ŵ y
            var y = [Double](repeating: 0, count: kk + j)
            for c in 0..<j {
                y[kk + c] = y2[c]
                for i in 0..<kk { y[i] -= g[i + (kk + c) * ld] * y2[c] }
            }
            for i in 0..<kk { y[i] /= d[i] }
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(kk + j), 1, xBasis, Int32(n), y, 1, 1, &x, 1)
            if brokeDown { return run.finish(x, outcome: .breakdown) }
            updateRecycledSpace(rBasis: rBasis, xBasis: xBasis, g: g, leadingDimension: ld, recycled: kk, steps: j, length: n)
        }
    }

    /// C = A Z for a new matrix, then [Q, R] = qr(C), C = Q, Z = Z R⁻¹ (k products with A, one thin QR).
    private func recomputeC(_ a: any LinearOperator, n: Int, run: inout KrylovRun) {
        let kk = recycledColumns
        var c = [Double](repeating: 0, count: n * kk)
        recycledZ.withUnsafeBufferPointer { zp in
            c.withUnsafeMutableBufferPointer { cp in
                for j in 0..<kk {
                    a.apply(UnsafeBufferPointer(rebasing: zp[(j * n)..<((j + 1) * n)]),
                            into: UnsafeMutableBufferPointer(rebasing: cp[(j * n)..<((j + 1) * n)]))
                }
            }
        }
        run.applications += kk
        // With the vectors as rows: Cᵀ = L Q (the thin QR C = Qᵀ R, R = Lᵀ), Zᵀ ← L⁻¹ Zᵀ.
        guard let lq = try? LQFactorization(DenseMatrix(rows: kk, columns: n, elements: c)) else { resetRecycledSpace(); return }
        var z = DenseMatrix(rows: kk, columns: n, elements: recycledZ)
        recycledZ = []
        lq.solveLower(&z)
        recycledZ = z.elements
        recycledC = lq.orthonormalRows.elements
    }

    /// Harmonic Ritz update of (Zₖ, Cₖ) from the cycle just finished (s = kk + j columns of Ŵ).
    private func updateRecycledSpace(rBasis: [Double], xBasis: [Double], g full: [Double], leadingDimension ld: Int,
                                     recycled kk: Int, steps j: Int, length n: Int) {
        let s = kk + j
        let rows = s + 1
        var g = [Double](repeating: 0, count: rows * s)
        for col in 0..<s { for i in 0..<rows { g[i + col * rows] = full[i + col * ld] } }
        // Ŵ₊ᵀ Ŵ (rows × s): one BLAS-3 product.
        var wtw = [Double](repeating: 0, count: rows * s)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(s), Int32(n), 1, rBasis, Int32(n),
                    xBasis, Int32(n), 0, &wtw, Int32(rows))
        // ĜᵀĜ p = θ Ĝᵀ (Ŵ₊ᵀŴ) p  (s × s, row-major; the buffers g and wtw hold Ĝᵀ and (Ŵ₊ᵀŴ)ᵀ row-major).
        var lhs = [Double](repeating: 0, count: s * s), rhs = lhs
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s), Int32(s), Int32(rows), 1, g, Int32(rows),
                    g, Int32(rows), 0, &lhs, Int32(s))
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s), Int32(s), Int32(rows), 1, g, Int32(rows),
                    wtw, Int32(rows), 0, &rhs, Int32(s))
        guard let pencil = try? GeneralizedEigendecomposition(DenseMatrix(rows: s, columns: s, elements: lhs),
                                                              DenseMatrix(rows: s, columns: s, elements: rhs)),
              let pRows = pencil.smallestMagnitudeRealBasis(count: min(recycledCount, s)) else { return }
        let p = pRows.elements                          // Pₖ: s × kNew column-major (its vectors as rows)
        let kNew = pRows.rows
        // [Q, R] = qr(Ĝ P) as the LQ of (Ĝ P)ᵀ;  C = Ŵ₊ Q;  Z = Ŵ P R⁻¹
        var gp = [Double](repeating: 0, count: rows * kNew)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(kNew), Int32(s), 1, g, Int32(rows),
                    p, Int32(s), 0, &gp, Int32(rows))
        guard let lq = try? LQFactorization(DenseMatrix(rows: kNew, columns: rows, elements: gp)) else { return }
        let q = lq.orthonormalRows.elements
        var newC = [Double](repeating: 0, count: n * kNew)
        var newZ = [Double](repeating: 0, count: n * kNew)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(kNew), Int32(rows), 1, rBasis, Int32(n),
                    q, Int32(rows), 0, &newC, Int32(n))
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(kNew), Int32(s), 1, xBasis, Int32(n),
                    p, Int32(s), 0, &newZ, Int32(n))
        var zRows = DenseMatrix(rows: kNew, columns: n, elements: newZ)
        newZ = []
        lq.solveLower(&zRows)
        recycledC = newC
        recycledZ = zRows.elements
        recycledColumns = kNew
        recycledLength = n
    }

    /// ‖x‖₂ of the first `count` entries as √(xᵀx) (no overflow-guarded scaling: Krylov vectors are O(1)).
    private static func norm(_ x: [Double], count: Int) -> Double {
        cblas_ddot(Int32(count), x, 1, x, 1).squareRoot()
    }
}
