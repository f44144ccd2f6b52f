import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// A model with the normalizers it was trained with: what a checkpoint holds and what `evaluate` uses.
///
/// Predictions are `decode_y(model(encode_x(a)))`; the normalizer statistics are per grid point,
/// so they apply at the training resolution (on a finer grid, see `predict(_:)`).
public struct TrainedModel {
    public let model: FourierNeuralOperator<Float>
    public let trainingConfiguration: TrainingConfiguration
    var inputNormalizer: PointwiseNormalizer<Float>?
    var targetNormalizer: PointwiseNormalizer<Float>?

    /// Metadata key of the FNO configuration (JSON) in a checkpoint.
    public static let modelConfigurationKey = "pdekit.fno.configuration"
    /// Metadata key of the training configuration (JSON) in a checkpoint.
    public static let trainingConfigurationKey = "pdekit.training.configuration"

    /// Predictions for `inputs` (`[N, C_in, grid…]`), in batches, without building a graph.
    ///
    /// On a grid other than the training grid (zero-shot super-resolution) the per-point normalizer
    /// statistics are resampled by nearest-neighbour lookup.
    public func predict(_ inputs: Tensor<Float>, batchSize: Int = 20) throws -> Tensor<Float> {
        try model.validate(inputShape: [1] + Array(inputs.shape.dropFirst()))
        let count = inputs.shape[0]
        var outputs: [Float] = []
        var outputShape: [Int] = []
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            var x = FieldPairs.rows(inputs, Array(start..<end))
            if let inputNormalizer { x = inputNormalizer.resampled(to: x.shape).encode(x) }
            var y = model.inference(x)
            if let targetNormalizer { y = targetNormalizer.resampled(to: y.shape).decode(y) }
            outputs.append(contentsOf: y.scalars)
            outputShape = y.shape
            start = end
        }
        outputShape[0] = count
        return Tensor(uncheckedShape: outputShape, scalars: outputs)
    }

    /// Mean relative L2 and H1 errors of the predictions for `data`.
    public func evaluate(_ data: FieldPairs, batchSize: Int = 20) throws -> (relativeL2: Double, relativeH1: Double, predictions: Tensor<Float>) {
        let predictions = try predict(data.inputs, batchSize: batchSize)
        let d = model.configuration.spatialDimensions
        return GradientRecording.withoutRecording {
            let p = Variable(predictions), t = Variable(data.targets)
            return (Double(Loss.relativeLp(p, t).value.scalar),
                    Double(Loss.relativeH1(p, t, spatialDimensions: d).value.scalar), predictions)
        }
    }

    /// Writes the model, normalizers, configurations and (optionally) optimizer state as one safetensors
    /// file, atomically.
    public func write(to url: URL, optimizer: ResumableAdam? = nil, metadata: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var all = metadata
        all[Self.modelConfigurationKey] = String(decoding: try encoder.encode(model.configuration), as: UTF8.self)
        all[Self.trainingConfigurationKey] = String(decoding: try encoder.encode(trainingConfiguration), as: UTF8.self)
        var archive = model.parameterArchive(metadata: all)
        if let inputNormalizer {
            archive.add(inputNormalizer.mean, named: "normalizer.input.mean")
            archive.add(inputNormalizer.standardDeviation, named: "normalizer.input.std")
        }
        if let targetNormalizer {
            archive.add(targetNormalizer.mean, named: "normalizer.target.mean")
            archive.add(targetNormalizer.standardDeviation, named: "normalizer.target.std")
        }
        optimizer?.save(into: &archive)
        try archive.write(to: url)
    }

    /// Reads a checkpoint written by `write(to:)`.
    public static func load(from url: URL) throws -> (TrainedModel, SafetensorsArchive) {
        let archive = try SafetensorsArchive(contentsOf: url)
        guard let modelJSON = archive.metadata[modelConfigurationKey], let trainingJSON = archive.metadata[trainingConfigurationKey] else {
            throw TrainingError.checkpoint("\(url.path) has no PDEKit FNO configuration")
        }
        let decoder = JSONDecoder()
        let configuration: FNOConfiguration, training: TrainingConfiguration
        do {
            configuration = try decoder.decode(FNOConfiguration.self, from: Data(modelJSON.utf8))
            training = try decoder.decode(TrainingConfiguration.self, from: Data(trainingJSON.utf8))
        } catch { throw TrainingError.checkpoint("\(url.path): unreadable configuration (\(error.localizedDescription))") }
        var generator = SeededRandomNumberGenerator(seed: 0)
        let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        try model.loadParameters(from: archive, allowingExtraTensors: true)
        func normalizer(_ prefix: String) throws -> PointwiseNormalizer<Float>? {
            guard archive.names.contains(prefix + ".mean") else { return nil }
            return PointwiseNormalizer(mean: try archive.tensor(named: prefix + ".mean"), standardDeviation: try archive.tensor(named: prefix + ".std"))
        }
        let trained = TrainedModel(model: model, trainingConfiguration: training,
                                   inputNormalizer: try normalizer("normalizer.input"), targetNormalizer: try normalizer("normalizer.target"))
        return (trained, archive)
    }
}

extension TrainedModel {
    /// The grid the model was trained on, when normalizer statistics record it.
    public var trainingGrid: [Int]? { inputNormalizer.map { Array($0.mean.shape.dropFirst(2)) } }
}
