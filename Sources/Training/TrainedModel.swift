import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import RunSupport

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
        guard count >= 1 else { throw TrainingError.dataMismatch("no samples to predict (inputs \(inputs.shape))") }
        guard batchSize >= 1 else { throw TrainingError.invalidConfiguration("batch size must be at least 1, got \(batchSize)") }
        var outputs: [Float] = []
        var outputShape: [Int] = []
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            var x = FieldPairs.rows(inputs, Array(start..<end))
            if let inputNormalizer { x = try Self.checked(inputNormalizer, for: x.shape, "input").resampled(to: x.shape).encode(x) }
            var y = operatorModel.inference(x)
            if let targetNormalizer { y = try Self.checked(targetNormalizer, for: y.shape, "target").resampled(to: y.shape).decode(y) }
            outputs.append(contentsOf: y.scalars)
            outputShape = y.shape
            start = end
        }
        outputShape[0] = count
        return Tensor(uncheckedShape: outputShape, scalars: outputs)
    }

    /// The normalizer when its statistics `[1, C, grid…]` fit data of `shape` `[N, C, grid…]` (same rank
    /// and channels; the grid may differ, the statistics are resampled).
    static func checked(_ normalizer: PointwiseNormalizer<Float>, for shape: [Int], _ what: String) throws -> PointwiseNormalizer<Float> {
        guard normalizer.mean.rank == shape.count, normalizer.mean.shape[1] == shape[1] else {
            throw TrainingError.dataMismatch("the \(what) normalizer has statistics \(normalizer.mean.shape) for data \(shape)")
        }
        return normalizer
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
        try AtomicFile.write(archive(optimizer: optimizer, metadata: metadata).encoded(), to: url)
    }

    /// The checkpoint archive `write(to:optimizer:metadata:)` writes.
    public func archive(optimizer: Adam<Float>? = nil, metadata: [String: String] = [:]) throws -> SafetensorsArchive {
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
        return archive
    }

    /// Reads a checkpoint written by `write(to:)`; the stored kind picks the model type.
    ///
    /// Everything is verified before the model is returned: the configurations (and a memory bound of the
    /// model they describe), every parameter's shape and finiteness, and the normalizers' shapes
    /// (`[1, C, grid…]` with the model's channels and grid rank), finiteness and non-negative spreads.
    public static func load(from url: URL) throws -> (TrainedModel, SafetensorsArchive) {
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOf: url) } catch { throw TrainingError.checkpoint("\(error)") }
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
        do { try training.validate() } catch { throw TrainingError.checkpoint("\(url.path): \(error)") }
        let channels = model.channelCounts
        func normalizer(_ prefix: String, channels: Int) throws -> PointwiseNormalizer<Float>? {
            guard archive.names.contains(prefix + ".mean") || archive.names.contains(prefix + ".std") else { return nil }
            let mean: Tensor<Float>, deviation: Tensor<Float>
            do { (mean, deviation) = (try archive.tensor(named: prefix + ".mean"), try archive.tensor(named: prefix + ".std")) } catch {
                throw TrainingError.checkpoint("\(url.path): \(error)")
            }
            let expected = "[1, \(channels), grid of \(model.spatialDimensions) axes]"
            guard mean.shape == deviation.shape, mean.rank == model.spatialDimensions + 2, mean.shape[0] == 1, mean.shape[1] == channels,
                  mean.shape.allSatisfy({ $0 > 0 }) else {
                throw TrainingError.checkpoint("\(url.path): \(prefix) statistics have shapes \(mean.shape) and \(deviation.shape), expected \(expected)")
            }
            guard mean.isFinite, deviation.isFinite, deviation.scalars.allSatisfy({ $0 >= 0 }) else {
                throw TrainingError.checkpoint("\(url.path): \(prefix) statistics are not finite (or a spread is negative)")
            }
            return PointwiseNormalizer(mean: mean, standardDeviation: deviation)
        }
        let trained = TrainedModel(model: model, trainingConfiguration: training,
                                   inputNormalizer: try normalizer("normalizer.input", channels: channels.input),
                                   targetNormalizer: try normalizer("normalizer.target", channels: channels.output))
        return (trained, archive)
    }
}

extension TrainedModel {
    /// The grid the model was trained on, when normalizer statistics record it.
    public var trainingGrid: [Int]? { inputNormalizer.map { Array($0.mean.shape.dropFirst(2)) } }
}
