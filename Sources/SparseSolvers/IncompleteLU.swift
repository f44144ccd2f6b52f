/// ILU(0): incomplete LU factorization restricted to the sparsity pattern of A.
///
/// ```
/// for i = 1 … n−1, for k < i with aᵢₖ ≠ 0:   aᵢₖ ← aᵢₖ / aₖₖ
///                  for j > k with aᵢⱼ ≠ 0:   aᵢⱼ ← aᵢⱼ − aᵢₖ aₖⱼ      (fill outside the pattern dropped)
/// A ≈ L U  (L unit lower, U upper, both stored in place of A);   z = U⁻¹ L⁻¹ r
/// ```
/// Complexity: set-up O(Σᵢ Σ_{k∈row i} |row k|); apply O(nnz).
/// References: Saad 2003, Algorithm 10.4 (ILU(0), IKJ variant).
public struct IncompleteLU: NamedPreconditioner, Sendable {
    /// L (strictly lower, unit diagonal implied) and U (upper with diagonal) in one CSR matrix.
    public let factors: CSRMatrix
    let diagonalIndex: [Int]
    public var rowCount: Int { factors.rowCount }
    public var columnCount: Int { factors.rowCount }
    public var preconditionerName: String { "ILU(0)" }

    /// Throws `.zeroDiagonal` or `.zeroPivot`.
    public init(_ a: CSRMatrix) throws {
        let diag = try diagonalPositions(a)
        let n = a.rowCount
        var values = a.values
        let rp = a.rowOffsets, cp = a.columnIndices
        var position = [Int](repeating: -1, count: n)
        for i in 0..<n {
            for k in rp[i]..<rp[i + 1] { position[cp[k]] = k }
            // for k < i in row i (columns sorted, so the strict lower part comes first)
            for kk in rp[i]..<diag[i] {
                let k = cp[kk]
                let pivot = values[diag[k]]
                guard pivot != 0, pivot.isFinite else { throw PreconditionerError.zeroPivot(row: k) }
                // aᵢₖ = aᵢₖ / aₖₖ
                let lik = values[kk] / pivot
                values[kk] = lik
                // aᵢⱼ −= aᵢₖ aₖⱼ for j > k in both patterns
                for q in (diag[k] + 1)..<rp[k + 1] {
                    let p = position[cp[q]]
                    if p >= 0 { values[p] -= lik * values[q] }
                }
            }
            for k in rp[i]..<rp[i + 1] { position[cp[k]] = -1 }
            guard values[diag[i]] != 0, values[diag[i]].isFinite else { throw PreconditionerError.zeroPivot(row: i) }
        }
        factors = CSRMatrix(rowCount: n, columnCount: n, rowOffsets: rp, columnIndices: cp, values: values)
        diagonalIndex = diag
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowCount
        factors.rowOffsets.withUnsafeBufferPointer { rp in
        factors.columnIndices.withUnsafeBufferPointer { cp in
        factors.values.withUnsafeBufferPointer { vp in
        diagonalIndex.withUnsafeBufferPointer { dp in
            // L y = r (unit lower)
            for i in 0..<n {
                var s = x[i]
                for k in rp[i]..<dp[i] { s -= vp[k] * y[cp[k]] }
                y[i] = s
            }
            // U z = y
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in (dp[i] + 1)..<rp[i + 1] { s -= vp[k] * y[cp[k]] }
                y[i] = s / vp[dp[i]]
            }
        }}}}
    }
}
