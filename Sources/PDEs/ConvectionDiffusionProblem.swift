/// Steady convection–diffusion (nonsymmetric).
///
/// ```
/// −ε Δu + b(x)·∇u = f   in D,   u = g on ∂D (Dirichlet sides only)
/// residual:  −ε Δu + b·∇u − f
/// ```
/// Diffusion by vertex-centred finite volumes; convection by nodal differences, `.central`
/// (second order, stable for mesh Péclet |b|h/ε ≤ 2) or `.upwind` (first order, an M-matrix for
/// every Péclet number). The matrix is nonsymmetric: solve with LU, GMRES, BiCGStab or GCRO-DR.
/// References: H.-G. Roos, M. Stynes, L. Tobiska, "Robust Numerical Methods for Singularly
/// Perturbed Differential Equations", 2nd ed., Springer (2008), §III.1.
public struct ConvectionDiffusionProblem: PDEProblem {
    public let grid: UniformGrid
    public let diffusion: Double
    public let velocity: @Sendable ([Double]) -> [Double]
    public let source: SpatialFunction
    public let boundaryConditions: BoundaryConditions
    public let scheme: ConvectionScheme

    /// - Throws: `PDEError.invalidParameter` for ε ≤ 0; `.unsupportedBoundaryCondition` for a
    ///   non-Dirichlet side.
    public init(grid: UniformGrid, diffusion: Double, velocity: @escaping @Sendable ([Double]) -> [Double],
                source: SpatialFunction, boundaryConditions: BoundaryConditions, scheme: ConvectionScheme = .central) throws {
        guard diffusion > 0, diffusion.isFinite else {
            throw PDEError.invalidParameter(name: "diffusion", reason: "must be positive, got \(diffusion)")
        }
        guard boundaryConditions.conditions.allSatisfy({ $0.isDirichlet }) else {
            throw PDEError.unsupportedBoundaryCondition("convection–diffusion takes Dirichlet sides only")
        }
        _ = try PoissonProblem(grid: grid, source: source, boundaryConditions: boundaryConditions)
        self.grid = grid
        self.diffusion = diffusion
        self.velocity = velocity
        self.source = source
        self.boundaryConditions = boundaryConditions
        self.scheme = scheme
    }

    /// The largest mesh Péclet number max |b_a| h_a / ε over the nodes.
    public var meshPecletNumber: Double {
        let h = grid.spacing
        var peclet = 0.0
        for p in 0..<grid.pointCount {
            let b = velocity(grid.point(p))
            for a in 0..<b.count { peclet = max(peclet, abs(b[a]) * h[a] / diffusion) }
        }
        return peclet
    }

    public func discretize() throws -> LinearSystem {
        let d = grid.dimension
        var nodal = [[Double]](repeating: [Double](repeating: 0, count: grid.pointCount), count: d)
        for p in 0..<grid.pointCount {
            let b = velocity(grid.point(p))
            guard b.count == d else { throw PDEError.sizeMismatch(what: "velocity vector", expected: d, actual: b.count) }
            for a in 0..<d { nodal[a][p] = b[a] }
        }
        var assembler = FiniteVolumeAssembler(grid: grid, boundaryConditions: boundaryConditions,
                                              coefficient: [Double](repeating: diffusion, count: grid.pointCount),
                                              source: grid.evaluate(source.value))
        assembler.velocity = nodal
        assembler.scheme = scheme
        return try assembler.assemble()
    }

    public func residual(at x: [Double], solution u: LocalJet) -> Double {
        let b = velocity(x)
        var advection = 0.0
        for a in 0..<x.count { advection += b[a] * u.gradient[a] }
        return -diffusion * u.laplacian + advection - source(x)
    }
}
