extension SpatialFunction {
    /// The multilinear interpolant of nodal values on a grid (bilinear in 2-D, trilinear in 3-D),
    /// with its piecewise gradient — the bridge from sampled fields (a GRF coefficient) to the
    /// problem families that take a `SpatialFunction`.
    ///
    /// ```
    /// g(x) = Σ_{corners c of the cell of x} Π_a w_a(c)·g_c,   w_a = t_a or 1 − t_a,  t_a = (x_a − x_{a,i})/h_a
    /// ```
    /// At the grid nodes the interpolant returns the nodal values exactly, so discretizing on the same
    /// grid uses the samples unchanged. Points outside the box are clamped onto it. Periodic grids
    /// wrap around. Cost O(2^d) per evaluation.
    /// - Throws: `PDEError.sizeMismatch` when `values` does not cover the grid, `.nonFiniteValue` for NaN.
    public static func gridField(_ values: [Double], on grid: UniformGrid) throws -> SpatialFunction {
        guard values.count == grid.pointCount else {
            throw PDEError.sizeMismatch(what: "grid field", expected: grid.pointCount, actual: values.count)
        }
        guard values.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("grid field") }
        let interpolant = MultilinearInterpolant(grid: grid, values: values)
        return SpatialFunction({ interpolant.evaluate($0).value }, gradient: { interpolant.evaluate($0).gradient })
    }
}

struct MultilinearInterpolant: Sendable {
    let grid: UniformGrid
    let values: [Double]

    func evaluate(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        let d = grid.dimension, n = grid.sizes, h = grid.spacing, strides = grid.strides
        var lower = [Int](repeating: 0, count: d), upper = lower
        var t = [Double](repeating: 0, count: d)
        for a in 0..<d {
            switch grid.layout {
            case .periodic:
                var g = x[a] / h[a]
                g -= Double(n[a]) * (g / Double(n[a])).rounded(.down)
                let i = min(Int(g), n[a] - 1)
                lower[a] = i; upper[a] = (i + 1) % n[a]; t[a] = g - Double(i)
            case .vertexCentred, .cellCentred:
                let offset = grid.layout == .cellCentred ? 0.5 : 0
                let g = min(max(x[a] / h[a] - offset, 0), Double(n[a] - 1))
                let i = min(Int(g), max(n[a] - 2, 0))
                lower[a] = i; upper[a] = min(i + 1, n[a] - 1); t[a] = n[a] > 1 ? g - Double(i) : 0
            }
        }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: d)
        for corner in 0..<(1 << d) {
            var p = 0, weight = 1.0
            var partial = [Double](repeating: 1, count: d)
            for a in 0..<d {
                let high = corner >> a & 1 == 1
                p += (high ? upper[a] : lower[a]) * strides[a]
                let w = high ? t[a] : 1 - t[a]
                weight *= w
                for b in 0..<d where b != a { partial[b] *= w }
                partial[a] *= (high ? 1 : -1) / h[a]
            }
            value += weight * values[p]
            for a in 0..<d { gradient[a] += partial[a] * values[p] }
        }
        return (value, gradient)
    }
}
