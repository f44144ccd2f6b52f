/// The settings of hypre's BoomerAMG as a preconditioner (`SolverConfiguration.Preconditioner.amg`).
///
/// ```
/// M⁻¹ r = `cycles` V-cycles of A x = r from x = 0 on the hierarchy  A₀ = A,  Aₗ₊₁ = Rₗ Aₗ Pₗ
/// classical:    HMIS coarsening, FF1 interpolation (extended+i with d > 1 unknowns per node or
///               near-nullspace vectors), ≤ 4 entries per row of P, R = Pᵀ
/// aggregation:  the same with aggressive coarsening (multipass interpolation) on the first level:
///               smaller hierarchies, for many-unknown 3-D and elasticity problems
/// air:          approximate ideal restriction R over distance-2 neighbourhoods (θ_R = 0.05), one-point P,
///               F-F-C Gauss–Seidel post-smoothing, no pre-smoothing: for nonsymmetric, advection-dominated A (GMRES/BiCGStab)
/// strength:     j is a strong connection of i when −aᵢⱼ ≥ θ maxₖ≠ᵢ(−aᵢₖ)
/// ```
/// Systems (elasticity): `unknownsPerNode` d > 1 means the unknowns are interleaved, d per node,
/// and coarsening works on nodes; near-nullspace vectors (rigid-body rotations from coordinates, or
/// the user's vectors) are interpolated exactly on every level (hypre's interpolation-vector variant 2).
///
/// References: V. E. Henson, U. M. Yang, "BoomerAMG", Appl. Numer. Math. 41, 2002; H. De Sterck,
/// U. M. Yang, J. J. Heys, SIAM J. Matrix Anal. Appl. 27(4), 2006 (HMIS); H. De Sterck, R. D. Falgout,
/// J. W. Nolting, U. M. Yang, Numer. Linear Algebra Appl. 15, 2008 (FF1, extended+i interpolation); T. A. Manteuffel,
/// S. Münzenmaier, J. Ruge, B. S. Southworth, SIAM J. Sci. Comput. 41(5), 2019 (AIR); A. H. Baker,
/// Tz. V. Kolev, U. M. Yang, Numer. Linear Algebra Appl. 17, 2010 (interpolation of near-nullspace vectors).
public struct AlgebraicMultigridOptions: Codable, Sendable, Equatable {
    public enum Variant: String, Codable, Sendable, CaseIterable {
        case classical
        case aggregation
        case air
    }

    /// The relaxation before and after each coarse-grid correction (one sweep each; the coarsest
    /// level is solved by Gaussian elimination). AIR has its own (F-F-C Gauss–Seidel, see above) and
    /// takes only `.automatic`.
    public enum Smoother: String, Codable, Sendable, CaseIterable {
        /// Chebyshev for scalar AMG (one unknown per node, no near-nullspace vectors) on ≤ 6 entries
        /// per row, Gauss–Seidel otherwise: see `effectiveSmoother` for the rule and its measurements.
        case automatic = "auto"
        /// Hybrid symmetric Gauss–Seidel (hypre relax type 6): a forward then a backward sweep,
        /// symmetric, so M stays SPD for CG.
        case gaussSeidel = "gauss-seidel"
        /// ℓ1-Jacobi (hypre relax type 18): u += D_ℓ1⁻¹ (f − A u), D_ℓ1 the diagonal enlarged by row
        /// ℓ1 norms so that the sweep converges for SPD A without a damping factor (Baker et al. 2011).
        case l1Jacobi = "l1-jacobi"
        /// Chebyshev polynomial smoothing (hypre relax type 16, order 2, fraction 0.3, variant 0,
        /// diagonal scaling on, eigenvalue-estimate iterations 0):
        /// ```
        /// u ← u + D^{-1/2} s(Â) D^{-1/2} (f − A u),   Â = D^{-1/2} A D^{-1/2}  (same spectrum as D⁻¹A)
        /// 1 − t s(t) = the degree-2 Chebyshev polynomial of [0.3 λ, λ], scaled to 1 at t = 0
        /// λ = 1.1 · maxᵢ (1 + Σ_{j≠i} |aᵢⱼ| / aᵢᵢ)          (Gershgorin bound of D⁻¹A, per level)
        /// ```
        /// Two products with A per sweep, no triangular solves; the set-up costs one pass over each
        /// level's rows (no CG eigenvalue iterations). S = D^{-1/2} s(Â) D^{-1/2} is symmetric, so the
        /// V-cycle is too. The smoother damps the eigencomponents of D⁻¹A in [0.3 λ, λ] by at least
        /// 1 / T₂((λ + 0.3 λ)/(λ − 0.3 λ)) = 49/289 ≈ 0.17 per sweep. References: M. Adams, M. Brezina, J. Hu,
        /// R. Tuminaro, J. Comput. Phys. 188, 2003 (Chebyshev smoothers for AMG, the 1.1 safety
        /// factor); A. H. Baker, R. D. Falgout, Tz. V. Kolev, U. M. Yang, SIAM J. Sci. Comput. 33(5),
        /// 2011 (multigrid smoothers for ultraparallel computing).
        case chebyshev
    }

