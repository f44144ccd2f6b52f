import ArgumentParser
import Foundation
import PDEKit

/// `pdekit deeponet`: train a DeepONet on NPZ (DeepXDE layouts), HDF5, or generated antiderivative data.
struct TrainDeepONet: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "deeponet",
        abstract: "Train a DeepONet (Lu et al. 2021) and report the test relative L2 error.",
        discussion: """
        Data: NPZ in DeepXDE's layouts (an object array X = [branch, trunk] with y, or X_train0/X_train1/y_train, \
        or X_test0/X_test1/y_test), or HDF5 with --input-key/--target-key (trunk points from --trunk-key, else the \
        target's grid axes on [0, 1]^d: sol [N, s, s] gives s² points in 2-D). A file with both X_train* and X_test* \
        (`pdekit generate antiderivative`) trains on one and tests on the other; --train N [--test M] splits one file. \
        Aligned data (y is [N, P] for P shared trunk points) trains in the Cartesian product form; unaligned \
        triplets (y is [N, 1]) train row by row. --generate-antiderivative N makes GRF data instead (ℓ = 0.2, \
        100 sensors, s = ∫u). Loss: mean squared error (as DeepXDE), Adam, full batch by default, Float32 (--precision float64 for Double end to end).
        Inputs and targets are standardised by default (--no-normalize for DeepXDE's raw data). The last --validation \
        (default 10%) of the training rows are held out: every --log-every steps and at the end their relative L2 is \
        evaluated, and the parameters of the best evaluation are kept. With --validation 0 the training loss chooses: \
        the step with the lowest full-batch training loss (--keep best-logged for DeepXDE's "best model" convention, \
        --keep last for the final parameters; mini-batch runs keep the last by default). The test set is only reported.
        Test metric: mean over test functions of ‖G(u) − s‖₂/‖s‖₂ (DeepXDE's "mean l2 relative error").
        Output folder: checkpoint.safetensors (resumable with --resume, written at each evaluation), best.safetensors, \
        metrics.jsonl (per evaluation: training loss, validation error), steps.jsonl (per --log-every steps: test error, \
        reported only), summary.json, model.safetensors (the kept parameters), predictions.png, loss.png. \
        Under mpirun each rank trains on its slice of every batch and evaluates its share of the validation rows; rank 0 writes.
        """
    )

    @Option(help: "Training data file (.npz or .h5).") var data: String?
    @Option(help: "Test data file (same layouts); defaults to the training data.") var testData: String?
    @Option(help: "HDF5 dataset of the branch inputs [N, m] (with --target-key; default: DeepXDE's NPZ names).") var inputKey: String?
    @Option(help: "Order of the samples before --train/--test split one file: sampled (the drawing order that `pdekit generate` records in sample_index) or file (the stored order).") var sampleOrder: SampleOrder = .sampled
    @Option(help: "HDF5 dataset of the targets [N, P] (with --input-key).") var targetKey: String?
    @Option(help: "HDF5 dataset of the trunk points [P, d] (default: P uniform points on [0, 1]).") var trunkKey: String?
    @Option(name: .customLong("train"), help: "Use the first N samples of --data for training (default: all).") var trainCount: Int?
    @Option(name: .customLong("test"), help: "Without --test-data: test on the M samples after the training ones (needs --train; default: all the rest).") var testCount: Int?
    @Option(help: "Validation rows: the last N of the training rows (functions, or triplets for unaligned data), held out to choose the kept parameters (default: 10% of them; 0: choose on the training loss).") var validation: Int?
    @Flag(help: "Continue from the --output folder's checkpoint.safetensors (same data, flags and seed; --iterations is the total).") var resume = false
    @Option(help: "Generate N antiderivative training functions instead of reading --data.") var generateAntiderivative: Int?
    @Option(help: "Test functions to generate with --generate-antiderivative.") var generateTest: Int = 1000
    @Option(help: "Branch widths, first = sensors (default m,40,40).") var branch: String?
    @Option(help: "Trunk widths, first = coordinates (default d,40,40).") var trunk: String?
    @Option(help: "Hidden activation.") var activation: Activation = .relu
    @Flag(help: "POD-DeepONet: replace the trunk by POD modes of the training targets (aligned data).") var pod = false
    @Flag(inversion: .prefixedNo,
          help: "Standardise branch inputs (per sensor), trunk coordinates (per axis) and targets (one mean and spread) with training statistics (--no-normalize: raw data, as DeepXDE).")
    var normalize = true

    @Option(help: "Adam steps.") var iterations: Int = 10_000
    @Option(help: "Adam learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Functions (aligned) or triplets (unaligned) per step (default: full batch, as DeepXDE).") var batchSize: Int?
    @Option(help: ArgumentHelp("Parameters kept after training (the test set is never looked at): best-validation (the evaluation with the lowest validation error; the default with validation rows), best-train-loss (with --validation 0: the step with the lowest full-batch training loss, every step), best-logged (with --validation 0: DeepXDE's \"best model\" convention, the lowest training loss among step 0 and the --log-every steps, evaluated after those steps) or last. Without validation rows the default is best-train-loss for full batch, last for mini-batches.",
                               valueName: "best-validation|best-train-loss|best-logged|last"))
    var keep: DeepONetTrainingRun.Keep?

    @Option(help: ArgumentHelp("First trunk layer biases: zeros (DeepXDE) or spread (b_j = −w_j·c_j with c_j uniform over the box of the training trunk points as the trunk sees them, so the ReLU kinks start spread over the domain instead of all at one point).",
                               valueName: "zeros|spread"))
    var trunkBias: DeepONetTrainingRun.TrunkBias = .zeros

    @Option(help: "Floating-point precision of the model, the data and the optimizer (DeepXDE: float32).") var precision: DeepONetTrainingRun.Precision = .float32
    @Option(help: "Steps between test evaluations (logged to metrics.jsonl).") var logEvery: Int = 1000
    @Option(help: "Random seed (initialisation, batches, generated data).") var seed: UInt64 = 0
    @Option(help: "Output folder (default: none: only the summary line is printed, nothing to --resume).") var output: String?

    func validate() throws {
        guard (data == nil) != (generateAntiderivative == nil) else { throw ValidationError("give exactly one of --data and --generate-antiderivative") }
        // One key alone was ignored (DeepXDE's names were read instead).
        guard (inputKey == nil) == (targetKey == nil), trunkKey == nil || inputKey != nil else {
            throw ValidationError("give --input-key and --target-key together (--trunk-key needs them)")
        }
        if let n = generateAntiderivative, n < 1 || generateTest < 1 { throw ValidationError("generated sample counts must be positive") }
        if let trainCount, trainCount < 1 { throw ValidationError("--train must be positive") }
        if let testCount, testCount < 1 || trainCount == nil || testData != nil { throw ValidationError("--test needs --train, no --test-data, and a positive count") }
    }

    func run() throws {
        var run = DeepONetTrainingRun()
        run.branchWidths = try branch.map { try DeepONetTrainingRun.widths(parsing: $0, flag: "--branch") }
        run.trunkWidths = try trunk.map { try DeepONetTrainingRun.widths(parsing: $0, flag: "--trunk") }
        (run.activation, run.pod, run.normalize, run.trunkBias, run.precision) = (activation, pod, normalize, trunkBias, precision)
        (run.iterations, run.learningRate, run.batchSize, run.keep, run.validation) = (iterations, learningRate, batchSize, keep, validation)
        (run.logEvery, run.seed, run.resume) = (logEvery, seed, resume)
        run.output = output.map { URL(fileURLWithPath: $0, isDirectory: true) }
        run.communicator = Job.communicator   // data parallel under mpirun: rank 0 alone writes and reports
        run.cpuSeconds = processCPUSeconds
        do {
            try run.validate()
            let (training, test) = try loadData()
            if let summary = try run.run(training: training, test: test, status: StatusLine.printLine) { print(try JSONLine.encode(summary)) }
        } catch {
            if Job.communicator.size > 1 { FailureReport.exitAfterRunning(error) }   // one line for the job, no rank left waiting
            throw error
        }
    }

    /// The training and test data, read in Double (the run converts them to its precision).
    func loadData() throws -> (BranchTrunkData<Double>, BranchTrunkData<Double>) {
        if let count = generateAntiderivative {
            return (try AntiderivativeData.generate(sampleCount: count, seed: seed &+ 1).branchTrunkData,
                    try AntiderivativeData.generate(sampleCount: generateTest, seed: seed &+ 2).branchTrunkData)
        }
        var keys: BranchTrunkKeys?
        if let inputKey, let targetKey { keys = BranchTrunkKeys(branch: inputKey, trunk: trunkKey, target: targetKey) }
        return try BranchTrunkData.load(data: data!, testData: testData, keys: keys, train: trainCount, test: testCount, order: sampleOrder)
    }
}

extension DeepONetTrainingTask.Keep: ExpressibleByArgument {}
extension DeepONetTrainingRun.TrunkBias: ExpressibleByArgument {}
extension DeepONetTrainingRun.Precision: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}

struct DeepONetCommandError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
