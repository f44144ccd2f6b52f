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
///          iterations, restarted with a fresh history after a failed line search (``PINNLBFGSStage``)
/// ```
/// Both stages checkpoint into one file and resume bitwise (``PINNCheckpointing``).
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

    /// Which optimizer produced a record.
    public typealias Stage = PINNTrainingStage

    /// One logged step.
    public struct Record: Sendable, Codable {
        public let stage: Stage
        /// Step within the stage (L-BFGS: the iteration a function evaluation belongs to, at most `stageSteps`).
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
        /// The run ended early after its checkpoint at this step (``PINNCheckpointing/stopAfter``; L-BFGS: iteration).
        case interrupted(stage: Stage, step: Int)

        public var description: String {
            switch self {
            case .completed: return "completed"
            case .interrupted(let stage, let step): return "interrupted after \(stage.rawValue) step \(step)"
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

    /// Runs Adam then L-BFGS; `observer` sees every logged record. With `checkpointing`, the run keeps a
    /// checkpoint in its directory and may continue from one (see ``PINNCheckpointing``).
    /// - Throws: `TrainingError` for a checkpoint that cannot be written, read or used (other settings,
    ///   garbage), or an invalid optimizer setting; a non-finite loss is not an error but the report's `stop`.
    @discardableResult
    public func train(checkpointing: PINNCheckpointing? = nil, observer: (Record) -> Void = { _ in }) throws -> Report {
        // The loop's observers hold the record callback only during this call.
        try withoutActuallyEscaping(observer) { observer in try run(checkpointing: checkpointing, observer: observer) }
    }

    /// The trainer's settings that a resumed run must share with its checkpoint (the planned step
    /// counts may grow).
    var settingsDescription: String {
        let c = configuration
        return "\(Scalar.self) learning rate \(c.learningRate), schedule \(c.schedule), L-BFGS history \(c.lbfgsHistory), restarts \(c.lbfgsRestarts), "
            + "resampling \(c.resampling), log every \(c.logEvery), seed \(c.seed), terms \(terms.map(\.name))"
    }

    private func run(checkpointing: PINNCheckpointing?, observer: @escaping (Record) -> Void) throws -> Report {
        precondition(!terms.isEmpty, "PINNTrainer needs at least one loss term")
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        var records: [Record] = []
        func log(_ record: Record) { records.append(record); observer(record) }
        let task = PINNAdamTask(trainer: self, seed: configuration.seed &+ 0x5eed)
        let lbfgsCheckpoint = try checkpointing.flatMap { try resumableLBFGSCheckpoint($0, task: task) }
        var lastLoss = Double.nan
        var stop = StopReason.completed
        var adamStepsTaken = 0
        if configuration.adamIterations > 0 {
            let logEvery = Swift.max(configuration.logEvery, 1), planned = configuration.adamIterations
            let stepLog = PINNAdamStepLog { step, loss in
                if step % logEvery == 0 || step == planned || step == 1 {
                    log(Record(stage: .adam, step: step, stageSteps: planned, loss: loss, termLosses: task.lastTerms, elapsedSeconds: elapsed()))
                }
            }
            let loop = try TrainingLoop(task: task, configuration: TrainingConfiguration(
                epochs: planned, batchSize: 1, learningRate: configuration.learningRate, weightDecay: 0,
                schedule: configuration.schedule, seed: configuration.seed), runDirectory: checkpointing?.directory, observers: [stepLog])
            loop.shufflesRows = false
            loop.bestModelFile = .notWritten   // no validation split: the "best" is the training loss, never loaded
            // No validation split: the loop's evaluation (its record and checkpoint) every `interval` steps.
            loop.evaluationInterval = checkpointing?.interval ?? planned
            var stopAfter: Int? = nil
            if case .adamStep(let step)? = checkpointing?.stopAfter { stopAfter = step }
            do {
                try loop.run(resume: checkpointing?.resume ?? false, stopAfterEpoch: stopAfter)
            } catch {
                // A non-finite loss (checked before the gradient) or gradient: the loop stopped before the
                // step, so Adam did not spread the NaN into the parameters.
                guard let trainingError = error as? TrainingError, trainingError.isNonFinite else { throw error }
                stop = .nonFiniteLoss(stage: .adam, step: task.step)
                log(Record(stage: .adam, step: task.step, stageSteps: planned, loss: task.lastLoss, termLosses: task.lastTerms,
                           elapsedSeconds: elapsed()))
            }
            lastLoss = task.lastLoss
            adamStepsTaken = stop == .completed ? task.step : task.step - 1
            if stop == .completed && task.step < planned { stop = .interrupted(stage: .adam, step: task.step) }
        } else if let lbfgsCheckpoint, let checkpointing {
            try task.verifyCheckpoint(lbfgsCheckpoint, path: checkpointing.checkpointURL.path)
            try task.loadCheckpoint(lbfgsCheckpoint, path: checkpointing.checkpointURL.path)
        }
        var lbfgs: PINNLBFGSStage<Scalar>.Summary? = nil
        if configuration.lbfgsIterations > 0 && stop == .completed {
            let stage = try PINNLBFGSStage(trainer: self, task: task, checkpointing: checkpointing, resumingFrom: lbfgsCheckpoint)
            let summary = try stage.run(log: log, elapsed: elapsed)
            (lastLoss, stop, lbfgs) = (summary.finalLoss, summary.stop, summary)
        }
        return Report(stop: stop, finalLoss: lastLoss, adamIterations: adamStepsTaken,
                      lbfgsIterations: lbfgs?.iterations ?? 0, lbfgsEvaluations: lbfgs?.evaluations ?? 0,
                      lbfgsOutcome: lbfgs?.outcome, lbfgsRestarts: lbfgs?.restarts ?? 0, wallSeconds: elapsed(), records: records)
    }

    /// The checkpoint to resume when it is in the L-BFGS stage (nil: none, or one that TrainingLoop resumes
    /// in the Adam stage), after checking that the planned Adam steps match where it stands.
    private func resumableLBFGSCheckpoint(_ checkpointing: PINNCheckpointing, task: PINNAdamTask<Scalar>) throws -> SafetensorsArchive? {
        let url = checkpointing.checkpointURL, path = url.path
        guard checkpointing.resume, FileManager.default.fileExists(atPath: path) else { return nil }
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOf: url) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
        let adamSteps = Int(archive.metadata[CheckpointKey.epoch] ?? "") ?? 0
        guard archive.metadata[PINNCheckpointing.Key.stage] == PINNTrainingStage.lbfgs.rawValue else {
            guard adamSteps <= configuration.adamIterations else {
                throw TrainingError.checkpoint("\(path) holds \(adamSteps) Adam steps, more than the \(configuration.adamIterations) planned")
            }
            return nil
        }
        guard adamSteps == configuration.adamIterations else {
            throw TrainingError.checkpoint("\(path) is in the L-BFGS stage after \(adamSteps) Adam steps; the run cannot change its Adam steps (\(configuration.adamIterations) planned)")
        }
        return archive
    }

    /// Replaces every term's points by `stored(termIndex)` (a checkpoint's).
    func restorePoints(_ stored: (Int) throws -> Tensor<Scalar>) throws {
        for index in terms.indices { terms[index].points = try stored(index) }
    }

    /// `terms` after the Adam stage's resampling at `step` (1-based).
    func resample(step: Int, generator: inout SeededRandomNumberGenerator) {
        _ = configuration.resampling.apply(step: step, terms: &terms, model: model, generator: &generator)
    }

}

extension TrainingError {
    /// A NaN or infinite loss or gradient (the run's own failure, not a setting or a file).
    var isNonFinite: Bool {
        switch self {
        case .divergence, .nonFinite: return true
        default: return false
        }
    }
}
