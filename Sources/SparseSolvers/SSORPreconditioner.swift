/// Symmetric successive over-relaxation preconditioner.
///
/// ```
/// A = L + D + U,   M = (D + ωL) D⁻¹ (D + ωU) / (ω (2 − ω))
/// z = M⁻¹ r:   (D + ωL) y = r,   y ← D y,   (D + ωU) z = y,   z ← ω (2 − ω) z
/// ```
/// M is symmetric positive definite when A is, so SSOR can precondition CG.
///
/// Complexity: O(nnz) per apply (one forward and one backward sweep).
/// References: Saad 2003, §4.1.2 and §10.2.
public struct SSORPreconditioner: NamedPreconditioner, Sendable {
    public let matrix: CSRMatrix
    public let relaxation: Double
    let diagonalIndex: [Int]
    public var rowCount: Int { matrix.rowCount }
    public var columnCount: Int { matrix.rowCount }
    public var preconditionerName: String { "SSOR(\(relaxation))" }

    /// - Parameter relaxation: ω ∈ (0, 2); ω = 1 is symmetric Gauss–Seidel.
    public init(_ a: CSRMatrix, relaxation: Double = 1.0) throws {
        guard relaxation > 0, relaxation < 2 else { throw PreconditionerError.invalidRelaxation(relaxation) }
        diagonalIndex = try diagonalPositions(a)
        matrix = a
        self.relaxation = relaxation
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowCount, w = relaxation
        matrix.rowOffsets.withUnsafeBufferPointer { rp in
        matrix.columnIndices.withUnsafeBufferPointer { cp in
        matrix.values.withUnsafeBufferPointer { vp in
        diagonalIndex.withUnsafeBufferPointer { dp in
            // (D + ωL) y = r  (forward)
            for i in 0..<n {
                var s = x[i]
                for k in rp[i]..<dp[i] { s -= w * vp[k] * y[cp[k]] }
                y[i] = s / vp[dp[i]]
            }
            // y ← D y
            for i in 0..<n { y[i] *= vp[dp[i]] }
            // (D + ωU) z = y  (backward, in place)
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in (dp[i] + 1)..<rp[i + 1] { s -= w * vp[k] * y[cp[k]] }
                y[i] = s / vp[dp[i]]
            }
            // z ← ω (2 − ω) z
            let scale = w * (2 - w)
            for i in 0..<n { y[i] *= scale }
        }}}}
    }
}
