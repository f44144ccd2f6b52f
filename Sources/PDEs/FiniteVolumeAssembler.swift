import SparseSolvers

/// Vertex-centred finite-volume ("box method") assembly of
///
/// ```
/// −∇·(a ∇u) + b·∇u + c u = f   in D = box,   u = g_D or a ∂u/∂n = g_N on each side
/// ```
/// on a `.vertexCentred` grid. Each unknown node p owns the control volume
/// V_p = Π_a [x_a − h_a/2, x_a + h_a/2] ∩ D (halved on the boundary), and the balance over V_p is
///
/// ```
/// Σ_faces  a_f (u_p − u_q) |F| / h_a   −   Σ_{Neumann faces} g_N(x_p) |F|   +   c_p u_p |V_p|
///   + |V_p| (b·∇u)_p   =   f_p |V_p|
/// a_f = 2 a_p a_q / (a_p + a_q)        (harmonic face average of the nodal coefficient)
/// (b·∇u)_p: central  Σ_a b_a (u_{p+e_a} − u_{p−e_a}) / 2h_a
///           upwind   Σ_a b_a⁺ (u_p − u_{p−e_a}) / h_a + b_a⁻ (u_{p+e_a} − u_p) / h_a
/// ```
/// Dirichlet neighbours move to the right-hand side. A node on a Neumann (or Robin) side takes
/// the convection along that side's axis from the one neighbour it has, the inward one-sided
/// difference (u_{p±e_a} − u_p)/h_a: an O(h) error per unit volume on a half-width control volume,
/// so an O(h²) flux error and second order kept. A periodic axis (both of its sides `.periodic`)
/// identifies the node index n_a − 1 with index 0: the lower-face node owns a full control volume
/// whose lower neighbour is index n_a − 2, and the upper-face nodes are images
/// (`LinearSystem.periodicImages`) that repeat it. Without convection the matrix is symmetric
/// (|F| is the same seen from both sides) and, with a > 0, c ≥ 0 and one Dirichlet side, positive
/// definite. On interior nodes of a uniform grid (h in every direction) the rows are the 5-point
/// (2-D) or 7-point (3-D) finite-difference stencil multiplied by the cell volume h^d (so in 2-D
/// exactly `ModelProblems.poisson2D` when a ≡ 1). Second order for smooth a, f and u, Neumann
/// sides included (checked by the manufactured-solution tests).
///
/// References: R. Eymard, T. Gallouët, R. Herbin, "Finite volume methods", Handbook of Numerical
/// Analysis VII (2000), §§9–10; S. V. Patankar, "Numerical Heat Transfer and Fluid Flow" (1980),
/// §4.2 (harmonic mean of the conductivity at faces).
struct FiniteVolumeAssembler {
    let grid: UniformGrid
    let boundaryConditions: BoundaryConditions
    /// Nodal a (> 0), storage order.
    var coefficient: [Double]
    /// Nodal f.
    var source: [Double]
    /// Nodal c, or nil for 0.
    var reaction: [Double]? = nil
    /// Nodal b_a per axis, or nil for no convection.
    var velocity: [[Double]]? = nil
    var scheme: ConvectionScheme = .central
    /// Multiply the whole system by −1 (Helmholtz convention).
    var negate = false
    /// Robin sides: on a Neumann side with an entry κ here the flux is a ∂u/∂n = g − κ u
    /// (κ |F| joins the diagonal).
    var boundaryReaction: [BoundarySide: @Sendable ([Double]) -> Double] = [:]

