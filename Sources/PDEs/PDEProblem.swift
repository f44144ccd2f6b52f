/// A stationary boundary-value problem on a box: what a solver, a data generator, a PINN or a GP
/// needs to know about it.
///
/// ```
/// L u = f in D,   B u = g on ∂D
/// discretize():      A u_h = b   (sparse, Double, the unknowns are the non-Dirichlet grid nodes)
/// residual(x, u):    (L u − f)(x), the strong form at one point from u's local jet
/// ```
/// A manufactured solution u* makes `residual(x, jet(u*))` the source that reproduces u*: tests and
/// PINN/GP code use that to set f.
public protocol PDEProblem: Sendable {
    /// The grid the discretization lives on (its box is the domain).
    var grid: UniformGrid { get }
    /// One condition per side of the box.
    var boundaryConditions: BoundaryConditions { get }
    /// The sparse linear system and the map between its unknowns and the full nodal field.
    func discretize() throws -> LinearSystem
    /// (L u − f)(x) in strong form for a candidate solution with the given local jet.
    func residual(at x: [Double], solution u: LocalJet) -> Double
}

/// Convection terms: how b·∇u is discretized.
public enum ConvectionScheme: Sendable, Hashable, CaseIterable {
    /// (u_{i+1} − u_{i−1}) / 2h: second order, oscillates when the mesh Péclet number |b|h/ε > 2.
    case central
    /// Upstream one-sided difference: first order, monotone (an M-matrix) for every Péclet number.
    case upwind
}
