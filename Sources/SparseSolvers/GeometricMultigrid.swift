import DenseLinearAlgebra

/// A structured interior grid whose unknowns are numbered with x fastest (then y, then z).
public enum StructuredGrid: Sendable, Equatable {
    case twoDimensional(nx: Int, ny: Int)
    case threeDimensional(nx: Int, ny: Int, nz: Int)

    /// Points per direction, x first.
    public var dimensions: [Int] {
        switch self {
        case let .twoDimensional(nx, ny): [nx, ny]
        case let .threeDimensional(nx, ny, nz): [nx, ny, nz]
        }
    }
    public var pointCount: Int { dimensions.reduce(1, *) }
}

/// Smoother of a multigrid cycle.
public enum MultigridSmoother: Sendable, Equatable {
    /// x ← x + ω D⁻¹ (b − A x); symmetric.
    case dampedJacobi(weight: Double)
    /// Forward Gauss–Seidel before, backward Gauss–Seidel after the coarse correction (symmetric cycle).
    case gaussSeidel
}

/// Geometric multigrid V-cycle for Poisson-type operators on 2-D and 3-D structured grids, as a preconditioner.
///
/// ```
/// coarse grid:     n_c = ⌊n/2⌋ per direction; coarse point c sits on fine point 2c + 1
/// interpolation:   P = P_z ⊗ P_y ⊗ P_x  (bilinear / trilinear; 1-D weights 1 on coincident points, ½ between)
/// coarse operator: A_c = Pᵀ A P   (Galerkin: robust for variable coefficients, SPD when A is)
/// V-cycle(b) from x = 0:  ν pre-smoothing sweeps;  r = b − A x;  x ← x + P V-cycle_c(Pᵀ r);  ν post-smoothing sweeps
/// coarsest grid:   dense LU (LAPACK) once the grid has at most `coarsestSize` points
/// ```
/// With Gauss–Seidel the post-smoother runs in the reverse order of the pre-smoother (and Jacobi is
/// symmetric), so the cycle is a symmetric positive definite operator for SPD A: valid inside CG.
///
/// Complexity: set-up O(nnz) per level (Galerkin product); one cycle O(ν nnz) overall (geometric levels).
/// References: W. L. Briggs, V. E. Henson, S. F. McCormick, *A Multigrid Tutorial*, 2nd ed., SIAM 2000;
/// U. Trottenberg, C. Oosterlee, A. Schüller, *Multigrid*, Academic Press 2001 (Galerkin coarsening, §2.3, §7.7).
public final class GeometricMultigrid: NamedPreconditioner {
    struct Level {
        let matrix: CSRMatrix
        let diagonalIndex: [Int]
        let dimensions: [Int]
        /// Interpolation to this level from the next coarser one (nil on the coarsest level).
        let interpolation: CSRMatrix?
        let restriction: CSRMatrix?
    }

    let levels: [Level]
    /// Dense LU of the coarsest operator.
    let coarseLU: DenseLUFactorization
    public let smoother: MultigridSmoother
    public let sweeps: Int
    public var rowCount: Int { levels[0].matrix.rowCount }
    public var columnCount: Int { rowCount }
    public var levelCount: Int { levels.count }
    public var preconditionerName: String { "multigrid" }
    /// Largest coarsest grid factored densely (O(n²) memory).
    public static let largestDirectCoarseSize = 4000

    /// - Parameters:
    ///   - a: the fine-grid operator, ordered like `grid`.
    ///   - grid: grid dimensions of the unknowns.
    ///   - smoother: Gauss–Seidel (default) or damped Jacobi.
    ///   - sweeps: ν, smoothing sweeps before and after the coarse correction.
    ///   - coarsestSize: largest grid solved directly.
    public init(_ a: CSRMatrix, grid: StructuredGrid, smoother: MultigridSmoother = .gaussSeidel, sweeps: Int = 1,
                coarsestSize: Int = 600) throws {
        guard a.isSquare else { throw PreconditionerError.notSquare(rowCount: a.rowCount, columnCount: a.columnCount) }
        guard grid.dimensions.allSatisfy({ $0 >= 1 }) else { throw PreconditionerError.invalidGrid("every dimension must be ≥ 1") }
        guard grid.pointCount == a.rowCount else { throw PreconditionerError.gridMismatch(gridPoints: grid.pointCount, matrixRows: a.rowCount) }
        guard sweeps >= 1 else { throw PreconditionerError.invalidGrid("sweeps must be ≥ 1") }
        if case let .dampedJacobi(w) = smoother, !(w > 0 && w <= 1) { throw PreconditionerError.invalidRelaxation(w) }
        self.smoother = smoother
        self.sweeps = sweeps
        var built: [Level] = []
        var matrix = a
        var dims = grid.dimensions
        while true {
            let diag = try diagonalPositions(matrix)
            let canCoarsen = matrix.rowCount > coarsestSize && dims.allSatisfy { $0 >= 3 }
            if !canCoarsen {
                built.append(Level(matrix: matrix, diagonalIndex: diag, dimensions: dims, interpolation: nil, restriction: nil))
                break
            }
            let coarseDims = dims.map { $0 / 2 }
            let p = Self.interpolation(fine: dims, coarse: coarseDims)
            let r = p.transposed()
            built.append(Level(matrix: matrix, diagonalIndex: diag, dimensions: dims, interpolation: p, restriction: r))
            // A_c = Pᵀ A P
            matrix = r.multiplied(by: matrix.multiplied(by: p))
            dims = coarseDims
        }
        levels = built
        // Dense LU of the coarsest operator (refuse grids that cannot be coarsened to a small one).
        let coarse = built.last!.matrix
        let n = coarse.rowCount
        guard n <= Self.largestDirectCoarseSize else {
            throw PreconditionerError.invalidGrid("coarsest grid \(dims) still has \(n) points (a direction has fewer than 3 points); at most \(Self.largestDirectCoarseSize) are solved directly")
        }
        var dense = DenseMatrix(zeros: n, n)
        for i in 0..<n { for k in coarse.rowOffsets[i]..<coarse.rowOffsets[i + 1] { dense[i, coarse.columnIndices[k]] = coarse.values[k] } }
        do {
            coarseLU = try DenseLUFactorization(dense)
        } catch {
            if case .singular = error.reason { throw PreconditionerError.singularCoarseOperator }
            throw error
        }
    }

