import Foundation
import RunSupport

/// Everything a PINN run (`pdekit pinn`) is asked to do, as flags give it: the problem, the network, the
/// points, the optimizer and the outputs. Unset optional values take the problem's defaults (the
/// computed properties below); ``validate(budget:)`` checks every value before anything is allocated.
/// Stored as `configuration.json` in the run directory; a resumed run must match it (``mismatch(resuming:)``).
public struct PINNRunConfiguration: Codable, Sendable, Equatable {
    public enum Problem: String, Codable, Sendable, CaseIterable { case poisson1d, poisson2d, burgers, schrodinger }
    public enum Precision: String, Codable, Sendable, CaseIterable { case float32, float64 }
    public enum Sampling: String, Codable, Sendable, CaseIterable {
        case uniform, lhs, sobol, hammersley
        public var rule: CollocationSampling {
            switch self { case .uniform: .uniform; case .lhs: .latinHypercube; case .sobol: .sobol; case .hammersley: .hammersley }
        }
    }
    public enum Resampling: String, Codable, Sendable, CaseIterable { case none, redraw, rar }
    public enum Potential: String, Codable, Sendable, CaseIterable { case infiniteWell = "infinite-well", finiteWell = "finite-well", finiteBarrier = "finite-barrier" }
    public enum EnergyMode: String, Codable, Sendable, CaseIterable { case fixed, learned }
    public enum Normalization: String, Codable, Sendable, CaseIterable { case exact, penalty }
    public enum Activation: String, Codable, Sendable, CaseIterable { case tanh, sin }

    /// A bundled problem, or nil with `problemFile`.
    public var bundledProblem: Problem?
    public var problemFile: String?
    public var iterations: Int?
    public var lbfgsIterations: Int?
    public var learningRate = 1e-3
    public var width: Int?
    public var depth = 3
    public var activation = Activation.tanh
    public var domainPoints = 0
    public var boundaryPoints = 0
    public var constraints: ConstraintMode?
    public var boundaryWeight = 1.0
    public var sampling = Sampling.sobol
    public var resampling: Resampling?
    public var resampleEvery = 1000
    public var fourierFeatures = 0
    public var fourierScale = 1.0
    public var precision = Precision.float64
    public var seed: UInt64 = 0
    public var logEvery = 100
    /// Adam steps and L-BFGS iterations between checkpoints.
    public var checkpointEvery = 1000
    public var output = "pinn-output"
    public var reference: String?
    public var potential = Potential.infiniteWell
    public var energy = EnergyMode.learned
    public var energyGuess: Double?
    public var states = 1
    public var depthV0 = 20.0
    public var wellWidth = 1.0
    public var halfDomain = 3.0
    public var normalization = Normalization.exact
    public var normalizationWeight = 10.0
    public var orthogonalityWeight: Double?
    public var edgePoints = 64
    public var energyConsistencyWeight = 1.0
    public var plots = true
    public var trackError = false

    public init() {}

    // MARK: Defaults per problem

    /// The bundled problem (a problem file runs with poisson2d's optimizer defaults).
    public var problem: Problem { bundledProblem ?? .poisson2d }
    /// Adam iterations: the option, or the problem's default.
    public var adamSteps: Int { iterations ?? [.burgers: 15_000, .schrodinger: 3000][problem] ?? 10_000 }
    /// L-BFGS iterations: the option, or the problem's default.
    public var lbfgsSteps: Int { lbfgsIterations ?? [.poisson1d: 1000, .poisson2d: 1000, .burgers: 15_000, .schrodinger: 2000][problem] ?? 0 }
    public var hiddenWidth: Int { width ?? (problem == .burgers ? 20 : 50) }
    /// The boundary treatment: hard for poisson1d and poisson2d (their Dirichlet data are in the trial function), soft otherwise.
    public var constraintMode: ConstraintMode { constraints ?? ([.poisson1d, .poisson2d].contains(problem) ? .hard : .soft) }
    /// RAR for burgers (it makes the shock reliable across seeds), none otherwise.
    public var resamplingRule: Resampling { resampling ?? (problem == .burgers ? .rar : Resampling.none) }

    public var problemOptions: PINNProblemOptions {
        let network = PINNModel<Double>.Configuration(hiddenWidths: [Int](repeating: hiddenWidth, count: depth), activation: activation == .tanh ? .tanh : .sin,
                                                      fourierFeatures: fourierFeatures > 0 ? (fourierFeatures, fourierScale) : nil)
        return PINNProblemOptions(network: network, constraints: constraintMode, sampling: sampling.rule, domainPoints: domainPoints,
                                  boundaryPoints: boundaryPoints, boundaryWeight: boundaryWeight, seed: seed)
    }

    /// The optimizer settings; `fileDomainPoints` are a problem file's interior points (RAR's candidates follow them).
    public func trainerConfiguration<Scalar>(fileDomainPoints: Int? = nil) -> PINNTrainer<Scalar>.Configuration {
        let rule: CollocationResampling
        switch resamplingRule {
        case .none: rule = .none
        case .redraw: rule = .redraw(period: resampleEvery)
        case .rar:
            // Every period: 10 candidates per residual point (problem default counts when 0), the worst 2% added.
            let points = domainPoints > 0 ? domainPoints : fileDomainPoints ?? (problem == .burgers ? 2540 : problem == .poisson2d ? 500 : 100)
            rule = .residualRefinement(period: resampleEvery, candidates: 10 * points, added: Swift.max(points / 50, 10))
        }
        return .init(adamIterations: adamSteps, learningRate: learningRate, lbfgsIterations: lbfgsSteps, resampling: rule, logEvery: logEvery, seed: seed)
    }

    // MARK: Checks

