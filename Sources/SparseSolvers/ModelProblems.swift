/// Finite-difference model matrices on uniform interior grids with zero Dirichlet boundaries.
///
/// Unknown (i, j[, k]) with 0 ≤ i, j, k < n has index i + n j (+ n² k): x varies fastest.
/// The matrices are scaled by h² (h = 1/(n+1)), so Poisson has integer entries:
/// ```
/// 2-D:  4 u_ij − u_{i±1,j} − u_{i,j±1}             = h² f_ij
/// 3-D:  6 u_ijk − (six neighbours)                  = h² f_ijk
/// convection–diffusion (first-order upwind), b = (b₁, b₂):
///   −ε Δu + b·∇u = f  →  (4ε + h|b₁| + h|b₂|) u_ij − (ε + h b₁⁺) u_{i−1,j} − (ε + h b₁⁻) u_{i+1,j}
///                                                − (ε + h b₂⁺) u_{i,j−1} − (ε + h b₂⁻) u_{i,j+1}
/// ```
/// with b⁺ = max(b, 0), b⁻ = max(−b, 0). The upwind matrix is an M-matrix (nonsymmetric when b ≠ 0).
///
/// Complexity: O(n^d) time and memory.
/// References: Saad 2003, §2.2 (finite differences); R. J. LeVeque, *Finite Difference Methods for
/// Ordinary and Partial Differential Equations*, SIAM 2007, ch. 3 and 10.
public enum ModelProblems {
    /// The 2-D five-point Laplacian (scaled by h²) on an n × n interior grid.
    public static func poisson2D(n: Int) -> CSRMatrix {
        anisotropicDiffusion2D(n: n, epsilon: 1)   // ε = 1: the same stencil, 4 on the diagonal, −1 off it
    }

    /// The 3-D seven-point Laplacian (scaled by h²) on an n × n × n interior grid.
    public static func poisson3D(n: Int) -> CSRMatrix {
        precondition(n >= 1, "poisson3D: n must be positive")
        let n2 = n * n
        var coo = COOMatrix(rowCount: n2 * n, columnCount: n2 * n)
        coo.reserveCapacity(7 * n2 * n)
        for k in 0..<n {
            for j in 0..<n {
                for i in 0..<n {
                    let p = i + n * j + n2 * k
                    if k > 0 { coo.appendUnchecked(row: p, column: p - n2, value: -1) }
                    if j > 0 { coo.appendUnchecked(row: p, column: p - n, value: -1) }
                    if i > 0 { coo.appendUnchecked(row: p, column: p - 1, value: -1) }
                    coo.appendUnchecked(row: p, column: p, value: 6)
                    if i < n - 1 { coo.appendUnchecked(row: p, column: p + 1, value: -1) }
                    if j < n - 1 { coo.appendUnchecked(row: p, column: p + n, value: -1) }
                    if k < n - 1 { coo.appendUnchecked(row: p, column: p + n2, value: -1) }
                }
            }
        }
        return coo.csr()
    }

    /// 2-D convection–diffusion −ε Δu + b(x, y)·∇u with first-order upwinding (scaled by h²).
    ///
    /// - Parameters:
    ///   - n: interior points per direction.
    ///   - diffusion: ε > 0.
    ///   - velocity: b(x, y) evaluated at the grid point (x, y) = ((i+1)h, (j+1)h).
    public static func convectionDiffusion2D(n: Int, diffusion: Double,
                                             velocity: (Double, Double) -> (Double, Double)) -> CSRMatrix {
        precondition(n >= 1 && diffusion > 0, "convectionDiffusion2D: need n ≥ 1 and ε > 0")
        let h = 1.0 / Double(n + 1)
        var coo = COOMatrix(rowCount: n * n, columnCount: n * n)
        coo.reserveCapacity(5 * n * n)
        for j in 0..<n {
            for i in 0..<n {
                let p = i + n * j
                let (b1, b2) = velocity(Double(i + 1) * h, Double(j + 1) * h)
                let west = diffusion + h * max(b1, 0), east = diffusion + h * max(-b1, 0)
                let south = diffusion + h * max(b2, 0), north = diffusion + h * max(-b2, 0)
                if j > 0 { coo.appendUnchecked(row: p, column: p - n, value: -south) }
                if i > 0 { coo.appendUnchecked(row: p, column: p - 1, value: -west) }
                coo.appendUnchecked(row: p, column: p, value: 4 * diffusion + h * (abs(b1) + abs(b2)))
                if i < n - 1 { coo.appendUnchecked(row: p, column: p + 1, value: -east) }
                if j < n - 1 { coo.appendUnchecked(row: p, column: p + n, value: -north) }
            }
        }
        return coo.csr()
    }

    /// Constant-velocity convection–diffusion, b = (b₁, b₂).
    public static func convectionDiffusion2D(n: Int, diffusion: Double, velocity: (Double, Double)) -> CSRMatrix {
        convectionDiffusion2D(n: n, diffusion: diffusion) { _, _ in velocity }
    }
}
