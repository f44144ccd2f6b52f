import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators
import RunSupport
import Distributed

/// Supervised training of a neural operator (FNO, MgNO) on in-memory field pairs: an
/// ``OperatorTrainingTask`` run by the ``TrainingLoop``.
///
/// With an output directory the run writes `checkpoint.safetensors` (the last epoch, with optimizer
/// state), `best.safetensors` (lowest VALIDATION relative L2), `metrics.jsonl`, `loss.png` and
/// `configuration.json`, as one recoverable unit per epoch (see ``TrainingLoop``). `run(resume: true)`
/// continues from `checkpoint.safetensors` and gives the same weights as an uninterrupted run. The test
/// split is not given to the trainer: report it for the chosen model only, after training.
public final class Trainer {
    public typealias EpochMetrics = EpochRecord
    public let task: OperatorTrainingTask
    public let outputDirectory: URL?
    /// Draw a progress bar with ETA on stderr.
    public var showsProgress = false
    /// The ranks training together (data parallel, see ``TrainingLoop/communicator``); only rank 0 writes.
    public var communicator: Communicator = .single

    public var model: any OperatorModel { task.model }
    public var configuration: TrainingConfiguration { task.configuration }
    /// The training pairs in memory (nil when streamed from disk).
    public var train: FieldPairs? { task.train }
    public var validation: FieldPairs? { task.validation }

    /// The result of `run`.
    public struct Summary: Sendable {
        public var history: [EpochRecord]
        /// 0-based epoch of the chosen model (lowest validation relative L2, or training loss without validation).
        public var bestEpoch: Int
        /// The validation relative L2 of the chosen model (its training loss without a validation split).
        public var bestValidationRelativeL2: Double
        public var stoppedEarly: Bool
        /// Seconds in optimizer steps and in their data-parallel allreduce (``TrainingLoop/Summary``).
        public var stepSeconds = 0.0, allreduceSeconds = 0.0
    }

    public init(model: any OperatorModel, configuration: TrainingConfiguration, train: FieldPairs, validation: FieldPairs?,
                outputDirectory: URL? = nil) throws {
        task = try OperatorTrainingTask(model: model, configuration: configuration, train: train, validation: validation)
        self.outputDirectory = outputDirectory
    }

    /// Trains on a task built elsewhere (e.g. streamed from disk).
    public init(task: OperatorTrainingTask, outputDirectory: URL? = nil) {
        self.task = task
        self.outputDirectory = outputDirectory
    }

    /// Checkpoint metadata key of ``dataFingerprint``.
    public static let dataFingerprintKey = CheckpointKey.dataFingerprint

    /// The training and validation sets' fingerprints (see ``OperatorTrainingTask/dataFingerprint``).
    public var dataFingerprint: String { task.dataFingerprint }

    /// The model with its normalizers (what a checkpoint stores).
    public var trainedModel: TrainedModel { task.trainedModel }

    /// The training order of an epoch: a Fisher–Yates shuffle seeded by `(seed, epoch)`.
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        TrainingLoop<OperatorTrainingTask>.shuffledOrder(count: count, seed: seed, epoch: epoch)
    }

    /// Trains until `configuration.epochs` (or early stopping, or `stopAfterEpoch`, 1-based, for an
    /// interrupted run), optionally resuming from the output directory's checkpoint.
    @discardableResult
    public func run(resume: Bool = false, stopAfterEpoch: Int? = nil) throws -> Summary {
        var observers: [any TrainingObserver] = []
        if showsProgress { observers.append(ProgressObserver()) }
        if let outputDirectory, communicator.isRoot {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(model.runConfigurationJSON(training: configuration), to: outputDirectory.appendingPathComponent("configuration.json"))
            observers.append(LossPlotObserver(url: outputDirectory.appendingPathComponent("loss.png")))
        }
        let loop = try TrainingLoop(task: task, configuration: configuration, runDirectory: outputDirectory, observers: observers)
        loop.communicator = communicator
        let summary = try loop.run(resume: resume, stopAfterEpoch: stopAfterEpoch)
        return Summary(history: summary.history, bestEpoch: summary.bestEpoch, bestValidationRelativeL2: summary.bestSelection,
                       stoppedEarly: summary.stoppedEarly, stepSeconds: summary.stepSeconds, allreduceSeconds: summary.allreduceSeconds)
    }
}
