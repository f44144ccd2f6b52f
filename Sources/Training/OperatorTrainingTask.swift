import Foundation
import Distributed
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators

/// Supervised training of a neural operator (any ``OperatorModel``: FNO, MgNO) on field pairs held in
/// memory or streamed from disk, as a ``TrainingTask``: Li et al. 2021's recipe.
///
/// Streamed (``init(model:configuration:stream:trainRows:validation:chunkRows:)``), the training rows
/// are read a chunk at a time by a ``ChunkPrefetcher`` (one chunk ahead, on its own thread), in the
/// order ``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)``: shuffled within chunks of
/// `chunkRows` consecutive rows. The normalizers are fitted in two passes over the chunks and equal
/// the in-memory ones bit for bit, so the same batches give the same losses.
///
/// A run may resume in the other residence: both residences order an epoch by
/// ``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)`` with ``orderChunkRows`` (in memory
/// `trainingCount`, which is the loop's whole shuffle; streamed the chunk size), a checkpoint records it
/// (``orderChunkRowsKey``) and a resumed task adopts it, and ``dataFingerprint`` is the same hash of the
/// same rows either way. A streamed task that adopts an order of chunks larger than its own reads that
/// order in pieces of `chunkRows` rows (each piece's rows gathered by hyperslab runs), so its memory stays bounded.
///
/// Inputs are encoded with the unit-Gaussian input normalizer, the prediction is decoded with the
/// target normalizer (both fitted on the training rows only), and the loss is the mean relative L2
/// (or H1) error against the raw targets. The selection metric is the relative L2 on the validation
/// split; the test split is not part of the task at all.
public final class OperatorTrainingTask: TrainingTask {
    public let model: any OperatorModel
    public let configuration: TrainingConfiguration
    /// The training pairs in memory (nil when streamed).
    public let train: FieldPairs?
    /// The streamed training rows (nil in memory).
    public let stream: ChunkPrefetcher?
    /// Rows per streamed chunk (what is read and held at a time): the requested size rounded down to
    /// whole batches (at least one), at most the training rows; 0 in memory.
    public let chunkRows: Int
    /// Rows per chunk of the epoch's shuffle (``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)``):
    /// `trainingCount` in memory (one chunk: the loop's shuffle), `chunkRows` streamed, or what the
    /// checkpoint of a resumed run recorded.
    public private(set) var orderChunkRows: Int
    /// The metadata key of ``orderChunkRows`` in a checkpoint.
    public static let orderChunkRowsKey = "pdekit.operator.order_chunk_rows"
    /// The held-out rows that select the best epoch and stop early (nil: select on the training loss).
    public let validation: FieldPairs?
    let inputNormalizer: PointwiseNormalizer<Float>?
    let targetNormalizer: PointwiseNormalizer<Float>?
    let encodedTrainInputs: Tensor<Float>?
    let streamFingerprint: String?
    public let trainingCount: Int

