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
