/// Incremental QR of an upper Hessenberg matrix by Givens rotations (the GMRES least-squares problem).
///
/// ```
/// min_y ‖β e₁ − H̄ⱼ y‖:   Ωⱼ H̄ⱼ = [Rⱼ; 0],   Ωⱼ β e₁ = gⱼ,   yⱼ = Rⱼ⁻¹ gⱼ[0..<j],   residual = |gⱼ[j]|
/// rotation i acts on rows (i, i+1):  [c  s; −s  c],  c = h_ii / ρ,  s = h_{i+1,i} / ρ,  ρ = √(h_ii² + h_{i+1,i}²)
/// ```
/// Complexity: O(j) per added column, O(j²) for the final triangular solve.
/// References: Y. Saad, M. H. Schultz, "GMRES: a generalized minimal residual algorithm for solving
/// nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 7(3), 1986; Saad 2003, §6.5.3.
struct GivensLeastSquares {
    /// Columns of R (column j holds j+1 entries after rotation).
    var r: [[Double]] = []
    var cosines: [Double] = []
    var sines: [Double] = []
    var g: [Double]

    init(beta: Double) { g = [beta] }

    /// Adds Hessenberg column h (length j+2) and returns the new residual estimate |g_{j+1}|.
    mutating func addColumn(_ hColumn: [Double]) -> Double {
        var h = hColumn
        let j = h.count - 2
        // Apply the previous rotations to the new column.
        for i in 0..<j {
            let t = cosines[i] * h[i] + sines[i] * h[i + 1]
            h[i + 1] = -sines[i] * h[i] + cosines[i] * h[i + 1]
            h[i] = t
        }
        // New rotation zeroing h[j+1].
        let rho = (h[j] * h[j] + h[j + 1] * h[j + 1]).squareRoot()
        let c = rho == 0 ? 1 : h[j] / rho
        let s = rho == 0 ? 0 : h[j + 1] / rho
        cosines.append(c); sines.append(s)
        h[j] = rho
        h.removeLast()
        r.append(h)
        // g ← Ω g
        g.append(-s * g[j])
        g[j] = c * g[j]
        return abs(g[j + 1])
    }

    /// y = R⁻¹ g[0..<k]; nil when R is singular (breakdown).
    func solution() -> [Double]? {
        let k = r.count
        var y = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = g[i]
            for j in (i + 1)..<k { s -= r[j][i] * y[j] }
            let d = r[i][i]
            guard d != 0, d.isFinite else { return nil }
            y[i] = s / d
        }
        return y
    }
}