    /// Tensor-product linear interpolation from `coarse` to `fine` dimensions.
    static func interpolation(fine: [Int], coarse: [Int]) -> CSRMatrix {
        // 1-D weights: fine f ← coarse c.
        func weights(_ n: Int, _ nc: Int) -> [[(Int, Double)]] {
            (0..<n).map { f in
                if f % 2 == 1 { return (f - 1) / 2 < nc ? [((f - 1) / 2, 1.0)] : [] }
                var w: [(Int, Double)] = []
                if f / 2 - 1 >= 0 { w.append((f / 2 - 1, 0.5)) }
                if f / 2 < nc { w.append((f / 2, 0.5)) }
                return w
            }
        }
        let wx = weights(fine[0], coarse[0]), wy = weights(fine[1], coarse[1])
        let wz = fine.count == 3 ? weights(fine[2], coarse[2]) : [[(0, 1.0)]]
        let nz = fine.count == 3 ? fine[2] : 1
        let ncx = coarse[0], ncy = coarse[1]
        let fineCount = fine.reduce(1, *), coarseCount = coarse.reduce(1, *)
        var coo = COOMatrix(rowCount: fineCount, columnCount: coarseCount)
        coo.reserveCapacity(fineCount * (fine.count == 3 ? 8 : 4))
        for k in 0..<nz { for j in 0..<fine[1] { for i in 0..<fine[0] {
            let row = i + fine[0] * (j + fine[1] * k)
            for (cz, az) in wz[k] { for (cy, ay) in wy[j] { for (cx, ax) in wx[i] {
                coo.appendUnchecked(row: row, column: cx + ncx * (cy + ncy * cz), value: ax * ay * az)
            } } }
        } } }
        return coo.csr()
    }

    /// y = V-cycle(x) with zero initial guess (an approximation of A⁻¹ x).
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let b = Array(x)
        let result = cycle(level: 0, b)
        for i in 0..<y.count { y[i] = result[i] }
    }

    func cycle(level l: Int, _ b: [Double]) -> [Double] {
        let lv = levels[l]
        if l == levels.count - 1 { return coarseSolve(b) }
        var x = [Double](repeating: 0, count: b.count)
        // ν pre-smoothing sweeps (forward Gauss–Seidel or damped Jacobi)
        for _ in 0..<sweeps { smooth(lv, b, &x, forward: true) }
        // r = b − A x,  r_c = Pᵀ r
        let r = VectorOperations.residual(lv.matrix, x, b)
        let rc = lv.restriction!.applied(to: r)
        // e_c = V-cycle_c(r_c),  x = x + P e_c
        let ec = cycle(level: l + 1, rc)
        VectorOperations.axpy(1, lv.interpolation!.applied(to: ec), &x)
        // ν post-smoothing sweeps (backward Gauss–Seidel keeps the cycle symmetric)
        for _ in 0..<sweeps { smooth(lv, b, &x, forward: false) }
        return x
    }

    func smooth(_ lv: Level, _ b: [Double], _ x: inout [Double], forward: Bool) {
        let a = lv.matrix
        let n = a.rowCount
        switch smoother {
        case .gaussSeidel:
            a.rowOffsets.withUnsafeBufferPointer { rp in
            a.columnIndices.withUnsafeBufferPointer { cp in
            a.values.withUnsafeBufferPointer { vp in
            lv.diagonalIndex.withUnsafeBufferPointer { dp in
            b.withUnsafeBufferPointer { bp in
            x.withUnsafeMutableBufferPointer { xp in
                // xᵢ ← (bᵢ − Σ_{j≠i} aᵢⱼ xⱼ) / aᵢᵢ, in increasing (forward) or decreasing (backward) order
                func relax(_ i: Int) {
                    var s = bp[i]
                    for k in rp[i]..<rp[i + 1] { s -= vp[k] * xp[cp[k]] }
                    xp[i] += s / vp[dp[i]]
                }
                if forward { for i in 0..<n { relax(i) } } else { for i in stride(from: n - 1, through: 0, by: -1) { relax(i) } }
            }}}}}}
        case let .dampedJacobi(w):
            // x ← x + ω D⁻¹ (b − A x)
            let r = VectorOperations.residual(a, x, b)
            a.values.withUnsafeBufferPointer { vp in
            lv.diagonalIndex.withUnsafeBufferPointer { dp in
            x.withUnsafeMutableBufferPointer { xp in
                for i in 0..<n { xp[i] += w * r[i] / vp[dp[i]] }
            }}}
        }
    }

    func coarseSolve(_ b: [Double]) -> [Double] {
        var x = b
        // b always has the coarse size, the only error solve can report; NaN keeps the caller's breakdown check honest.
        do { try coarseLU.solve(&x) } catch { return [Double](repeating: .nan, count: b.count) }
        return x
    }
}
