extension ModelProblems {
    /// Plane-strain linear elasticity on the unit square with P1 triangles (each of the n × n
    /// squares cut along its diagonal), clamped at x = 0; E = 1, Poisson ratio ν.
    ///
    /// ```
    /// λ = Eν / ((1+ν)(1−2ν)),  μ = E / (2(1+ν)),   D = [[λ+2μ, λ, 0], [λ, λ+2μ, 0], [0, 0, μ]]
    /// K_e = |T| Bᵀ D B,   B = 1/(2|T|) [[b₁,0,b₂,0,b₃,0], [0,c₁,0,c₂,0,c₃], [c₁,b₁,c₂,b₂,c₃,b₃]],
    /// bᵢ = y_j − y_k,  cᵢ = x_k − x_j  (i, j, k cyclic)
    /// ```
    /// Unknowns are interleaved (uₓ, u_y) per node, node p = i + (n+1) j at (i/n, j/n). Clamped rows and
    /// columns are replaced by the identity, so K stays symmetric positive definite and its
    /// near-nullspace is the rigid-body motions of the free nodes. Returns K and the node coordinates
    /// (x, y per node).
    ///
    /// Reference: O. C. Zienkiewicz, R. L. Taylor, *The Finite Element Method*, vol. 1, ch. 6 (plane strain).
    public static func elasticity2D(n: Int, poissonRatio nu: Double = 0.3) -> (matrix: CSRMatrix, coordinates: [Double]) {
        precondition(n >= 1 && nu > -1 && nu < 0.5, "elasticity2D: n ≥ 1 and −1 < ν < 1/2")
        let nodes = (n + 1) * (n + 1)
        let lambda = nu / ((1 + nu) * (1 - 2 * nu)), mu = 1 / (2 * (1 + nu))
        let d: [[Double]] = [[lambda + 2 * mu, lambda, 0], [lambda, lambda + 2 * mu, 0], [0, 0, mu]]
        var coordinates = [Double](repeating: 0, count: 2 * nodes)
        for j in 0...n { for i in 0...n { let p = i + (n + 1) * j; coordinates[2 * p] = Double(i) / Double(n); coordinates[2 * p + 1] = Double(j) / Double(n) } }
        let clamped: (Int) -> Bool = { p in p % (n + 1) == 0 }
        var coo = COOMatrix(rowCount: 2 * nodes, columnCount: 2 * nodes)
        coo.reserveCapacity(2 * n * n * 36 + 2 * nodes)
        for j in 0..<n {
            for i in 0..<n {
                let p00 = i + (n + 1) * j, p10 = p00 + 1, p01 = p00 + n + 1, p11 = p01 + 1
                for triangle in [[p00, p10, p11], [p00, p11, p01]] {
                    let x = triangle.map { coordinates[2 * $0] }, y = triangle.map { coordinates[2 * $0 + 1] }
                    let area = 0.5 * ((x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]))
                    var b = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 3)
                    for a in 0..<3 {
                        let j1 = (a + 1) % 3, k1 = (a + 2) % 3
                        let bi = (y[j1] - y[k1]) / (2 * area), ci = (x[k1] - x[j1]) / (2 * area)
                        b[0][2 * a] = bi; b[1][2 * a + 1] = ci; b[2][2 * a] = ci; b[2][2 * a + 1] = bi
                    }
                    for r in 0..<6 {
                        for c in 0..<6 {
                            var value = 0.0
                            for s in 0..<3 { for t in 0..<3 { value += b[s][r] * d[s][t] * b[t][c] } }
                            value *= area
                            let rowNode = triangle[r / 2], columnNode = triangle[c / 2]
                            if clamped(rowNode) || clamped(columnNode) { continue }
                            coo.appendUnchecked(row: 2 * rowNode + r % 2, column: 2 * columnNode + c % 2, value: value)
                        }
                    }
                }
            }
        }
        for p in 0..<nodes where clamped(p) {
            coo.appendUnchecked(row: 2 * p, column: 2 * p, value: 1)
            coo.appendUnchecked(row: 2 * p + 1, column: 2 * p + 1, value: 1)
        }
        return (coo.csr(), coordinates)
    }

    /// Anisotropic diffusion −ε ∂²u/∂x² − ∂²u/∂y² on an n × n interior grid (5-point stencil, scaled
    /// by h², homogeneous Dirichlet): strong coupling in y only when ε ≪ 1.
    public static func anisotropicDiffusion2D(n: Int, epsilon: Double) -> CSRMatrix {
        precondition(n >= 1 && epsilon > 0, "anisotropicDiffusion2D: n ≥ 1, ε > 0")
        var coo = COOMatrix(rowCount: n * n, columnCount: n * n)
        coo.reserveCapacity(5 * n * n)
        for j in 0..<n {
            for i in 0..<n {
                let p = i + n * j
                if j > 0 { coo.appendUnchecked(row: p, column: p - n, value: -1) }
                if i > 0 { coo.appendUnchecked(row: p, column: p - 1, value: -epsilon) }
                coo.appendUnchecked(row: p, column: p, value: 2 + 2 * epsilon)
                if i < n - 1 { coo.appendUnchecked(row: p, column: p + 1, value: -epsilon) }
                if j < n - 1 { coo.appendUnchecked(row: p, column: p + n, value: -1) }
            }
        }
        return coo.csr()
    }
}