    /// Near-nullspace vectors for systems AMG.
    public enum NearNullspace: Codable, Sendable, Equatable {
        case none
        /// Rigid-body rotations of `dimension`-D elasticity from node coordinates (node after node,
        /// `dimension` values each); the translations are in the systems coarsening already.
        case rigidBodyModes(coordinates: [Double], dimension: Int)
        /// The user's vectors, each of length n.
        case vectors([[Double]])
    }

    public var variant: Variant
    public var smoother: Smoother
    /// V-cycles per application (≥ 1).
    public var cycles: Int
    /// θ ∈ (0, 1); 0.25 suits 2-D problems, 0.5 3-D ones.
    public var strongThreshold: Double
    /// Unknowns per node d (interleaved), ≥ 1; must divide n.
    public var unknownsPerNode: Int
    public var nearNullspace: NearNullspace

    public init(variant: Variant = .classical, smoother: Smoother = .automatic, cycles: Int = 1, strongThreshold: Double = 0.25,
                unknownsPerNode: Int = 1, nearNullspace: NearNullspace = .none) {
        self.variant = variant
        self.smoother = smoother
        self.cycles = cycles
        self.strongThreshold = strongThreshold
        self.unknownsPerNode = unknownsPerNode
        self.nearNullspace = nearNullspace
    }

    /// The smoother that runs on a matrix with `entriesPerRow` stored entries per row (nnz / n):
    /// `smoother`, or for `.automatic`
    /// ```
    /// AIR                                                   → its own (reported as gauss-seidel)
    /// d > 1 unknowns per node, or near-nullspace vectors    → gauss-seidel
    /// nnz / n > 6 (3-D stencils, finite-element meshes)     → gauss-seidel
    /// nnz / n ≤ 6 (2-D stencils), one unknown per node      → chebyshev
    /// ```
    /// (the 6 is `AutomaticSolverChoice.denseRowsAbove`, the same split as `--method auto`'s).
    /// Measured with CG, b = ones, 1e-8 (BENCHMARKS-amg.md, session 11 run 5): on the 5-point
    /// matrices Chebyshev keeps Gauss–Seidel's 6 iterations (poisson2d-500, anisotropic) with a
    /// cheaper cycle (set-up + solve CPU −5 % and −15 %); on poisson3d-60 (7 per row) it needs 8
    /// against 7 iterations, on the unstructured mesh 17 against 16, with aggregation 14 and 20
    /// against 13 and 19, no faster; with the rotation of 2-D elasticity as a near-nullspace vector
    /// 90 iterations against 15, with d = 2 alone 12 against 10.
    public func effectiveSmoother(entriesPerRow: Double) -> Smoother {
        guard smoother == .automatic else { return smoother }
        if variant == .air || unknownsPerNode > 1 || nearNullspace != .none { return .gaussSeidel }
        return entriesPerRow <= AutomaticSolverChoice.denseRowsAbove ? .chebyshev : .gaussSeidel
    }

    /// These options with `.automatic` replaced by the smoother that runs on `a`.
    public func resolved(for a: CSRMatrix) -> AlgebraicMultigridOptions {
        var options = self
        options.smoother = effectiveSmoother(entriesPerRow: a.rowCount > 0 ? Double(a.entryCount) / Double(a.rowCount) : 0)
        return options
    }

    /// Short name for reports, e.g. "AMG(classical,chebyshev)" or "AMG(classical,d=2,rbm,gauss-seidel)"
    /// (the smoother as set: `resolved(for:)` names the one that runs).
    public var name: String {
        var parts = [variant.rawValue]
        if unknownsPerNode > 1 { parts.append("d=\(unknownsPerNode)") }
        switch nearNullspace {
        case .none: break
        case .rigidBodyModes: parts.append("rbm")
        case let .vectors(v): parts.append("nullspace=\(v.count)")
        }
        if variant != .air { parts.append(smoother.rawValue) }
        return "AMG(" + parts.joined(separator: ",") + ")"
    }

