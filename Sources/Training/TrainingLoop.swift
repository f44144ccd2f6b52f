import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import RunSupport
import Distributed

/// The one training loop: epochs of shuffled mini-batches of any ``TrainingTask``, one Adam/AdamW
/// optimizer path driven by the configuration's learning-rate schedule, selection and early stopping on
/// the validation split, observers, and a run directory whose writes form one recoverable unit per epoch.
///
/// Each epoch `e` (0-based): the learning rate `η_e = schedule(e)`; the order is a Fisher–Yates shuffle
/// seeded by `(seed, e)`; for each mini-batch `B`: `L = task.loss(B)`, `∇L` by reverse mode, one Adam step.
/// A non-finite loss or gradient ends the run with ``TrainingError/divergence(epoch:)`` or
/// ``TrainingError/nonFinite(_:)``, never with success.
///
/// An evaluation (validation metric, epoch record, best-model choice, early stopping, checkpoint) follows
/// every `evaluationInterval`-th epoch and the last one; its record's training loss is the mean over the
/// rows since the previous evaluation.
///
/// Run directory (written only with `runDirectory`), per evaluated epoch and in this order:
/// ```
/// metrics.jsonl            (all records through epoch e)          ─┐ written first, each atomically
/// best-pending.safetensors (only when e improved the selection    ─┘
///                           and `bestModelFile` is `.written`)
/// checkpoint.safetensors   (weights, configuration, Adam state, epoch, best, data fingerprint) ◄ commit point
/// best-pending → best.safetensors (rename)
/// ```
/// A kill at any moment leaves a state that `run(resume: true)` reconciles from the checkpoint:
/// metric records past its epoch are dropped, a pending best is promoted when the checkpoint names its
/// epoch as the best and deleted otherwise, a best file behind the checkpoint's best epoch is rewritten
/// from the checkpoint weights when that epoch is the checkpoint's own, and temporaries of killed writes
/// are removed at start (``RunSupport/AtomicFile/removeStaleTemporaries(in:)``).
///
/// The checkpoint loader verifies everything (configuration, parameter shapes, finite values, epoch and
/// best counters, Adam moments and step count, data fingerprint) before it changes the task or the
/// optimizer.
public final class TrainingLoop<Task: TrainingTask> {
    public let task: Task
    public let configuration: TrainingConfiguration
    public let runDirectory: URL?
    /// Extra observers (progress); the loop adds the metrics log and the loss plot for a run directory.
    public var observers: [any TrainingObserver]
    public let optimizer: Adam<Task.Scalar>
    /// Stop after this many optimizer steps in all (mid-epoch if need be); nil: run every epoch.
    public var maximumSteps: Int?
    /// Shuffle the rows each epoch (false: rows in order, e.g. for full-batch training, where the order
    /// only changes the summation order).
    public var shufflesRows = true
    /// Epochs between evaluations: the validation metric, the epoch record, the best-model choice, early
    /// stopping and the checkpoint happen after every `evaluationInterval`-th epoch and after the last one
    /// (1: every epoch, as FNO and MgNO; DeepONet's full-batch "epochs" are single steps).
    public var evaluationInterval = 1
    /// Whether improving evaluations write `best.safetensors` (operators: the model chosen on the
    /// validation split); ``BestModelFile/notWritten`` for runs whose "best" is unused or the last (GP-HM, PINN).
    public var bestModelFile = BestModelFile.written
    /// The parameter values of the best evaluation of this process (nil before one, or when the best
    /// epoch predates a resume: ``restoreBestParameters()`` then reads the run directory's best file).
    var bestSnapshot: (epoch: Int, values: [Tensor<Task.Scalar>])?
    /// Time in ``step(_:parameters:epoch:)`` and in its allreduce since the last run began.
    var stepNanoseconds: UInt64 = 0, allreduceNanoseconds: UInt64 = 0
    var lastSummary: Summary?
    /// The ranks that train together (see `TrainingLoop+DataParallel.swift`): each computes its slice of
    /// every mini-batch and one allreduce per step sums the gradients; only rank 0 writes the run
    /// directory and tells the observers. ``Distributed/Communicator/single`` (the default): one process.
    public var communicator: Communicator = .single

