import ArgumentParser
import Foundation
import PDEKit

/// `pdekit deeponet`: train a DeepONet on NPZ (DeepXDE layouts), HDF5, or generated antiderivative data.
struct TrainDeepONet: ParsableCommand {
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
        reported only), summary.json, model.safetensors (the kept parameters), predictions.png, loss.png.
        """
    )

    enum ActivationOption: String, ExpressibleByArgument, CaseIterable {
        case relu, tanh, gelu, silu, sin, sigmoid
        var activation: Activation { Activation(rawValue: rawValue)! }
    }

    @Option(help: "Training data file (.npz or .h5).")
    var data: String?

    @Option(help: "Test data file (same layouts); defaults to the training data.")
    var testData: String?

    @Option(help: "HDF5 dataset of the branch inputs [N, m].")
    var inputKey: String?

    @Option(help: "Order of the samples before --train/--test split one file: sampled (the drawing order that `pdekit generate` records in sample_index) or file (the stored order).")
    var sampleOrder: SampleOrder = .sampled

    @Option(help: "HDF5 dataset of the targets [N, P].")
    var targetKey: String?

    @Option(help: "HDF5 dataset of the trunk points [P, d] (default: P uniform points on [0, 1]).")
    var trunkKey: String?

    @Option(name: .customLong("train"), help: "Use the first N samples of --data for training (default: all).")
    var trainCount: Int?

    @Option(name: .customLong("test"), help: "Without --test-data: test on the M samples after the training ones (needs --train; default: all the rest).")
    var testCount: Int?

    @Option(help: "Validation rows: the last N of the training rows (functions, or triplets for unaligned data), held out to choose the kept parameters (default: 10% of them; 0: choose on the training loss).")
    var validation: Int?

    @Flag(help: "Continue from the --output folder's checkpoint.safetensors (same data, flags and seed; --iterations is the total).")
    var resume = false

    @Option(help: "Generate N antiderivative training functions instead of reading --data.")
    var generateAntiderivative: Int?

    @Option(help: "Test functions to generate with --generate-antiderivative.")
    var generateTest: Int = 1000

    @Option(help: "Branch widths, first = sensors (default m,40,40).")
    var branch: String?

    @Option(help: "Trunk widths, first = coordinates (default d,40,40).")
    var trunk: String?

    @Option(help: "Hidden activation.")
    var activation: ActivationOption = .relu

    @Flag(help: "POD-DeepONet: replace the trunk by POD modes of the training targets (aligned data).")
    var pod = false

    @Flag(inversion: .prefixedNo,
          help: "Standardise branch inputs (per sensor), trunk coordinates (per axis) and targets (one mean and spread) with training statistics (--no-normalize: raw data, as DeepXDE).")
    var normalize = true

    @Option(help: "Adam steps.")
    var iterations: Int = 10_000

    @Option(help: "Adam learning rate.")
    var learningRate: Double = 1e-3

    @Option(help: "Functions (aligned) or triplets (unaligned) per step (default: full batch, as DeepXDE).")
    var batchSize: Int?

    typealias FinalParameters = DeepONetTrainingTask<Float>.Keep

    @Option(help: ArgumentHelp("Parameters kept after training (the test set is never looked at): best-validation (the evaluation with the lowest validation error; the default with validation rows), best-train-loss (with --validation 0: the step with the lowest full-batch training loss, every step), best-logged (with --validation 0: DeepXDE's \"best model\" convention, the lowest training loss among step 0 and the --log-every steps, evaluated after those steps) or last. Without validation rows the default is best-train-loss for full batch, last for mini-batches.",
                               valueName: "best-validation|best-train-loss|best-logged|last"))
    var keep: FinalParameters?

    enum TrunkBias: String, ExpressibleByArgument, CaseIterable {
        case zeros, spread
    }

    @Option(help: ArgumentHelp("First trunk layer biases: zeros (DeepXDE) or spread (b_j = −w_j·c_j with c_j uniform over the box of the training trunk points as the trunk sees them, so the ReLU kinks start spread over the domain instead of all at one point).",
                               valueName: "zeros|spread"))
    var trunkBias: TrunkBias = .zeros

    enum Precision: String, ExpressibleByArgument, CaseIterable {
        case float32, float64
    }

    @Option(help: "Floating-point precision of the model, the data and the optimizer (DeepXDE: float32).")
    var precision: Precision = .float32

    @Option(help: "Steps between test evaluations (logged to metrics.jsonl).")
    var logEvery: Int = 1000

    @Option(help: "Random seed (initialisation, batches, generated data).")
    var seed: UInt64 = 0

    @Option(help: "Output folder.")
    var output: String?

    func validate() throws {
        guard (data == nil) != (generateAntiderivative == nil) else {
            throw ValidationError("give exactly one of --data and --generate-antiderivative")
        }
        guard iterations >= 0, learningRate > 0, logEvery >= 1 else { throw ValidationError("iterations ≥ 0, learning rate > 0, log-every ≥ 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be positive") }
        if let n = generateAntiderivative, n < 1 || generateTest < 1 { throw ValidationError("generated sample counts must be positive") }
        if let trainCount, trainCount < 1 { throw ValidationError("--train must be positive") }
        if let testCount, testCount < 1 || trainCount == nil || testData != nil { throw ValidationError("--test needs --train, no --test-data, and a positive count") }
        if let validation, validation < 0 { throw ValidationError("--validation must be ≥ 0") }
        if resume && output == nil { throw ValidationError("--resume needs --output (the folder of the run to continue)") }
    }

    func run() throws {
        do { try train() } catch let error as DeepONetCommandError {
            throw error
        } catch {
            throw DeepONetCommandError(message: "\(error)")
        }
    }

    private func train() throws {
        let (trainData, heldOutData) = try loadData()
        switch precision {
        case .float32: try train(trainData.converted(to: Float.self), heldOutData.converted(to: Float.self))
        case .float64: try train(trainData.converted(to: Double.self), heldOutData.converted(to: Double.self))
        }
    }

    private func train<Scalar: TensorScalar>(_ loaded: Split<Scalar>, _ testSet: Split<Scalar>) throws {
        let (trainSet, validationSet) = try DeepONetTrainingTask<Scalar>.heldOut(loaded, validationCount: validation ?? loaded.count / 10)
        let aligned = trainSet.aligned
        let m = trainSet.branch.shape[1], d = trainSet.trunk.shape[1]
        let outputs = trainSet.outputCount
        let branchWidths = try parseWidths(branch, default: [m, 40, 40 * outputs], name: "--branch")
        var trunkWidths = try parseWidths(trunk, default: [d, 40, 40 * outputs], name: "--trunk")
        guard branchWidths.first == m else { throw DeepONetCommandError(message: "--branch starts with \(branchWidths[0]) but the data have \(m) sensors") }
        if pod {
            guard aligned else { throw DeepONetCommandError(message: "--pod needs aligned data (y of shape [N, P])") }
            trunkWidths = []
        } else if trunkWidths.first != d {
            throw DeepONetCommandError(message: "--trunk starts with \(trunkWidths[0]) but the trunk points have \(d) coordinates")
        }
        let configuration = DeepONetConfiguration(branchWidths: branchWidths, trunkWidths: trunkWidths,
                                                  activation: activation.activation, outputCount: outputs,
                                                  trunkKind: pod ? .podModes : .network, normalizesInputs: normalize)
        try configuration.validate()
        let podBasis = pod ? try DeepONetPODBasis(targets: trainSet.target.converted(to: Double.self).reshaped(to: [trainSet.target.shape[0], -1]),
                                                  modeCount: branchWidths.last!) : nil
        let normalization = normalize ? DeepONetInputNormalization(branch: trainSet.branch, trunk: trainSet.trunk, target: trainSet.target,
                                                                   centredPerPoint: pod) : nil
        var generator = SeededRandomNumberGenerator(seed: seed)
        var trunkBiasInitialization = DeepONetTrunkBiasInitialization.zeros
        if trunkBias == .spread && !pod {
            // The box of the training trunk points in the coordinates the trunk sees (standardised when normalizing).
            let d = trainSet.trunk.shape[1], points = trainSet.trunk.shape[0]
            var lower = [Double](repeating: .infinity, count: d), upper = [Double](repeating: -.infinity, count: d)
            for p in 0..<points {
                for i in 0..<d {
                    var v = Double(trainSet.trunk.scalars[p * d + i])
                    if let normalization { v = (v - normalization.trunkMean[i]) / normalization.trunkStandardDeviation[i] }
                    lower[i] = min(lower[i], v)
                    upper[i] = max(upper[i], v)
                }
            }
            trunkBiasInitialization = .spreadKinks(lower: lower, upper: upper)
        }
        let model = try DeepONet<Scalar>(configuration: configuration, normalization: normalization, podBasis: podBasis,
                                         trunkBiasInitialization: trunkBiasInitialization, generator: &generator)
        let folder = output.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let rows = trainSet.branch.shape[0]
        if let batchSize, batchSize > rows {   // as `train fno`: a batch larger than the training set is a mistake, not full batch
            throw DeepONetCommandError(message: "--batch-size \(batchSize) is larger than the \(rows) training \(aligned ? "functions" : "triplets")")
        }
        let batch = batchSize ?? rows
        let keep = self.keep ?? (validationSet != nil ? .bestValidation : batch < rows ? .last : .bestTrainLoss)
        switch keep {
        case .bestValidation where validationSet == nil:
            throw DeepONetCommandError(message: "--keep best-validation needs validation rows (--validation > 0)")
        case .bestTrainLoss, .bestLogged:
            guard validationSet == nil else { throw DeepONetCommandError(message: "--keep \(keep.rawValue) chooses on the training loss: it needs --validation 0") }
            guard !resume else { throw DeepONetCommandError(message: "--keep \(keep.rawValue) sees every step of one process: --resume needs --keep last or validation rows") }
        default: break
        }
        // The engine: the task (loss, kept-parameter rule), the loop (Adam, non-finite checks, progress), the log.
        let task = DeepONetTrainingTask(model: model, branch: trainSet.branch, trunk: trainSet.trunk, target: trainSet.target,
                                        aligned: aligned, keep: DeepONetTrainingTask<Scalar>.Keep(rawValue: keep.rawValue)!, validation: validationSet)
        let log = DeepONetStepLog(task: task, iterations: iterations, logEvery: logEvery, url: folder?.appendingPathComponent(DeepONetStepLog<Scalar>.fileName)) {
            DeepONetTrainingTask.relativeL2(model, branch: testSet.branch, trunk: testSet.trunk, target: testSet.target, aligned: testSet.aligned)
        }
        let stepsPerEpoch = (rows + batch - 1) / batch
        let start = Date(), startCPU = processCPUSeconds()
        StatusLine.printLine("deeponet: \(model.parameterCount) parameters, \(aligned ? "aligned (Cartesian product)" : "unaligned (triplets)"), \(rows) training rows, \(validationSet?.count ?? 0) validation rows, batch \(batch)")
        var loop: TrainingLoop<DeepONetTrainingTask<Scalar>>?
        var loopSummary: TrainingLoop<DeepONetTrainingTask<Scalar>>.Summary?
        if iterations > 0 {
            let epochs = (iterations + stepsPerEpoch - 1) / stepsPerEpoch
            let trainingLoop = try TrainingLoop(task: task, configuration: TrainingConfiguration(epochs: epochs, batchSize: batch, learningRate: learningRate, weightDecay: 0,
                                                                                                schedule: .constant, seed: seed),
                                                runDirectory: folder, observers: [log, ProgressObserver()])
            trainingLoop.maximumSteps = iterations
            trainingLoop.shufflesRows = batch < rows
            // Full batch: one step per epoch, so the loop evaluates (and checkpoints) every --log-every steps.
            trainingLoop.evaluationInterval = max(1, logEvery / stepsPerEpoch)
            loopSummary = try trainingLoop.run(resume: resume)
            loop = trainingLoop
        }
        let trainSeconds = Date().timeIntervalSince(start), trainCPUSeconds = processCPUSeconds() - startCPU
        let losses = log.losses
        let lastTestError = DeepONetTrainingTask.relativeL2(model, branch: testSet.branch, trunk: testSet.trunk, target: testSet.target, aligned: testSet.aligned)
        var (finalLoss, bestStep) = task.finish(iterations: iterations, lastStepLoss: losses.last)
        var bestValidationError: Double?
        if keep == .bestValidation, let loop, let bestEpoch = try loop.restoreBestParameters() {
            bestStep = min((bestEpoch + 1) * stepsPerEpoch, iterations)
            finalLoss = Double(task.fullTrainingLoss())
            bestValidationError = loopSummary?.history.first { $0.epoch == bestEpoch }?.validationRelativeL2
        }
        let testError = keep != .last && bestStep != iterations
            ? DeepONetTrainingTask.relativeL2(model, branch: testSet.branch, trunk: testSet.trunk, target: testSet.target, aligned: testSet.aligned) : lastTestError
        let testSteps = log.records.filter { $0.step > 0 }.map { Double($0.step) }, testErrors = log.records.filter { $0.step > 0 }.map(\.test_relative_l2)
        let summary: [String: Any] = [
            "tool": "pdekit", "model": pod ? "POD-DeepONet" : "DeepONet", "layout": aligned ? "cartesian" : "triplet",
            "branch": branchWidths, "trunk": trunkWidths, "activation": activation.rawValue, "iterations": iterations,
            "learning_rate": learningRate, "batch_size": batch, "normalize": normalize, "seed": seed, "parameters": model.parameterCount,
            "train_seconds": (trainSeconds * 1000).rounded() / 1000, "train_cpu_seconds": (trainCPUSeconds * 1000).rounded() / 1000, "final_train_loss": finalLoss.map { $0 as Any } ?? NSNull(),
            "kept": keep.rawValue, "kept_step": keep == .last ? iterations : bestStep, "precision": precision.rawValue, "trunk_bias": trunkBias.rawValue,
            "test_relative_l2": testError, "test_relative_l2_last_step": lastTestError, "test_samples": testSet.branch.shape[0],
            "train_samples": rows, "validation_samples": validationSet?.count ?? 0, "best_validation_relative_l2": bestValidationError ?? NSNull(),
            "resumed_at_step": log.firstStep,
        ]
        let summaryData = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: summaryData, as: UTF8.self))
        guard let folder else { return }
        try AtomicFile.write(summaryData, to: folder.appendingPathComponent("summary.json"))
        try AtomicFile.write(model.parameterArchive(metadata: ["test_relative_l2": "\(testError)", "iterations": "\(iterations)"]).encoded(),
                             to: folder.appendingPathComponent("model.safetensors"))
        try LinePlot(title: "DeepONet training", xLabel: "Adam step", yLabel: "train MSE / test rel. L2", logScaleY: true, series: [
            LineSeries(label: "train MSE", x: losses.indices.map { Double(log.firstStep + $0 + 1) }, y: losses),
            LineSeries(label: "test rel. L2", x: testSteps, y: testErrors, markersOnly: true),
        ]).write(to: folder.appendingPathComponent("loss.png"))
        if testSet.aligned && testSet.trunk.shape[1] == 1 {
            let shown = min(3, testSet.branch.shape[0])
            let prediction = model.predict(branchInput: testSet.branch.sliced(alongAxis: 0, 0..<shown), trunkInput: testSet.trunk)
            let points = testSet.trunk.shape[0], x = testSet.trunk.scalars.map(Double.init)
            var series: [LineSeries] = []
            for sample in 0..<shown {
                let span = sample * points * outputs ..< (sample + 1) * points * outputs
                let truth = testSet.target.scalars[span].enumerated().filter { $0.offset % outputs == 0 }.map { Double($0.element) }
                let guess = prediction.scalars[span].enumerated().filter { $0.offset % outputs == 0 }.map { Double($0.element) }
                series.append(LineSeries(label: "truth \(sample)", x: x, y: truth))
                series.append(LineSeries(label: "DeepONet \(sample)", x: x, y: guess, markersOnly: true))
            }
            try LinePlot(title: "test predictions", xLabel: "y", yLabel: "G(u)(y)", series: series)
                .write(to: folder.appendingPathComponent("predictions.png"))
        }
        StatusLine.printLine("deeponet: wrote \(folder.path)/{\(iterations > 0 ? "checkpoint.safetensors,best.safetensors,metrics.jsonl,steps.jsonl," : "")summary.json,model.safetensors,loss.png\(testSet.aligned && testSet.trunk.shape[1] == 1 ? ",predictions.png" : "")}")
    }

    // MARK: data

    /// One data split, read in Double and converted to the training precision (Datasets' DeepONet data).
    typealias Split<Scalar: TensorScalar> = BranchTrunkData<Scalar>

    private func loadData() throws -> (Split<Double>, Split<Double>) {
        if let count = generateAntiderivative {
            return (try AntiderivativeData.generate(sampleCount: count, seed: seed &+ 1).branchTrunkData,
                    try AntiderivativeData.generate(sampleCount: generateTest, seed: seed &+ 2).branchTrunkData)
        }
        var keys: BranchTrunkKeys?
        if let inputKey, let targetKey { keys = BranchTrunkKeys(branch: inputKey, trunk: trunkKey, target: targetKey) }
        return try BranchTrunkData.load(data: data!, testData: testData, keys: keys, train: trainCount, test: testCount, order: sampleOrder)
    }

    private func parseWidths(_ text: String?, default fallback: [Int], name: String) throws -> [Int] {
        guard let text else { return fallback }
        let widths = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count >= 2, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw DeepONetCommandError(message: "\(name) '\(text)' is not a comma-separated list of at least two positive widths")
        }
        return widths.map { $0! }
    }
}

extension DeepONetTrainingTask.Keep: ExpressibleByArgument {}

struct DeepONetCommandError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
