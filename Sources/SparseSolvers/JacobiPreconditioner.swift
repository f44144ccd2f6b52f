/// Jacobi (diagonal) preconditioner, M = diag(A).
///
/// ```
/// z = D⁻¹ r,   zᵢ = rᵢ / aᵢᵢ
/// ```
/// Complexity: O(n) set-up and apply.
/// References: Saad 2003, §10.2.
public struct JacobiPreconditioner: NamedPreconditioner, Sendable {
    public let inverseDiagonal: [Double]
    public var rowCount: Int { inverseDiagonal.count }
    public var columnCount: Int { inverseDiagonal.count }
    public var preconditionerName: String { "Jacobi" }

    /// Throws `.zeroDiagonal` when a diagonal entry is zero or missing.
    public init(_ a: CSRMatrix) throws {
        let positions = try diagonalPositions(a)
        inverseDiagonal = positions.map { 1 / a.values[$0] }
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        inverseDiagonal.withUnsafeBufferPointer { d in
            for i in 0..<d.count { y[i] = d[i] * x[i] }
        }
    }
}
