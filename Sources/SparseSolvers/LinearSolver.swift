/// A solver for A x = b split into a set-up per matrix and any number of solves with it.
///
/// ```
/// setup(A):       factorization (direct), preconditioner construction M⁻¹ ≈ A⁻¹ (Krylov),
///                 symbolic analysis — the part that depends on A only, done once
/// solve(b, x₀):   x ≈ A⁻¹ b, reusing what setup built (and, for GCRO-DR, the recycled subspace
///                 carried over from earlier solves, also across setups of new matrices)
/// ```
/// Call `setup` again whenever the values of A change. Conforming types: `DirectLinearSolver`,
/// `KrylovLinearSolver`, and LearnedSolvers' `DCDMLinearSolver`; `SolverConfiguration.makeSolver()`
/// picks one.
///
/// Errors a caller can cause (no matrix set up, sizes, NaN, a singular matrix, a failing
/// preconditioner) are thrown; non-convergence is not an error but `SolveReport.outcome`.
public protocol LinearSolver: AnyObject {
    /// The configuration the solver was made from (tolerances updated by `changeCriterion`).
    var configuration: SolverConfiguration { get }
    /// Rows of the set-up matrix, nil before `setup`.
    var rowCount: Int? { get }
    /// Prepares to solve with `matrix`: factorization, preconditioner, analysis.
    func setup(_ matrix: CSRMatrix) throws
    /// Solves A x = b for the set-up A from `initialGuess` (zero when nil; direct solvers ignore it).
    func solve(_ b: [Double], initialGuess: [Double]?) throws -> SolveResult
    /// Changes the tolerances and the iteration limit, keeping factorizations and recycled vectors.
    func changeCriterion(_ criterion: StoppingCriterion) throws
    /// Forgets the matrix and everything built from it (and a recycle space).
    func reset()
}

extension LinearSolver {
    /// Solves A x = b from a zero initial guess.
    public func solve(_ b: [Double]) throws -> SolveResult { try solve(b, initialGuess: nil) }

    /// `setup(matrix)` then `solve(b)`.
    public func solve(_ matrix: CSRMatrix, rightHandSide b: [Double], initialGuess: [Double]? = nil) throws -> SolveResult {
        try setup(matrix)
        return try solve(b, initialGuess: initialGuess)
    }
}

/// The checks every `LinearSolver` makes on its input (shared with conformers in other modules).
public enum LinearSolverInput {
    /// A square matrix with finite values that fits the configuration (grid, workspace memory).
    public static func checkMatrix(_ a: CSRMatrix, _ configuration: SolverConfiguration) throws {
        guard a.isSquare else { throw SolverConfigurationError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        try configuration.validate(rowCount: a.rowCount)
        guard VectorOperations.allFinite(a.values) else { throw SolverConfigurationError.nonFinite("matrix") }
    }

    /// b and x₀ of length n with finite entries.
    public static func checkVectors(_ b: [Double], _ initialGuess: [Double]?, rowCount n: Int?) throws -> Int {
        guard let n else { throw SolverConfigurationError.notSetUp }
        guard b.count == n else { throw SolverConfigurationError.sizeMismatch(what: "right-hand side", expected: n, actual: b.count) }
        guard VectorOperations.allFinite(b) else { throw SolverConfigurationError.nonFinite("right-hand side") }
        if let initialGuess {
            guard initialGuess.count == n else { throw SolverConfigurationError.sizeMismatch(what: "initial guess", expected: n, actual: initialGuess.count) }
            guard VectorOperations.allFinite(initialGuess) else { throw SolverConfigurationError.nonFinite("initial guess") }
        }
        return n
    }

    /// `configuration` with the tolerances and iteration limit of `criterion`, validated.
    public static func checkCriterion(_ criterion: StoppingCriterion, _ configuration: SolverConfiguration) throws -> SolverConfiguration {
        var changed = configuration
        changed.relativeTolerance = criterion.relativeTolerance
        changed.absoluteTolerance = criterion.absoluteTolerance
        changed.maximumIterations = criterion.maximumIterations
        try changed.validate()
        return changed
    }
}