    /// Checks every numeric value (finite, in range) and the memory the network needs.
    public func validate(budget: MemoryBudget = MemoryBudget()) throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw PINNRunError(description: message) } }
        let (plannedSteps, overflow) = adamSteps.addingReportingOverflow(lbfgsSteps)
        try require(adamSteps >= 0 && lbfgsSteps >= 0 && plannedSteps > 0 || overflow,
                    "--iterations and --lbfgs-iterations must be ≥ 0 and not both 0")
        try require(!overflow, "--iterations + --lbfgs-iterations (\(adamSteps) + \(lbfgsSteps)) overflows a 64-bit count")
        try require(depth >= 1 && (width ?? 1) >= 1, "--depth and --width must be positive")
        try require(learningRate.isFinite && learningRate > 0, "--learning-rate must be finite and positive (got \(learningRate))")
        try require(logEvery >= 1 && resampleEvery >= 1 && states >= 1 && checkpointEvery >= 1,
                    "--log-every, --resample-every, --states and --checkpoint-every must be at least 1")
        try require(domainPoints >= 0 && boundaryPoints >= 0 && fourierFeatures >= 0 && edgePoints >= 0,
                    "point and feature counts must be ≥ 0")
        for (flag, value) in [("--boundary-weight", boundaryWeight), ("--normalization-weight", normalizationWeight),
                              ("--energy-consistency-weight", energyConsistencyWeight), ("--orthogonality-weight", orthogonalityWeight ?? 0)] {
            try require(value.isFinite && value >= 0, "\(flag) must be finite and ≥ 0 (got \(value))")
        }
        for (flag, value) in [("--fourier-scale", fourierScale), ("--well-width", wellWidth), ("--half-domain", halfDomain)] {
            try require(value.isFinite && value > 0, "\(flag) must be finite and positive (got \(value))")
        }
        try require(depthV0.isFinite && depthV0 >= 0, "--depth-v0 must be finite and ≥ 0 (got \(depthV0))")
        try require(energyGuess.map(\.isFinite) ?? true, "--energy-guess must be finite")
        try budget.require(bytes: try estimatedBytes(), what: "pinn \(problem.rawValue) with width \(hiddenWidth) and depth \(depth)")
    }

    /// An estimate of the peak memory of training (bytes of `Double`s): per parameter the value,
    /// gradient and two Adam moments plus the L-BFGS history (2 × 100 vectors when L-BFGS runs), and per
    /// collocation point and hidden layer the taped activations of the value, first and second
    /// derivatives (`1 + 2d` jets, about 8 arrays each for forward and backward).
    public func estimatedBytes() throws -> Int {
        func sum(_ terms: [Int]) throws -> Int {
            try terms.reduce(0) { total, term in
                let (next, overflow) = total.addingReportingOverflow(term)
                if overflow { throw MemoryBudgetError.overflow(what: "pinn memory estimate", factors: terms) }
                return next
            }
        }
        let hidden = hiddenWidth
        let inputs = try sum([problem == .poisson1d || problem == .schrodinger ? 1 : 2, try MemoryBudget.product([2, fourierFeatures], what: "Fourier features")])
        let defaultPoints = [.burgers: 2540, .poisson2d: 500, .schrodinger: 256][problem] ?? 16
        let interior = domainPoints > 0 ? domainPoints : defaultPoints
        // RAR evaluates 10× candidates; the Schrödinger quadrature grid and the plots use a few thousand points.
        let points = try sum([try MemoryBudget.product([interior, resamplingRule == .rar ? 11 : 1], what: "collocation points"),
                              boundaryPoints, edgePoints, 8192])
        let parameters = try sum([try MemoryBudget.product([hidden, hidden, depth], what: "network parameters"),
                                  try MemoryBudget.product([hidden, depth], what: "network parameters"),
                                  try MemoryBudget.product([hidden, try sum([inputs, 2])], what: "network parameters")])
        let jets = 1 + 2 * Swift.min(inputs, 2)
        let elements = try sum([try MemoryBudget.product([parameters, lbfgsSteps > 0 ? 204 : 4], what: "parameter copies"),
                                try MemoryBudget.product([points, hidden, depth, 16 * jets], what: "network activations")])
        return try MemoryBudget.bytes(elements: elements, bytesPerElement: MemoryLayout<Double>.size, what: "pinn memory estimate")
    }

    /// Why `self` cannot resume a run configured as `stored` (nil: it can). Every setting must match
    /// except the output directory, plots, the checkpoint interval and the planned steps, which may grow.
    public func mismatch(resuming stored: PINNRunConfiguration) -> String? {
        if adamSteps < stored.adamSteps || lbfgsSteps < stored.lbfgsSteps {
            return "the run planned \(stored.adamSteps) Adam and \(stored.lbfgsSteps) L-BFGS steps; a resumed run may plan more, not fewer (now \(adamSteps) and \(lbfgsSteps))"
        }
        var comparable = self
        (comparable.output, comparable.plots, comparable.checkpointEvery) = (stored.output, stored.plots, stored.checkpointEvery)
        (comparable.iterations, comparable.lbfgsIterations) = (stored.iterations, stored.lbfgsIterations)
        guard comparable != stored else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func fields(_ c: PINNRunConfiguration) -> [String: String] {
            guard let data = try? encoder.encode(c), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { "\($0)" }
        }
        let (now, then) = (fields(comparable), fields(stored))
        let differing = Set(now.keys).union(then.keys).filter { now[$0] != then[$0] }.sorted()
        return "these settings differ from the run's configuration.json: " + differing.map { "\($0) (was \(then[$0] ?? "unset"), now \(now[$0] ?? "unset"))" }.joined(separator: ", ")
    }
}

/// A PINN run that cannot start or finish (one line: a flag, a file, a non-finite result).
public struct PINNRunError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
