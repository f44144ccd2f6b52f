import Foundation
import TensorCore
import NeuralLayers
import NeuralOperators
import Datasets
import Plotting
import RunSupport
import Distributed

/// A whole `pdekit train deeponet` run (Lu et al. 2021, DeepXDE's conventions): the held-out validation
/// rows, the network (widths, POD trunk, normalization, trunk biases), ``DeepONetTrainingTask`` on the
/// ``TrainingLoop`` with ``DeepONetStepLog``, the kept parameters, the summary and the output folder.
///
/// Under `mpirun` (``communicator`` with several ranks) the loop's one data-parallel path trains: every
/// rank builds the same model from the same seed, computes its slice of each global batch, and one
/// allreduce per step sums the gradients; the validation rows are split across ranks; the best
/// evaluation is chosen from the same reduced numbers on every rank. Only rank 0 evaluates the test set,
/// writes the folder and returns a summary. `--keep best-train-loss` needs every step's loss of the
/// parameters before the step on one process and is refused there.
///
/// Output folder: the loop's checkpoint.safetensors, best.safetensors and metrics.jsonl, steps.jsonl,
/// summary.json, model.safetensors (the kept parameters), loss.png, predictions.png (aligned 1-D data).
public struct DeepONetTrainingRun {
    public typealias Keep = DeepONetTrainingTask<Float>.Keep
    public enum TrunkBias: String, CaseIterable, Sendable { case zeros, spread }
    public enum Precision: String, CaseIterable, Sendable { case float32, float64 }

    /// Branch and trunk widths, first = sensors and coordinates (nil: m,40,40K and d,40,40K).
    public var branchWidths: [Int]?, trunkWidths: [Int]?
    public var activation = Activation.relu
    /// POD-DeepONet: the trunk is POD modes of the training targets.
    public var pod = false
    public var normalize = true
    public var iterations = 10_000
    public var learningRate = 1e-3
    /// Rows per step (nil: full batch).
    public var batchSize: Int?
    /// The kept parameters (nil: best-validation with validation rows, else best-train-loss for full batch, last otherwise).
    public var keep: Keep?
    /// Validation rows: the last N training rows (nil: 10 %).
    public var validation: Int?
    public var trunkBias = TrunkBias.zeros
    public var precision = Precision.float32
    public var logEvery = 1000
    public var seed: UInt64 = 0
    public var output: URL?
    public var resume = false
    public var communicator = Communicator.single
    /// The process's CPU seconds so far (the summary's train_cpu_seconds).
    public var cpuSeconds: () -> Double = { 0 }

    public init() {}

    /// `summary.json` and the command's result line (a value the run does not have is left out).
    public struct Summary: Codable, Sendable {
        public var tool = "pdekit", model: String, layout: String, branch: [Int], trunk: [Int], activation: String
        public var iterations: Int, learning_rate: Double, batch_size: Int, normalize: Bool, seed: UInt64, parameters: Int
        public var train_seconds: Double, train_cpu_seconds: Double, final_train_loss: Double?
        public var kept: String, kept_step: Int, precision: String, trunk_bias: String
        public var test_relative_l2: Double, test_relative_l2_last_step: Double, test_samples: Int
        public var train_samples: Int, validation_samples: Int, best_validation_relative_l2: Double?, resumed_at_step: Int
        /// Ranks that trained together.
        public var ranks: Int
    }

