/// Steady heat conduction with mixed boundary conditions.
///
/// ```
/// −∇·(κ(x) ∇T) = q(x)   in D
/// T = T_D           on Dirichlet sides (held temperature)
/// κ ∂T/∂n = g       on Neumann sides (g = heat flux into the body; g = 0 insulated)
/// residual:  −(κ ΔT + ∇κ·∇T) − q
/// ```
/// At least one side must hold the temperature, otherwise T is fixed only up to a constant (and
/// only if ∫q + ∮g = 0): such a problem is refused. Discretized like `PoissonProblem` (vertex-centred
/// finite volumes, harmonic face conductivities, half control volumes on Neumann sides).
/// References: Patankar, "Numerical Heat Transfer and Fluid Flow" (1980), ch. 4.
public struct SteadyHeatProblem: PDEProblem {
    public let grid: UniformGrid
    public let conductivity: SpatialFunction
    public let heatSource: SpatialFunction
    public let boundaryConditions: BoundaryConditions

    /// - Throws: `PDEError.unsupportedBoundaryCondition` when no side is Dirichlet.
    public init(grid: UniformGrid, conductivity: SpatialFunction, heatSource: SpatialFunction,
                boundaryConditions: BoundaryConditions) throws {
        guard boundaryConditions.hasDirichletSide else {
            throw PDEError.unsupportedBoundaryCondition("steady heat needs at least one side with a held temperature")
        }
        _ = try PoissonProblem(grid: grid, coefficient: conductivity, source: heatSource, boundaryConditions: boundaryConditions)
        self.grid = grid
        self.conductivity = conductivity
        self.heatSource = heatSource
        self.boundaryConditions = boundaryConditions
    }

    var poisson: PoissonProblem {
        try! PoissonProblem(grid: grid, coefficient: conductivity, source: heatSource, boundaryConditions: boundaryConditions)
    }

    public func discretize() throws -> LinearSystem { try poisson.discretize() }

    public func residual(at x: [Double], solution u: LocalJet) -> Double { poisson.residual(at: x, solution: u) }
}
