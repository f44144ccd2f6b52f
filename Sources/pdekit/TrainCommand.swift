import ArgumentParser
import Foundation
import PDEKit

/// `pdekit train …`: train a neural operator from a data file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a neural operator on input/target fields from a data file.",
        subcommands: [TrainFNO.self, TrainMgNO.self, TrainDeepONet.self])
}

/// A one-line user error of `train` / `evaluate` (the library's ``OperatorRunError``).
typealias OperatorCommandError = OperatorRunError

extension DataResidence: ExpressibleByArgument {}
extension SampleOrder: ExpressibleByArgument {}
extension FNOPreset: ExpressibleByArgument {}
extension EpochScheduleChoice: ExpressibleByArgument {}

/// Data, optimization and output options shared by `train fno` and `train mgno`.
struct OperatorTrainingOptions: ParsableArguments {
    @Option(help: "Data file (HDF5, NPY, NPZ, MATLAB .mat, or a directory of <key>.npy).") var data: String
    @Option(help: "Name of the input array in the data file.") var inputKey: String = "coeff"
    @Option(help: "Name of the target array in the data file.") var targetKey: String = "sol"
    @Option(help: "Separate test data file (default: the samples after the training ones).") var testData: String?
    @Option(help: "Training samples.") var train: Int = 1000
    @Option(help: "Test samples (reported for the chosen model only; never used for selection).") var test: Int = 100
    @Option(help: "Validation samples, the last ones of the --train samples: they select best.safetensors and stop early (default: 10% of --train; 0: select on the training loss).")
    var validation: Int?
    @Option(help: "Keep every n-th grid point (the FNO paper's `r`).") var subsample: Int = 1
    @Option(help: "Epochs.") var epochs: Int = 500
    @Option(help: "Output directory.") var output: String
    @Flag(help: "Continue from the output directory's checkpoint.") var resume = false
    @Option(name: .customLong("batch-size"), help: "Mini-batch size (default: 20, or all training samples when fewer; a larger value is an error).")
    var requestedBatchSize: Int?
    /// The mini-batch size: --batch-size, else 20 (the training loop clamps it to the training samples).
    var batchSize: Int { requestedBatchSize ?? 20 }
    @Option(help: "Base (for one-cycle: peak) learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Weight decay.") var weightDecay: Double = 1e-4
    @Flag(help: "Decoupled weight decay (AdamW) instead of Adam's L2 term.") var adamw = false
    @Option(help: """
        Learning-rate schedule per epoch: \(EpochScheduleChoice.allCases.map(\.rawValue).joined(separator: ", ")) (step halves every \
        --step-size epochs; one-cycle warms up linearly from lr/25 over 30% of the epochs, then cosine-anneals to lr/25e4).
        """)
    var schedule: EpochScheduleChoice = .step
    @Option(help: "Epochs per halving of the step schedule.") var stepSize: Int = 100
    @Flag(help: "Minimize relative H1 instead of relative L2.") var h1 = false
    @Option(help: "Stop after this many epochs without a better validation error.") var patience: Int?
    @Option(help: "Seed of the initialization and the shuffling.") var seed: UInt64 = 0
    @Flag(help: "No progress bar.") var quiet = false
    @Flag(help: "Arrays are [samples, channels, grid…] (default: [samples, grid…]).") var channelsFirst = false
    @Option(help: """
        Order of the samples before the split: sampled (files from `pdekit generate` are stored similarity-sorted \
        for Krylov recycling; their sample_index restores the drawing order, so the test set is drawn like the \
        training set) or file (the stored order; runs started before this option used it).
        """)
    var sampleOrder: SampleOrder = .sampled
    @Option(help: "Where the training rows live (train fno --task pairs or next-step, train mgno): \(DataResidence.allCases.map(\.rawValue).joined(separator: ", ")) (auto: in memory when the file fits --memory-limit; stream: an HDF5 file read a chunk of rows at a time, the next chunk prefetched, rows shuffled within chunks).")
    var dataResidence: DataResidence = .auto
    @Option(help: "MiB the training data may use (default: half the machine's memory); decides --data-residence auto and the chunk size.")
    var memoryLimit: Int?

