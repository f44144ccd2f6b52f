import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import Training

/// Trains a `PINNModel` on a weighted sum of residual terms: Adam, then L-BFGS.
///
/// ```
/// L(θ) = Σ_k w_k mean_n r_k(x_n; θ)²
/// stage 1: θ ← Adam(∇L), `adamIterations` steps (points may be resampled): the training engine's
///          `TrainingLoop` on a `PINNAdamTask` (one step per epoch), its observers and non-finite checks
/// stage 2: θ ← L-BFGS (history 100) with strong-Wolfe line search, up to `lbfgsIterations`
///          iterations, restarted with a fresh history after a failed line search
/// ```
/// This is the schedule of Raissi et al. (2019) and DeepXDE (Lu et al., SIAM Review 2021).
///
/// A loss or gradient that is NaN or infinite (a learning rate far too large, a residual that
/// overflows) stops training at once: the report's ``Report/stop`` is ``StopReason/nonFiniteLoss(stage:step:)``,
/// which callers must report as a failure, never as a trained model.
public final class PINNTrainer<Scalar: TensorScalar> {
    /// Optimizer settings.
    public struct Configuration: Sendable {
        public var adamIterations: Int
        public var learningRate: Double
        public var schedule: LearningRateSchedule
        public var lbfgsIterations: Int
        public var lbfgsHistory: Int
        /// How often L-BFGS may restart (fresh history) after a failed line search.
        public var lbfgsRestarts: Int
        public var resampling: CollocationResampling
        /// Call the observer every `logEvery` steps (and at the end of each stage).
        public var logEvery: Int
        public var seed: UInt64

        public init(adamIterations: Int = 10_000, learningRate: Double = 1e-3, schedule: LearningRateSchedule = .constant,
                    lbfgsIterations: Int = 0, lbfgsHistory: Int = 100, lbfgsRestarts: Int = 20, resampling: CollocationResampling = .none,
                    logEvery: Int = 100, seed: UInt64 = 0) {
            self.adamIterations = adamIterations
            self.learningRate = learningRate
            self.schedule = schedule
            self.lbfgsIterations = lbfgsIterations
            self.lbfgsHistory = lbfgsHistory
            self.lbfgsRestarts = lbfgsRestarts
            self.resampling = resampling
            self.logEvery = logEvery
            self.seed = seed
        }
    }

    private struct LBFGSSummary { let outcome: String; let iterations: Int; let evaluations: Int; let restarts: Int }

    /// Which optimizer produced a record.
    public enum Stage: String, Sendable, Codable { case adam, lbfgs }

    /// One logged step.
    public struct Record: Sendable, Codable {
        public let stage: Stage
        /// Step within the stage (L-BFGS: function evaluation count).
        public let step: Int
        /// Planned steps of the stage.
        public let stageSteps: Int
        public let loss: Double
        public let termLosses: [String: Double]
        public let elapsedSeconds: Double
    }

    /// Why training stopped.
    public enum StopReason: Sendable, Equatable, CustomStringConvertible {
        /// Every planned stage ran (L-BFGS may have stopped early on its own criteria: see `lbfgsOutcome`).
        case completed
        /// The loss or its gradient became NaN or infinite at this step of this stage (L-BFGS:
        /// function evaluation); the parameters are not a trained model.
        case nonFiniteLoss(stage: Stage, step: Int)

        public var description: String {
            switch self {
            case .completed: return "completed"
            case .nonFiniteLoss(let stage, let step):
                return "the loss or its gradient became non-finite (NaN or infinite) at \(stage.rawValue) step \(step)"
            }
        }
    }

    /// Summary of a run.
    public struct Report: Sendable {
        /// `completed`, or where a non-finite loss stopped training.
        public let stop: StopReason
        public let finalLoss: Double
        public let adamIterations: Int
        public let lbfgsIterations: Int
        public let lbfgsEvaluations: Int
        public let lbfgsOutcome: String?
        /// Restarts of L-BFGS after a failed line search.
        public let lbfgsRestarts: Int
        public let wallSeconds: Double
        public let records: [Record]
    }

    public let model: PINNModel<Scalar>
    public private(set) var terms: [PINNLossTerm<Scalar>]
    public let configuration: Configuration

    public init(model: PINNModel<Scalar>, terms: [PINNLossTerm<Scalar>], configuration: Configuration) {
        self.model = model
        self.terms = terms
        self.configuration = configuration
    }

