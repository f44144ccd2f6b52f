/// Errors a user can cause when building a preconditioner.
public enum PreconditionerError: Error, CustomStringConvertible, Equatable, Sendable {
    case notSquare(rowCount: Int, columnCount: Int)
    case notSymmetric
    case zeroDiagonal(row: Int)
    /// Incomplete factorization met a zero (ILU) or non-positive (IC) pivot at `row`.
    case zeroPivot(row: Int)
    case nonPositivePivot(row: Int)
    case invalidRelaxation(Double)
    case gridMismatch(gridPoints: Int, matrixRows: Int)
    case invalidGrid(String)
    case singularCoarseOperator
    /// hypre refused the matrix or the set-up failed (its message).
    case hypre(String)
    /// hypre (AMG, ILUT) needs MPI, and the host program has not initialized it (the library never does).
    case mpiNotInitialized

    public var description: String {
        switch self {
        case let .notSquare(m, n): "preconditioner needs a square matrix (got \(m)×\(n))"
        case .notSymmetric: "preconditioner needs a symmetric matrix"
        case let .zeroDiagonal(r): "diagonal entry of row \(r) is zero or missing"
        case let .zeroPivot(r): "incomplete LU met a zero pivot in row \(r)"
        case let .nonPositivePivot(r): "incomplete Cholesky met a non-positive pivot in row \(r) (matrix not SPD enough)"
        case let .invalidRelaxation(w): "relaxation parameter \(w) must lie in (0, 2)"
        case let .gridMismatch(g, m): "grid has \(g) points but the matrix has \(m) rows"
        case let .invalidGrid(s): "invalid grid: \(s)"
        case .singularCoarseOperator: "coarsest-grid operator is singular"
        case let .hypre(message): message
        case .mpiNotInitialized:
            "MPI is not initialized: hypre (AMG, ILUT) runs on MPI, so the host program must call MPI_Init (or MPI_Init_thread with MPI_THREAD_SERIALIZED) before creating an AMG or ILUT solver"
        }
    }
}

/// Positions of the diagonal entries of a square CSR matrix; throws when one is missing or zero.
func diagonalPositions(_ a: CSRMatrix) throws -> [Int] {
    guard a.isSquare else { throw PreconditionerError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
    var positions = [Int](repeating: -1, count: a.rowCount)
    for i in 0..<a.rowCount {
        for k in a.rowOffsets[i]..<a.rowOffsets[i + 1] where a.columnIndices[k] == i { positions[i] = k }
        guard positions[i] >= 0, a.values[positions[i]] != 0 else { throw PreconditionerError.zeroDiagonal(row: i) }
        guard a.values[positions[i]].isFinite else { throw PreconditionerError.zeroDiagonal(row: i) }
    }
    return positions
}
