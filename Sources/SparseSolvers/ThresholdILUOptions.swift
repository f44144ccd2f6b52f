/// The settings of the threshold incomplete LU preconditioner (`SolverConfiguration.Preconditioner.ilut`,
/// hypre's ILUT).
///
/// ```
/// row i of A ≈ L U, row by row (IKJ):  w = aᵢ,;   for k < i with wₖ ≠ 0:  wₖ ← wₖ / uₖₖ,
///     drop wₖ if |wₖ| < τ ‖aᵢ,‖₂, else w ← w − wₖ uₖ,;   then drop |wⱼ| < τ ‖aᵢ,‖₂ and keep the
///     p largest entries in the L part and in the U part of w  (dual threshold)
/// ```
/// τ = `dropTolerance`, p = `maximumRowFill`. τ → 0 and p → n give the exact LU factors.
/// Reference: Y. Saad, "ILUT: a dual threshold incomplete LU factorization", Numer. Linear Algebra
/// Appl. 1(4), 1994; Saad 2003, §10.4.
public struct ThresholdILUOptions: Codable, Sendable, Equatable {
    /// τ ≥ 0, relative to each row's 2-norm.
    public var dropTolerance: Double
    /// p ≥ 1: entries kept per row in L and in U.
    public var maximumRowFill: Int

    public init(dropTolerance: Double = 1e-4, maximumRowFill: Int = 20) {
        self.dropTolerance = dropTolerance
        self.maximumRowFill = maximumRowFill
    }

    public var name: String { "ILUT(\(dropTolerance),\(maximumRowFill))" }

    public func validate() throws(SolverConfigurationError) {
        guard dropTolerance.isFinite, dropTolerance >= 0, dropTolerance < 1 else {
            throw .invalidThresholdILUOption("drop tolerance must be in [0, 1), got \(dropTolerance)")
        }
        guard maximumRowFill >= 1, maximumRowFill <= 100_000 else {
            throw .invalidThresholdILUOption("fill per row must be in 1…100000, got \(maximumRowFill)")
        }
    }
}
