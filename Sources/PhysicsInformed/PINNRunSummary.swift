import Foundation
import RunSupport

/// `summary.json` of a PINN run: the settings that shaped it, what the optimizers did and the errors
/// against the reference. Keys in snake case and sorted; a figure that is unknown or not finite is
/// JSON null (JSON has no ∞ or NaN); groups that do not apply to the problem are left out.
public struct PINNRunSummary: Encodable {
    public var problem: String
    public var precision: String
    /// Hidden width and depth.
    public var network: [Int]
    public var activation: String
    public var parameters: Int
    public var constraints: String
    public var sampling: String
    public var resampling: String
    public var adamIterations: Int
    public var lbfgsIterations: Int
    public var lbfgsEvaluations: Int
    public var lbfgsOutcome: String
    public var lbfgsRestarts: Int
    public var finalLoss: Double
    public var wallSeconds: Double
    public var seed: UInt64
    public var cpuSeconds: Double
    /// Forward problems: the error at the evaluation points (null without a reference).
    public var forward: (relativeL2Error: Double?, evaluationPoints: Int)?
    /// Problem files.
    public var problemFile: String?
    public var identifiedParameters: [String: IdentifiedParameter]?
    /// Schrödinger: potential, energy mode, normalization and one entry per state.
    public var schrodinger: (potential: String, energyMode: String, normalization: String, states: [SchrodingerState])?

    /// An unknown parameter of a problem file after training.
    public struct IdentifiedParameter: Encodable {
        public var identified: Double
        public var initial: Double
        /// The true value, when the problem file gives it.
        public var truth: Double?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: PINNSummaryKey.self)
            try c.encodeFinite(identified, "identified")
            try c.encode(initial, forKey: "initial")
            guard let truth else { return }
            try c.encode(truth, forKey: "true")
            try c.encodeFinite(abs(identified - truth), "absolute_error")
            // A zero truth has no relative error.
            try c.encodeFinite(truth == 0 ? nil : abs(identified - truth) / abs(truth), "relative_error")
        }
    }

    /// One Schrödinger state: its energy against the reference and the state's error.
    public struct SchrodingerState: Encodable {
        public var state: Int
        public var energy: Double
        public var energyLearned: Bool
        public var referenceEnergy: Double
        /// How the reference was computed.
        public var reference: String
        public var stateRelativeL2Error: Double
        public var finalLoss: Double
        public var wallSeconds: Double
        public var cpuSeconds: Double
        public var rayleighEnergy: Double
        public var closedFormEnergy: Double?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: PINNSummaryKey.self)
            try c.encode(state, forKey: "state")
            try c.encode(energy, forKey: "energy")
            try c.encode(energyLearned, forKey: "energy_learned")
            try c.encode(referenceEnergy, forKey: "reference_energy")
            try c.encode(reference, forKey: "reference")
            try c.encodeFinite(abs(energy - referenceEnergy) / abs(referenceEnergy), "energy_relative_error")
            try c.encode(stateRelativeL2Error, forKey: "state_relative_l2_error")
            try c.encodeFinite(finalLoss, "final_loss")
            try c.encode(wallSeconds, forKey: "wall_seconds")
            try c.encode(cpuSeconds, forKey: "cpu_seconds")
            try c.encode(rayleighEnergy, forKey: "rayleigh_energy")
            try c.encode(abs(rayleighEnergy - referenceEnergy), forKey: "rayleigh_energy_error")
            try c.encode(abs(energy - referenceEnergy), forKey: "energy_error")
            try c.encodeIfPresent(closedFormEnergy, forKey: "closed_form_energy")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PINNSummaryKey.self)
        try c.encode(problem, forKey: "problem")
        try c.encode(precision, forKey: "precision")
        try c.encode(network, forKey: "network")
        try c.encode(activation, forKey: "activation")
        // A problem file's unknown parameters take the key of the parameter count.
        if let identifiedParameters { try c.encode(identifiedParameters, forKey: "parameters") } else { try c.encode(parameters, forKey: "parameters") }
        try c.encode(constraints, forKey: "constraints")
        try c.encode(sampling, forKey: "sampling")
        try c.encode(resampling, forKey: "resampling")
        try c.encode(adamIterations, forKey: "adam_iterations")
        try c.encode(lbfgsIterations, forKey: "lbfgs_iterations")
        try c.encode(lbfgsEvaluations, forKey: "lbfgs_evaluations")
        try c.encode(lbfgsOutcome, forKey: "lbfgs_outcome")
        try c.encode(lbfgsRestarts, forKey: "lbfgs_restarts")
        try c.encodeFinite(finalLoss, "final_loss")
        try c.encode(wallSeconds, forKey: "wall_seconds")
        try c.encode(seed, forKey: "seed")
        try c.encode(cpuSeconds, forKey: "cpu_seconds")
        if let forward {
            try c.encodeFinite(forward.relativeL2Error, "relative_l2_error")
            try c.encode(forward.evaluationPoints, forKey: "evaluation_points")
        }
        try c.encodeIfPresent(problemFile, forKey: "problem_file")
        if let schrodinger {
            try c.encode(schrodinger.potential, forKey: "potential")
            try c.encode(schrodinger.energyMode, forKey: "energy_mode")
            try c.encode(schrodinger.normalization, forKey: "normalization")
            try c.encode(schrodinger.states, forKey: "states")
        }
    }

    /// The summary as written: pretty-printed, keys sorted, one trailing newline.
    public func encoded() throws -> Data {
        try JSONOutput.document(self)
    }
}

/// A summary key by its JSON name.
struct PINNSummaryKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringLiteral name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedEncodingContainer where Key == PINNSummaryKey {
    /// `value`, or null when it is nil or not finite.
    mutating func encodeFinite(_ value: Double?, _ key: PINNSummaryKey) throws { try encodeFiniteOrNull(value, forKey: key) }
}
