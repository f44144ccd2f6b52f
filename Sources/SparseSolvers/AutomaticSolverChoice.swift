/// `pdekit solve --method auto`: the method measured fastest (set-up + solve) for the kind of
/// matrix, decided from features that cost O(nnz) to compute, before any set-up.
///
/// ```
/// features:  n, nnz/row, A = Aᵀ (to the symmetry tolerance), aᵢᵢ > 0 for all i,
///            d = unknowns per node (InterleavedBlockSize: from the sparsity pattern)
///
/// n < 20 000                                  → direct (CHOLMOD / UMFPACK: factorization is cheap)
/// symmetric, positive diagonal, d > 1         → CG + BoomerAMG systems AMG with d unknowns per node
/// symmetric, positive diagonal, nnz/row > 6   → CG + BoomerAMG aggregation (aggressive coarsening)
///                                               with θ = 0.5 (3-D stencils, finite-element meshes)
/// symmetric, positive diagonal                → CG + BoomerAMG classical, θ = 0.25 (2-D stencils;
///                                               Chebyshev smoother, see `AlgebraicMultigridOptions.effectiveSmoother`)
/// otherwise (nonsymmetric, or a diagonal      → GMRES(m) + hypre ILUT (τ = 1e-4, 10 entries per row of
///            entry ≤ 0)                          L and U): on the convection–diffusion matrix 2–3x faster
///                                               than BiCGStab or GMRES with AIR, whose set-up dominates
/// ```
/// Calibrated on the six matrices of `bench/run-amg.sh` (BENCHMARKS-amg.md, "--method auto"): on
/// each, the rule picks a method within 1.5x of the fastest one measured side by side. The iteration
/// limit is capped at 300; the caller falls back to `.direct` when the choice does not converge.
/// Settings the user gave (a strength θ other than the default, unknowns per node > 1, a
/// near-nullspace) are kept.
public enum AutomaticSolverChoice {
    /// Below this many unknowns the direct method is chosen.
    public static let directBelow = 20_000
    /// Iteration cap of the Krylov choice.
    public static let iterationCap = 300
    /// The threshold ILU of the nonsymmetric choice (drop tolerance τ, entries kept per row), unless the
    /// user set other ILUT options: measured on the convection–diffusion matrix (BENCHMARKS-amg.md).
    public static let thresholdILU = ThresholdILUOptions(dropTolerance: 1e-4, maximumRowFill: 10)
    /// Above this many stored entries per row a symmetric matrix counts as 3-D or finite-element.
    public static let denseRowsAbove = 6.0

    /// What the rule looks at.
    public struct Features: Sendable, Equatable {
        public var rowCount: Int
        public var entriesPerRow: Double
        /// A = Aᵀ to the relative symmetry tolerance.
        public var symmetric: Bool
        /// Every diagonal entry is positive (with symmetry: a hint that A may be positive definite).
        public var positiveDiagonal: Bool
        /// Unknowns per node found in the sparsity pattern (1: scalar).
        public var unknownsPerNode: Int

        public init(rowCount: Int, entriesPerRow: Double, symmetric: Bool, positiveDiagonal: Bool, unknownsPerNode: Int) {
            self.rowCount = rowCount
            self.entriesPerRow = entriesPerRow
            self.symmetric = symmetric
            self.positiveDiagonal = positiveDiagonal
            self.unknownsPerNode = unknownsPerNode
        }

        /// The features of the square matrix A (O(nnz)); the block size is looked for only in
        /// symmetric matrices with a positive diagonal, where systems AMG is a candidate.
        public init(of a: CSRMatrix, symmetryTolerance: Double) {
            let positiveDiagonal = a.diagonal().allSatisfy { $0 > 0 }
            let symmetric = a.isSymmetric(relativeTolerance: symmetryTolerance)
            self.init(rowCount: a.rowCount, entriesPerRow: a.rowCount > 0 ? Double(a.entryCount) / Double(a.rowCount) : 0,
                      symmetric: symmetric, positiveDiagonal: positiveDiagonal,
                      unknownsPerNode: symmetric && positiveDiagonal ? InterleavedBlockSize.detect(a) : 1)
        }
    }

    /// The configuration for A and a one-line reason (tolerances, restart and the user's AMG
    /// settings are taken from `base`).
    public static func configuration(for a: CSRMatrix, base: SolverConfiguration) -> (SolverConfiguration, String) {
        configuration(for: Features(of: a, symmetryTolerance: base.symmetryTolerance), base: base)
    }

    /// The rule above applied to `features`; `directBelow` is a parameter so that tests can reach
    /// every branch with small matrices.
    public static func configuration(for features: Features, base: SolverConfiguration,
                                     directBelow: Int = directBelow) -> (SolverConfiguration, String) {
        var chosen = base
        chosen.maximumIterations = min(base.maximumIterations, iterationCap)
        let n = features.rowCount
        if n < directBelow {
            chosen.method = .direct
            chosen.preconditioner = .none
            return (chosen, "direct: \(n) < \(directBelow) unknowns")
        }
        let defaultStrength = AlgebraicMultigridOptions().strongThreshold
        if features.symmetric, features.positiveDiagonal {
            chosen.method = .conjugateGradient
            chosen.preconditioner = .amg
            let perNode = base.amg.unknownsPerNode > 1 ? base.amg.unknownsPerNode : features.unknownsPerNode
            if perNode > 1, n % perNode == 0 {
                chosen.amg.variant = .classical
                chosen.amg.unknownsPerNode = perNode
                let source = base.amg.unknownsPerNode > 1 ? "given" : "found in the sparsity pattern"
                return (chosen, "CG + systems AMG: symmetric with a positive diagonal, \(perNode) unknowns per node (\(source)), \(n) unknowns")
            }
            if features.entriesPerRow > denseRowsAbove {
                chosen.amg.variant = .aggregation
                if base.amg.strongThreshold == defaultStrength { chosen.amg.strongThreshold = 0.5 }
                return (chosen, "CG + AMG aggregation: symmetric with a positive diagonal, \(formatted(features.entriesPerRow)) entries per row (3-D or finite elements), \(n) unknowns")
            }
            chosen.amg.variant = .classical
            return (chosen, "CG + AMG: symmetric with a positive diagonal, \(formatted(features.entriesPerRow)) entries per row, \(n) unknowns")
        }
        chosen.method = .gmres
        chosen.preconditioner = .thresholdILU
        if base.thresholdILU == ThresholdILUOptions() { chosen.thresholdILU = thresholdILU }
        let why = features.symmetric ? "a diagonal entry is not positive" : "nonsymmetric"
        return (chosen, "GMRES + ILUT: \(why), \(n) unknowns")
    }

    private static func formatted(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        return tenths.isFinite ? "\(tenths / 10)" : "\(x)"
    }
}
