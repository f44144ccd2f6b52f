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
    /// The network (an ``FourierNeuralOperator`` or ``MgNO``; see ``kind``).
    public let operatorModel: any OperatorModel
    public let trainingConfiguration: TrainingConfiguration
    var inputNormalizer: PointwiseNormalizer<Float>?
    var targetNormalizer: PointwiseNormalizer<Float>?

    /// Metadata key of the FNO configuration (JSON) in a checkpoint.
    public static let modelConfigurationKey = "pdekit.fno.configuration"
    /// Metadata key of the training configuration (JSON) in a checkpoint.
    public static let trainingConfigurationKey = "pdekit.training.configuration"
    /// Metadata key of the model kind (``OperatorKind`` raw value; absent in FNO checkpoints written
    /// before MgNO, which load as FNO).
    public static let modelKindKey = "pdekit.model.kind"

    init(model: any OperatorModel, trainingConfiguration: TrainingConfiguration,
         inputNormalizer: PointwiseNormalizer<Float>?, targetNormalizer: PointwiseNormalizer<Float>?) {
        operatorModel = model
        self.trainingConfiguration = trainingConfiguration
        self.inputNormalizer = inputNormalizer
        self.targetNormalizer = targetNormalizer
    }

    /// Which family the model belongs to.
    public var kind: OperatorKind { type(of: operatorModel).kind }
    /// Number of grid axes the model works on.
    public var spatialDimensions: Int { operatorModel.spatialDimensions }
    /// The FNO of an FNO checkpoint, nil for other kinds.
    public var fno: FourierNeuralOperator<Float>? { operatorModel as? FourierNeuralOperator<Float> }
    /// The MgNO of an MgNO checkpoint, nil for other kinds.
    public var mgno: MgNO<Float>? { operatorModel as? MgNO<Float> }
    /// The FNO of an FNO checkpoint (kept for source compatibility).
    /// - Precondition: ``kind`` is `.fno`; use ``operatorModel`` or ``mgno`` otherwise.
    public var model: FourierNeuralOperator<Float> {
        guard let fno else { preconditionFailure("TrainedModel.model is the FNO accessor; this checkpoint holds a \(kind.rawValue) model (use operatorModel)") }
        return fno
    }

    /// Predictions for `inputs` (`[N, C_in, grid…]`), in batches, without building a graph.
    ///
    /// On a grid other than the training grid (zero-shot super-resolution) the per-point normalizer
    /// statistics are resampled by linear interpolation along each axis.
    public func predict(_ inputs: Tensor<Float>, batchSize: Int = 20) throws -> Tensor<Float> {
        try operatorModel.validateInput(shape: [1] + Array(inputs.shape.dropFirst()))
        let count = inputs.shape[0]
        var outputs: [Float] = []
        var outputShape: [Int] = []
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            var x = FieldPairs.rows(inputs, Array(start..<end))
            if let inputNormalizer { x = inputNormalizer.resampled(to: x.shape).encode(x) }
            var y = operatorModel.inference(x)
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
        let d = spatialDimensions
        return GradientRecording.withoutRecording {
            let p = Variable(predictions), t = Variable(data.targets)
            return (Double(Loss.relativeLp(p, t).value.scalar),
                    Double(Loss.relativeH1(p, t, spatialDimensions: d).value.scalar), predictions)
        }
    }

    /// Writes the model, normalizers, configurations and (optionally) optimizer state as one safetensors
    /// file, atomically.
    public func write(to url: URL, optimizer: Adam<Float>? = nil, metadata: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var all = metadata
        all[Self.modelKindKey] = kind.rawValue
        all[type(of: operatorModel).configurationKey] = try operatorModel.configurationJSON()
        all[Self.trainingConfigurationKey] = String(decoding: try encoder.encode(trainingConfiguration), as: UTF8.self)
        var archive = operatorModel.parameterArchive(metadata: all)
        if let inputNormalizer {
            archive.add(inputNormalizer.mean, named: "normalizer.input.mean")
            archive.add(inputNormalizer.standardDeviation, named: "normalizer.input.std")
        }
        if let targetNormalizer {
            archive.add(targetNormalizer.mean, named: "normalizer.target.mean")
            archive.add(targetNormalizer.standardDeviation, named: "normalizer.target.std")
        }
        optimizer?.save(operatorModel.namedParameters, into: &archive)
        try archive.write(to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; the stored kind picks the model type.
    public static func load(from url: URL) throws -> (TrainedModel, SafetensorsArchive) {
        let archive = try SafetensorsArchive(contentsOf: url)
        guard let trainingJSON = archive.metadata[trainingConfigurationKey] else {
            throw TrainingError.checkpoint("\(url.path) has no training configuration (not written by pdekit train?)")
        }
        let training: TrainingConfiguration
        do { training = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(trainingJSON.utf8)) } catch {
            throw TrainingError.checkpoint("\(url.path): unreadable configuration (\(error.localizedDescription))")
        }
        let kindName = archive.metadata[modelKindKey] ?? OperatorKind.fno.rawValue
        let model: any OperatorModel
        switch OperatorKind(rawValue: kindName) {
        case .fno: model = try FourierNeuralOperator<Float>.load(from: archive, path: url.path)
        case .mgno: model = try MgNO<Float>.load(from: archive, path: url.path)
        case nil: throw TrainingError.checkpoint("\(url.path): unknown model kind '\(kindName)'")
        }
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
