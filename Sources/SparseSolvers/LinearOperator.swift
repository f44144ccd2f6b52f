/// A linear map y = A x that matrices, preconditioners and solvers all provide.
///
/// ```
/// y = A x,   A ∈ ℝ^{rowCount × columnCount}
/// ```
/// A preconditioner conforms by applying M⁻¹; a solver conforms (through `SolverOperator`) by
/// applying an approximate A⁻¹. So a solver can precondition another solver, and a learned network
/// can be dropped in wherever an operator is expected.
///
/// Complexity: defined by the conforming type (O(nnz) for a sparse matrix).
/// References: Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003, ch. 9.
public protocol LinearOperator {
    /// Number of rows of the operator (length of y).
    var rowCount: Int { get }
    /// Number of columns of the operator (length of x).
    var columnCount: Int { get }
    /// Writes y = A x. `x.count == columnCount`, `y.count == rowCount`; x and y do not alias.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
}

extension LinearOperator {
    /// Writes y = A x for arrays (resizes nothing: `y.count` must equal `rowCount`).
    @inlinable
    public func apply(_ x: [Double], into y: inout [Double]) {
        precondition(x.count == columnCount && y.count == rowCount, "LinearOperator.apply: size mismatch")
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in apply(xp, into: yp) }
        }
    }

    /// Returns A x.
    @inlinable
    public func applied(to x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        apply(x, into: &y)
        return y
    }
}

/// The identity operator, used when no preconditioner is given.
public struct IdentityOperator: LinearOperator {
    public let rowCount: Int
    public var columnCount: Int { rowCount }
    public init(size: Int) { rowCount = size }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<rowCount { y[i] = x[i] }
    }
}

/// The product of two operators, y = A (B x) (e.g. A M⁻¹ for right preconditioning).
public struct ProductOperator: LinearOperator {
    public let left: any LinearOperator
    public let right: any LinearOperator
    public var rowCount: Int { left.rowCount }
    public var columnCount: Int { right.columnCount }
    public init(_ left: any LinearOperator, _ right: any LinearOperator) {
        precondition(left.columnCount == right.rowCount, "ProductOperator: inner dimensions differ")
        self.left = left
        self.right = right
    }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        var t = [Double](repeating: 0, count: right.rowCount)
        t.withUnsafeMutableBufferPointer { tp in
            right.apply(x, into: tp)
            left.apply(UnsafeBufferPointer(tp), into: y)
        }
    }
}

/// A pointer that may cross into a `concurrentPerform` closure (the caller guarantees disjoint writes).
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<T>
    @usableFromInline init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