    public init(model: any OperatorModel, configuration: TrainingConfiguration, train: FieldPairs, validation: FieldPairs?) throws {
        try configuration.validate()
        try model.validateInput(shape: [1] + Array(train.inputs.shape.dropFirst()))
        if let validation { try model.validateInput(shape: [1] + Array(validation.inputs.shape.dropFirst())) }
        let outputShape = model.inference(FieldPairs.rows(train.inputs, [0])).shape
        guard Array(train.targets.shape.dropFirst()) == Array(outputShape.dropFirst()),
              validation.map({ Array($0.targets.shape.dropFirst()) == Array(outputShape.dropFirst()) }) ?? true else {
            throw TrainingError.dataMismatch("targets \(Array(train.targets.shape.dropFirst())) but the model predicts \(Array(outputShape.dropFirst()))")
        }
        try Self.checkNonZeroTargets(train.targets, firstRow: 0)
        self.model = model
        self.configuration = configuration
        self.train = train
        self.validation = validation
        stream = nil
        chunkRows = 0
        orderChunkRows = train.count
        streamFingerprint = nil
        trainingCount = train.count
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

    /// Training rows `trainRows` of `stream` read from disk a chunk of `chunkRows` rows at a time (the
    /// validation pairs in memory). The normalizers take two passes over the rows before training.
    /// - Throws: `TrainingError` for a model that does not fit the data, `DatasetError` for a read failure.
    public init(model: any OperatorModel, configuration: TrainingConfiguration, stream source: any PairRowSource, trainRows: Int,
                validation: FieldPairs?, chunkRows requestedChunkRows: Int) throws {
        try configuration.validate()
        guard trainRows >= 1, trainRows <= source.count, requestedChunkRows >= 1 else {
            throw TrainingError.invalidConfiguration("\(trainRows) streamed training rows of \(source.count), chunks of \(requestedChunkRows)")
        }
        try model.validateInput(shape: [1] + source.inputSampleShape)
        if let validation { try model.validateInput(shape: [1] + Array(validation.inputs.shape.dropFirst())) }
        let outputShape = model.inference(Tensor(repeating: 0, shape: [1] + source.inputSampleShape)).shape
        guard source.targetSampleShape == Array(outputShape.dropFirst()),
              validation.map({ Array($0.targets.shape.dropFirst()) == Array(outputShape.dropFirst()) }) ?? true else {
            throw TrainingError.dataMismatch("targets \(source.targetSampleShape) but the model predicts \(Array(outputShape.dropFirst()))")
        }
        // Batches never straddle chunks when the chunk is a whole number of batches; a chunk larger
        // than the rows is all of them (what is read and what the summary reports).
        let batch = min(configuration.batchSize, trainRows)
        let chunkRows = min(max(requestedChunkRows / batch, 1) * batch, trainRows)
        self.model = model
        self.configuration = configuration
        self.train = nil
        self.validation = validation
        self.chunkRows = chunkRows
        // A checkpoint records a size an in-memory resume accepts (1…trainRows).
        self.orderChunkRows = chunkRows
        self.trainingCount = trainRows
        encodedTrainInputs = nil
        // FieldPairs.fingerprint of the same rows, computed in the two passes: the first hashes the
        // inputs' shape and values, the second continues with the targets'.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        func mix(_ tensor: Tensor<Float>) { tensor.scalars.withUnsafeBufferPointer { values in for value in values { mix(UInt64(value.bitPattern)) } } }
        let ranges = stride(from: 0, to: trainRows, by: chunkRows).map { $0..<min(trainRows, $0 + chunkRows) }
        var inputFit = PointwiseNormalizer<Float>.StreamingFit(sampleShape: source.inputSampleShape)
        var targetFit = PointwiseNormalizer<Float>.StreamingFit(sampleShape: source.targetSampleShape)
        for size in [trainRows] + source.inputSampleShape { mix(UInt64(size)) }
        for range in ranges {
            let (inputs, targets) = try source.read(Array(range))
            mix(inputs)
            inputFit.accumulateMean(inputs)
            targetFit.accumulateMean(targets)
        }
        inputFit.finishMean()
        targetFit.finishMean()
        for size in [trainRows] + source.targetSampleShape { mix(UInt64(size)) }
        for range in ranges {
            let (inputs, targets) = try source.read(Array(range))
            try Self.checkNonZeroTargets(targets, firstRow: range.lowerBound)
            mix(targets)
            inputFit.accumulateDeviations(inputs)
            targetFit.accumulateDeviations(targets)
        }
        streamFingerprint = String(hash, radix: 16)
        if configuration.normalize {
            let inputNormalizer = inputFit.normalizer
            self.inputNormalizer = inputNormalizer
            targetNormalizer = targetFit.normalizer
            // Encoded as read (a space-time source encodes each state before repeating it along time).
            stream = ChunkPrefetcher(path: source.path) { rows in try source.read(rows, encodingInputsWith: inputNormalizer) }
        } else {
            inputNormalizer = nil
            targetNormalizer = nil
            stream = ChunkPrefetcher(stream: source)
        }
    }

    /// The model with its normalizers (what a checkpoint stores).
    public var trainedModel: TrainedModel {
        TrainedModel(model: model, trainingConfiguration: configuration, inputNormalizer: inputNormalizer, targetNormalizer: targetNormalizer)
    }

    public var namedParameters: [(name: String, parameter: Parameter<Float>)] { model.namedParameters }

    /// The training and validation sets' ``FieldPairs/fingerprint``s, as hexadecimal "train-validation"
    /// ("train-none" without a validation split); streamed, the training part is the same hash
    /// computed chunk by chunk (all inputs, then all targets), so it does not depend on the residence.
    public private(set) lazy var dataFingerprint: String =
        (streamFingerprint ?? train.map { String($0.fingerprint, radix: 16) } ?? "none") + "-" + (validation.map { String($0.fingerprint, radix: 16) } ?? "none")

    /// The chunked order of ``ChunkPrefetcher/chunkedOrder(count:chunkRows:seed:epoch:)`` with
    /// ``orderChunkRows``; streamed, the prefetcher starts reading it now in pieces of `chunkRows` rows.
    /// In memory with one chunk: nil (the loop's shuffle, the same order).
    public func epochOrder(seed: UInt64, epoch: Int) -> [Int]? {
        guard stream != nil || orderChunkRows < trainingCount else { return nil }
        let chunks = ChunkPrefetcher.chunkedOrder(count: trainingCount, chunkRows: orderChunkRows, seed: seed, epoch: epoch)
        let order = chunks.flatMap { $0 }
        guard let stream else { return order }
        let plan = orderChunkRows == chunkRows ? chunks
            : stride(from: 0, to: order.count, by: chunkRows).map { Array(order[$0..<min(order.count, $0 + chunkRows)]) }
        stream.start(plan: plan)
        return order
    }

    public func loss(batch indices: [Int]) throws -> Variable<Float> {
        let x: Tensor<Float>, y: Tensor<Float>
        if let stream {
            (x, y) = try stream.rows(indices)
        } else if let encodedTrainInputs, let train {
            (x, y) = (FieldPairs.rows(encodedTrainInputs, indices), FieldPairs.rows(train.targets, indices))
        } else {
            throw TrainingError.dataMismatch("no training rows")
        }
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
        var all = metadata
        all[Self.orderChunkRowsKey] = String(orderChunkRows)
        return try trainedModel.archive(metadata: all)
    }

    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        guard model.matchesConfiguration(in: archive) else {
            throw TrainingError.checkpoint("\(path) was written for a different model configuration")
        }
        _ = try recordedOrderChunkRows(archive, path: path)
        try model.verifyParameters(in: archive, path: path)
    }