    /// Checks the ranges, and against an n × n matrix when `rowCount` is given.
    public func validate(rowCount: Int?) throws(SolverConfigurationError) {
        guard cycles >= 1, cycles <= 100 else { throw .invalidMultigridOption("cycles must be in 1…100, got \(cycles)") }
        guard strongThreshold.isFinite, strongThreshold > 0, strongThreshold < 1 else {
            throw .invalidMultigridOption("strength threshold must be in (0, 1), got \(strongThreshold)")
        }
        guard unknownsPerNode >= 1, unknownsPerNode <= 8 else { throw .invalidMultigridOption("unknowns per node must be in 1…8, got \(unknownsPerNode)") }
        if variant == .air, nearNullspace != .none { throw .invalidMultigridOption("AIR takes no near-nullspace vectors") }
        if variant == .air, smoother != .automatic {
            throw .invalidMultigridOption("AIR relaxes with its own F-F-C Gauss–Seidel: the smoother (\(smoother.rawValue)) applies to classical and aggregation AMG")
        }
        switch nearNullspace {
        case .none: break
        case let .rigidBodyModes(coordinates, dimension):
            guard dimension == 2 || dimension == 3 else { throw .invalidMultigridOption("rigid-body modes need 2 or 3 coordinates per node, got \(dimension)") }
            guard unknownsPerNode == dimension else {
                throw .invalidMultigridOption("rigid-body modes of \(dimension)-D elasticity need \(dimension) unknowns per node (--unknowns-per-node), got \(unknownsPerNode)")
            }
            guard coordinates.allSatisfy({ $0.isFinite }) else { throw .invalidMultigridOption("coordinates must be finite") }
            if let rowCount, coordinates.count != rowCount {
                throw .invalidMultigridOption("\(coordinates.count / max(dimension, 1)) nodes × \(dimension) coordinates do not match \(rowCount) unknowns")
            }
        case let .vectors(vectors):
            guard !vectors.isEmpty, vectors.count <= 32 else { throw .invalidMultigridOption("give 1…32 near-nullspace vectors, got \(vectors.count)") }
            guard vectors.allSatisfy({ $0.allSatisfy { $0.isFinite } }) else { throw .invalidMultigridOption("near-nullspace vectors must be finite") }
            if let rowCount, let bad = vectors.first(where: { $0.count != rowCount }) {
                throw .invalidMultigridOption("a near-nullspace vector has \(bad.count) entries, the matrix \(rowCount) rows")
            }
        }
        if let rowCount, rowCount % unknownsPerNode != 0 {
            throw .invalidMultigridOption("\(unknownsPerNode) unknowns per node do not divide \(rowCount) rows")
        }
    }

    /// The near-nullspace vectors for an n-row matrix, vector after vector (nil for `.none`).
    ///
    /// Rigid-body rotations with node coordinates (x, y[, z]) and interleaved displacements:
    /// ```
    /// 2-D:  (−y, x)
    /// 3-D:  (0, −z, y),  (z, 0, −x),  (−y, x, 0)
    /// ```
    public func nearNullspaceVectors() -> [[Double]]? {
        switch nearNullspace {
        case .none: return nil
        case let .vectors(vectors): return vectors
        case let .rigidBodyModes(coordinates, dimension):
            let nodes = coordinates.count / dimension
            if dimension == 2 {
                var rotation = [Double](repeating: 0, count: 2 * nodes)
                for i in 0..<nodes {
                    rotation[2 * i] = -coordinates[2 * i + 1]
                    rotation[2 * i + 1] = coordinates[2 * i]
                }
                return [rotation]
            }
            var modes = [[Double]](repeating: [Double](repeating: 0, count: 3 * nodes), count: 3)
            for i in 0..<nodes {
                let x = coordinates[3 * i], y = coordinates[3 * i + 1], z = coordinates[3 * i + 2]
                modes[0][3 * i + 1] = -z; modes[0][3 * i + 2] = y
                modes[1][3 * i] = z; modes[1][3 * i + 2] = -x
                modes[2][3 * i] = -y; modes[2][3 * i + 1] = x
            }
            return modes
        }
    }
}
