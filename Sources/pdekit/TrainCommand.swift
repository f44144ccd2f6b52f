import ArgumentParser
import Foundation
import PDEKit

/// `pdekit train …`: train a neural operator from a data file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a neural operator on input/target fields from a data file.",
        subcommands: [TrainFNO.self, TrainMgNO.self, TrainDeepONet.self])
}

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
    @Option(help: "Stop after this many epochs without a better validation error (default: never stop early).") var patience: Int?
    @Option(help: "Seed of the initialization and the shuffling.") var seed: UInt64 = 0
    @Flag(help: "No progress bar.") var quiet = false
    @Flag(help: "Arrays are [samples, channels, grid…] (default: [samples, grid…]).") var channelsFirst = false
    @Option(help: """
        Order of the samples before the split: sampled (files from `pdekit generate` are stored similarity-sorted \
        for Krylov recycling; their sample_index restores the drawing order, so the test set is drawn like the \
        training set) or file (the stored order; runs started before this option used it).
        """)
    var sampleOrder: SampleOrder = .sampled
    @Option(help: "Where the training rows live (train fno, any --task; train mgno): \(DataResidence.allCases.map(\.rawValue).joined(separator: ", ")) (auto: in memory when the file fits --memory-limit; stream: HDF5 files, PDEBench and The Well included, read a chunk of rows at a time, the next chunk prefetched, rows shuffled within chunks).")
    var dataResidence: DataResidence = .auto
    @Option(help: "MiB the training data may use (default: half the machine's memory); decides --data-residence auto and the chunk size.")
    var memoryLimit: Int?


    /// The flags as the library's run (values are checked by ``OperatorTrainingRun``).
    var run: OperatorTrainingRun {
        var run = OperatorTrainingRun(data: data, output: output)
        (run.inputKey, run.targetKey, run.testData, run.train, run.test, run.validation) = (inputKey, targetKey, testData, train, test, validation)
        (run.subsample, run.epochs, run.resume, run.requestedBatchSize, run.learningRate) = (subsample, epochs, resume, requestedBatchSize, learningRate)
        (run.weightDecay, run.adamW, run.schedule, run.stepSize, run.h1, run.patience) = (weightDecay, adamw, schedule, stepSize, h1, patience)
        (run.seed, run.showsProgress, run.layout) = (seed, !quiet, channelsFirst ? .samplesChannelsGrid : .samplesGrid)
        (run.sampleOrder, run.dataResidence, run.memoryLimitMiB) = (sampleOrder, dataResidence, memoryLimit)
        run.communicator = Job.communicator   // data parallel under mpirun: rank 0 alone writes and reports
        return run
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
    @Option(help: "What to learn: \(FNOTrainingRun.Task.allCases.map(\.rawValue).joined(separator: ", ")) (next-step: the last --history states of --trajectory-key in, the next state out; evaluated by full rollouts).")
    var task: FNOTrainingRun.Task = .pairs
    @OptionGroup var nextStep: NextStepOptions
    @Option(help: ArgumentHelp("Architecture preset: \(FNOPreset.allCases.map(\.rawValue).joined(separator: ", ")).", discussion:
        "Spectral modes on odd grids: neuraloperator's convention for neuraloperator (exports match PyTorch), PDEKit's for the others.")) var preset: FNOPreset = .darcy
    @Option(help: ArgumentHelp("Override the preset's modes per axis.", discussion:
        "darcy, burgers, navier-stokes: PDEKit's count m, the lowest m frequencies of each sign on every axis (m on the last, "
        + "which the real FFT stores once). neuraloperator: neuraloperator's n_modes (both signs counted on every axis; the "
        + "last keeps n_modes//2+1), so --modes 16 is FNO(n_modes=(16, 16)) with its parameter count. "
        + "Defaults: 12 (darcy, navier-stokes), 16 (burgers, neuraloperator).")) var modes: Int?
    @Option(help: "Override the preset's width.") var width: Int?
    @Option(help: "Override the preset's number of Fourier blocks.") var layers: Int?

    func run() throws {
        var run = FNOTrainingRun(run: options.run)
        (run.task, run.preset, run.modes, run.width, run.layers) = (task, preset, modes, width, layers)
        (run.history, run.trajectoryKey, run.timeAxis) = (nextStep.history, nextStep.trajectoryKey, nextStep.timeAxis)
        (run.pushforward, run.scalarInputs) = (nextStep.pushforward, nextStep.scalarInputs)
        if let summary = try run.execute() { try JSONLine.print(summary) }
    }
}
