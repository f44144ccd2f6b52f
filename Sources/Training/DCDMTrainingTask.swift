import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import LearnedSolvers
import RunSupport

/// Deep Conjugate Direction Method training (Kaneda et al., ICML 2023) as a ``TrainingTask``: every
/// optimizer step minimises the ``LearnedSolvers/DCDMObjective`` on a fresh batch of Ritz right-hand
/// sides, so an "epoch" of the ``TrainingLoop`` is one step (`trainingCount` = the batch size; the row
/// indices are not used) and `--steps` is the number of epochs.
///
/// There is no validation split (every batch is new data); the loop records the training loss. The
/// checkpoint holds the network (with its configuration, as `DCDMNetwork.save` writes it), Adam's state
/// and the position of the batch stream (`dcdm.generator`), so a resumed run draws the batches an
/// uninterrupted run would and ends with the same weights.
public final class DCDMTrainingTask: TrainingTask {
    public typealias Scalar = Float
    public let objective: DCDMObjective
    /// The double-precision loss of the last batch (the loop sees it rounded to Float).
    public private(set) var lastBatchLoss = Double.nan

    public static let generatorKey = "dcdm.generator"

    public init(objective: DCDMObjective) { self.objective = objective }

    public var network: DCDMNetwork { objective.network }
    public var namedParameters: [(name: String, parameter: Parameter<Float>)] { network.namedParameters }
    public var trainingCount: Int { objective.batchSize }

    /// The batch's loss (``LearnedSolvers/DCDMObjective/batchLoss()``); a NaN constant when the loss or its
    /// gradient is not finite, which the loop turns into ``TrainingError/divergence(epoch:)``.
    public func loss(batch indices: [Int]) throws -> Variable<Float> {
        let (value, objective) = self.objective.batchLoss()
        lastBatchLoss = value
        return objective ?? Variable(Tensor(Float.nan))
    }

    public func validationMetrics() throws -> ValidationMetrics? { nil }

    /// FNV-1a over the grid problem (shape, fluid mask) and the Ritz basis (values, vectors, weights): the
    /// training vectors are drawn from these.
    public private(set) lazy var dataFingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        for size in objective.problem.tensorShape { mix(UInt64(size)) }
        let set = objective.trainingSet
        for values in [objective.problem.fluidMask, set.basis.values, set.basis.vectors, set.weights] {
            mix(UInt64(values.count))
            for value in values { mix(value.bitPattern) }
        }
        return String(hash, radix: 16)
    }()

    public func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        var all = metadata
        all[DCDMNetwork.configurationKey] = String(decoding: try JSONEncoder().encode(network.configuration), as: UTF8.self)
        all["format"] = "pdekit.dcdm"
        all[Self.generatorKey] = objective.generator.stateWords.map { String($0) }.joined(separator: ",")
        return network.parameterArchive(metadata: all)
    }

    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        guard let text = archive.metadata[DCDMNetwork.configurationKey],
              let configuration = try? JSONDecoder().decode(DCDMNetworkConfiguration.self, from: Data(text.utf8)),
              configuration == network.configuration else {
            throw TrainingError.checkpoint("\(path) was written for another DCDM network (its \(DCDMNetwork.configurationKey) differs or is missing)")
        }
        _ = try generator(in: archive, path: path)
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Float>
            do { tensor = try archive.tensor(named: name) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
            guard tensor.shape == parameter.value.shape, tensor.isFinite else {
                throw TrainingError.checkpoint("\(path): \(name) has shape \(tensor.shape) (needs \(parameter.value.shape)) or non-finite values")
            }
        }
    }

    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        let generator = try generator(in: archive, path: path)
        try network.loadParameters(from: archive, allowingExtraTensors: true)
        objective.generator = generator
    }

    /// A checkpoint in the one format for a run written before the training engine (weights in the model
    /// file, Adam's state in `<output>.trainer.safetensors`): the current weights, `completedSteps` as the
    /// loop's epoch, the verified Adam state of `optimizerState`, and the batch stream's current position.
    public func legacyCheckpoint(completedSteps: Int, optimizerState: SafetensorsArchive, path: String) throws -> SafetensorsArchive {
        let states: [AdamParameterState<Float>?]
        do { states = try Adam<Float>.checkpointStates(for: namedParameters, in: optimizerState) } catch {
            throw TrainingError.checkpoint("\(path): \(error)")
        }
        var archive = try checkpointArchive(metadata: [
            CheckpointKey.epoch: String(completedSteps), CheckpointKey.bestSelection: String(Double.infinity), CheckpointKey.bestEpoch: "-1",
            CheckpointKey.selection: "train-loss", CheckpointKey.dataFingerprint: dataFingerprint])
        let adam = Adam<Float>()
        adam.restore(states, of: namedParameters)
        adam.save(namedParameters, into: &archive)
        return archive
    }

    func generator(in archive: SafetensorsArchive, path: String) throws -> SeededRandomNumberGenerator {
        let words = (archive.metadata[Self.generatorKey] ?? "").split(separator: ",").map { UInt64($0) }
        guard words.allSatisfy({ $0 != nil }), let generator = SeededRandomNumberGenerator(stateWords: words.map { $0! }) else {
            throw TrainingError.checkpoint("\(path): \(Self.generatorKey) '\(archive.metadata[Self.generatorKey]?.prefix(80) ?? "missing")' is not four state words")
        }
        return generator
    }
}

