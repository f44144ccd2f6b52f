import Foundation
import TensorCore
import Datasets
import Distributed

/// One `pdekit train fno|mgno` run on input/target pairs: the data file and its split, the optimization
/// settings and the output folder. It checks the values, loads the pairs through Datasets' data path (or
/// opens a stream), trains the model a caller builds from the data's shape with ``Trainer`` and returns
/// the summary line (``OperatorRunSummary``).
///
/// Split: of the first `train` samples the last ``validationCount`` validate (they select best.safetensors
/// and stop early) and the others train; the next `test` samples (or the first `test` of `testData`) test,
/// so the three sets are disjoint.
public struct OperatorTrainingRun {
    public var data: String, inputKey = "coeff", targetKey = "sol"
    /// A separate test file (nil: the samples after the training ones).
    public var testData: String?
    public var train = 1000, test = 100
    /// Validation rows, the last ones of the `train` rows (nil: 10 % of `train`; 0: select on the training loss).
    public var validation: Int?
    /// Keep every n-th grid point (the FNO paper's `r`).
    public var subsample = 1
    public var epochs = 500
    public var output: String
    public var resume = false
    /// The requested mini-batch size (nil: 20, clamped to the training rows; a larger request is an error).
    public var requestedBatchSize: Int?
    public var learningRate = 1e-3, weightDecay = 1e-4
    /// Decoupled weight decay (AdamW) instead of Adam's L2 term.
    public var adamW = false
    public var schedule = EpochScheduleChoice.step, stepSize = 100
    /// Minimize relative H1 instead of relative L2.
    public var h1 = false
    /// Epochs without a better validation error before stopping (nil: never stop early).
    public var patience: Int?
    public var seed: UInt64 = 0
    public var showsProgress = true
    public var layout = FieldLayout.samplesGrid, sampleOrder = SampleOrder.sampled
    public var dataResidence = DataResidence.auto
    /// MiB the training data may use (nil: half the machine's memory).
    public var memoryLimitMiB: Int?
    /// Data parallel under mpirun: rank 0 alone writes and reports.
    public var communicator = Communicator.single

    public init(data: String, output: String) {
        self.data = data
        self.output = output
    }

    /// The mini-batch size: the requested one, else 20 (the training loop clamps it to the training rows).
    public var batchSize: Int { requestedBatchSize ?? 20 }

    /// Rows of the `train` samples held out for validation.
    public var validationCount: Int { validation ?? train / 10 }

