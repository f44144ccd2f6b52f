import ArgumentParser
import Foundation
import Glibc
import PDEKit

extension ConstraintMode: ExpressibleByArgument {}

/// `pdekit pinn`: train a physics-informed network on a bundled problem and report its error.
struct PINN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pinn",
        abstract: "Train a physics-informed neural network (PINN) on a bundled problem or a problem file (--problem FILE).",
        discussion: """
        Problems: poisson1d (−u'' = π² sin πx on [−1,1]), poisson2d (−Δu = 2π² sin πx sin πy on [0,1]²),
        burgers (u_t + u u_x = (0.01/π) u_xx, u(x,0) = −sin πx; --reference Burgers.npz for the error),
        schrodinger (−ψ'' + Vψ = Eψ: --potential, --energy fixed|learned, --states for excited states).
        Writes DIR/loss.jsonl (one record per --log-every steps), DIR/summary.json, DIR/solution.csv
        and PNG plots (solution, error, loss). Exit status 0 on success, 1 on bad input.
        """
    )

    enum Problem: String, ExpressibleByArgument, CaseIterable { case poisson1d, poisson2d, burgers, schrodinger }
    enum Precision: String, ExpressibleByArgument, CaseIterable { case float32, float64 }
    enum Sampling: String, ExpressibleByArgument, CaseIterable {
        case uniform, lhs, sobol, hammersley
        var value: CollocationSampling {
            switch self { case .uniform: .uniform; case .lhs: .latinHypercube; case .sobol: .sobol; case .hammersley: .hammersley }
        }
    }
    enum Resampling: String, ExpressibleByArgument, CaseIterable { case none, redraw, rar }
    enum Potential: String, ExpressibleByArgument, CaseIterable { case infiniteWell = "infinite-well", finiteWell = "finite-well", finiteBarrier = "finite-barrier" }
    enum EnergyMode: String, ExpressibleByArgument, CaseIterable { case fixed, learned }
    enum Normalization: String, ExpressibleByArgument, CaseIterable { case exact, penalty }
    enum Activation: String, ExpressibleByArgument, CaseIterable { case tanh, sin }

    @Argument(help: "Problem: \(Problem.allCases.map(\.rawValue).joined(separator: ", ")) (or --problem FILE).")
    var bundledProblem: Problem?
    /// The bundled problem (a problem file runs with poisson2d's optimizer defaults).
    var problem: Problem { bundledProblem ?? .poisson2d }
    @Option(name: .customLong("problem"), help: "A problem file (JSON: domain, equations, boundary and initial conditions; see the README) instead of a bundled problem.") var problemFile: String?
    @Option(help: "Adam iterations (default 10000; 15000 for burgers, as DeepXDE's example; 3000 for schrodinger).") var iterations: Int?
    @Option(help: "L-BFGS iterations after Adam (0: none; default 1000 for poisson1d and poisson2d; 15000 for burgers, DeepXDE's maxiter; 2000 for schrodinger).") var lbfgsIterations: Int?
    @Option(help: "Adam learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Hidden width (default: 50; 20 for burgers).") var width: Int?
    @Option(help: "Hidden layers.") var depth: Int = 3
    @Option(help: "Hidden activation.") var activation: Activation = .tanh
    @Option(help: "Interior collocation points (0: the problem's default).") var domainPoints: Int = 0
    @Option(help: "Boundary points (0: the problem's default).") var boundaryPoints: Int = 0
    @Option(help: "Boundary/initial conditions: soft (penalty) or hard (trial function). Default: hard for poisson1d and poisson2d (their Dirichlet data are built into the trial function), soft otherwise.") var constraints: ConstraintMode?
    /// The boundary treatment after per-problem defaults.
    var constraintMode: ConstraintMode { constraints ?? ([.poisson1d, .poisson2d].contains(problem) ? .hard : .soft) }
    @Option(help: "Weight of the boundary/initial penalty terms.") var boundaryWeight: Double = 1
    @Option(help: "Collocation sampling (sobol is quasi-random like DeepXDE's default Hammersley points).") var sampling: Sampling = .sobol
    @Option(help: "Point resampling during Adam: none, redraw (fresh points) or rar (residual-based refinement: every period, the worst 2% of 10x candidates are added). Default: rar for burgers (it makes the shock reliable across seeds), none otherwise.") var resampling: Resampling?
    var resamplingRule: Resampling { resampling ?? (problem == .burgers ? .rar : Resampling.none) }
    @Option(help: "Steps between resamplings.") var resampleEvery: Int = 1000
    @Option(help: "Random Fourier features (0: none).") var fourierFeatures: Int = 0
    @Option(help: "Scale σ of the Fourier feature frequencies.") var fourierScale: Double = 1
    @Option(help: "Arithmetic precision.") var precision: Precision = .float64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Steps between log records.") var logEvery: Int = 100
    @Option(help: "Output directory.") var output: String = "pinn-output"
    @Option(help: "Burgers reference solution (npz with t, x, usol as in DeepXDE's Burgers.npz).") var reference: String?
    @Option(help: "Schrödinger potential.") var potential: Potential = .infiniteWell
    @Option(help: "Schrödinger: fixed E (the reference energy) or learned E.") var energy: EnergyMode = .learned
    @Option(help: "Schrödinger: initial guess of a learned E (default: 0.8 × the reference energy).") var energyGuess: Double?
    @Option(help: "Schrödinger: number of states to find (ground state, then excited states by orthogonality).") var states: Int = 1
    @Option(help: "Schrödinger: finite well depth V0 / barrier height.") var depthV0: Double = 20
    @Option(help: "Schrödinger: well or barrier width.") var wellWidth: Double = 1
    @Option(help: "Schrödinger: half-width L of the finite-well box [−L, L].") var halfDomain: Double = 3
    @Option(help: "Schrödinger: normalization exact (ψ = u/‖u‖) or penalty (∫u² − 1)².") var normalization: Normalization = .exact
    @Option(help: "Schrödinger: weight of the normalization penalty.") var normalizationWeight: Double = 10
    @Option(help: "Schrödinger: weight of the orthogonality terms (default max(100, 2 E_guess²): a collapse onto a found state must cost more than the residual of a wrong E).") var orthogonalityWeight: Double?
    @Option(help: "Schrödinger: extra collocation points around each jump of V (half on each side, within ±0.1).") var edgePoints: Int = 64
    @Option(help: "Schrödinger, learned E: weight of the consistency term (E − R[u])², R[u] = ∫(u'² + Vu²)/∫u² the Rayleigh quotient (0: none).") var energyConsistencyWeight: Double = 1
    @Flag(help: "Do not write PNG plots.") var noPlots = false
    @Flag(help: "Add the relative L2 error against the reference and the training CPU seconds (evaluation excluded) to every loss-log record (time-to-accuracy measurements).") var trackError = false

    /// CPU seconds of the last `train` call (set by `train`).
    nonisolated(unsafe) static var cpuSeconds = 0.0
    var lastCPUSeconds: Double {
        get { PINN.cpuSeconds }
        nonmutating set { PINN.cpuSeconds = newValue }
    }

    struct CommandError: Error, CustomStringConvertible { let description: String }

    /// Checks every numeric flag (finite, in range) and the memory the network needs; run before
    /// anything is allocated, so a bad value is one `error:` line (ArgumentParser's `validate()`
    /// would print a usage block).
    func checkFlags(budget: MemoryBudget = MemoryBudget()) throws {
        func require(_ condition: Bool, _ message: String) throws { if !condition { throw CommandError(description: message) } }
        let (plannedSteps, overflow) = adamSteps.addingReportingOverflow(lbfgsSteps)
        try require(adamSteps >= 0 && lbfgsSteps >= 0 && plannedSteps > 0 || overflow,
                    "--iterations and --lbfgs-iterations must be ≥ 0 and not both 0")
        try require(!overflow, "--iterations + --lbfgs-iterations (\(adamSteps) + \(lbfgsSteps)) overflows a 64-bit count")
        try require(depth >= 1 && (width ?? 1) >= 1, "--depth and --width must be positive")
        try require(learningRate.isFinite && learningRate > 0, "--learning-rate must be finite and positive (got \(learningRate))")
        try require(logEvery >= 1 && resampleEvery >= 1 && states >= 1, "--log-every, --resample-every and --states must be at least 1")
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
        try budget.require(bytes: try estimatedBytes(), what: "pinn \(problem.rawValue) with width \(width ?? 50) and depth \(depth)")
    }

    /// An estimate of the peak memory of training (bytes of `Double`s): per parameter the value,
    /// gradient and two Adam moments plus the L-BFGS history (2 × 100 vectors when L-BFGS runs), and per
    /// collocation point and hidden layer the taped activations of the value, first and second
    /// derivatives (`1 + 2d` jets, about 8 arrays each for forward and backward).
    func estimatedBytes() throws -> Int {
        func sum(_ terms: [Int]) throws -> Int {
            try terms.reduce(0) { total, term in
                let (next, overflow) = total.addingReportingOverflow(term)
                if overflow { throw MemoryBudgetError.overflow(what: "pinn memory estimate", factors: terms) }
                return next
            }
        }
        let hidden = width ?? (problem == .burgers ? 20 : 50)
        let inputs = try sum([problem == .poisson1d || problem == .schrodinger ? 1 : 2, try MemoryBudget.product([2, fourierFeatures], what: "Fourier features")])
        let defaultPoints = [.burgers: 2540, .poisson2d: 500, .schrodinger: 256][problem] ?? 16
        let interior = domainPoints > 0 ? domainPoints : defaultPoints
        // RAR evaluates 10× candidates; the Schrödinger quadrature grid and the plots use a few thousand points.
        let points = try sum([try MemoryBudget.product([interior, resamplingRule == .rar ? 11 : 1], what: "collocation points"),
                              boundaryPoints, edgePoints, 8192])
        let parameters = try sum([try MemoryBudget.product([hidden, hidden, depth], what: "network parameters"),
                                  try MemoryBudget.product([hidden, depth], what: "network parameters"),
                                  try MemoryBudget.product([hidden, try sum([inputs, 2])], what: "network parameters")])
        let jets = 1 + 2 * min(inputs, 2)
        let elements = try sum([try MemoryBudget.product([parameters, lbfgsSteps > 0 ? 204 : 4], what: "parameter copies"),
                                try MemoryBudget.product([points, hidden, depth, 16 * jets], what: "network activations")])
        return try MemoryBudget.bytes(elements: elements, bytesPerElement: MemoryLayout<Double>.size, what: "pinn memory estimate")
    }

    /// Adam iterations: the option, or the problem's default.
    var adamSteps: Int { iterations ?? [.burgers: 15_000, .schrodinger: 3000][problem] ?? 10_000 }
    /// L-BFGS iterations: the option, or the problem's default.
    var lbfgsSteps: Int { lbfgsIterations ?? [.poisson1d: 1000, .poisson2d: 1000, .burgers: 15_000, .schrodinger: 2000][problem] ?? 0 }

    func run() throws {
        // (Freed buffers are kept for reuse process-wide: see AllocatorTuning, set up in Entry.main.)
        do {
            try checkFlags()
            if problemFile != nil || bundledProblem == nil {
                try runProblemFile()
                return
            }
            switch precision {
            case .float64: try execute(Double.self)
            case .float32: try execute(Float.self)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StatusLine.printError(error)
            throw ExitCode.failure
        }
    }

    var options: PINNProblemOptions {
        let hidden = [Int](repeating: width ?? (problem == .burgers ? 20 : 50), count: depth)
        let network = PINNModel<Double>.Configuration(hiddenWidths: hidden, activation: activation == .tanh ? .tanh : .sin,
                                                      fourierFeatures: fourierFeatures > 0 ? (fourierFeatures, fourierScale) : nil)
        return PINNProblemOptions(network: network, constraints: constraintMode, sampling: sampling.value, domainPoints: domainPoints,
                                  boundaryPoints: boundaryPoints, boundaryWeight: boundaryWeight, seed: seed)
    }

    var trainerConfiguration: PINNTrainer<Double>.Configuration {
        let rule: CollocationResampling
        switch resamplingRule {
        case .none: rule = .none
        case .redraw: rule = .redraw(period: resampleEvery)
        case .rar:
            // Every period: 10 candidates per residual point (problem default counts when 0), the worst 2% added.
            let points = domainPoints > 0 ? domainPoints : PINN.problemFileDomainPoints ?? (problem == .burgers ? 2540 : problem == .poisson2d ? 500 : 100)
            rule = .residualRefinement(period: resampleEvery, candidates: 10 * points, added: max(points / 50, 10))
        }
        return .init(adamIterations: adamSteps, learningRate: learningRate, lbfgsIterations: lbfgsSteps,
                     resampling: rule, logEvery: logEvery, seed: seed)
    }

    func execute<Scalar: TensorScalar>(_: Scalar.Type) throws {
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CommandError(description: "cannot create output directory \(output): \(error.localizedDescription)")
        }
        let log = PINNRunLog(directory: directory)
        switch problem {
        case .poisson1d:
            try runForward(Poisson1DProblem().makeSetup(options: options, as: Scalar.self), name: "poisson1d", axes: ["x"], log: log)
        case .poisson2d:
            try runForward(Poisson2DProblem().makeSetup(options: options, as: Scalar.self), name: "poisson2d", axes: ["x", "y"], log: log)
        case .burgers:
            var burgersReference: BurgersProblem.Reference? = nil
            if let reference {
                let arrays = try NPZFile.read(reference)
                func array(_ key: String) -> NumericArray? { arrays.first { $0.name == key }?.array }
                guard let x = array("x"), let t = array("t"), let u = array("usol"), x.count > 0, t.count > 0,
                      u.shape == [x.count, t.count] else {
                    throw CommandError(description: "\(reference): expected arrays x (n), t (m) and usol (n, m)")
                }
                let (positions, times, values) = (x.doubleValues, t.doubleValues, u.doubleValues)
                guard (positions + times + values).allSatisfy(\.isFinite) else {
                    throw CommandError(description: "\(reference): the reference holds non-finite values")
                }
                burgersReference = .init(positions: positions, times: times, values: values)
            }
            try runForward(BurgersProblem(reference: burgersReference).makeSetup(options: options, as: Scalar.self),
                           name: "burgers", axes: ["x", "t"], log: log)
        case .schrodinger:
            try runSchrodinger(Scalar.self, log: log)
        }
    }

    // MARK: Forward problems

    /// Trains `setup`'s model; a loss or gradient that became NaN or infinite is an error (after
    /// the loss log up to that step is written), never a trained model.
    func train<Scalar>(_ setup: PINNSetup<Scalar>, log: PINNRunLog, label: String) throws -> PINNTrainer<Scalar>.Report {
        var configuration = PINNTrainer<Scalar>.Configuration()
        let c = trainerConfiguration
        configuration.adamIterations = c.adamIterations; configuration.learningRate = c.learningRate
        configuration.lbfgsIterations = c.lbfgsIterations; configuration.resampling = c.resampling
        configuration.logEvery = c.logEvery; configuration.seed = c.seed
        let trainer = PINNTrainer(model: setup.model, terms: setup.terms, configuration: configuration)
        let cpuStart = processCPUSeconds()
        var trackingCPU = 0.0   // CPU spent evaluating errors for --track-error, not counted as training
        defer { lastCPUSeconds = processCPUSeconds() - cpuStart - trackingCPU }
        // Adam steps, then L-BFGS function evaluations (which may outnumber the planned iterations:
        // the bar stops at its total).
        let progressBar = ProgressBar(total: adamSteps + lbfgsSteps, label: label)
        defer { progressBar.finish() }
        let report = trainer.train { record in
            if trackError, setup.reference != nil {
                let before = processCPUSeconds()
                let error = setup.relativeL2Error() ?? .nan
                trackingCPU += processCPUSeconds() - before
                log.append(record, label: label, extra: ["relative_l2": error, "cpu_seconds": before - cpuStart - trackingCPU])
            } else {
                log.append(record, label: label)
            }
            let done = record.stage == .adam ? record.step : adamSteps + min(record.step, lbfgsSteps)
            progressBar.advance(to: done, status: String(format: "%@ loss %.3e", record.stage.rawValue, record.loss))
        }
        progressBar.finish()
        if case .nonFiniteLoss = report.stop {
            throw CommandError(description: "\(label): training stopped: \(report.stop); lower --learning-rate or check the problem's flags (loss log in \(output))")
        }
        return report
    }

    func runForward<Scalar>(_ setup: PINNSetup<Scalar>, name: String, axes: [String], log: PINNRunLog) throws {
        let report = try train(setup, log: log, label: name)
        let prediction = setup.prediction()
        let error = setup.relativeL2Error()
        guard prediction.allSatisfy(\.isFinite), error.map(\.isFinite) ?? true else {
            throw CommandError(description: "\(name): the trained network predicts non-finite values (relative L2 error \(error.map { "\($0)" } ?? "n/a"))")
        }
        var summary = baseSummary(name: name, report: report, parameterCount: setup.model.parameterCount)
        summary["relative_l2_error"] = error.map { $0 as Any } ?? NSNull()
        summary["evaluation_points"] = prediction.count
        try log.writeSummary(summary)
        try log.writeSolution(axes: axes, points: setup.evaluationPoints, prediction: prediction, reference: setup.reference)
        if !noPlots { try log.writePlots(name: name, grid: setup.evaluationGrid, points: setup.evaluationPoints,
                                         prediction: prediction, reference: setup.reference) }
        print(String(format: "%@: relative L2 error %@, loss %.3e, %.2f s (Adam %ld, L-BFGS %ld iterations); output in %@",
                     name, error.map { String(format: "%.3e", $0) } ?? "n/a (no reference)", report.finalLoss, report.wallSeconds,
                     report.adamIterations, report.lbfgsIterations, output))
    }

    func baseSummary<Scalar>(name: String, report: PINNTrainer<Scalar>.Report, parameterCount: Int) -> [String: Any] {
        [
            "problem": name, "precision": precision.rawValue, "network": [width ?? (problem == .burgers ? 20 : 50), depth],
            "activation": activation.rawValue, "parameters": parameterCount, "constraints": constraintMode.rawValue,
            "sampling": sampling.rawValue, "resampling": resamplingRule.rawValue, "adam_iterations": report.adamIterations,
            "lbfgs_iterations": report.lbfgsIterations, "lbfgs_evaluations": report.lbfgsEvaluations,
            "lbfgs_outcome": report.lbfgsOutcome ?? "none", "lbfgs_restarts": report.lbfgsRestarts, "final_loss": report.finalLoss, "wall_seconds": report.wallSeconds,
            "seed": seed, "cpu_seconds": lastCPUSeconds,
        ]
    }

    // MARK: Schrödinger

    func runSchrodinger<Scalar: TensorScalar>(_: Scalar.Type, log: PINNRunLog) throws {
        let well: QuantumWellPotential
        switch potential {
        case .infiniteWell: well = .infiniteWell
        case .finiteWell: well = .finiteWell(depth: depthV0, width: wellWidth, halfDomain: halfDomain)
        case .finiteBarrier: well = .finiteBarrier(height: depthV0, width: wellWidth)
        }
        var found: [[Double]] = []
        var stateSummaries: [[String: Any]] = []
        var lastReport: PINNTrainer<Scalar>.Report? = nil
        var parameterCount = 0
        for k in 0..<states {
            let probe = SchrodingerProblem(potential: well, energy: .fixed(0), previousStates: found)
            let reference = try probe.reference()
            let guess = energyGuess ?? 0.8 * reference.energy
            let mode: SchrodingerProblem.Energy = energy == .fixed ? .fixed(reference.energy) : .learned(initialGuess: guess)
            let problem = SchrodingerProblem(potential: well, energy: mode, previousStates: found, normalizationWeight: normalizationWeight,
                                             orthogonalityWeight: orthogonalityWeight ?? max(100, 2 * guess * guess),
                                             exactNormalization: normalization == .exact, edgePoints: edgePoints,
                                             energyConsistencyWeight: energyConsistencyWeight)
            var stateOptions = options
            stateOptions.seed = seed &+ UInt64(k)
            let setup = problem.makeSetup(options: stateOptions, as: Scalar.self)
            let report = try train(setup, log: log, label: "schrodinger state \(k)")
            lastReport = report
            parameterCount = setup.model.parameterCount
            let psi = problem.normalizedState(setup)
            let e = problem.energy(of: setup.model)
            let rayleigh = problem.rayleighEnergy(of: setup.model)
            let learned: Double? = energy == .learned ? e : nil
            let stateError = SchrodingerProblem.stateError(psi, reference.state)
            guard e.isFinite, rayleigh.isFinite, stateError.isFinite else {
                throw CommandError(description: "schrodinger state \(k): non-finite result (E = \(e), ψ error \(stateError))")
            }
            var entry: [String: Any] = [
                "state": k, "energy": e, "energy_learned": learned != nil, "reference_energy": reference.energy,
                "reference": well == .infiniteWell ? "exact n²π²" : "finite differences (LAPACK dstevr, 6005 interior nodes)",
                "energy_relative_error": abs(e - reference.energy) / abs(reference.energy), "state_relative_l2_error": stateError,
                "final_loss": report.finalLoss, "wall_seconds": report.wallSeconds, "cpu_seconds": lastCPUSeconds,
                "rayleigh_energy": rayleigh, "rayleigh_energy_error": abs(rayleigh - reference.energy),
                "energy_error": abs(e - reference.energy),
            ]
            if let exact = well.exactEnergy(state: k) { entry["closed_form_energy"] = exact }
            stateSummaries.append(entry)
            found.append(psi)
            try log.writeSolution(axes: ["x"], points: problem.evaluationNodes, prediction: psi, reference: reference.state,
                                  fileName: "solution-state\(k).csv")
            if !noPlots {
                try log.writePlots(name: "state\(k)", grid: [psi.count], points: problem.evaluationNodes, prediction: psi,
                                   reference: SchrodingerProblem.stateError(psi, reference.state) == PINNMetrics.relativeL2(psi, reference.state)
                                       ? reference.state : reference.state.map { -$0 })
            }
            print(String(format: "state %ld: E = %.8f (reference %.8f, error %.2e, relative %.2e), Rayleigh quotient %.8f, ψ relative L2 error %.2e, %.2f s",
                         k, e, reference.energy, abs(e - reference.energy), abs(e - reference.energy) / abs(reference.energy), rayleigh,
                         stateError, report.wallSeconds))
        }
        var summary = baseSummary(name: "schrodinger", report: lastReport!, parameterCount: parameterCount)
        summary["potential"] = potential.rawValue
        summary["energy_mode"] = energy.rawValue
        summary["normalization"] = normalization.rawValue
        summary["states"] = stateSummaries
        try log.writeSummary(summary)
    }
}
