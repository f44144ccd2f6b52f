import CBLAS
import DenseLinearAlgebra

/// A solver for A x = b that reports what it did.
///
/// Conforming types: `ConjugateGradient`, `MINRES`, `GMRES`, `FlexibleGMRES`, `BiCGStab`, `GCRODR`.
/// Sizes must match (`b.count == A.rowCount == A.columnCount`); a mismatch is a programmer error.
/// Non-convergence and breakdown are reported in `SolveReport.outcome`, never trapped.
public protocol IterativeSolver {
    /// Name used in reports, e.g. "GMRES(40)".
    var methodName: String { get }
    /// Solves A x = b starting from `initialGuess` (zero when nil).
    func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult
}

extension IterativeSolver {
    /// Solves A x = b from a zero initial guess.
    public func solve(_ a: any LinearOperator, rightHandSide b: [Double]) -> SolveResult {
        solve(a, rightHandSide: b, initialGuess: nil)
    }
}

/// An iterative solver viewed as an operator: y ≈ A⁻¹ x (zero initial guess), so one solver can
/// precondition another (e.g. a few CG steps inside FGMRES).
///
/// Complexity: that of the inner solve.
public struct SolverOperator: LinearOperator {
    public let solver: any IterativeSolver
    public let matrix: any LinearOperator
    public var rowCount: Int { matrix.columnCount }
    public var columnCount: Int { matrix.rowCount }
    public init(solver: any IterativeSolver, matrix: any LinearOperator) {
        self.solver = solver
        self.matrix = matrix
    }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let r = solver.solve(matrix, rightHandSide: Array(x), initialGuess: nil)
        for i in 0..<y.count { y[i] = r.solution[i] }
    }
}

/// Which side a preconditioner M⁻¹ is applied on in GMRES.
public enum PreconditionerSide: String, Sendable, CaseIterable {
    /// Solve M⁻¹ A x = M⁻¹ b (minimizes the preconditioned residual).
    case left
    /// Solve A M⁻¹ u = b, x = M⁻¹ u (minimizes the true residual).
    case right
}

/// Shared bookkeeping for the Krylov solvers (timing, counting, the final true-residual check).
@usableFromInline
struct KrylovRun {
    let a: any LinearOperator
    let b: [Double]
    let criterion: StoppingCriterion
    let method: String
    let start = ContinuousClock.now
    let rightHandSideNorm: Double
    let threshold: Double
    var history: [Double] = []
    var iterations = 0
    var applications = 0

    init(a: any LinearOperator, b: [Double], criterion: StoppingCriterion, method: String) {
        precondition(a.rowCount == a.columnCount, "\(method): operator must be square")
        precondition(b.count == a.rowCount, "\(method): right-hand side has length \(b.count), expected \(a.rowCount)")
        self.a = a
        self.b = b
        self.criterion = criterion
        self.method = method
        rightHandSideNorm = VectorOperations.norm(b)
        threshold = criterion.threshold(rightHandSideNorm: rightHandSideNorm)
    }

    /// The initial guess x₀ (kept so that a solve never returns anything worse).
    private(set) var initial: [Double] = []
    /// The best iterate offered so far, its residual norm (as the method measures it) and iteration.
    private var best: (x: [Double], norm: Double, iteration: Int)?

    /// x from the optional initial guess.
    mutating func initialSolution(_ guess: [Double]?) -> [Double] {
        if let guess {
            precondition(guess.count == b.count, "\(method): initial guess has the wrong length")
            initial = guess
        } else {
            initial = [Double](repeating: 0, count: b.count)
        }
        return initial
    }

    /// Remembers x as the best iterate when `residualNorm` (true or the method's estimate, finite)
    /// is below that of every iterate offered before. One copy of x per improvement.
    mutating func offer(_ x: [Double], residualNorm: Double) {
        guard residualNorm.isFinite, residualNorm < (best?.norm ?? .infinity) else { return }
        if best == nil { best = (x, residualNorm, iterations) } else {
            best!.norm = residualNorm
            best!.iteration = iterations
            best!.x.withUnsafeMutableBufferPointer { bp in
                x.withUnsafeBufferPointer { xp in bp.baseAddress!.update(from: xp.baseAddress!, count: xp.count) }
            }
        }
    }

    /// r = b − A x (counted as one operator application).
    mutating func residual(_ x: [Double]) -> [Double] {
        applications += 1
        return VectorOperations.residual(a, x, b)
    }

    /// y = A x (counted).
    mutating func apply(_ x: [Double], into y: inout [Double]) {
        applications += 1
        a.apply(x, into: &y)
    }

