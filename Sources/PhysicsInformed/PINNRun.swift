import Foundation
import Glibc
import TensorCore
import Datasets
import RunSupport
import Training

/// One `pdekit pinn` run: builds the problem of a ``PINNRunConfiguration``, trains it with
/// ``PINNTrainer`` (checkpoints in `DIR/training`, or `DIR/training/state<k>` per Schrödinger state),
/// and writes `DIR/configuration.json`, `loss.jsonl`, `summary.json`, the solution CSVs and the plots.
///
/// With `resume`, a run continues from its checkpoint after checking that the configuration matches the
/// stored one (``PINNRunConfiguration/mismatch(resuming:)``); the loss log keeps the lines up to the
/// checkpoint. Resumed records' elapsed and CPU seconds count from the resumed start.
public final class PINNRun {
    public let configuration: PINNRunConfiguration
    public let resume: Bool
    /// Receives the result lines (one per problem or Schrödinger state).
    let emit: (String) -> Void
    let directory: URL
    /// Stop every training after this point (an interrupted run, for tests).
    public var stopAfter: PINNTrainingPoint?
    /// CPU seconds of the last training (evaluations for `trackError` excluded).
    var lastCPUSeconds = 0.0
    /// Interior points a loaded problem file asks for (RAR's candidate count follows them).
    var fileDomainPoints: Int?
    static let configurationName = "configuration.json"

    public init(configuration: PINNRunConfiguration, resume: Bool = false, emit: @escaping (String) -> Void = { print($0) }) {
        self.configuration = configuration
        self.resume = resume
        self.emit = emit
        directory = URL(fileURLWithPath: configuration.output, isDirectory: true)
    }

