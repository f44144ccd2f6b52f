import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import RunSupport

/// Supervised training of a neural operator (any ``OperatorModel``: FNO, MgNO) on in-memory field pairs.
///
/// Each epoch: shuffle the training set (the order depends only on the seed and the epoch), take
/// mini-batches, encode inputs with the unit-Gaussian input normalizer, predict, decode with the
/// target normalizer, and minimize the mean relative L2 (or H1) error against the raw targets
/// (Li et al. 2021's recipe); then evaluate on the test set, log a JSON line, and write a checkpoint.
///
/// With an output directory the run writes `checkpoint.safetensors` (the last epoch, with optimizer
/// state), `best.safetensors` (lowest test relative L2), `metrics.jsonl` and `configuration.json`,
/// all atomically. `run(resume: true)` continues from `checkpoint.safetensors` and gives the same
/// weights as an uninterrupted run.
public final class Trainer {
    public let model: any OperatorModel
    public let configuration: TrainingConfiguration
    public let train: FieldPairs
    public let test: FieldPairs
    public let outputDirectory: URL?
    /// Draw a progress bar with ETA on stderr.
    public var showsProgress = false
    let inputNormalizer: PointwiseNormalizer<Float>?
    let targetNormalizer: PointwiseNormalizer<Float>?
    let encodedTrainInputs: Tensor<Float>

    /// One epoch's numbers, as written to `metrics.jsonl`.
    public struct EpochMetrics: Codable, Sendable, Equatable {
        public var epoch: Int
        public var trainLoss: Double
        public var testRelativeL2: Double
        public var testRelativeH1: Double
        public var learningRate: Double
        public var seconds: Double
    }

    /// The result of `run`.
    public struct Summary: Sendable {
        public var history: [EpochMetrics]
        public var bestEpoch: Int
        public var bestTestRelativeL2: Double
        public var stoppedEarly: Bool
    }

    public init(model: any OperatorModel, configuration: TrainingConfiguration, train: FieldPairs, test: FieldPairs,
                outputDirectory: URL? = nil) throws {
        try configuration.validate()
        try model.validateInput(shape: [1] + Array(train.inputs.shape.dropFirst()))
        try model.validateInput(shape: [1] + Array(test.inputs.shape.dropFirst()))
        let outputShape = model.inference(FieldPairs.rows(train.inputs, [0])).shape
        guard Array(train.targets.shape.dropFirst()) == Array(outputShape.dropFirst()),
              Array(test.targets.shape.dropFirst()) == Array(outputShape.dropFirst()) else {
            throw TrainingError.dataMismatch("targets \(Array(train.targets.shape.dropFirst())) but the model predicts \(Array(outputShape.dropFirst()))")
        }
        self.model = model
        self.configuration = configuration
        self.train = train
        self.test = test
        self.outputDirectory = outputDirectory
        if configuration.normalize {
            let inputNormalizer = try PointwiseNormalizer(fitting: train.inputs)
            self.inputNormalizer = inputNormalizer
            targetNormalizer = try PointwiseNormalizer(fitting: train.targets)
            encodedTrainInputs = inputNormalizer.encode(train.inputs)
        } else {
            inputNormalizer = nil
            targetNormalizer = nil
            encodedTrainInputs = train.inputs
        }
    }

    /// Checkpoint metadata key of ``dataFingerprint``.
    public static let dataFingerprintKey = "training.data_fingerprint"

    /// The training and test sets' ``FieldPairs/fingerprint``s, as hexadecimal "train-test".
    public private(set) lazy var dataFingerprint: String = String(train.fingerprint, radix: 16) + "-" + String(test.fingerprint, radix: 16)

    /// The model with its normalizers (what a checkpoint stores).
    public var trainedModel: TrainedModel {
        TrainedModel(model: model, trainingConfiguration: configuration, inputNormalizer: inputNormalizer, targetNormalizer: targetNormalizer)
    }

    func makeOptimizer() -> Adam<Float> {
        Adam(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                      decoupledWeightDecay: configuration.optimizer == .adamW)
    }