    /// The result of ``run(resume:stopAfterEpoch:)``.
    public struct Summary: Sendable {
        public var history: [EpochRecord]
        /// 0-based epoch with the lowest selection metric (-1 before any).
        public var bestEpoch: Int
        public var bestSelection: Double
        public var stoppedEarly: Bool
        /// Wall seconds of this process's optimizer steps in this run (forward, backward, allreduce, update),
        /// and the part spent in the data-parallel allreduce of the loss and gradients (0 on one process):
        /// their ratio bounds what overlapping the allreduce with the backward pass could save.
        public var stepSeconds = 0.0, allreduceSeconds = 0.0
    }

    public static var checkpointName: String { "checkpoint.safetensors" }
    public static var bestName: String { "best.safetensors" }
    public static var pendingBestName: String { "best-pending.safetensors" }
    public static var metricsName: String { "metrics.jsonl" }

    public init(task: Task, configuration: TrainingConfiguration, runDirectory: URL? = nil, observers: [any TrainingObserver] = []) throws {
        try configuration.validate()
        self.task = task
        self.configuration = configuration
        self.runDirectory = runDirectory
        self.observers = observers
        optimizer = Adam(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                         decoupledWeightDecay: configuration.optimizer == .adamW)
        // The optimizer's step counter and the progress total are epochs × steps per epoch.
        guard !configuration.epochs.multipliedReportingOverflow(by: stepsPerEpoch).overflow else {
            throw TrainingError.invalidConfiguration(
                "\(configuration.epochs) epochs of \(stepsPerEpoch) optimizer steps overflow a 64-bit step count")
        }
    }

