import RunSupport

/// Why a `SolverConfiguration` or a `LinearSolver` call was refused; each prints as one line.
public enum SolverConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tolerances must be finite and non-negative, and one of them positive.
    case invalidTolerance(relative: Double, absolute: Double)
    case invalidMaximumIterations(Int)
    /// An `AlgebraicMultigridOptions` value out of range or not fitting the matrix.
    case invalidMultigridOption(String)
    /// A `ThresholdILUOptions` value out of range.
    case invalidThresholdILUOption(String)
    /// The symmetry tolerance must be finite and in [0, 1).
    case invalidSymmetryTolerance(Double)
    /// GMRES, FGMRES and GCRO-DR need a restart length m ≥ 2.
    case invalidRestart(Int)
    /// GCRO-DR needs 1 ≤ k < m.
    case invalidRecycledCount(Int, restart: Int)
    case preconditionerNotApplicable(method: SolverConfiguration.Method, preconditioner: SolverConfiguration.Preconditioner)
    /// The multigrid preconditioner or DCDM was chosen without a grid.
    case gridRequired(String)
    /// A grid needs 2 or 3 sizes, each at least 1.
    case invalidGrid([Int])
    case unreadableGrid(String)
    /// The product of the grid sizes does not fit in an `Int`.
    case gridTooLarge([Int])
    case gridMismatch(gridPoints: Int, matrixRows: Int)
    /// The workspace size overflows, or exceeds the memory budget (the machine's memory).
    case memory(MemoryBudgetError)
    /// `.dcdm` is built by LearnedSolvers' `DCDMLinearSolver` from a trained network.
    case networkRequired
    /// `solve` was called before `setup`.
    case notSetUp
    case notSquare(rowCount: Int, columnCount: Int)
    /// A 0 × 0 matrix.
    case emptyMatrix
    case sizeMismatch(what: String, expected: Int, actual: Int)
    case nonFinite(String)

    public var description: String {
        switch self {
        case let .invalidTolerance(relative, absolute):
            "tolerances must be finite, non-negative and not both zero (relative \(relative), absolute \(absolute))"
        case let .invalidMaximumIterations(count): "maximum iterations must be at least 1, got \(count)"
        case let .invalidMultigridOption(text): "AMG: \(text)"
        case let .invalidThresholdILUOption(text): "threshold ILU: \(text)"
        case let .invalidSymmetryTolerance(tolerance): "symmetry tolerance must be finite and in [0, 1), got \(tolerance)"
        case let .invalidRestart(m): "restart length must be at least 2, got \(m)"
        case let .invalidRecycledCount(k, m): "recycled vectors k must satisfy 1 ≤ k < restart (\(m)), got \(k)"
        case let .preconditionerNotApplicable(method, preconditioner):
            "the \(method.rawValue) method takes no preconditioner (got \(preconditioner.rawValue))"
        case let .gridRequired(what): "\(what) needs a grid of the unknowns (e.g. 64x64)"
        case let .invalidGrid(sizes): "invalid grid \(sizes.map(String.init).joined(separator: "x")): need 2 or 3 sizes, each at least 1"
        case let .unreadableGrid(text): "invalid grid '\(text)' (expected e.g. 64x64 or 16x16x16)"
        case let .gridTooLarge(sizes): "grid \(sizes.map(String.init).joined(separator: "x")) has more points than can be counted"
        case let .gridMismatch(points, rows): "grid has \(points) points but the matrix has \(rows) rows"
        case let .memory(error): error.description
        case .networkRequired: "the dcdm method needs a trained network (DCDMLinearSolver)"
        case .notSetUp: "solve called before setup (no matrix)"
        case let .notSquare(m, n): "matrix is not square (\(m)×\(n))"
        case .emptyMatrix: "matrix is empty"
        case let .sizeMismatch(what, expected, actual): "\(what) has \(actual) entries, expected \(expected)"
        case let .nonFinite(what): "\(what) contains NaN or infinity"
        }
    }
}
