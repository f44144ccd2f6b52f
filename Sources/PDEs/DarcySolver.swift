import SparseSolvers

/// Solves a stream of Darcy problems of one resolution with one CHOLMOD symbolic analysis, through
/// SparseSolvers' `DirectLinearSolver` (the one home of the direct method).
///
/// ```
/// analysis (once):     fill-reducing ordering and supernodes of the (s−2)² five-point pattern
/// per coefficient a:   assemble A(a), b;  numeric factorization P A Pᵀ = L Lᵀ (the analysis of the
///                      unchanged pattern is reused);  u = A⁻¹ b
/// ```
/// The pattern of the finite-volume matrix does not depend on a, so only the numeric factorization
/// is repeated — the fastest classical path for 2-D SPD data generation on a CPU (see ANCHORS:
/// reuse beats Krylov methods by 4x or more here). Not thread-safe: one solver per thread.
/// References: Chen, Davis, Hager, Rajamanickam, "Algorithm 887: CHOLMOD", ACM TOMS 35(3), 2008.
public final class DarcySolver {
    public let resolution: Int
    let direct = DirectLinearSolver(configuration: SolverConfiguration(method: .direct))

    /// Analyzes the pattern for s × s grids (s ≥ 3).
    public init(resolution s: Int) throws {
        let probe = try DarcyProblem(resolution: s, coefficient: [Double](repeating: 1, count: s * s))
        resolution = s
        try direct.setup(probe.discretize().matrix)
    }

    /// The solution at all s² nodes (zeros on the boundary).
    /// - Throws: `PDEError.sizeMismatch` for another resolution; `DirectSolverError` otherwise.
    public func solve(_ problem: DarcyProblem) throws -> [Double] {
        guard problem.resolution == resolution else {
            throw PDEError.sizeMismatch(what: "Darcy problem (nodes per side)", expected: resolution, actual: problem.resolution)
        }
        let system = try problem.discretize()
        try direct.setup(system.matrix)
        return try system.field(from: direct.solve(system.rightHandSide).solution)
    }
}
