/// Flexible GMRES(m): right-preconditioned GMRES whose preconditioner may change every step.
///
/// ```
/// zⱼ = Mⱼ⁻¹ vⱼ,   w = A zⱼ,   Arnoldi on w as in GMRES  (A Zⱼ = Vⱼ₊₁ H̄ⱼ)
/// x = x₀ + Zⱼ yⱼ,   yⱼ = argmin ‖β e₁ − H̄ⱼ y‖
/// ```
/// Storing Zⱼ lets the preconditioner be another iterative solver (`SolverOperator`), a multigrid
/// cycle with varying smoothing, or a learned network.
///
/// Complexity: as GMRES with memory (2m + 1) n.
/// References: Y. Saad, "A flexible inner-outer preconditioned GMRES algorithm", SIAM J. Sci. Comput.
/// 14(2), 1993; Saad 2003, Algorithm 9.6.
public struct FlexibleGMRES: IterativeSolver {
    public var criterion: StoppingCriterion
    public var restart: Int
    public var preconditioner: (any LinearOperator)?

    public init(restart: Int = 40, criterion: StoppingCriterion = StoppingCriterion(), preconditioner: (any LinearOperator)? = nil) {
        precondition(restart >= 1, "FlexibleGMRES: restart must be ≥ 1")
        self.restart = restart
        self.criterion = criterion
        self.preconditioner = preconditioner
    }

    public var methodName: String { "FGMRES(\(restart))" + preconditionerName(preconditioner) }

    public func solve(_ a: any LinearOperator, rightHandSide b: [Double], initialGuess: [Double]?) -> SolveResult {
        restartedArnoldiSolve(a, b, initialGuess, restart: restart, criterion: criterion, preconditioner: preconditioner,
                              side: .right, flexible: true, method: methodName)
    }
}
