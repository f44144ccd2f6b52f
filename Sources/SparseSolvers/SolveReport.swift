/// How a solve ended.
public enum SolveOutcome: String, Sendable, Equatable, Codable {
    /// ‖b − A x‖ ≤ max(rtol‖b‖, atol) was reached (checked on the true residual).
    case converged
    /// The iteration limit was reached first.
    case iterationLimit
    /// The method cannot continue (division by zero, indefinite matrix in CG, NaN, lucky-breakdown failure).
    case breakdown
    /// A full cycle made no progress on the residual.
    case stagnation
    /// A is singular and b is not in its range: the iterate minimizes ‖b − A x‖₂ (the least-squares
    /// solution), detected by ‖Aᵀ r‖ ≤ rtol ‖A‖ ‖r‖ (MINRES). The system itself is not solved.
    case leastSquares
}

/// Which iterate a Krylov solve returned.
///
/// Every Krylov method keeps the best iterate it has seen (by its residual norm, the true one at
/// the end), and returns the last iterate only when nothing earlier, including the initial guess,
/// had a smaller true residual ‖b − A x‖₂.
public enum ReturnedIterate: String, Sendable, Equatable, Codable {
    /// The last iterate (always when the solve converged).
    case last
    /// An earlier iterate had a smaller true residual than the last one and is returned instead.
    case earlierBest
    /// Every iterate was worse than the initial guess, which is returned unchanged.
    case initialGuess
}

/// What a solver did: outcome, iterations, residual history, final relative residual, timing.
///
/// `relativeResidual` is always recomputed from the returned solution as ‖b − A x‖₂ / ‖b‖₂
/// (or ‖b − A x‖₂ when b = 0), so non-convergence can never hide behind an estimate.
public struct SolveReport: Sendable, Equatable, Codable {
    public var outcome: SolveOutcome
    /// Krylov iterations (one operator application each, not counting residual checks).
    public var iterations: Int
    /// Residual-norm history ‖b − A xⱼ‖₂ (estimates from the recurrence where the method provides them;
    /// entry 0 is the initial residual).
    public var residualNorms: [Double]
    /// ‖b − A x‖₂ / ‖b‖₂ of the returned solution.
    public var relativeResidual: Double
    /// Method name, e.g. "GMRES(40)+ILU(0),right".
    public var method: String
    /// Wall-clock time of the solve in seconds.
    public var seconds: Double
    /// Total applications of A (including residual checks and recycling set-up).
    public var operatorApplications: Int
    /// The factorization a direct solve used (nil for iterative methods).
    public var factorization: Factorization?
    /// Which iterate the solution is (`.last` unless an earlier one or the initial guess was better).
    public var returnedIterate: ReturnedIterate = .last
    /// The iteration of the returned iterate (0 = the initial guess).
    public var returnedIteration: Int = 0

    /// The sparse factorizations of `DirectLinearSolver`.
    public enum Factorization: String, Sendable, Equatable, Codable {
        /// CHOLMOD sparse Cholesky (symmetric positive definite A).
        case cholmodCholesky
        /// UMFPACK sparse LU (any nonsingular A).
        case umfpackLU

        /// The name used in reports.
        public var name: String {
            switch self {
            case .cholmodCholesky: "CHOLMOD Cholesky"
            case .umfpackLU: "UMFPACK LU"
            }
        }
    }

    public init(outcome: SolveOutcome, iterations: Int, residualNorms: [Double], relativeResidual: Double,
                method: String, seconds: Double, operatorApplications: Int, factorization: Factorization? = nil) {
        self.outcome = outcome
        self.iterations = iterations
        self.residualNorms = residualNorms
        self.relativeResidual = relativeResidual
        self.method = method
        self.seconds = seconds
        self.operatorApplications = operatorApplications
        self.factorization = factorization
    }

    /// True when `outcome == .converged`.
    public var converged: Bool { outcome == .converged }
}

/// A solution together with its report.
public struct SolveResult: Sendable {
    public var solution: [Double]
    public var report: SolveReport
    public init(solution: [Double], report: SolveReport) {
        self.solution = solution
        self.report = report
    }
}
