/// Variable-coefficient Poisson problem in 1, 2 or 3 dimensions.
///
/// ```
/// −∇·(a(x) ∇u) = f(x)  in D = [0, L]^d,   Dirichlet or Neumann (a ∂u/∂n = g) sides
/// strong-form residual:  −(a Δu + ∇a·∇u) − f
/// ```
/// Discretized by vertex-centred finite volumes (5-point stencil in 2-D, 7-point in 3-D, harmonic
/// face averages of a; see `FiniteVolumeAssembler`): SPD when a > 0 and some side is Dirichlet.
/// Second-order accurate (checked by manufactured-solution tests).
/// For a sampled (e.g. GRF) coefficient on the grid, pass `SpatialFunction.gridField(_:on:)`: the
/// discretization then uses the samples unchanged.
/// References: Eymard, Gallouët, Herbin, "Finite volume methods" (2000).
public struct PoissonProblem: PDEProblem {
    public let grid: UniformGrid
    public let coefficient: SpatialFunction
    public let source: SpatialFunction
    public let boundaryConditions: BoundaryConditions

    /// - Throws: `PDEError.invalidGrid` unless the grid is vertex-centred.
    public init(grid: UniformGrid, coefficient: SpatialFunction = .constant(1), source: SpatialFunction,
                boundaryConditions: BoundaryConditions) throws {
        guard grid.layout == .vertexCentred else { throw PDEError.invalidGrid("PoissonProblem needs a vertex-centred grid") }
        guard boundaryConditions.dimension == grid.dimension else {
            throw PDEError.sizeMismatch(what: "boundary conditions (sides)", expected: 2 * grid.dimension,
                                        actual: boundaryConditions.conditions.count)
        }
        self.grid = grid
        self.coefficient = coefficient
        self.source = source
        self.boundaryConditions = boundaryConditions
    }

    public func discretize() throws -> LinearSystem {
        try FiniteVolumeAssembler(grid: grid, boundaryConditions: boundaryConditions,
                                  coefficient: grid.evaluate(coefficient.value),
                                  source: grid.evaluate(source.value)).assemble()
    }

    public func residual(at x: [Double], solution u: LocalJet) -> Double {
        let gradA = coefficient.gradient(at: x)
        var flux = coefficient(x) * u.laplacian
        for a in 0..<x.count { flux += gradA[a] * u.gradient[a] }
        return -flux - source(x)
    }
}