    /// The training order of an epoch: a Fisher–Yates shuffle seeded by `(seed, epoch)`.
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededRandomNumberGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: epoch) &+ 1)
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            }
        }
        return order
    }

    var batchSize: Int { min(configuration.batchSize, task.trainingCount) }
    var stepsPerEpoch: Int { (task.trainingCount + batchSize - 1) / batchSize }
    func url(_ name: String) -> URL? { runDirectory?.appendingPathComponent(name) }

    /// One optimizer step on the rows `indices`; returns the loss before the step.
    /// - Throws: ``TrainingError/divergence(epoch:)`` for a non-finite loss, ``TrainingError/nonFinite(_:)``
    ///   for a non-finite gradient (the parameters are left unchanged in both cases).
    public func step(_ indices: [Int], parameters: [Parameter<Task.Scalar>], epoch: Int) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { stepNanoseconds += DispatchTime.now().uptimeNanoseconds - start }
        for parameter in parameters { parameter.zeroGradient() }
        let value: Double
        if communicator.size > 1 {
            let rows = localRows(of: indices)
            var localValue = 0.0
            if !rows.isEmpty {
                let loss = try task.loss(batch: rows)
                localValue = Double(loss.value.scalars[0])
                if localValue.isFinite { loss.backward() }
            }
            let reduceStart = DispatchTime.now().uptimeNanoseconds
            value = try reduceLossAndGradients(localLoss: localValue, localCount: rows.count, globalCount: indices.count, parameters: parameters)
            allreduceNanoseconds += DispatchTime.now().uptimeNanoseconds - reduceStart
        } else {
            let loss = try task.loss(batch: indices)
            value = Double(loss.value.scalars[0])
            guard value.isFinite else { throw TrainingError.divergence(epoch: epoch + 1) }
            loss.backward()
        }
        guard value.isFinite else { throw TrainingError.divergence(epoch: epoch + 1) }
        for parameter in parameters {
            if let gradient = parameter.gradient, !allFinite(gradient) {
                throw TrainingError.nonFinite("gradient in epoch \(epoch + 1) (the loss was \(value))")
            }
        }
        optimizer.step(parameters)
        return value
    }

    /// Trains until `configuration.epochs` (or early stopping, or `stopAfterEpoch`, 1-based, for an
    /// interrupted run), optionally resuming from the run directory's checkpoint.
    @discardableResult
    public func run(resume: Bool = false, stopAfterEpoch: Int? = nil) throws -> Summary {
        // With several ranks only rank 0 writes the run directory and tells the observers; the others
        // read the checkpoint to resume (a run directory on a file system every rank sees).
        let writesRun = communicator.isRoot
        var allObservers = writesRun ? observers : []
        bestSnapshot = nil
        (stepNanoseconds, allreduceNanoseconds) = (0, 0)
        var history: [EpochRecord] = []
        var firstEpoch = 0, bestSelection = Double.infinity, bestEpoch = -1
        if let runDirectory {
            if writesRun {
                try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
                AtomicFile.removeStaleTemporaries(in: runDirectory)
                allObservers.insert(MetricsLogObserver(url: url(Self.metricsName)!), at: 0)
            }
            // Rank 0 decides whether to resume, from its view of the run directory, and every rank follows
            // (a rank deciding alone could skip the checkpoint while the others wait in a collective).
            let checkpointURL = url(Self.checkpointName)!
            let rootResumes = writesRun && resume && FileManager.default.fileExists(atPath: checkpointURL.path)
            if try communicator.broadcast(Int64(rootResumes ? 1 : 0)) == 1 {
                let state = try agreedResumeState(from: checkpointURL)
                firstEpoch = state.epoch
                (bestSelection, bestEpoch) = (state.bestSelection, state.bestEpoch)
                if writesRun {
                    history = Self.reconciledHistory(MetricsLogObserver.read(url(Self.metricsName)!), epochs: firstEpoch)
                    if bestModelFile == .written { try reconcileBest(bestEpoch: bestEpoch, checkpointEpoch: firstEpoch, selectionState: state.metadata) }
                }
            } else if writesRun {
                if !resume, FileManager.default.fileExists(atPath: checkpointURL.path) {
                    // A rerun into the same directory starts over; say so, and how to continue instead.
                    StatusLine.printLine("note: starting a new run over \(checkpointURL.path) (--resume continues it instead)")
                }
                try? FileManager.default.removeItem(at: url(Self.pendingBestName)!)
            }
        }
        let selectionKind = "validation"
        let parameters = task.namedParameters.map(\.parameter)
        try broadcastParameters(parameters)
        let trainCount = task.trainingCount, batchSize = self.batchSize, stepsPerEpoch = self.stepsPerEpoch
        for observer in allObservers {
            try observer.trainingWillStart(firstEpoch: firstEpoch, epochs: configuration.epochs, stepsPerEpoch: stepsPerEpoch, history: history)
        }
        var stoppedEarly = false
        var epoch = firstEpoch, stepsTaken = firstEpoch * stepsPerEpoch
        // Sums since the last evaluation (one record covers `evaluationInterval` epochs).
        var lossSum = 0.0, rowsSeen = 0, start = DispatchTime.now().uptimeNanoseconds
        epochs: while epoch < configuration.epochs {
            let learningRate = configuration.schedule.learningRate(atStep: epoch, base: configuration.learningRate)
            guard learningRate.isFinite, learningRate >= 0 else { throw TrainingError.nonFinite("learning rate \(learningRate) in epoch \(epoch + 1)") }
            optimizer.learningRate = learningRate
            // With `maximumSteps` the last epoch may be partial; it is then the final one.
            let batches = maximumSteps.map { min(stepsPerEpoch, max($0 - stepsTaken, 0)) } ?? stepsPerEpoch
            if batches == 0 { break epochs }
            let order = shufflesRows ? task.epochOrder(seed: configuration.seed, epoch: epoch) ?? Self.shuffledOrder(count: trainCount, seed: configuration.seed, epoch: epoch)
                : Array(0..<trainCount)
            for batchIndex in 0..<batches {
                stepsTaken += 1
                let indices = Array(order[(batchIndex * batchSize)..<min(trainCount, (batchIndex + 1) * batchSize)])
                let value = try step(indices, parameters: parameters, epoch: epoch)
                lossSum += value * Double(indices.count)
                rowsSeen += indices.count
                for observer in allObservers { observer.stepDidFinish(epoch: epoch, epochs: configuration.epochs, loss: value) }
            }
            epoch += 1
            let isLast = epoch == configuration.epochs || maximumSteps.map { stepsTaken >= $0 } == true || stopAfterEpoch.map { epoch >= $0 } == true
            guard isLast || epoch % max(evaluationInterval, 1) == 0 else { continue }
            let trainLoss = lossSum / Double(max(rowsSeen, 1))
            let validation = try task.validationMetrics(over: communicator)
            // Rank 0's selection error, on every rank (a split evaluation already gives every rank the same
            // sums): the best epoch and the early-stopping decision below are then the same arithmetic on the
            // same numbers everywhere, so no rank stops alone.
            let selection = try communicator.broadcast(validation?.selection ?? trainLoss)
            guard selection.isFinite else { throw TrainingError.nonFinite("validation error \(selection) in epoch \(epoch)") }
            history.append(EpochRecord(epoch: epoch - 1, trainLoss: trainLoss, validationRelativeL2: validation?.relativeL2,
                                       validationRelativeH1: validation?.relativeH1, selection: selection, learningRate: learningRate,
                                       seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            (lossSum, rowsSeen) = (0, 0)
            let improved = selection < bestSelection
            if improved {
                (bestSelection, bestEpoch) = (selection, epoch - 1)
                bestSnapshot = (epoch - 1, parameters.map(\.value))
            }
            if runDirectory != nil, writesRun {
                let state = [CheckpointKey.epoch: String(epoch), CheckpointKey.bestSelection: String(bestSelection), CheckpointKey.bestEpoch: String(bestEpoch),
                             CheckpointKey.selection: validation == nil ? "train-loss" : selectionKind, CheckpointKey.dataFingerprint: task.dataFingerprint]
                for observer in allObservers { try observer.epochWillCommit(history: history) }
                let writesBest = improved && bestModelFile == .written
                if writesBest {
                    var best = try task.checkpointArchive(metadata: state)
                    best.metadata[CheckpointKey.modelEpoch] = String(epoch - 1)
                    try AtomicFile.write(best.encoded(), to: url(Self.pendingBestName)!)
                }
                var checkpoint = try task.checkpointArchive(metadata: state)
                optimizer.save(task.namedParameters, into: &checkpoint)
                try AtomicFile.write(checkpoint.encoded(), to: url(Self.checkpointName)!)   // the commit point
                if writesBest { try promotePendingBest() }
            }
            start = DispatchTime.now().uptimeNanoseconds
            if let patience = configuration.earlyStoppingPatience, epoch - 1 - bestEpoch >= patience { stoppedEarly = true; break }
            if isLast { break }
        }
        for observer in allObservers { try observer.trainingDidFinish(history: history) }
        let summary = Summary(history: history, bestEpoch: bestEpoch, bestSelection: bestSelection, stoppedEarly: stoppedEarly,
                              stepSeconds: Double(stepNanoseconds) / 1e9, allreduceSeconds: Double(allreduceNanoseconds) / 1e9)
        lastSummary = summary
        return summary
    }

    /// ``resumeState(from:)`` on every rank, with rank 0's loop state: a rank that read another epoch
    /// than rank 0 (a run directory the ranks do not see alike) throws instead of training out of step.
    func agreedResumeState(from checkpointURL: URL) throws -> (epoch: Int, bestSelection: Double, bestEpoch: Int, metadata: [String: String]) {
        var state = try resumeState(from: checkpointURL)
        guard communicator.size > 1 else { return state }
        var epochs = [Int64(state.epoch), Int64(state.bestEpoch)]
        try communicator.broadcast(&epochs)
        let bestSelection = try communicator.broadcast(state.bestSelection)
        guard epochs[0] == Int64(state.epoch) else {
            throw TrainingError.checkpoint("\(checkpointURL.path): rank \(communicator.rank) of \(communicator.size) read epoch \(state.epoch), rank 0 epoch \(epochs[0]) (the ranks must see the same run directory)")
        }
        state.bestEpoch = Int(epochs[1])
        state.bestSelection = bestSelection
        return state
    }

    /// The loop state of a checkpoint, verified completely; the task's weights and the optimizer are
    /// changed only after every check passed.
    func resumeState(from checkpointURL: URL) throws -> (epoch: Int, bestSelection: Double, bestEpoch: Int, metadata: [String: String]) {
        let path = checkpointURL.path
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOf: checkpointURL) } catch { throw TrainingError.checkpoint("\(error)") }
        try task.verifyCheckpoint(archive, path: path)
        let metadata = archive.metadata
        guard let epochText = metadata[CheckpointKey.epoch], let epoch = Int(epochText), (0...configuration.epochs).contains(epoch) else {
            throw TrainingError.checkpoint("\(path): training.epoch '\(metadata[CheckpointKey.epoch]?.prefix(40) ?? "missing")' is not in 0…\(configuration.epochs) (the configured --epochs)")
        }
        // Checkpoints from before the validation split selected on the test split: their best is not kept.
        let selectedHonestly = metadata[CheckpointKey.selection] != nil
        var bestSelection = Double.infinity, bestEpoch = -1
        if selectedHonestly {
            guard let bestText = metadata[CheckpointKey.bestEpoch], let best = Int(bestText), (-1..<epoch).contains(best),
                  let selectionText = metadata[CheckpointKey.bestSelection], let selection = Double(selectionText), !selection.isNaN,
                  (best >= 0) == selection.isFinite else {
                throw TrainingError.checkpoint("\(path): best epoch '\(metadata[CheckpointKey.bestEpoch] ?? "missing")' / best error '\(metadata[CheckpointKey.bestSelection] ?? "missing")' do not fit \(epoch) completed epochs")
            }
            (bestSelection, bestEpoch) = (selection, best)
        }
        let fingerprint = task.dataFingerprint
        if let recorded = metadata[CheckpointKey.dataFingerprint], recorded != fingerprint {
            // Before the validation split the fingerprint was "train-test": compare the training part only.
            let legacyMatch = !selectedHonestly && recorded.split(separator: "-").first == fingerprint.split(separator: "-").first
            if !legacyMatch {
                throw TrainingError.checkpoint("\(path) was trained on other samples (data fingerprint \(recorded), now \(fingerprint)); resume with the same data file, split and sample order")
            }
        }
        let named = task.namedParameters
        let states: [AdamParameterState<Task.Scalar>?]
        do { states = try Adam<Task.Scalar>.checkpointStates(for: named, in: archive) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
        let steps = states.compactMap { $0?.stepCount }.max() ?? 0
        let (possible, overflow) = epoch.multipliedReportingOverflow(by: stepsPerEpoch)
        guard !overflow, steps <= possible else {
            throw TrainingError.checkpoint("\(path): optimizer.step \(steps) exceeds the \(possible) steps of \(epoch) epochs")
        }
        // Everything checked: commit.
        try task.loadCheckpoint(archive, path: path)
        optimizer.restore(states, of: named)
        return (epoch, bestSelection, bestEpoch, metadata)
    }

    /// One record per completed epoch `0..<epochs` (the last record of an epoch wins; records past the
    /// checkpoint, written before a checkpoint that never committed, are dropped).
    static func reconciledHistory(_ records: [EpochRecord], epochs: Int) -> [EpochRecord] {
        var byEpoch: [Int: EpochRecord] = [:]
        for record in records where (0..<epochs).contains(record.epoch) { byEpoch[record.epoch] = record }
        return byEpoch.keys.sorted().map { byEpoch[$0]! }
    }

}

/// Whether every element of `tensor` is finite: `Tensor.isFinite` behind a specialized entry point, since
/// the loop's generic code would otherwise run it through value witnesses per element (a third of a
/// small PINN's step, measured with perf).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func allFinite<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> Bool { tensor.isFinite }

/// Metadata keys of the ``TrainingLoop``'s state in a checkpoint.
public enum CheckpointKey {
    public static let epoch = "training.epoch"
    public static let bestSelection = "training.best_l2"
    public static let bestEpoch = "training.best_epoch"
    /// "validation" or "train-loss"; absent in checkpoints that selected on the test split.
    public static let selection = "training.selection"
    public static let dataFingerprint = "training.data_fingerprint"
    /// In best files: the 0-based epoch whose weights the file holds.
    public static let modelEpoch = "training.model_epoch"
}