    /// `L(θ)` and its terms, with the graph for `backward()`.
    public func loss() -> (total: Variable<Scalar>, terms: [String: Double]) {
        var total: Variable<Scalar>? = nil
        var parts: [String: Double] = [:]
        for term in terms {
            let value = term.meanSquare(model: model) * Scalar(term.weight)
            parts[term.name, default: 0] += Double(value.value.scalars[0])
            total = total.map { $0 + value } ?? value
        }
        return (total!, parts)
    }

    /// Runs Adam then L-BFGS; `observer` sees every logged record.
    @discardableResult
    public func train(observer: (Record) -> Void = { _ in }) -> Report {
        // The loop's observers hold the record callback only during this call.
        withoutActuallyEscaping(observer) { observer in run(observer: observer) }
    }

    private func run(observer: @escaping (Record) -> Void) -> Report {
        precondition(!terms.isEmpty, "PINNTrainer needs at least one loss term")
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        var records: [Record] = []
        func log(_ record: Record) { records.append(record); observer(record) }
        let parameters = model.parameters
        var lastLoss = Double.nan
        var stop = StopReason.completed
        var adamStepsTaken = 0
        if configuration.adamIterations > 0 {
            let task = PINNAdamTask(trainer: self, seed: configuration.seed &+ 0x5eed)
            let logEvery = Swift.max(configuration.logEvery, 1), planned = configuration.adamIterations
            let stepLog = PINNAdamStepLog { step, loss in
                if step % logEvery == 0 || step == planned || step == 1 {
                    log(Record(stage: .adam, step: step, stageSteps: planned, loss: loss, termLosses: task.lastTerms, elapsedSeconds: elapsed()))
                }
            }
            do {
                precondition(configuration.learningRate.isFinite && configuration.learningRate > 0, "PINNTrainer: the learning rate must be finite and positive")
                let loop = try TrainingLoop(task: task, configuration: TrainingConfiguration(
                    epochs: planned, batchSize: 1, learningRate: configuration.learningRate, weightDecay: 0,
                    schedule: configuration.schedule, seed: configuration.seed), observers: [stepLog])
                loop.shufflesRows = false
                loop.evaluationInterval = planned   // no validation split: one record at the end
                try loop.run()
            } catch {
                // A non-finite loss (checked before the gradient) or gradient: the loop stopped before the
                // step, so Adam did not spread the NaN into the parameters.
                stop = .nonFiniteLoss(stage: .adam, step: task.step)
                log(Record(stage: .adam, step: task.step, stageSteps: planned, loss: task.lastLoss, termLosses: task.lastTerms,
                           elapsedSeconds: elapsed()))
            }
            lastLoss = task.lastLoss
            adamStepsTaken = stop == .completed ? task.step : task.step - 1
        }
        var lbfgsReport: LBFGSSummary? = nil
        if configuration.lbfgsIterations > 0 && stop == .completed {
            // DeepXDE's PyTorch L-BFGS (`set_LBFGS_options`): history 100, gtol 1e-8, ftol 0, strong
            // Wolfe. A failed line search (the curvature model went stale) does not end the stage:
            // the history is dropped and L-BFGS restarts from the current point, as long as the
            // previous round made progress and iterations remain.
            let optimizer = LBFGS<Scalar>(historySize: configuration.lbfgsHistory, gradientTolerance: 1e-12,
                                          lossChangeTolerance: 0)
            var evaluations = 0, iterations = 0, restarts = 0
            while iterations < configuration.lbfgsIterations {
                let round = optimizer.minimize(parameters, maximumIterations: configuration.lbfgsIterations - iterations) {
                    let (total, parts) = loss()
                    total.backward()
                    evaluations += 1
                    let value = Double(total.value.scalars[0])
                    if evaluations % Swift.max(configuration.logEvery, 1) == 0 || evaluations == 1 {
                        log(Record(stage: .lbfgs, step: evaluations, stageSteps: configuration.lbfgsIterations, loss: value,
                                   termLosses: parts, elapsedSeconds: elapsed()))
                    }
                    return value
                }
                iterations += round.iterations
                lbfgsReport = LBFGSSummary(outcome: round.outcome.rawValue, iterations: iterations, evaluations: evaluations,
                                           restarts: restarts)
                if round.outcome == .nonFinite {
                    stop = .nonFiniteLoss(stage: .lbfgs, step: evaluations)
                    break
                }
                guard round.outcome == .lineSearchFailed, round.iterations > 0, restarts < configuration.lbfgsRestarts else { break }
                restarts += 1
            }
            // Log the final state.
            let (total, parts) = GradientRecording.with(enabled: true) { loss() }
            lastLoss = Double(total.value.scalars[0])
            if !lastLoss.isFinite && stop == .completed { stop = .nonFiniteLoss(stage: .lbfgs, step: evaluations) }
            log(Record(stage: .lbfgs, step: evaluations, stageSteps: configuration.lbfgsIterations, loss: lastLoss,
                       termLosses: parts, elapsedSeconds: elapsed()))
        }
        return Report(stop: stop, finalLoss: lastLoss, adamIterations: adamStepsTaken,
                      lbfgsIterations: lbfgsReport?.iterations ?? 0, lbfgsEvaluations: lbfgsReport?.evaluations ?? 0,
                      lbfgsOutcome: lbfgsReport?.outcome, lbfgsRestarts: lbfgsReport?.restarts ?? 0, wallSeconds: elapsed(), records: records)
    }

