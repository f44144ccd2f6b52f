/// Errors from the direct (CHOLMOD, UMFPACK) factorizations.
public enum DirectSolverError: Error, CustomStringConvertible, Equatable, Sendable {
    case notSquare(rowCount: Int, columnCount: Int)
    case notSymmetric
    /// CHOLMOD found a non-positive pivot; `column` is the failing column (0-based).
    case notPositiveDefinite(column: Int)
    /// UMFPACK found the matrix singular to working precision.
    case singular
    case patternMismatch
    case sizeMismatch(expected: Int, actual: Int)
    case nonFiniteValue
    case notFactorized
    case libraryFailure(library: String, status: Int)

    public var description: String {
        switch self {
        case let .notSquare(m, n): "matrix is not square (\(m)×\(n))"
        case .notSymmetric: "Cholesky needs a symmetric matrix"
        case let .notPositiveDefinite(c): "matrix is not positive definite (Cholesky failed at column \(c))"
        case .singular: "matrix is singular (LU found a zero pivot)"
        case .patternMismatch: "matrix pattern differs from the analyzed pattern"
        case let .sizeMismatch(e, a): "right-hand side has length \(a), expected \(e)"
        case .nonFiniteValue: "input contains NaN or infinity"
        case .notFactorized: "no numeric factorization available"
        case let .libraryFailure(l, s): "\(l) failed with status \(s)"
        }
    }
}