    /// Validates, prepares the run directory and runs the problem.
    public func run(budget: MemoryBudget = MemoryBudget()) throws {
        try configuration.validate(budget: budget)
        if configuration.problemFile == nil && configuration.bundledProblem == nil {
            throw PINNRunError(description: "give a bundled problem (\(PINNRunConfiguration.Problem.allCases.map(\.rawValue).joined(separator: ", "))) or --problem FILE")
        }
        guard configuration.problemFile == nil || configuration.bundledProblem == nil else {
            throw PINNRunError(description: "give either a bundled problem or --problem FILE, not both")
        }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw PINNRunError(description: "cannot create output directory \(configuration.output): \(error.localizedDescription)")
        }
        try checkStoredConfiguration()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(configuration), to: directory.appendingPathComponent(Self.configurationName))
        if let problemFile = configuration.problemFile {
            try runProblemFile(problemFile)
            return
        }
        switch configuration.precision {
        case .float64: try execute(Double.self)
        case .float32: try execute(Float.self)
        }
    }

    /// On resume, the stored configuration must be readable and match.
    func checkStoredConfiguration() throws {
        let url = directory.appendingPathComponent(Self.configurationName)
        guard resume, FileManager.default.fileExists(atPath: url.path) else { return }
        let stored: PINNRunConfiguration
        do { stored = try JSONDecoder().decode(PINNRunConfiguration.self, from: Data(contentsOf: url)) } catch {
            throw PINNRunError(description: "\(url.path) is not a PINN run configuration (\(error)); remove it or run without --resume")
        }
        if let reason = configuration.mismatch(resuming: stored) {
            throw PINNRunError(description: "cannot resume \(configuration.output): \(reason)")
        }
    }

    func makeLog() -> PINNRunLog { resume ? PINNRunLog(resuming: directory) : PINNRunLog(directory: directory) }

    func execute<Scalar: TensorScalar>(_: Scalar.Type) throws {
        let log = makeLog(), options = configuration.problemOptions
        switch configuration.problem {
        case .poisson1d:
            try runForward(Poisson1DProblem().makeSetup(options: options, as: Scalar.self), name: "poisson1d", axes: ["x"], log: log)
        case .poisson2d:
            try runForward(Poisson2DProblem().makeSetup(options: options, as: Scalar.self), name: "poisson2d", axes: ["x", "y"], log: log)
        case .burgers:
            let reference = try configuration.reference.map(Self.burgersReference)
            try runForward(BurgersProblem(reference: reference).makeSetup(options: options, as: Scalar.self), name: "burgers", axes: ["x", "t"], log: log)
        case .schrodinger:
            try runSchrodinger(Scalar.self, log: log)
        }
    }

    /// DeepXDE's `Burgers.npz`: arrays x (n), t (m) and usol (n, m).
    static func burgersReference(path: String) throws -> BurgersProblem.Reference {
        let arrays = try NPZFile.read(path)
        func array(_ key: String) -> NumericArray? { arrays.first { $0.name == key }?.array }
        guard let x = array("x"), let t = array("t"), let u = array("usol"), x.count > 0, t.count > 0, u.shape == [x.count, t.count] else {
            throw PINNRunError(description: "\(path): expected arrays x (n), t (m) and usol (n, m)")
        }
        let (positions, times, values) = (x.doubleValues, t.doubleValues, u.doubleValues)
        guard (positions + times + values).allSatisfy(\.isFinite) else { throw PINNRunError(description: "\(path): the reference holds non-finite values") }
        return .init(positions: positions, times: times, values: values)
    }

    // MARK: Training

    /// Trains `setup`'s model with checkpoints in `checkpointDirectory`; a loss or gradient that became
    /// NaN or infinite is an error (after the loss log up to that step is written), never a trained model.
    func train<Scalar>(_ setup: PINNSetup<Scalar>, log: PINNRunLog, label: String, checkpointDirectory: String = "training") throws -> PINNTrainer<Scalar>.Report {
        let adamSteps = configuration.adamSteps, lbfgsSteps = configuration.lbfgsSteps
        let trainer = PINNTrainer(model: setup.model, terms: setup.terms,
                                  configuration: configuration.trainerConfiguration(fileDomainPoints: fileDomainPoints) as PINNTrainer<Scalar>.Configuration)
        let checkpoints = directory.appendingPathComponent(checkpointDirectory, isDirectory: true)
        let resumedPoint = resume ? PINNCheckpointing.loggedPoint(in: checkpoints) : nil
        if resume { log.keep(label: label, through: resumedPoint) }
        let cpuStart = Self.processCPUSeconds()
        var trackingCPU = 0.0   // CPU spent evaluating errors for trackError, not counted as training
        defer { lastCPUSeconds = Self.processCPUSeconds() - cpuStart - trackingCPU }
        // Adam steps, then L-BFGS iterations (records are numbered by iteration, never past the planned count).
        // A resumed run's ETA counts only this process's steps (the bar clamps the count to its total).
        let resumedCount = resumedPoint.map { $0.stage == .adam ? $0.step : adamSteps.addingReportingOverflow($0.step).partialValue } ?? 0
        let progressBar = ProgressBar(total: adamSteps + lbfgsSteps, label: label, start: .count(resumedCount))
        defer { progressBar.finish() }
        let report = try trainer.train(checkpointing: PINNCheckpointing(directory: checkpoints, interval: configuration.checkpointEvery,
                                                                        resume: resume, stopAfter: stopAfter)) { record in
            if configuration.trackError, setup.reference != nil {
                let before = Self.processCPUSeconds()
                let error = setup.relativeL2Error() ?? .nan
                trackingCPU += Self.processCPUSeconds() - before
                log.append(record, label: label, extra: ["relative_l2": error, "cpu_seconds": before - cpuStart - trackingCPU])
            } else {
                log.append(record, label: label)
            }
            let done = record.stage == .adam ? record.step : adamSteps + record.step
            progressBar.advance(to: done, status: String(format: "%@ loss %.3e", record.stage.rawValue, record.loss))
        }
        progressBar.finish()
        switch report.stop {
        case .completed: break
        case .nonFiniteLoss:
            throw PINNRunError(description: "\(label): training stopped: \(report.stop); lower --learning-rate or check the problem's flags (loss log in \(configuration.output))")
        case .interrupted:
            throw PINNRunError(description: "\(label): \(report.stop) (resume with --resume)")
        }
        return report
    }

    /// User plus system CPU time of the process so far (all threads), in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    // MARK: Forward problems

    func runForward<Scalar>(_ setup: PINNSetup<Scalar>, name: String, axes: [String], log: PINNRunLog,
                            fields: [String] = [], plotsAllowed: Bool = true, summarize: (inout PINNRunSummary) -> String = { _ in "" }) throws {
        let report = try train(setup, log: log, label: name)
        let prediction = setup.prediction()
        let error = setup.relativeL2Error()
        guard prediction.allSatisfy(\.isFinite), error.map(\.isFinite) ?? true else {
            throw PINNRunError(description: "\(name): the trained network predicts non-finite values (relative L2 error \(error.map { "\($0)" } ?? "n/a"))")
        }
        var summary = baseSummary(name: name, report: report, parameterCount: setup.model.parameterCount)
        summary.forward = (error, prediction.count)
        let extra = summarize(&summary)
        try log.writeSummary(summary)
        try log.writeSolution(axes: axes, points: setup.evaluationPoints, prediction: prediction, reference: setup.reference, fields: fields)
        if configuration.plots && plotsAllowed {
            // Several fields: the loss curve only (the solution plots show one field).
            try log.writePlots(name: name, grid: fields.count > 1 ? [] : setup.evaluationGrid, points: setup.evaluationPoints,
                               prediction: prediction, reference: setup.reference)
        }
        emit(String(format: "%@: relative L2 error %@, loss %.3e, %.2f s (Adam %ld, L-BFGS %ld iterations)%@; output in %@",
                      name, error.map { String(format: "%.3e", $0) } ?? "n/a (no reference)", report.finalLoss, report.wallSeconds,
                      report.adamIterations, report.lbfgsIterations, extra, configuration.output))
    }

    func baseSummary<Scalar>(name: String, report: PINNTrainer<Scalar>.Report, parameterCount: Int) -> PINNRunSummary {
        let c = configuration
        return PINNRunSummary(problem: name, precision: c.precision.rawValue, network: [c.hiddenWidth, c.depth], activation: c.activation.rawValue,
                              parameters: parameterCount, constraints: c.constraintMode.rawValue, sampling: c.sampling.rawValue,
                              resampling: c.resamplingRule.rawValue, adamIterations: report.adamIterations, lbfgsIterations: report.lbfgsIterations,
                              lbfgsEvaluations: report.lbfgsEvaluations, lbfgsOutcome: report.lbfgsOutcome ?? "none", lbfgsRestarts: report.lbfgsRestarts,
                              finalLoss: report.finalLoss, wallSeconds: report.wallSeconds, seed: c.seed, cpuSeconds: lastCPUSeconds)
    }
}