    /// `terms` after the Adam stage's resampling at `step` (1-based).
    func resample(step: Int, generator: inout SeededRandomNumberGenerator) {
        _ = configuration.resampling.apply(step: step, terms: &terms, model: model, generator: &generator)
    }

    /// Whether every parameter's gradient is finite (a missing gradient counts as zero).
    static func gradientsAreFinite(_ parameters: [Parameter<Scalar>]) -> Bool {
        parameters.allSatisfy { parameter in parameter.gradient.map { $0.scalars.allSatisfy(\.isFinite) } ?? true }
    }
}

/// The Adam stage of ``PINNTrainer`` as a `TrainingTask`: one optimizer step per epoch of the loop, on all
/// collocation points; each step first applies the resampling rule (its stream seeded by `seed`).
///
/// Checkpoints hold the network and scalar parameters (by their paths) and the resampling stream's
/// position; the collocation points themselves are redrawn by the rule, so a resumed run reproduces an
/// uninterrupted one only without resampling or at a resampling step.
final class PINNAdamTask<Scalar: TensorScalar>: TrainingTask {
    unowned let trainer: PINNTrainer<Scalar>
    var generator: SeededRandomNumberGenerator
    /// Steps started (1-based index of the current one).
    private(set) var step = 0
    private(set) var lastLoss = Double.nan
    private(set) var lastTerms: [String: Double] = [:]
    static var generatorKey: String { "pinn.resampling_generator" }

    init(trainer: PINNTrainer<Scalar>, seed: UInt64) {
        self.trainer = trainer
        generator = SeededRandomNumberGenerator(seed: seed)
    }

    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        trainer.model.network.namedParameters.map { ("network." + $0.name, $0.parameter) }
            + trainer.model.scalarParameters.map { ("scalar." + $0.name, $0.parameter) }
    }
    var trainingCount: Int { 1 }
    var dataFingerprint: String { "" }

    func loss(batch indices: [Int]) throws -> Variable<Scalar> {
        step += 1
        trainer.resample(step: step, generator: &generator)
        let (total, terms) = trainer.loss()
        (lastLoss, lastTerms) = (Double(total.value.scalars[0]), terms)
        return total
    }

    func validationMetrics() throws -> ValidationMetrics? { nil }

    func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: metadata)
        archive.metadata[Self.generatorKey] = generator.stateWords.map { String($0) }.joined(separator: ",")
        for (name, parameter) in namedParameters { archive.add(parameter.value, named: name) }
        return archive
    }

    func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        _ = try storedGenerator(archive, path: path)
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Scalar>
            do { tensor = try archive.tensor(named: name) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
            guard tensor.shape == parameter.value.shape, tensor.isFinite else {
                throw TrainingError.checkpoint("\(path): \(name) has shape \(tensor.shape) (needs \(parameter.value.shape)) or non-finite values")
            }
        }
    }

    func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        generator = try storedGenerator(archive, path: path)
        for (name, parameter) in namedParameters { parameter.value = try archive.tensor(named: name) }
        step = Int(archive.metadata[CheckpointKey.epoch] ?? "") ?? 0
    }

    func storedGenerator(_ archive: SafetensorsArchive, path: String) throws -> SeededRandomNumberGenerator {
        let words = (archive.metadata[Self.generatorKey] ?? "").split(separator: ",").map { UInt64($0) }
        guard words.allSatisfy({ $0 != nil }), let generator = SeededRandomNumberGenerator(stateWords: words.map { $0! }) else {
            throw TrainingError.checkpoint("\(path): \(Self.generatorKey) is not four state words")
        }
        return generator
    }
}

/// Hands each Adam step's 1-based index and loss to the trainer's record log.
final class PINNAdamStepLog: TrainingObserver {
    let record: (Int, Double) -> Void
    init(record: @escaping (Int, Double) -> Void) { self.record = record }
    func stepDidFinish(epoch: Int, epochs: Int, loss: Double) { record(epoch + 1, loss) }
}