    /// Sets the weights and adopts the checkpoint's ``orderChunkRows``, so the run continues in the
    /// order it started with whatever its residence was.
    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        let recorded = try recordedOrderChunkRows(archive, path: path)
        try model.loadParameters(from: archive, allowingExtraTensors: true)
        orderChunkRows = recorded
    }

    /// The checkpoint's ``orderChunkRowsKey`` (absent in checkpoints of in-memory runs before it
    /// existed: their order was the loop's shuffle, one chunk).
    func recordedOrderChunkRows(_ archive: SafetensorsArchive, path: String) throws -> Int {
        guard let text = archive.metadata[Self.orderChunkRowsKey] else { return trainingCount }
        guard let rows = Int(text), (1...trainingCount).contains(rows) else {
            throw TrainingError.checkpoint("\(path): \(Self.orderChunkRowsKey) '\(text.prefix(40))' is not a chunk size in 1…\(trainingCount) (the training rows)")
        }
        return rows
    }

    /// Refuses a training row whose target is zero everywhere: the relative losses divide by the target's
    /// norm (‖u − v‖/‖v‖), which is 0 there, so the first batch holding it would stop the run as "diverged".
    static func checkNonZeroTargets(_ targets: Tensor<Float>, firstRow: Int) throws {
        if let row = firstAllZeroRow(targets) {
            throw TrainingError.dataMismatch("the target of training sample \(firstRow + row) is zero everywhere: the relative L2/H1 loss "
                                             + "divides by the target's norm (train on samples with a non-zero target)")
        }
    }

    /// The first row (along axis 0) of `rows` whose entries are all zero, or nil.
    static func firstAllZeroRow(_ rows: Tensor<Float>) -> Int? {
        let count = rows.shape.first ?? 0
        guard count > 0 else { return nil }
        let perRow = rows.count / count
        return rows.scalars.withUnsafeBufferPointer { values in
            (0..<count).first { row in !values[(row * perRow)..<((row + 1) * perRow)].contains { $0 != 0 } }
        }
    }

    func decode(_ prediction: Variable<Float>) -> Variable<Float> {
        guard let targetNormalizer else { return prediction }
        return prediction * Variable(targetNormalizer.standardDeviation + targetNormalizer.epsilon) + Variable(targetNormalizer.mean)
    }
}