    func assemble() throws -> LinearSystem {
        guard grid.layout == .vertexCentred else {
            throw PDEError.invalidGrid("finite-volume assembly needs a vertex-centred grid")
        }
        let d = grid.dimension, n = grid.sizes, h = grid.spacing, strides = grid.strides
        let count = grid.pointCount
        guard boundaryConditions.dimension == d else {
            throw PDEError.sizeMismatch(what: "boundary conditions (sides)", expected: 2 * d, actual: boundaryConditions.conditions.count)
        }
        func isPeriodic(_ side: BoundarySide) -> Bool { if case .periodic = boundaryConditions[side] { return true } else { return false } }
        var periodic = [Bool](repeating: false, count: d)
        for a in 0..<d {
            let lowerPeriodic = isPeriodic(.lower(a)), upperPeriodic = isPeriodic(.upper(a))
            guard lowerPeriodic == upperPeriodic else {
                throw PDEError.unsupportedBoundaryCondition("a periodic side on axis \(a) needs the opposite side periodic too")
            }
            guard !lowerPeriodic || n[a] >= 3 else { throw PDEError.invalidGrid("a periodic axis needs at least 3 nodes") }
            periodic[a] = lowerPeriodic
        }
        let hasPeriodicAxis = periodic.contains(true)
        for (name, field) in [("coefficient", coefficient), ("source", source)] {
            guard field.count == count else { throw PDEError.sizeMismatch(what: name, expected: count, actual: field.count) }
            guard field.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue(name) }
        }
        guard coefficient.allSatisfy({ $0 > 0 }) else {
            throw PDEError.invalidParameter(name: "coefficient", reason: "must be positive at every node")
        }
        if let reaction {
            guard reaction.count == count else { throw PDEError.sizeMismatch(what: "reaction", expected: count, actual: reaction.count) }
            guard reaction.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("reaction") }
        }
        // Periodic on every axis and no reaction term: constants lie in the operator's null space (the
        // fluxes of a constant vanish and no face fixes a level), so the system is singular.
        if !periodic.contains(false), reaction?.allSatisfy({ $0 == 0 }) ?? true {
            throw PDEError.unsupportedBoundaryCondition("periodic on every axis without a reaction term c u: the operator is singular (u + constant solves it too); make one axis non-periodic or add c > 0")
        }
        if let velocity {
            guard velocity.count == d, velocity.allSatisfy({ $0.count == count }) else {
                throw PDEError.sizeMismatch(what: "velocity", expected: d * count, actual: velocity.reduce(0) { $0 + $1.count })
            }
            guard velocity.allSatisfy({ $0.allSatisfy { $0.isFinite } }) else { throw PDEError.nonFiniteValue("velocity") }
        }

        // Dirichlet nodes and their values (the first Dirichlet side met wins at corners).
        var fixed = [Bool](repeating: false, count: count)
        var fixedValues = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: d)
        for p in 0..<count {
            var rest = p
            for a in stride(from: d - 1, through: 0, by: -1) { index[a] = rest % n[a]; rest /= n[a] }
            for a in 0..<d where !fixed[p] {
                if index[a] == 0, case let .dirichlet(g) = boundaryConditions[.lower(a)] {
                    fixed[p] = true
                    fixedValues[p] = g(grid.point(p))
                } else if index[a] == n[a] - 1, case let .dirichlet(g) = boundaryConditions[.upper(a)] {
                    fixed[p] = true
                    fixedValues[p] = g(grid.point(p))
                }
            }
        }
        guard fixedValues.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("Dirichlet data") }
        // Periodic images: index n_a − 1 on a periodic axis repeats index 0 (all such axes at once).
        var sourceOf = Array(0..<count)
        var periodicImages: [(image: Int, source: Int)] = []
        if hasPeriodicAxis {
            for p in 0..<count where !fixed[p] {
                var rest = p, source = p
                for a in stride(from: d - 1, through: 0, by: -1) {
                    if periodic[a] && rest % n[a] == n[a] - 1 { source -= (n[a] - 1) * strides[a] }
                    rest /= n[a]
                }
                if source != p { sourceOf[p] = source; periodicImages.append((p, source)) }
            }
        }
        var unknownOf = [Int](repeating: -1, count: count)
        var unknownNodes: [Int] = []
        unknownNodes.reserveCapacity(count)
        for p in 0..<count where !fixed[p] && sourceOf[p] == p { unknownOf[p] = unknownNodes.count; unknownNodes.append(p) }

        let m = unknownNodes.count
        // Rows are written straight into CSR: the stencil offsets −s₀ < … < −s_{d−1} < 0 < s_{d−1} < … < s₀
        // are ascending in column (unknowns are numbered in grid order), slot(a, −) = a, slot(a, +) = 2d − a.
        let slotCount = 2 * d + 1
        var rowOffsets = [Int](repeating: 0, count: m + 1)
        var columns: [Int] = [], values: [Double] = []
        columns.reserveCapacity(slotCount * m); values.reserveCapacity(slotCount * m)
        var slotValue = [Double](repeating: 0, count: slotCount)
        var slotColumn = [Int](repeating: -1, count: slotCount)
        var rhs = [Double](repeating: 0, count: m)
        let sign = negate ? -1.0 : 1.0

        var widths = [Double](repeating: 0, count: d)
        for (row, p) in unknownNodes.enumerated() {
            var rest = p
            for a in stride(from: d - 1, through: 0, by: -1) { index[a] = rest % n[a]; rest /= n[a] }
            var volume = 1.0
            for a in 0..<d {
                widths[a] = !periodic[a] && (index[a] == 0 || index[a] == n[a] - 1) ? h[a] / 2 : h[a]
                volume *= widths[a]
            }
            var diagonal = 0.0
            var b = source[p] * volume
            var point: [Double]? = nil
            for slot in 0..<slotCount { slotValue[slot] = 0; slotColumn[slot] = -1 }
            // Adds coefficient·u_q to row p (moving Dirichlet neighbours to the right-hand side).
            func couple(_ q: Int, _ value: Double, _ slot: Int) {
                if fixed[q] { b -= value * fixedValues[q] } else { slotValue[slot] += value; slotColumn[slot] = unknownOf[sourceOf[q]] }
            }
            // The neighbour of p one step along axis a (wrapping on a periodic axis), nil outside.
            func neighbour(_ a: Int, _ direction: Int) -> Int? {
                let j = index[a] + direction
                if j >= 0 && j < n[a] { return p + direction * strides[a] }
                guard periodic[a] else { return nil }
                return p + (j < 0 ? n[a] - 2 : -(n[a] - 2)) * strides[a]
            }
            for a in 0..<d {
                let area = volume / widths[a]
                for direction in stride(from: -1, through: 1, by: 2) {
                    guard let q = neighbour(a, direction) else {
                        // Boundary face of V_p: p is not fixed, so this side is Neumann: a ∂u/∂n = g.
                        let side = BoundarySide(axis: a, isUpper: direction > 0)
                        if case let .neumann(g) = boundaryConditions[side] {
                            if point == nil { point = grid.point(p) }
                            b += g(point!) * area
                            if let kappa = boundaryReaction[side] { diagonal += kappa(point!) * area }
                        }
                        continue
                    }
                    let ap = coefficient[p], aq = coefficient[sourceOf[q]]
                    let face = 2 * ap * aq / (ap + aq)
                    let t = face * area / h[a]
                    diagonal += t
                    couple(q, -t, direction < 0 ? a : 2 * d - a)
                }
            }
            if let reaction { diagonal += reaction[p] * volume }
            if let velocity {
                for a in 0..<d {
                    let beta = velocity[a][p]
                    if beta == 0 { continue }
                    guard let down = neighbour(a, -1) else {
                        // Lower Neumann/Robin side: the inward difference (u_{p+e_a} − u_p)/h_a.
                        let c = beta * volume / h[a]
                        diagonal -= c; couple(neighbour(a, 1)!, c, 2 * d - a)
                        continue
                    }
                    guard let up = neighbour(a, 1) else {
                        let c = beta * volume / h[a]
                        diagonal += c; couple(down, -c, a)
                        continue
                    }
                    switch scheme {
                    case .central:
                        let c = beta * volume / (2 * h[a])
                        couple(up, c, 2 * d - a)
                        couple(down, -c, a)
                    case .upwind:
                        let c = beta * volume / h[a]
                        if beta > 0 { diagonal += c; couple(down, -c, a) } else { diagonal -= c; couple(up, c, 2 * d - a) }
                    }
                }
            }
            slotValue[d] = diagonal
            slotColumn[d] = row
            if hasPeriodicAxis {
                // Wrapped neighbours break the ascending slot order (and coincide when n_a = 3).
                var merged: [Int: Double] = [:]
                for slot in 0..<slotCount where slotColumn[slot] >= 0 { merged[slotColumn[slot], default: 0] += slotValue[slot] }
                for column in merged.keys.sorted() { columns.append(column); values.append(sign * merged[column]!) }
            } else {
                for slot in 0..<slotCount where slotColumn[slot] >= 0 {
                    columns.append(slotColumn[slot])
                    values.append(sign * slotValue[slot])
                }
            }
            rowOffsets[row + 1] = columns.count
            rhs[row] = sign * b
        }
        let spd = velocity == nil && !negate && boundaryConditions.hasDirichletSide
            && (reaction?.allSatisfy { $0 >= 0 } ?? true) && m > 0
        if !boundaryReaction.isEmpty || boundaryConditions.conditions.contains(where: \.isNeumann) {
            guard rhs.allSatisfy(\.isFinite), values.allSatisfy(\.isFinite) else { throw PDEError.nonFiniteValue("Neumann or Robin data") }
        }
        let matrix = CSRMatrix(rowCount: m, columnCount: m, rowOffsets: rowOffsets, columnIndices: columns, values: values)
        var system = LinearSystem(matrix: matrix, rightHandSide: rhs, grid: grid, unknownNodes: unknownNodes,
                                  fixedValues: fixedValues, isSymmetricPositiveDefinite: spd)
        system.periodicImages = periodicImages
        return system
    }
}