    public var trainingConfiguration: TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay,
                              optimizer: adamW ? .adamW : .adam, schedule: schedule.schedule(epochs: epochs, learningRate: learningRate, stepSize: stepSize),
                              loss: h1 ? .relativeH1 : .relativeL2, seed: seed, earlyStoppingPatience: patience)
    }

    /// Training, validation and test pairs, channels first, and the number of grid axes (`FieldPairFile.split`).
    public func loadPairs() throws -> (train: FieldPairs, validation: FieldPairs?, test: FieldPairs, spatialDimensions: Int) {
        guard epochs > 0, subsample > 0 else { throw OperatorRunError(description: "--epochs and --subsample must be positive") }
        guard dataResidence != .stream else { throw OperatorRunError(description: "--data-residence stream is implemented for train fno (--task pairs) and train mgno only") }
        guard !train.addingReportingOverflow(test).overflow else {
            throw OperatorRunError(description: "--train \(train) + --test \(test) overflows a sample count")
        }
        func file(_ path: String) throws -> FieldPairFile {
            try FieldPairFile(path: path, inputKey: inputKey, targetKey: targetKey, layout: layout, order: sampleOrder, stride: subsample)
        }
        let training = try file(data)
        let split = try training.split(train: train, validation: .count(validationCount), test: test, testFile: try testData.map(file))
        return (split.train, split.validation, split.test, training.spatialDimensions)
    }

    /// The fewest training rows a run accepts: the pointwise normalizer estimates a spread at every grid
    /// point over the training samples, which one sample does not have (σ = 0: every training input
    /// encodes to 0, so the model never sees the input, and a test input encodes to (x − μ)/ε ≈ 10⁵).
    public static let minimumTrainingRows = 2

    /// Refuses fewer than ``minimumTrainingRows`` training rows, and a requested batch larger than the
    /// training rows (as `train deeponet`: not silently full batch).
    public func checkBatchSize(trainingRows: Int) throws {
        if trainingRows < Self.minimumTrainingRows {
            throw OperatorRunError(description: "--train \(train) with --validation \(validationCount) leaves \(trainingRows) training sample"
                                   + (trainingRows == 1 ? "" : "s") + "; the normalizer's per-point standard deviation needs at least "
                                   + "\(Self.minimumTrainingRows) (--train minus --validation ≥ \(Self.minimumTrainingRows))")
        }
        if let requestedBatchSize, requestedBatchSize > trainingRows {
            throw OperatorRunError(description: "--batch-size \(requestedBatchSize) is larger than the \(trainingRows) training samples (--train minus --validation)")
        }
    }

    /// The training file as a stream when `dataResidence` asks for it, else nil (``StreamedOperatorData``).
    public func streamedData() throws -> StreamedOperatorData? {
        guard epochs > 0, subsample > 0 else { return nil }
        return try StreamedOperatorData.open(path: data, testPath: testData, inputKey: inputKey, targetKey: targetKey, layout: layout,
                                             order: sampleOrder, stride: subsample, residence: dataResidence, memoryLimitMiB: memoryLimitMiB,
                                             train: train, validation: validationCount, test: test, batchSize: batchSize)
    }

    /// Opens the stream (when `dataResidence` asks for it) or loads the pairs, trains the model `makeModel`
    /// builds for them (from the grid and the input and output channels of one sample), selecting on the
    /// validation split, and returns the summary (nil on ranks other than 0).
    public func trainAndTest(makeModel: (_ grid: [Int], _ inputChannels: Int, _ outputChannels: Int) throws -> any OperatorModel) throws -> OperatorRunSummary? {
        if let streamed = try streamedData() {
            let input = streamed.stream.inputSampleShape
            let model = try makeModel(Array(input.dropFirst()), input[0], streamed.stream.targetSampleShape[0])
            try checkBatchSize(trainingRows: streamed.trainRows)
            let task = try streamed.task(model: model, configuration: trainingConfiguration)
            return try trainAndTest(Trainer(task: task, outputDirectory: URL(fileURLWithPath: output)), test: streamed.test)
        }
        let (trainPairs, validationPairs, testPairs, _) = try loadPairs()
        let model = try makeModel(Array(trainPairs.inputs.shape.dropFirst(2)), trainPairs.inputs.shape[1], trainPairs.targets.shape[1])
        return try trainAndTest(model: model, train: trainPairs, validation: validationPairs, test: testPairs)
    }

    /// Trains `model` (selection on the validation split), writes the run directory and plots, and returns the
    /// summary (``Trainer/runAndTest(_:run:resume:batchSize:spaceTimeHistory:)``; nil on ranks other than 0).
    public func trainAndTest(model: any OperatorModel, train trainPairs: FieldPairs, validation validationPairs: FieldPairs?, test testPairs: FieldPairs,
                             spaceTimeHistory: Int? = nil) throws -> OperatorRunSummary? {
        try checkBatchSize(trainingRows: trainPairs.count)
        return try trainAndTest(Trainer(model: model, configuration: trainingConfiguration, train: trainPairs, validation: validationPairs,
                                        outputDirectory: URL(fileURLWithPath: output)), test: testPairs, spaceTimeHistory: spaceTimeHistory)
    }

    /// Trains with `trainer` and tests on `testPairs`; nil on ranks other than 0.
    public func trainAndTest(_ trainer: Trainer, test testPairs: FieldPairs, spaceTimeHistory: Int? = nil) throws -> OperatorRunSummary? {
        trainer.showsProgress = showsProgress
        trainer.communicator = communicator
        return try trainer.runAndTest(testPairs, run: output, resume: resume, batchSize: batchSize, spaceTimeHistory: spaceTimeHistory)
    }
}