    /// Builds the result; `converged` is decided on the true residual of x.
    ///
    /// When x did not converge, the true residuals of the best offered iterate and of the initial
    /// guess are computed too, and the one with the smallest finite ‖b − A x‖₂ is returned
    /// (`SolveReport.returnedIterate` says which), so a solve never hands back an iterate worse than
    /// its start.
    mutating func finish(_ x: [Double], outcome proposed: SolveOutcome) -> SolveResult {
        var outcome = proposed
        var solution = x
        var rNorm = VectorOperations.norm(residual(x))
        var returned = ReturnedIterate.last
        var returnedIteration = iterations
        let finite = rNorm.isFinite
        if finite && rNorm <= threshold { outcome = .converged }
        else if outcome == .converged { outcome = finite ? .stagnation : .breakdown }
        if !finite { outcome = .breakdown }
        if outcome != .converged {
            if let best, best.iteration < iterations {
                let bestNorm = VectorOperations.norm(residual(best.x))
                if bestNorm.isFinite, !(rNorm <= bestNorm) {
                    solution = best.x; rNorm = bestNorm; returned = .earlierBest; returnedIteration = best.iteration
                }
            }
            if !initial.isEmpty, iterations > 0 {
                let initialNorm = VectorOperations.norm(residual(initial))
                if initialNorm.isFinite, !(rNorm <= initialNorm) {
                    solution = initial; rNorm = initialNorm; returned = .initialGuess; returnedIteration = 0
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        var report = SolveReport(outcome: outcome, iterations: iterations, residualNorms: history,
                                 relativeResidual: rightHandSideNorm > 0 ? rNorm / rightHandSideNorm : rNorm,
                                 method: method, seconds: seconds, operatorApplications: applications)
        report.returnedIterate = returned
        report.returnedIteration = returnedIteration
        return SolveResult(solution: solution, report: report)
    }
}

/// z = M⁻¹ r, or a copy when there is no preconditioner.
@usableFromInline
func applyPreconditioner(_ m: (any LinearOperator)?, _ r: [Double], into z: inout [Double]) {
    if let m { m.apply(r, into: &z) } else { z = r }
}

/// p ← z + β p.
@usableFromInline
func xpby(_ z: [Double], _ beta: Double, _ p: inout [Double]) {
    z.withUnsafeBufferPointer { zp in
        p.withUnsafeMutableBufferPointer { pp in
            for i in 0..<pp.count { pp[i] = zp[i] + beta * pp[i] }
        }
    }
}

/// Name suffix for a preconditioner.
func preconditionerName(_ m: (any LinearOperator)?) -> String {
    guard let m else { return "" }
    if let named = m as? any NamedPreconditioner { return "+" + named.preconditionerName }
    return "+" + String(describing: type(of: m))
}

/// A preconditioner with a short name for reports ("ILU(0)", "multigrid").
public protocol NamedPreconditioner: LinearOperator {
    var preconditionerName: String { get }
}

/// A column-major block of vectors of length n (row-major with the vectors as rows, as `DenseMatrix`
/// stores a set of vectors), with BLAS-backed Gram–Schmidt.
@usableFromInline
struct VectorBlock {
    let length: Int
    var data: [Double]
    var columns: Int { data.count / max(length, 1) }

    init(length: Int, columns: Int) {
        self.length = length
        data = [Double](repeating: 0, count: length * columns)
    }

    init(length: Int, data: [Double]) {
        self.length = length
        self.data = data
    }

    /// Vᵀ r for all stored columns.
    func transposeTimes(_ r: [Double]) -> [Double] {
        var h = [Double](repeating: 0, count: columns)
        guard columns > 0 else { return h }
        let n = Int32(length)
        cblas_dgemv(CblasColMajor, CblasTrans, n, Int32(columns), 1, data, n, r, 1, 0, &h, 1)
        return h
    }

    func column(_ j: Int) -> [Double] { Array(data[(j * length)..<((j + 1) * length)]) }

    /// y = op(column j), without copying the column.
    func apply(_ op: any LinearOperator, column j: Int, into y: inout [Double]) {
        let n = length
        data.withUnsafeBufferPointer { dp in
            y.withUnsafeMutableBufferPointer { yp in
                op.apply(UnsafeBufferPointer(rebasing: dp[(j * n)..<((j + 1) * n)]), into: yp)
            }
        }
    }

    mutating func setColumn(_ j: Int, _ v: [Double], scale: Double = 1) {
        let n = length
        data.withUnsafeMutableBufferPointer { dp in
            v.withUnsafeBufferPointer { vp in for i in 0..<n { dp[j * n + i] = scale * vp[i] } }
        }
    }

    /// h = V[:, 0..<k]ᵀ w; w ← w − V h (classical Gram–Schmidt with selective reorthogonalization,
    /// `DenseLinearAlgebra.GramSchmidt`; the columns here are its rows).
    func orthogonalize(_ w: inout [Double], against k: Int) -> [Double] {
        GramSchmidt.orthogonalize(&w, againstFirst: k, rowsOf: data)
    }

    /// y = V[:, 0..<k] c.
    func combine(_ c: [Double], count k: Int) -> [Double] {
        var y = [Double](repeating: 0, count: length)
        guard k > 0 else { return y }
        let n = Int32(length)
        cblas_dgemv(CblasColMajor, CblasNoTrans, n, Int32(k), 1, data, n, c, 1, 0, &y, 1)
        return y
    }
}