    /// Parses "a,b,c" widths (at least two, all positive) for the flag `name`.
    public static func widths(parsing text: String, flag name: String) throws -> [Int] {
        let widths = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count >= 2, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw TrainingError.invalidConfiguration("\(name) '\(text)' is not a comma-separated list of at least two positive widths")
        }
        return widths.map { $0! }
    }

    /// Checks the values that do not depend on the data.
    public func validate() throws {
        guard iterations >= 0, learningRate > 0, learningRate.isFinite, logEvery >= 1 else {
            throw TrainingError.invalidConfiguration("iterations ≥ 0, learning rate > 0, log-every ≥ 1")
        }
        if let batchSize, batchSize < 1 { throw TrainingError.invalidConfiguration("--batch-size must be positive") }
        if let validation, validation < 0 { throw TrainingError.invalidConfiguration("--validation must be ≥ 0") }
        if resume && output == nil { throw TrainingError.invalidConfiguration("--resume needs --output (the folder of the run to continue)") }
    }

    /// Trains on `training` (validation rows held out of it) and reports on `test`; `status` gets the
    /// one-line messages (rank 0 only). Returns the summary on rank 0, nil on the other ranks.
    public func run(training: BranchTrunkData<Double>, test: BranchTrunkData<Double>, status: (String) -> Void) throws -> Summary? {
        try validate()
        switch precision {
        case .float32: return try run(training.converted(to: Float.self), test.converted(to: Float.self), status: status)
        case .float64: return try run(training.converted(to: Double.self), test.converted(to: Double.self), status: status)
        }
    }

    func run<Scalar: TensorScalar>(_ loaded: BranchTrunkData<Scalar>, _ testSet: BranchTrunkData<Scalar>, status: (String) -> Void) throws -> Summary? {
        let (trainSet, validationSet) = try DeepONetTrainingTask<Scalar>.heldOut(loaded, validationCount: validation ?? loaded.count / 10)
        let model = try makeModel(trainSet)
        let (branchWidths, trunkWidths) = (model.configuration.branchWidths, model.configuration.trunkWidths)
        if let output { try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true) }
        let rows = trainSet.count, aligned = trainSet.aligned
        if let batchSize, batchSize > rows {   // as `train fno`: a batch larger than the training set is a mistake, not full batch
            throw TrainingError.invalidConfiguration("--batch-size \(batchSize) is larger than the \(rows) training \(aligned ? "functions" : "triplets")")
        }
        let batch = batchSize ?? rows
        let keep = try keptParameters(hasValidation: validationSet != nil, fullBatch: batch == rows)
        let task = DeepONetTrainingTask(model: model, branch: trainSet.branch, trunk: trainSet.trunk, target: trainSet.target,
                                        aligned: aligned, keep: DeepONetTrainingTask<Scalar>.Keep(rawValue: keep.rawValue)!, validation: validationSet)
        func testError() -> Double {
            DeepONetTrainingTask.relativeL2(model, branch: testSet.branch, trunk: testSet.trunk, target: testSet.target, aligned: testSet.aligned)
        }
        let log = DeepONetStepLog(task: task, iterations: iterations, logEvery: logEvery,
                                  url: output?.appendingPathComponent(DeepONetStepLog<Scalar>.fileName), heldOutError: testError)
        let stepsPerEpoch = (rows + batch - 1) / batch
        let start = Date(), startCPU = cpuSeconds()
        if communicator.isRoot {
            status("deeponet: \(model.parameterCount) parameters, \(aligned ? "aligned (Cartesian product)" : "unaligned (triplets)"), \(rows) training rows, \(validationSet?.count ?? 0) validation rows, batch \(batch)\(communicator.size > 1 ? ", \(communicator.size) ranks" : "")")
        }
        var loop: TrainingLoop<DeepONetTrainingTask<Scalar>>?
        var loopSummary: TrainingLoop<DeepONetTrainingTask<Scalar>>.Summary?
        if iterations > 0 {
            let epochs = iterations / stepsPerEpoch + (iterations % stepsPerEpoch == 0 ? 0 : 1)   // no overflow at Int.max
            let trainingLoop = try TrainingLoop(task: task, configuration: TrainingConfiguration(epochs: epochs, batchSize: batch, learningRate: learningRate, weightDecay: 0,
                                                                                                schedule: .constant, seed: seed),
                                                runDirectory: output, observers: [log, ProgressObserver(maximumSteps: iterations)])
            trainingLoop.communicator = communicator
            trainingLoop.maximumSteps = iterations
            trainingLoop.shufflesRows = batch < rows
            // Full batch: one step per epoch, so the loop evaluates (and checkpoints) every --log-every steps.
            trainingLoop.evaluationInterval = max(1, logEvery / stepsPerEpoch)
            loopSummary = try trainingLoop.run(resume: resume)
            loop = trainingLoop
        }
        // Past the loop nothing is collective: rank 0 alone reports and writes.
        guard communicator.isRoot else { return nil }
        let trainSeconds = Date().timeIntervalSince(start), trainCPUSeconds = cpuSeconds() - startCPU
        let lastTestError = testError()
        var (finalLoss, bestStep) = task.finish(iterations: iterations, lastStepLoss: log.losses.last)
        var bestValidationError: Double?
        if keep == .bestValidation, let loop, let bestEpoch = try loop.restoreBestParameters() {
            let (endOfEpoch, overflow) = (bestEpoch + 1).multipliedReportingOverflow(by: stepsPerEpoch)
            bestStep = overflow ? iterations : min(endOfEpoch, iterations)
            finalLoss = Double(task.fullTrainingLoss())
            bestValidationError = loopSummary?.history.first { $0.epoch == bestEpoch }?.validationRelativeL2
        }
        let keptTestError = keep != .last && bestStep != iterations ? testError() : lastTestError
        let summary = Summary(model: pod ? "POD-DeepONet" : "DeepONet", layout: aligned ? "cartesian" : "triplet", branch: branchWidths, trunk: trunkWidths,
                              activation: activation.rawValue, iterations: iterations, learning_rate: learningRate, batch_size: batch, normalize: normalize,
                              seed: seed, parameters: model.parameterCount, train_seconds: (trainSeconds * 1000).rounded() / 1000,
                              train_cpu_seconds: (trainCPUSeconds * 1000).rounded() / 1000, final_train_loss: finalLoss, kept: keep.rawValue,
                              kept_step: keep == .last ? iterations : bestStep, precision: precision.rawValue, trunk_bias: trunkBias.rawValue,
                              test_relative_l2: keptTestError, test_relative_l2_last_step: lastTestError, test_samples: testSet.count,
                              train_samples: rows, validation_samples: validationSet?.count ?? 0, best_validation_relative_l2: bestValidationError,
                              resumed_at_step: log.firstStep, ranks: communicator.size)
        if let output { try write(summary, model: model, log: log, testSet: testSet, to: output, status: status) }
        return summary
    }

    /// The network for the training rows: widths checked against the data, POD basis, normalization, trunk biases.
    func makeModel<Scalar: TensorScalar>(_ trainSet: BranchTrunkData<Scalar>) throws -> DeepONet<Scalar> {
        let m = trainSet.branch.shape[1], d = trainSet.trunk.shape[1], outputs = trainSet.outputCount
        let branchWidths = branchWidths ?? [m, 40, 40 * outputs]
        var trunkWidths = trunkWidths ?? [d, 40, 40 * outputs]
        guard branchWidths.first == m else { throw TrainingError.invalidConfiguration("--branch starts with \(branchWidths[0]) but the data have \(m) sensors") }
        if pod {
            guard trainSet.aligned else { throw TrainingError.invalidConfiguration("--pod needs aligned data (y of shape [N, P])") }
            trunkWidths = []
        } else if trunkWidths.first != d {
            throw TrainingError.invalidConfiguration("--trunk starts with \(trunkWidths[0]) but the trunk points have \(d) coordinates")
        }
        let configuration = DeepONetConfiguration(branchWidths: branchWidths, trunkWidths: trunkWidths, activation: activation, outputCount: outputs,
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
            let points = trainSet.trunk.shape[0]
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
        return try DeepONet<Scalar>(configuration: configuration, normalization: normalization, podBasis: podBasis,
                                    trunkBiasInitialization: trunkBiasInitialization, generator: &generator)
    }

    /// The kept-parameter rule: the flag's, or the default; refuses the combinations that cannot work.
    func keptParameters(hasValidation: Bool, fullBatch: Bool) throws -> Keep {
        let keep = self.keep ?? (hasValidation ? .bestValidation : fullBatch ? .bestTrainLoss : .last)
        switch keep {
        case .bestValidation where !hasValidation:
            throw TrainingError.invalidConfiguration("--keep best-validation needs validation rows (--validation > 0)")
        case .bestTrainLoss, .bestLogged:
            guard !hasValidation else { throw TrainingError.invalidConfiguration("--keep \(keep.rawValue) chooses on the training loss: it needs --validation 0") }
            guard !resume else { throw TrainingError.invalidConfiguration("--keep \(keep.rawValue) sees every step of one process: --resume needs --keep last or validation rows") }
            guard keep == .bestLogged || communicator.size == 1 else {
                throw TrainingError.invalidConfiguration("--keep best-train-loss sees every step's loss on one process: under mpirun use validation rows (--validation N), --keep best-logged or --keep last")
            }
        default: break
        }
        return keep
    }

    /// summary.json, model.safetensors, loss.png and (aligned 1-D data) predictions.png, each atomically.
    func write<Scalar: TensorScalar>(_ summary: Summary, model: DeepONet<Scalar>, log: DeepONetStepLog<Scalar>, testSet: BranchTrunkData<Scalar>,
                                     to folder: URL, status: (String) -> Void) throws {
        try AtomicFile.write(JSONOutput.line(summary) + "\n", to: folder.appendingPathComponent("summary.json"))
        try AtomicFile.write(model.parameterArchive(metadata: ["test_relative_l2": "\(summary.test_relative_l2)", "iterations": "\(iterations)"]).encoded(),
                             to: folder.appendingPathComponent("model.safetensors"))
        let tested = log.records.filter { $0.step > 0 }
        try LinePlot(title: "DeepONet training", xLabel: "Adam step", yLabel: "train MSE / test rel. L2", logScaleY: true, series: [
            LineSeries(label: "train MSE", x: log.losses.indices.map { Double(log.firstStep + $0 + 1) }, y: log.losses),
            LineSeries(label: "test rel. L2", x: tested.map { Double($0.step) }, y: tested.map(\.test_relative_l2), markersOnly: true),
        ]).write(to: folder.appendingPathComponent("loss.png"))
        let plotsPredictions = testSet.aligned && testSet.trunk.shape[1] == 1
        if plotsPredictions {
            let shown = min(3, testSet.count), outputs = testSet.outputCount
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
        status("deeponet: wrote \(folder.path)/{\(iterations > 0 ? "checkpoint.safetensors,best.safetensors,metrics.jsonl,steps.jsonl," : "")summary.json,model.safetensors,loss.png\(plotsPredictions ? ",predictions.png" : "")}")
    }
}
