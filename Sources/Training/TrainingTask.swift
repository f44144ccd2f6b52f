import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import Distributed

/// What the ``TrainingLoop`` trains: parameters, the loss of a mini-batch, a metric on a held-out
/// validation split, and what a checkpoint must hold to rebuild and resume it.
///
/// The loop owns everything else (epochs, shuffling, the optimizer, non-finite checks, observers, the
/// checkpoint's write order and its verified loading), so each model family writes only this.
/// ``OperatorTrainingTask`` (FNO, MgNO) conforms.
public protocol TrainingTask: AnyObject {
    associatedtype Scalar: TensorScalar
    /// Trainable parameters, by their checkpoint paths.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }
    /// Rows an epoch visits (the loop shuffles `0..<trainingCount` and cuts mini-batches).
    var trainingCount: Int { get }
    /// The loss of the training rows `indices`, as a graph to differentiate (a scalar).
    func loss(batch indices: [Int]) throws -> Variable<Scalar>
    /// Metrics on the validation split, or nil when there is none (the loop then selects on the
    /// epoch's mean training loss). Never computed on the test split.
    func validationMetrics() throws -> ValidationMetrics?
    /// The same metrics when the ranks of `communicator` train together: each rank evaluates its share
    /// of the validation rows and the sums are reduced (``ValidationMetrics/meanOverRanks(localMeans:localCount:totalCount:communicator:)``),
    /// so every rank gets the metrics of the whole split. The default evaluates the whole split on every rank.
    func validationMetrics(over communicator: Communicator) throws -> ValidationMetrics?
    /// A fingerprint of the training and validation samples, recorded in checkpoints so a resume on
    /// other samples is refused.
    var dataFingerprint: String { get }
    /// The weights and the Codable configuration (model, training, normalizers) as a checkpoint
    /// archive with `metadata` added; the loop adds the optimizer state and its own counters.
    func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive
    /// Checks that `archive` was written for this task (configuration, parameter names and shapes,
    /// finite values) without changing anything; throws a ``TrainingError`` otherwise.
    func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws
    /// Sets the weights from a checkpoint that passed ``verifyCheckpoint(_:path:)``.
    func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws
    /// The rows of epoch `epoch` in training order, or nil for the loop's seeded shuffle
    /// (``TrainingLoop/shuffledOrder(count:seed:epoch:)``). A task streaming from disk orders rows
    /// within chunks here and starts reading them.
    func epochOrder(seed: UInt64, epoch: Int) -> [Int]?
}

extension TrainingTask {
    public func epochOrder(seed: UInt64, epoch: Int) -> [Int]? { nil }
}

extension TrainingTask {
    public func validationMetrics(over communicator: Communicator) throws -> ValidationMetrics? { try validationMetrics() }
}

/// Metrics of one evaluation on the validation split; `selection` decides the best epoch (lower is
/// better) and early stopping.
public struct ValidationMetrics: Sendable, Equatable {
    public var selection: Double
    public var relativeL2: Double
    public var relativeH1: Double?

    public init(selection: Double, relativeL2: Double, relativeH1: Double? = nil) {
        self.selection = selection
        self.relativeL2 = relativeL2
        self.relativeH1 = relativeH1
    }
}