    /// The training order of an epoch: a Fisher–Yates shuffle seeded by `(seed, epoch)`.
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededRandomNumberGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &+ 1)
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            }
        }
        return order
    }

    /// Trains until `configuration.epochs` (or early stopping, or `stopAfterEpoch`, 1-based, for an
    /// interrupted run), optionally resuming from the output directory's checkpoint.
    @discardableResult
    public func run(resume: Bool = false, stopAfterEpoch: Int? = nil) throws -> Summary {
        let optimizer = makeOptimizer()
        var history: [EpochMetrics] = []
        var firstEpoch = 0
        var bestL2 = Double.infinity, bestEpoch = -1
        let fileManager = FileManager.default
        let checkpointURL = outputDirectory?.appendingPathComponent("checkpoint.safetensors")
        let metricsURL = outputDirectory?.appendingPathComponent("metrics.jsonl")
        if let outputDirectory {
            try fileManager.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            try model.runConfigurationJSON(training: configuration)
                .write(to: outputDirectory.appendingPathComponent("configuration.json"), options: .atomic)
        }
        if resume, let checkpointURL, fileManager.fileExists(atPath: checkpointURL.path) {
            let archive = try SafetensorsArchive(contentsOf: checkpointURL)
            guard model.matchesConfiguration(in: archive) else {
                throw TrainingError.checkpoint("\(checkpointURL.path) was written for a different model configuration")
            }
            // Checkpoints from before the fingerprint carry none; those resume unchecked.
            if let recorded = archive.metadata[Self.dataFingerprintKey], recorded != dataFingerprint {
                throw TrainingError.checkpoint("\(checkpointURL.path) was trained on other samples (data fingerprint \(recorded), now \(dataFingerprint)); resume with the same data file, split and sample order")
            }
            try model.loadParameters(from: archive, allowingExtraTensors: true)
            try optimizer.restore(model.namedParameters, from: archive)
            firstEpoch = Int(archive.metadata["training.epoch"] ?? "0") ?? 0
            bestL2 = Double(archive.metadata["training.best_l2"] ?? "inf") ?? .infinity
            bestEpoch = Int(archive.metadata["training.best_epoch"] ?? "-1") ?? -1
            // Keep the log lines of the epochs the checkpoint covers.
            if let metricsURL, let text = try? String(contentsOf: metricsURL, encoding: .utf8) {
                history = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
                    .filter { $0.epoch < firstEpoch }
                try writeLog(history, to: metricsURL)
            }
        } else if let metricsURL {
            try writeLog([], to: metricsURL)
        }
        let trainCount = train.count, batchSize = min(configuration.batchSize, trainCount)
        let batchesPerEpoch = (trainCount + batchSize - 1) / batchSize
        let progress = showsProgress ? ProgressBar(total: (configuration.epochs - firstEpoch) * batchesPerEpoch) : nil
        let parameters = model.parameters
        var stoppedEarly = false
        var epoch = firstEpoch
        while epoch < configuration.epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            let learningRate = configuration.schedule.learningRate(atStep: epoch, base: configuration.learningRate)
            optimizer.learningRate = learningRate
            let order = Self.shuffledOrder(count: trainCount, seed: configuration.seed, epoch: epoch)
            var lossSum = 0.0
            for batchIndex in 0..<batchesPerEpoch {
                let indices = Array(order[(batchIndex * batchSize)..<min(trainCount, (batchIndex + 1) * batchSize)])
                let x = FieldPairs.rows(encodedTrainInputs, indices), y = FieldPairs.rows(train.targets, indices)
                model.zeroGradients()
                let loss = lossValue(prediction: decode(model(Variable(x))), target: Variable(y))
                let value = Double(loss.value.scalar)
                guard value.isFinite else { throw TrainingError.divergence(epoch: epoch + 1) }
                loss.backward()
                optimizer.step(parameters)
                lossSum += value * Double(indices.count)
                progress?.advance(status: String(format: "epoch %d/%d  loss %.4g", epoch + 1, configuration.epochs, value))
            }
            let evaluation = try trainedModel.evaluate(test, batchSize: batchSize)
            let metrics = EpochMetrics(epoch: epoch, trainLoss: lossSum / Double(trainCount), testRelativeL2: evaluation.relativeL2,
                                       testRelativeH1: evaluation.relativeH1, learningRate: learningRate,
                                       seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            history.append(metrics)
            let improved = metrics.testRelativeL2 < bestL2
            if improved { bestL2 = metrics.testRelativeL2; bestEpoch = epoch }
            epoch += 1
            if let outputDirectory, let checkpointURL, let metricsURL {
                let state = ["training.epoch": String(epoch), "training.best_l2": String(bestL2), "training.best_epoch": String(bestEpoch),
                             Self.dataFingerprintKey: dataFingerprint]
                try trainedModel.write(to: checkpointURL, optimizer: optimizer, metadata: state)
                if improved { try trainedModel.write(to: outputDirectory.appendingPathComponent("best.safetensors"), metadata: state) }
                try writeLog(history, to: metricsURL)
            }
            if let patience = configuration.earlyStoppingPatience, epoch - 1 - bestEpoch >= patience { stoppedEarly = true; break }
            if let stopAfterEpoch, epoch >= stopAfterEpoch { break }
        }
        progress?.finish()
        return Summary(history: history, bestEpoch: bestEpoch, bestTestRelativeL2: bestL2, stoppedEarly: stoppedEarly)
    }

    func decode(_ prediction: Variable<Float>) -> Variable<Float> {
        guard let targetNormalizer else { return prediction }
        return prediction * Variable(targetNormalizer.standardDeviation + targetNormalizer.epsilon) + Variable(targetNormalizer.mean)
    }

    func lossValue(prediction: Variable<Float>, target: Variable<Float>) -> Variable<Float> {
        switch configuration.loss {
        case .relativeL2: return Loss.relativeLp(prediction, target)
        case .relativeH1: return Loss.relativeH1(prediction, target, spatialDimensions: model.spatialDimensions)
        }
    }

    func writeLog(_ history: [EpochMetrics], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for metrics in history { data.append(try encoder.encode(metrics)); data.append(0x0A) }
        try data.write(to: url, options: .atomic)
    }
}
