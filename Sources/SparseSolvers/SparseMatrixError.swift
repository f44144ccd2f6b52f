/// Errors a user can cause when building or using sparse matrices.
public enum SparseMatrixError: Error, CustomStringConvertible, Equatable, Sendable {
    case indexOutOfRange(row: Int, column: Int, rowCount: Int, columnCount: Int)
    case nonFiniteValue(row: Int, column: Int)
    case notSquare(rowCount: Int, columnCount: Int)
    case sizeMismatch(expected: Int, actual: Int)
    case zeroDiagonal(row: Int)

    public var description: String {
        switch self {
        case let .indexOutOfRange(r, c, m, n): "entry (\(r), \(c)) lies outside a \(m)×\(n) matrix"
        case let .nonFiniteValue(r, c): "entry (\(r), \(c)) is not finite (NaN or infinity)"
        case let .notSquare(m, n): "matrix is not square (\(m)×\(n))"
        case let .sizeMismatch(e, a): "size mismatch: expected length \(e), got \(a)"
        case let .zeroDiagonal(r): "diagonal entry of row \(r) is zero or missing"
        }
    }
}