    /// Runs `body`; an error ends the whole job with one `error:` line (under mpirun, no rank left waiting).
    static func reportingFailure(_ body: () throws -> Void) throws {
        do { try body() } catch {
            if Job.communicator.size > 1 { Job.failAndEnd(error) }
            FileHandle.standardError.write(Data("\nerror: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Rows of the --train samples held out for validation.
    var validationCount: Int { validation ?? train / 10 }

    /// Training, validation and test pairs, channels first, and the number of grid axes, through
    /// Datasets' data path (`FieldPairFile.split`): the validation rows are the last `validationCount` of
    /// the first --train samples; the test rows follow them (or come from --test-data), so the three
    /// sets are disjoint.
    func loadPairs() throws -> (train: FieldPairs, validation: FieldPairs?, test: FieldPairs, spatialDimensions: Int) {
        guard epochs > 0, subsample > 0 else { throw OperatorCommandError(description: "--epochs and --subsample must be positive") }
        guard dataResidence != .stream else { throw OperatorCommandError(description: "--data-residence stream is implemented for train fno (--task pairs) and train mgno only") }
        guard !train.addingReportingOverflow(test).overflow else {
            throw OperatorCommandError(description: "--train \(train) + --test \(test) overflows a sample count")
        }
        let layout: FieldLayout = channelsFirst ? .samplesChannelsGrid : .samplesGrid
        func file(_ path: String) throws -> FieldPairFile {
            try FieldPairFile(path: path, inputKey: inputKey, targetKey: targetKey, layout: layout, order: sampleOrder, stride: subsample)
        }
        let training = try file(data)
        let split = try training.split(train: train, validation: .count(validationCount), test: test, testFile: try testData.map(file))
        return (split.train, split.validation, split.test, training.spatialDimensions)
    }

    var trainingConfiguration: TrainingConfiguration {
        let trainingSchedule = schedule.schedule(epochs: epochs, learningRate: learningRate, stepSize: stepSize)
        return TrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay,
                                     optimizer: adamw ? .adamW : .adam, schedule: trainingSchedule, loss: h1 ? .relativeH1 : .relativeL2,
                                     seed: seed, earlyStoppingPatience: patience)
    }

    /// Trains `model` (selection on the validation split), writes the run directory and plots, and prints
    /// the summary line (``Trainer/runAndTest(_:run:resume:batchSize:spaceTimeHistory:)``).
    func run(model: any OperatorModel, train trainPairs: FieldPairs, validation validationPairs: FieldPairs?, test testPairs: FieldPairs,
             spaceTimeHistory: Int? = nil) throws {
        try checkBatchSize(trainingRows: trainPairs.count)
        try run(Trainer(model: model, configuration: trainingConfiguration, train: trainPairs, validation: validationPairs,
                        outputDirectory: URL(fileURLWithPath: output)), test: testPairs, spaceTimeHistory: spaceTimeHistory)
    }

    func checkBatchSize(trainingRows: Int) throws {
        if let requestedBatchSize, requestedBatchSize > trainingRows {   // as `train deeponet`: not silently full batch
            throw OperatorCommandError(description: "--batch-size \(requestedBatchSize) is larger than the \(trainingRows) training samples (--train minus --validation)")
        }
    }

    /// The training file as a stream when --data-residence asks for it, else nil (``StreamedOperatorData``).
    func streamedData() throws -> StreamedOperatorData? {
        guard epochs > 0, subsample > 0 else { return nil }
        return try StreamedOperatorData.open(path: data, testPath: testData, inputKey: inputKey, targetKey: targetKey,
                                             layout: channelsFirst ? .samplesChannelsGrid : .samplesGrid, order: sampleOrder, stride: subsample,
                                             residence: dataResidence, memoryLimitMiB: memoryLimit, train: train, validation: validationCount,
                                             test: test, batchSize: batchSize)
    }

    /// Trains with `trainer` and prints its summary (rank 0 only under mpirun).
    func run(_ trainer: Trainer, test testPairs: FieldPairs, spaceTimeHistory: Int? = nil) throws {
        trainer.showsProgress = !quiet
        trainer.communicator = Job.communicator   // data parallel under mpirun: rank 0 alone writes and reports
        if let summary = try trainer.runAndTest(testPairs, run: output, resume: resume, batchSize: batchSize, spaceTimeHistory: spaceTimeHistory) {
            try JSONLine.print(summary)
        }
    }
}

/// `pdekit train fno`.
struct TrainFNO: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "fno",
        abstract: "Train a Fourier neural operator (Li et al. 2021).",
        discussion: """
            Reads arrays [samples, grid…] or [samples, channels, grid…]; of the first --train samples the last \
            --validation (default 10%) validate and the others train; the next --test samples (or the first --test of \
            --test-data) test. The validation error selects best.safetensors and stops early; the test error is \
            reported for the chosen and the final model only. Writes to --output: checkpoint.safetensors (last \
            epoch, resumable), best.safetensors, metrics.jsonl, configuration.json, loss.png and fields.png.
            """)

    @OptionGroup var options: OperatorTrainingOptions
    @Option(help: "What to learn: \(FNOTask.allCases.map(\.rawValue).joined(separator: ", ")) (next-step: the last --history states of --trajectory-key in, the next state out; evaluated by full rollouts).")
    var task: FNOTask = .pairs
    @OptionGroup var nextStep: NextStepOptions
    @Option(help: "Architecture preset: \(FNOPreset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: FNOPreset = .darcy
    @Option(help: ArgumentHelp("Override the preset's modes per axis.", discussion:
        "darcy, burgers, navier-stokes: PDEKit's count m, the lowest m frequencies of each sign on every axis (m on the last, "
        + "which the real FFT stores once). neuraloperator: neuraloperator's n_modes (both signs counted on every axis; the "
        + "last keeps n_modes//2+1), so --modes 16 is FNO(n_modes=(16, 16)) with its parameter count. "
        + "Defaults: 12 (darcy, navier-stokes), 16 (burgers, neuraloperator).")) var modes: Int?
    @Option(help: "Override the preset's width.") var width: Int?
    @Option(help: "Override the preset's number of Fourier blocks.") var layers: Int?

    func run() throws { try OperatorTrainingOptions.reportingFailure(execute) }

    func modelConfiguration(spatialDimensions d: Int, inputChannels: Int, outputChannels: Int) throws -> FNOConfiguration {
        try preset.configuration(spatialDimensions: d, inputChannels: inputChannels, outputChannels: outputChannels, modes: modes, width: width, layers: layers)
    }

    func execute() throws {
        if task == .nextStep { return try executeNextStep() }
        if task == .spaceTime { return try executeSpaceTime() }
        if let streamed = try options.streamedData() {
            let o = options, source = streamed.stream
            let configuration = try modelConfiguration(spatialDimensions: source.spatialDimensions, inputChannels: source.inputSampleShape[0],
                                                       outputChannels: source.targetSampleShape[0])
            var generator = SeededRandomNumberGenerator(seed: o.seed)
            let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
            try o.checkBatchSize(trainingRows: o.train - o.validationCount)
            let task = try OperatorTrainingTask(model: model, configuration: o.trainingConfiguration, stream: source, trainRows: o.train - o.validationCount,
                                                validation: streamed.validation, chunkRows: streamed.chunkRows)
            return try o.run(Trainer(task: task, outputDirectory: URL(fileURLWithPath: o.output)), test: streamed.test)
        }
        let (train, validation, test, d) = try options.loadPairs()
        let configuration = try modelConfiguration(spatialDimensions: d, inputChannels: train.inputs.shape[1], outputChannels: train.targets.shape[1])
        var generator = SeededRandomNumberGenerator(seed: options.seed)
        let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
        try options.run(model: model, train: train, validation: validation, test: test)
    }
}
