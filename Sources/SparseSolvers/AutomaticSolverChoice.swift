/// `pdekit solve --method auto`: the method measured fastest for the kind of matrix
/// (BENCHMARKS-sparse.md), decided from n, symmetry and the diagonal before any set-up.
///
/// ```
/// n < 20 000                                   → direct (CHOLMOD / UMFPACK: factorization is cheap)
/// A = Aᵀ (to the symmetry tolerance), aᵢᵢ > 0  → CG + BoomerAMG (θ = 0.5 when rows average more
///                                                than 6 entries, as 3-D stencils and FE matrices do)
/// otherwise                                    → GMRES(m) + AIR
/// ```
/// The iteration limit is capped at 300; a caller that sees no convergence falls back to `.direct`.
public enum AutomaticSolverChoice {
    /// Below this many unknowns the direct method is chosen.
    public static let directBelow = 20_000
    /// Iteration cap of the Krylov choice.
    public static let iterationCap = 300

    /// The configuration for A (tolerances, restart and AMG systems settings taken from `base`) and
    /// a one-line reason.
    public static func configuration(for a: CSRMatrix, base: SolverConfiguration) -> (SolverConfiguration, String) {
        var chosen = base
        chosen.maximumIterations = min(base.maximumIterations, iterationCap)
        if a.rowCount < directBelow {
            chosen.method = .direct
            chosen.preconditioner = .none
            return (chosen, "direct: \(a.rowCount) < \(directBelow) unknowns")
        }
        let positiveDiagonal = a.diagonal().allSatisfy { $0 > 0 }
        if positiveDiagonal, a.isSymmetric(relativeTolerance: base.symmetryTolerance) {
            chosen.method = .conjugateGradient
            chosen.preconditioner = .amg
            chosen.amg.variant = base.amg.variant == .air ? .classical : base.amg.variant
            if Double(a.entryCount) / Double(a.rowCount) > 6, base.amg.strongThreshold == AlgebraicMultigridOptions().strongThreshold {
                chosen.amg.strongThreshold = 0.5
            }
            return (chosen, "CG + AMG: symmetric with a positive diagonal, \(a.rowCount) unknowns")
        }
        chosen.method = .gmres
        chosen.preconditioner = .amg
        chosen.amg.variant = .air
        chosen.amg.nearNullspace = .none
        return (chosen, "GMRES + AIR: nonsymmetric, \(a.rowCount) unknowns")
    }
}
