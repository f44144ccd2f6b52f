import Foundation
import TensorCore
import Datasets
import RunSupport
import Distributed

/// Next-step (autoregressive) training of a neural operator: a ``NextStepTrainingTask`` run by the
/// ``TrainingLoop``, and the rollout evaluation of the chosen model.
///
/// With an output directory the run writes what ``Trainer`` writes (`checkpoint.safetensors`,
/// `best.safetensors` selected on the validation rollout error, `metrics.jsonl`, `loss.png`,
/// `configuration.json`), resumable per epoch; ``evaluateRollouts(_:)`` adds `rollout.json` and
/// `rollout.png` (the per-step error curve of the test trajectories).
///
/// Under `mpirun` (``communicator`` with several ranks) the ``TrainingLoop``'s one data-parallel path
/// trains: each rank computes its slice of every global batch of windows, one allreduce sums the
/// gradients, the validation trajectories are split across the ranks, and rank 0 alone writes the run
/// directory and rolls out the test trajectories.
public final class NextStepTrainer {
    public let task: NextStepTrainingTask
    public let outputDirectory: URL?
    /// Draw a progress bar with ETA on stderr.
    public var showsProgress = false
    /// The ranks training together (data parallel, see ``TrainingLoop/communicator``); only rank 0 writes.
    public var communicator: Communicator = .single

    public init(task: NextStepTrainingTask, outputDirectory: URL? = nil) {
        self.task = task
        self.outputDirectory = outputDirectory
    }

    /// Trains until the configured epochs (or early stopping, or `stopAfterEpoch`), optionally resuming.
    @discardableResult
    public func run(resume: Bool = false, stopAfterEpoch: Int? = nil) throws -> TrainingLoop<NextStepTrainingTask>.Summary {
        var observers: [any TrainingObserver] = []
        if showsProgress { observers.append(ProgressObserver()) }
        if let outputDirectory, communicator.isRoot {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(task.model.runConfigurationJSON(training: task.configuration), to: outputDirectory.appendingPathComponent("configuration.json"))
            observers.append(LossPlotObserver(url: outputDirectory.appendingPathComponent("loss.png")))
        }
        let loop = try TrainingLoop(task: task, configuration: task.configuration, runDirectory: outputDirectory, observers: observers)
        loop.communicator = communicator
        return try loop.run(resume: resume, stopAfterEpoch: stopAfterEpoch)
    }

    /// The model chosen on the validation split: `best.safetensors` of the output directory when it
    /// exists, the current weights otherwise.
    public func chosenModel() throws -> TrainedModel {
        if let best = outputDirectory?.appendingPathComponent(TrainingLoop<NextStepTrainingTask>.bestName),
           FileManager.default.fileExists(atPath: best.path) {
            return try TrainedModel.load(from: best).0
        }
        return task.trainedModel
    }

    /// Full rollouts of `model` over `trajectories`; with an output directory, written as `rollout.json`
    /// and `rollout.png`.
    public func evaluateRollouts(_ trajectories: Trajectories, model: TrainedModel, label: String = "test") throws
        -> (predictions: Tensor<Float>, evaluation: RolloutEvaluation) {
        let result = try TrajectoryRollout.run(model, on: trajectories, history: task.history, batchSize: task.configuration.batchSize)
        if let outputDirectory {
            try TrajectoryRollout.write(result.evaluation, json: outputDirectory.appendingPathComponent("rollout.json"),
                                        plot: outputDirectory.appendingPathComponent("rollout.png"), label: label)
        }
        return result
    }
}
