import Foundation
import Distributed
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// Supervised training of a neural operator (any ``OperatorModel``: FNO, MgNO) on in-memory field
/// pairs, as a ``TrainingTask``: Li et al. 2021's recipe.
///
/// Inputs are encoded with the unit-Gaussian input normalizer, the prediction is decoded with the
/// target normalizer (both fitted on the training rows only), and the loss is the mean relative L2
/// (or H1) error against the raw targets. The selection metric is the relative L2 on the validation
/// split; the test split is not part of the task at all.
public final class OperatorTrainingTask: TrainingTask {
    public let model: any OperatorModel
    public let configuration: TrainingConfiguration
    public let train: FieldPairs
    /// The held-out rows that select the best epoch and stop early (nil: select on the training loss).
    public let validation: FieldPairs?
    let inputNormalizer: PointwiseNormalizer<Float>?
    let targetNormalizer: PointwiseNormalizer<Float>?
    let encodedTrainInputs: Tensor<Float>

    public init(model: any OperatorModel, configuration: TrainingConfiguration, train: FieldPairs, validation: FieldPairs?) throws {
        try configuration.validate()
        try model.validateInput(shape: [1] + Array(train.inputs.shape.dropFirst()))
        if let validation { try model.validateInput(shape: [1] + Array(validation.inputs.shape.dropFirst())) }
        let outputShape = model.inference(FieldPairs.rows(train.inputs, [0])).shape
        guard Array(train.targets.shape.dropFirst()) == Array(outputShape.dropFirst()),
              validation.map({ Array($0.targets.shape.dropFirst()) == Array(outputShape.dropFirst()) }) ?? true else {
            throw TrainingError.dataMismatch("targets \(Array(train.targets.shape.dropFirst())) but the model predicts \(Array(outputShape.dropFirst()))")
        }
        self.model = model
        self.configuration = configuration
        self.train = train
        self.validation = validation
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

    /// The model with its normalizers (what a checkpoint stores).
    public var trainedModel: TrainedModel {
        TrainedModel(model: model, trainingConfiguration: configuration, inputNormalizer: inputNormalizer, targetNormalizer: targetNormalizer)
    }

    public var namedParameters: [(name: String, parameter: Parameter<Float>)] { model.namedParameters }
    public var trainingCount: Int { train.count }

    /// The training and validation sets' ``FieldPairs/fingerprint``s, as hexadecimal "train-validation"
    /// ("train-none" without a validation split).
    public private(set) lazy var dataFingerprint: String =
        String(train.fingerprint, radix: 16) + "-" + (validation.map { String($0.fingerprint, radix: 16) } ?? "none")

    public func loss(batch indices: [Int]) throws -> Variable<Float> {
        let x = FieldPairs.rows(encodedTrainInputs, indices), y = FieldPairs.rows(train.targets, indices)
        let prediction = decode(model(Variable(x))), target = Variable(y)
        switch configuration.loss {
        case .relativeL2: return Loss.relativeLp(prediction, target)
        case .relativeH1: return Loss.relativeH1(prediction, target, spatialDimensions: model.spatialDimensions)
        }
    }

    public func validationMetrics() throws -> ValidationMetrics? {
        guard let validation else { return nil }
        let evaluation = try trainedModel.evaluate(validation, batchSize: min(configuration.batchSize, validation.count))
        return ValidationMetrics(selection: evaluation.relativeL2, relativeL2: evaluation.relativeL2, relativeH1: evaluation.relativeH1)
    }

    /// Each rank evaluates its rows of the validation split; the per-sample means are combined exactly.
    public func validationMetrics(over communicator: Communicator) throws -> ValidationMetrics? {
        guard let validation, communicator.size > 1 else { return try validationMetrics() }
        let rows = ValidationMetrics.localRange(count: validation.count, communicator: communicator)
        var means = [0.0, 0.0]
        if !rows.isEmpty {
            let evaluation = try trainedModel.evaluate(validation.subset(rows), batchSize: min(configuration.batchSize, rows.count))
            means = [evaluation.relativeL2, evaluation.relativeH1]
        }
        let global = try ValidationMetrics.meanOverRanks(localMeans: means, localCount: rows.count, totalCount: validation.count, communicator: communicator)
        return ValidationMetrics(selection: global[0], relativeL2: global[0], relativeH1: global[1])
    }

    public func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        try trainedModel.archive(metadata: metadata)
    }

    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        guard model.matchesConfiguration(in: archive) else {
            throw TrainingError.checkpoint("\(path) was written for a different model configuration")
        }
        try model.verifyParameters(in: archive, path: path)
    }

    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        try model.loadParameters(from: archive, allowingExtraTensors: true)
    }

    func decode(_ prediction: Variable<Float>) -> Variable<Float> {
        guard let targetNormalizer else { return prediction }
        return prediction * Variable(targetNormalizer.standardDeviation + targetNormalizer.epsilon) + Variable(targetNormalizer.mean)
    }
}
