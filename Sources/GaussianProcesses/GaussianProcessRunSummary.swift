import Foundation

/// `summary.json` of a `pdekit gp` run (``GaussianProcessRun``).
public struct GaussianProcessRunSummary: Codable, Sendable {
    public var problem: String
    public var method: String
    public var kernel: String
    public var collocationPointsPerAxis: Int
    public var components: Int
    /// Relative L2 error against the exact solution on `testPointsPerAxis` points per axis.
    public var relativeL2Error: Double
    public var testPointsPerAxis: Int
    public var seconds: Double
    public var adamIterations: Int
    public var lbfgsIterations: Int
    public var jeffreysWeight: Double?
    /// `completed`, `skipped`, or `stopped at step k: …` (a step made a kernel LAPACK rejects).
    public var adamOutcome: String
    public var lbfgsOutcome: String
    public var finalLoss: Double?
    /// Per axis, the mixture components whose weight survived the Jeffreys prior.
    public var survivingFrequencies: [[SurvivingComponent]]
    /// Whether the solution approximates the exact one at all (from ``relativeL2Error``).
    public var outcome: Outcome

    /// What the relative L2 error says about the run. An error of 1 is what u = 0 scores, so a run at or
    /// above it (too few iterations or points for the solution, or a kernel whose spectrum cannot reach
    /// it) has not solved the problem: `pdekit gp` exits with status 2 and a warning, as `solve` does
    /// when a method does not converge.
    public enum Outcome: String, Codable, Sendable {
        /// Relative L2 error below 1.
        case approximated
        /// Relative L2 error of 1 or more: no better than u = 0.
        case noBetterThanZero

        public init(relativeL2Error: Double) { self = relativeL2Error < 1 ? .approximated : .noBetterThanZero }
    }

    /// The warning line of a run that did not approximate the solution (nil when it did).
    public var warning: String? {
        guard outcome == .noBetterThanZero else { return nil }
        return String(format: "warning: the relative L2 error %.6g is no better than u = 0 (1): more --iterations, --lbfgs-iterations or --collocation points, or a --maximum-frequency that reaches the solution's frequencies", relativeL2Error)
    }

    public struct SurvivingComponent: Codable, Sendable {
        public var frequency: Double
        public var weight: Double
        public var lengthscale: Double
    }

    /// One line of `log.jsonl`: an evaluation of the objective (`values`, `adam`, `lbfgs`); an `lbfgs`
    /// line carries the L-BFGS iteration it belongs to (a line search evaluates several points).
    public struct LogLine: Codable, Sendable {
        public var phase: String
        public var iteration: Int
        public var loss: Double
        public var seconds: Double
    }
}
