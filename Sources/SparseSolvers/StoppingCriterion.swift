/// When an iterative solver stops: a residual test and an iteration limit.
///
/// ```
/// stop when ‖b − A x‖₂ ≤ max(rtol · ‖b‖₂, atol)   or   iterations ≥ maximumIterations
/// ```
/// Complexity: O(1) per test. References: Saad 2003, §6.11 (stopping criteria).
public struct StoppingCriterion: Sendable, Equatable {
    /// rtol: relative tolerance against ‖b‖₂.
    public var relativeTolerance: Double
    /// atol: absolute tolerance on ‖b − A x‖₂.
    public var absoluteTolerance: Double
    /// Iteration limit (matrix–vector products of the Krylov iteration proper).
    public var maximumIterations: Int

    public init(relativeTolerance: Double = 1e-8, absoluteTolerance: Double = 0, maximumIterations: Int = 10_000) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maximumIterations = maximumIterations
    }

    /// The residual-norm threshold max(rtol ‖b‖, atol).
    public func threshold(rightHandSideNorm: Double) -> Double {
        max(relativeTolerance * rightHandSideNorm, absoluteTolerance)
    }
}
