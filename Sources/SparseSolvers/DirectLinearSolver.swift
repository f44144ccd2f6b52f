/// The direct solver behind `SolverConfiguration.Method.direct`: CHOLMOD Cholesky when A is
/// symmetric positive definite, UMFPACK LU otherwise.
///
/// ```
/// setup(A):  A = Aᵀ (to `symmetryTolerance`, 1e-12 relative)?  P A Pᵀ = L Lᵀ      (CHOLMOD; the symbolic analysis is kept and
///                                                   reused while the sparsity pattern stays the same)
///            else, or a non-positive pivot:  P R A Q = L U   (UMFPACK)
/// solve(b):  x = A⁻¹ b by the triangular solves; the report carries ‖b − A x‖ / ‖b‖ and the
///            factorization that ran (`SolveReport.factorization`)
/// ```
/// When Cholesky meets a non-positive pivot (a symmetric indefinite matrix, e.g. Helmholtz) the
/// pattern is remembered and later matrices with that pattern go to UMFPACK directly.
///
/// Complexity: see `CholeskyFactorization` and `LUFactorization`; a solve is O(nnz(L) + nnz(U)).
/// References: Y. Chen, T. A. Davis, W. W. Hager, S. Rajamanickam, ACM TOMS 35(3), 2008 (CHOLMOD);
/// T. A. Davis, ACM TOMS 30(2), 2004 (UMFPACK).
public final class DirectLinearSolver: LinearSolver {
    public private(set) var configuration: SolverConfiguration
    public var rowCount: Int? { matrix?.rowCount }
    /// The factorization the last `setup` produced.
    public private(set) var factorization: SolveReport.Factorization?
    /// CHOLMOD's analysis of the last Cholesky `setup` (`CholeskyFactorization.analysisDescription`),
    /// nil when no Cholesky factorization was made.
    public var choleskyAnalysisDescription: String? { cholesky?.analysisDescription }
    /// Whether the last `setup` reused CHOLMOD's symbolic analysis of the previous pattern.
    public private(set) var reusedAnalysis = false

    private var matrix: CSRMatrix?
    private var cholesky: CholeskyFactorization?
    private var lu: LUFactorization?
    /// The pattern (row offsets, column indices) on which Cholesky found a non-positive pivot.
    private var indefinitePattern: (rowOffsets: [Int], columnIndices: [Int])?

    public init(configuration: SolverConfiguration) {
        self.configuration = configuration
        self.configuration.method = .direct
    }

    public func setup(_ a: CSRMatrix) throws {
        matrix = nil
        factorization = nil
        lu = nil
        reusedAnalysis = false
        try LinearSolverInput.checkMatrix(a, configuration)
        let samePatternAsIndefinite = indefinitePattern.map { $0.rowOffsets == a.rowOffsets && $0.columnIndices == a.columnIndices } ?? false
        if !samePatternAsIndefinite, a.isSymmetric(relativeTolerance: configuration.symmetryTolerance) {
            do {
                if let cholesky, cholesky.rowOffsets == a.rowOffsets, cholesky.columnIndices == a.columnIndices {
                    reusedAnalysis = true
                } else {
                    cholesky = nil
                    cholesky = try CholeskyFactorization(analyzing: a, symmetryTolerance: configuration.symmetryTolerance)
                }
                try cholesky!.factorize(a)
                factorization = .cholmodCholesky
                matrix = a
                return
            } catch DirectSolverError.notPositiveDefinite {
                indefinitePattern = (a.rowOffsets, a.columnIndices)
            } catch {
                cholesky = nil  // any other CHOLMOD failure: fall back to LU below
            }
        }
        lu = try LUFactorization(a)
        factorization = .umfpackLU
        matrix = a
    }

    public func solve(_ b: [Double], initialGuess: [Double]?) throws -> SolveResult {
        _ = try LinearSolverInput.checkVectors(b, initialGuess, rowCount: rowCount)
        guard let matrix, let factorization else { throw SolverConfigurationError.notSetUp }
        let start = ContinuousClock.now
        let x = try factorization == .cholmodCholesky ? cholesky!.solve(b) : lu!.solve(b)
        let rightHandSideNorm = VectorOperations.norm(b)
        let residualNorm = VectorOperations.norm(VectorOperations.residual(matrix, x, b))
        let converged = residualNorm.isFinite && residualNorm <= configuration.criterion.threshold(rightHandSideNorm: rightHandSideNorm)
        let elapsed = ContinuousClock.now - start
        var report = SolveReport(outcome: converged ? .converged : (residualNorm.isFinite ? .stagnation : .breakdown),
                                 iterations: 0, residualNorms: [],
                                 relativeResidual: rightHandSideNorm > 0 ? residualNorm / rightHandSideNorm : residualNorm,
                                 method: factorization.name,
                                 seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                 operatorApplications: 1)
        report.factorization = factorization
        return SolveResult(solution: x, report: report)
    }

    public func changeCriterion(_ criterion: StoppingCriterion) throws {
        configuration = try LinearSolverInput.checkCriterion(criterion, configuration)
    }

    public func reset() {
        matrix = nil
        factorization = nil
        cholesky = nil
        lu = nil
        indefinitePattern = nil
        reusedAnalysis = false
    }
}
