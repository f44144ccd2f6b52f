/// Helmholtz problem with a variable coefficient (indefinite for k² above the first eigenvalue).
///
/// ```
/// ∇·(a(x) ∇u) + k² u = f   in D,   Dirichlet or Neumann sides
/// residual:  a Δu + ∇a·∇u + k² u − f
/// assembled as  −∇·(a∇u) − k² u = −f   (so k = 0 gives the SPD diffusion matrix)
/// ```
/// Vertex-centred finite volumes (see `FiniteVolumeAssembler`), the k² u term lumped on the control
/// volume. The matrix is symmetric but indefinite once k² exceeds the smallest eigenvalue of
/// −∇·(a∇·): solve with LU, MINRES or GMRES, not Cholesky or CG. Second order; the pollution
/// error grows like k³h² (Babuška–Sauter), so keep kh small.
/// For a sampled (e.g. GRF) coefficient on the grid, pass `SpatialFunction.gridField(_:on:)`: the
/// discretization then uses the samples unchanged.
/// References: F. Ihlenburg, I. Babuška, "Finite element solution of the Helmholtz equation with
/// high wave number", Comput. Math. Appl. 30 (1995).
public struct HelmholtzProblem: PDEProblem {
    public let grid: UniformGrid
    public let coefficient: SpatialFunction
    public let wavenumber: Double
    public let source: SpatialFunction
    public let boundaryConditions: BoundaryConditions

    public init(grid: UniformGrid, coefficient: SpatialFunction = .constant(1), wavenumber: Double,
                source: SpatialFunction, boundaryConditions: BoundaryConditions) throws {
        guard wavenumber.isFinite else { throw PDEError.invalidParameter(name: "wavenumber", reason: "must be finite") }
        _ = try PoissonProblem(grid: grid, coefficient: coefficient, source: source, boundaryConditions: boundaryConditions)
        self.grid = grid
        self.coefficient = coefficient
        self.wavenumber = wavenumber
        self.source = source
        self.boundaryConditions = boundaryConditions
    }

    public func discretize() throws -> LinearSystem {
        let k2 = wavenumber * wavenumber
        var assembler = FiniteVolumeAssembler(grid: grid, boundaryConditions: boundaryConditions,
                                              coefficient: grid.evaluate(coefficient.value),
                                              source: grid.evaluate { -source($0) })
        assembler.reaction = [Double](repeating: -k2, count: grid.pointCount)
        return try assembler.assemble()
    }

    public func residual(at x: [Double], solution u: LocalJet) -> Double {
        let gradA = coefficient.gradient(at: x)
        var flux = coefficient(x) * u.laplacian
        for a in 0..<x.count { flux += gradA[a] * u.gradient[a] }
        return flux + wavenumber * wavenumber * u.value - source(x)
    }
}