/// The DCDM run's outputs besides the checkpoint: the model file (`DCDMNetwork.save`, loadable by
/// `pdekit solve --method dcdm`) rewritten at every evaluation of the loop and at the end, with `steps` and
/// the running loss average in its metadata, and optionally a JSON-lines log with one line per step
/// (`step`, `loss`, `average_loss` = exponential average with weight 0.05, `seconds`). A resumed run
/// drops log lines past its checkpoint before it appends.
public final class DCDMRunObserver: TrainingObserver {
    /// One line of the step log.
    public struct Record: Codable, Sendable {
        public var step: Int
        public var loss: Double
        public var average_loss: Double
        public var seconds: Double
    }

    let task: DCDMTrainingTask
    let modelURL: URL
    let logURL: URL?
    /// Facts written into the model file's metadata (grid, loss kind, …).
    let modelMetadata: [String: String]
    var logHandle: FileHandle?
    var step = 0, firstStep = 0
    /// Steps completed, counting those before a resume.
    public var completedSteps: Int { step }
    /// The exponential average of the step losses since this process started.
    public private(set) var averageLoss = 0.0
    var start = Date()

    public init(task: DCDMTrainingTask, modelURL: URL, logURL: URL?, modelMetadata: [String: String]) {
        self.task = task
        self.modelURL = modelURL
        self.logURL = logURL
        self.modelMetadata = modelMetadata
    }

    public func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) throws {
        (step, firstStep, start) = (firstEpoch * stepsPerEpoch, firstEpoch * stepsPerEpoch, Date())
        guard let logURL else { return }
        let decoder = JSONDecoder()
        if let text = try? String(contentsOf: logURL, encoding: .utf8) {
            let kept = text.split(separator: "\n").filter { line in
                (try? decoder.decode(Record.self, from: Data(line.utf8))).map { $0.step <= firstStep } ?? false
            }
            try AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: logURL)
        } else {
            try AtomicFile.write(Data(), to: logURL)
        }
        guard let handle = FileHandle(forWritingAtPath: logURL.path) else { throw TrainingError.checkpoint("cannot write the log \(logURL.path)") }
        handle.seekToEndOfFile()
        logHandle = handle
    }

    public func stepDidFinish(epoch: Int, epochs: Int, loss: Double) {
        step += 1
        let value = task.lastBatchLoss
        averageLoss = step == firstStep + 1 ? value : 0.95 * averageLoss + 0.05 * value
        guard let logHandle else { return }
        if let line = try? JSONOutput.lines([Record(step: step, loss: value, average_loss: averageLoss, seconds: Date().timeIntervalSince(start))]) {
            logHandle.write(line)
        }
    }

    public func epochWillCommit(history: [EpochRecord]) throws { try writeModel() }

    public func trainingDidFinish(history: [EpochRecord]) throws {
        try? logHandle?.close()
        logHandle = nil
        try writeModel()
    }

    func writeModel() throws {
        var metadata = modelMetadata
        metadata["steps"] = String(step)
        metadata["loss"] = String(averageLoss)
        try task.network.save(to: modelURL, metadata: metadata)
    }
}
