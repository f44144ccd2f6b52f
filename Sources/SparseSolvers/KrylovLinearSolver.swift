/// The Krylov solvers behind `SolverConfiguration` (CG, MINRES, GMRES, FGMRES, BiCGStab, GCRO-DR)
/// with their preconditioner, split into a set-up per matrix and solves.
///
/// ```
/// setup(A):     M⁻¹ from A (Jacobi, SSOR, IC(0), ILU(0), ILUT, a geometric or algebraic (hypre)
///               multigrid hierarchy), built once;
///               GCRO-DR marks its recycled Zₖ for re-projection, Cₖ = qr(A Zₖ), at the next solve
/// solve(b, x₀): the method with M⁻¹ on the right (left for CG/MINRES, which precondition symmetrically)
/// ```
/// GCRO-DR keeps its recycled subspace across solves and across setups (it lives in solution
/// space, so a new matrix or a rebuilt preconditioner costs k products with A, see `GCRODR`).
///
/// Complexity: set-up that of the preconditioner; solve O(iterations × (nnz(A) + cost of M⁻¹)).
/// References: Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003;
/// M. L. Parks et al., SIAM J. Sci. Comput. 28(5), 2006 (GCRO-DR).
public final class KrylovLinearSolver: LinearSolver {
    public private(set) var configuration: SolverConfiguration
    public var rowCount: Int? { matrix?.rowCount }
    /// Columns of the kept GCRO-DR recycle space (0 for the other methods).
    public var recycledDimension: Int { recycler?.recycledDimension ?? 0 }

    private var matrix: CSRMatrix?
    private var preconditioner: (any LinearOperator)?
    private let recycler: GCRODR?
    /// Whether GCRO-DR must recompute C = A Z before its next solve.
    private var operatorChanged = true

    /// - Precondition: a Krylov method (not `.direct` or `.dcdm`); `SolverConfiguration.makeSolver()` ensures it.
    init(configuration: SolverConfiguration) {
        precondition(configuration.method != .direct && configuration.method != .dcdm, "KrylovLinearSolver: not a Krylov method")
        self.configuration = configuration
        recycler = configuration.method == .gcrodr
            ? GCRODR(restart: configuration.restart, recycledCount: configuration.recycledCount, criterion: configuration.criterion)
            : nil
    }

    public func setup(_ a: CSRMatrix) throws {
        matrix = nil
        preconditioner = nil
        try LinearSolverInput.checkMatrix(a, configuration)
        switch configuration.preconditioner {
        case .none: preconditioner = nil
        case .jacobi: preconditioner = try JacobiPreconditioner(a)
        case .ssor: preconditioner = try SSORPreconditioner(a)
        case .incompleteCholesky: preconditioner = try IncompleteCholesky(a)
        case .incompleteLU: preconditioner = try IncompleteLU(a)
        case .multigrid:
            guard let grid = configuration.structuredGrid else { throw SolverConfigurationError.gridRequired("the multigrid preconditioner") }
            preconditioner = try GeometricMultigrid(a, grid: grid)
        case .amg: preconditioner = try HyprePreconditioner(a, amg: configuration.amg)
        case .thresholdILU: preconditioner = try HyprePreconditioner(a, thresholdILU: configuration.thresholdILU)
        }
        matrix = a
        operatorChanged = true
    }

    public func solve(_ b: [Double], initialGuess: [Double]?) throws -> SolveResult {
        _ = try LinearSolverInput.checkVectors(b, initialGuess, rowCount: rowCount)
        guard let matrix else { throw SolverConfigurationError.notSetUp }
        let criterion = configuration.criterion, m = preconditioner
        switch configuration.method {
        case .conjugateGradient:
            return ConjugateGradient(criterion: criterion, preconditioner: m).solve(matrix, rightHandSide: b, initialGuess: initialGuess)
        case .minres:
            return MINRES(criterion: criterion, preconditioner: m).solve(matrix, rightHandSide: b, initialGuess: initialGuess)
        case .gmres:
            return GMRES(restart: configuration.restart, criterion: criterion, preconditioner: m)
                .solve(matrix, rightHandSide: b, initialGuess: initialGuess)
        case .flexibleGMRES:
            return FlexibleGMRES(restart: configuration.restart, criterion: criterion, preconditioner: m)
                .solve(matrix, rightHandSide: b, initialGuess: initialGuess)
        case .biCGStab:
            return BiCGStab(criterion: criterion, preconditioner: m).solve(matrix, rightHandSide: b, initialGuess: initialGuess)
        case .gcrodr:
            let recycler = recycler!
            recycler.criterion = criterion
            recycler.preconditioner = m
            defer { operatorChanged = false }
            return recycler.solve(matrix, rightHandSide: b, initialGuess: initialGuess, operatorChanged: operatorChanged)
        case .direct, .dcdm:
            preconditionFailure("KrylovLinearSolver: not a Krylov method")
        }
    }

    public func changeCriterion(_ criterion: StoppingCriterion) throws {
        configuration = try LinearSolverInput.checkCriterion(criterion, configuration)
    }

    public func reset() {
        matrix = nil
        preconditioner = nil
        recycler?.resetRecycledSpace()
        operatorChanged = true
    }
}
