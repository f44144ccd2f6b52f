import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import NeuralOperators
import Datasets
import RunSupport
import Distributed

/// DeepONet training (Lu et al. 2021, DeepXDE's conventions) as a ``TrainingTask``: the mean squared
/// error of a mini-batch of aligned (Cartesian product, `target [N, P(, K)]`) or triplet (`[N, K]`) rows,
/// and the choice of the parameters kept at the end (the test split is never looked at for it):
/// - `bestValidation`: the lowest relative L2 on the validation rows (``heldOut(_:validationCount:)``)
///   among the ``TrainingLoop``'s evaluations; the loop keeps them (``TrainingLoop/restoreBestParameters()``);
/// - `bestTrainLoss`: the parameters with the lowest loss over all steps (a step's loss is that of the
///   parameters before it, so those are recorded when it is computed; the final parameters are compared
///   too in ``finish(iterations:lastStepLoss:)``);
/// - `bestLogged`: DeepXDE's "best model": the lowest full training loss among step 0 and the logged steps
///   (``DeepONetStepLog`` records them);
/// - `last`: the final parameters.
public final class DeepONetTrainingTask<Scalar: TensorScalar>: TrainingTask {
    public enum Keep: String, CaseIterable, Sendable {
        case bestValidation = "best-validation", bestTrainLoss = "best-train-loss", bestLogged = "best-logged", last
    }

    public let model: DeepONet<Scalar>
    public let branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>
    public let aligned: Bool
    public let keep: Keep
    /// The held-out rows whose relative L2 selects the kept parameters (nil: none; the loop then records
    /// the training loss).
    public let validation: BranchTrunkData<Scalar>?
    /// Lowest loss seen for the kept rule, the step (0-based count of updates) of its parameters, and those parameters.
    public internal(set) var bestLoss = Scalar.infinity, bestStep = 0
    var bestParameters: [Tensor<Scalar>] = []
    var stepsTaken = 0

    public init(model: DeepONet<Scalar>, branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>, aligned: Bool, keep: Keep,
                validation: BranchTrunkData<Scalar>? = nil) {
        self.model = model
        self.branch = branch
        self.trunk = trunk
        self.target = target
        self.aligned = aligned
        self.keep = keep
        self.validation = validation
        if keep == .bestLogged { (bestLoss, bestParameters) = (fullTrainingLoss(), model.parameterValues()) }
    }

    /// Splits `data` into training rows and the last `validationCount` rows (functions for aligned data,
    /// triplets otherwise), in order; the two are disjoint, and both are disjoint from a test split taken
    /// after the training rows or from another file.
    /// - Throws: ``TrainingError/invalidConfiguration(_:)`` unless `0 ≤ validationCount < data.count`.
    public static func heldOut(_ data: BranchTrunkData<Scalar>, validationCount: Int) throws -> (train: BranchTrunkData<Scalar>, validation: BranchTrunkData<Scalar>?) {
        guard validationCount >= 0, validationCount < data.count else {
            throw TrainingError.invalidConfiguration("--validation \(validationCount) must be ≥ 0 and leave training rows of the \(data.count)")
        }
        guard validationCount > 0 else { return (data, nil) }
        let trainCount = data.count - validationCount
        return (data.selecting(Array(0..<trainCount)), data.selecting(Array(trainCount..<data.count)))
    }

    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { model.namedParameters }
    public var trainingCount: Int { branch.shape[0] }
    /// FNV-1a hashes of the training and validation arrays (shapes and bit patterns), "train-validation"
    /// ("train-none" without a validation split): a resume on other samples is refused.
    public private(set) lazy var dataFingerprint: String = {
        func hash(_ tensors: [Tensor<Scalar>]) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            func mix(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
            for tensor in tensors {
                for size in tensor.shape { mix(UInt64(size)) }
                for value in tensor.scalars { mix(Double(value).bitPattern) }
            }
            return String(hash, radix: 16)
        }
        return hash([branch, trunk, target]) + "-" + (validation.map { hash([$0.branch, $0.trunk, $0.target]) } ?? "none")
    }()

    public func loss(batch indices: [Int]) throws -> Variable<Scalar> {
        var u = branch, y = trunk, s = target
        if indices.count != trainingCount || indices != Array(0..<trainingCount) {
            u = Self.rows(u, indices); s = Self.rows(s, indices)
            if !aligned { y = Self.rows(y, indices) }
        }
        let prediction = aligned ? model.cartesian(branchInput: Variable(u), trunkInput: Variable(y))
                                 : model.triplet(branchInput: Variable(u), trunkInput: Variable(y))
        guard prediction.shape == s.shape else { throw TrainingError.dataMismatch("DeepONet targets \(s.shape), predictions \(prediction.shape)") }
        let loss = Loss.meanSquaredError(prediction, Variable(s))
        let value = loss.value.scalars[0]
        if keep == .bestTrainLoss && value < bestLoss { (bestLoss, bestStep, bestParameters) = (value, stepsTaken, model.parameterValues()) }
        stepsTaken += 1
        return loss
    }

    /// The relative L2 (``relativeL2(_:branch:trunk:target:aligned:)``) on the validation rows.
    public func validationMetrics() throws -> ValidationMetrics? {
        guard let validation else { return nil }
        let error = Self.relativeL2(model, branch: validation.branch, trunk: validation.trunk, target: validation.target, aligned: validation.aligned)
        return ValidationMetrics(selection: error, relativeL2: error)
    }

    /// Each rank evaluates its rows of the validation split: for aligned data the mean over functions of
    /// the per-function relative L2 (combined as a mean over ranks' rows), for triplets the sums
    /// `Σ (G(u) − s)²` and `Σ s²` (reduced, then one square root of their ratio).
    public func validationMetrics(over communicator: Communicator) throws -> ValidationMetrics? {
        guard let validation, communicator.size > 1 else { return try validationMetrics() }
        let rows = ValidationMetrics.localRange(count: validation.count, communicator: communicator)
        let local = validation.selecting(Array(rows))
        let error: Double
        if validation.aligned {
            let mean = rows.isEmpty ? 0 : Self.relativeL2(model, branch: local.branch, trunk: local.trunk, target: local.target, aligned: true)
            error = try ValidationMetrics.meanOverRanks(localMeans: [mean], localCount: rows.count, totalCount: validation.count, communicator: communicator)[0]
        } else {
            var sums = rows.isEmpty ? [0, 0] : Self.tripletSquaredSums(model, branch: local.branch, trunk: local.trunk, target: local.target)
            try communicator.allreduceSum(&sums)
            error = (sums[0] / max(sums[1], .leastNormalMagnitude)).squareRoot()
        }
        return ValidationMetrics(selection: error, relativeL2: error)
    }

    public func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive { model.parameterArchive(metadata: metadata) }

    /// Checks the configuration and normalization metadata against this model, then every parameter's
    /// shape and finiteness.
    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        let own = model.parameterArchive().metadata
        for key in ["deeponet.configuration", "deeponet.normalization"] where archive.metadata[key] != own[key] {
            throw TrainingError.checkpoint("\(path) was written for another DeepONet (its \(key) differs: other flags or training data)")
        }
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Scalar>
            do { tensor = try archive.tensor(named: name) } catch { throw TrainingError.checkpoint("\(path): \(error)") }
            guard tensor.shape == parameter.value.shape, tensor.isFinite else {
                throw TrainingError.checkpoint("\(path): \(name) has shape \(tensor.shape) (needs \(parameter.value.shape)) or non-finite values")
            }
        }
    }

    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        for (name, parameter) in namedParameters { parameter.value = try archive.tensor(named: name) }
    }

    /// After `iterations` steps: restores the kept parameters and returns the final training loss of the
    /// kept parameters (nil for `last`) and their step.
    public func finish(iterations: Int, lastStepLoss: Double?) -> (finalLoss: Double?, keptStep: Int) {
        guard iterations > 0 else { return (lastStepLoss, 0) }
        switch keep {
        case .last, .bestValidation:
            return (lastStepLoss, iterations)
        case .bestTrainLoss:
            // The last parameters' loss is not known yet (the last step returned the loss before it): compare it too.
            let lastLoss = fullTrainingLoss()
            if lastLoss < bestLoss { (bestLoss, bestStep) = (lastLoss, iterations) } else { model.setParameterValues(bestParameters) }
            return (Double(bestLoss), bestStep)
        case .bestLogged:
            if bestStep != iterations { model.setParameterValues(bestParameters) }
            return (Double(bestLoss), bestStep)
        }
    }

    /// Records the parameters after logged step `step` when their full training loss is the lowest so far
    /// (the `bestLogged` rule); returns that loss.
    func logStep(_ step: Int) -> Scalar {
        let current = fullTrainingLoss()
        if current < bestLoss { (bestLoss, bestStep, bestParameters) = (current, step, model.parameterValues()) }
        return current
    }

    /// Mean squared error on the whole training set (the loss being minimised, full batch).
    public func fullTrainingLoss() -> Scalar {
        let prediction = GradientRecording.withoutRecording {
            aligned ? model.cartesian(branchInput: Variable(branch), trunkInput: Variable(trunk)).value
                    : model.triplet(branchInput: Variable(branch), trunkInput: Variable(trunk)).value
        }
        var sum = 0.0
        for i in 0..<prediction.count { let d = Double(prediction.scalars[i] - target.scalars[i]); sum += d * d }
        return Scalar(sum / Double(max(prediction.count, 1)))
    }

    /// The held-out error of `model` on `(branch, trunk, target)`: DeepXDE's mean over functions of
    /// `‖G(u) − s‖₂/‖s‖₂` for aligned data, one relative L2 over all rows for triplets.
    public static func relativeL2(_ model: DeepONet<Scalar>, branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>, aligned: Bool) -> Double {
        if aligned {
            return DeepONet<Scalar>.meanRelativeL2(prediction: model.predict(branchInput: branch, trunkInput: trunk), target: target)
        }
        let sums = tripletSquaredSums(model, branch: branch, trunk: trunk, target: target)
        return (sums[0] / max(sums[1], .leastNormalMagnitude)).squareRoot()
    }

    /// `[Σ (G(u) − s)², Σ s²]` over triplet rows.
    static func tripletSquaredSums(_ model: DeepONet<Scalar>, branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>) -> [Double] {
        let prediction = GradientRecording.withoutRecording {
            model.triplet(branchInput: Variable(branch), trunkInput: Variable(trunk)).value
        }
        var error = 0.0, norm = 0.0
        for i in 0..<prediction.count {
            let difference = Double(prediction.scalars[i] - target.scalars[i])
            error += difference * difference
            norm += Double(target.scalars[i]) * Double(target.scalars[i])
        }
        return [error, norm]
    }

    /// The rows `indices` of `x` (first axis).
    public static func rows(_ x: Tensor<Scalar>, _ indices: [Int]) -> Tensor<Scalar> {
        let width = x.count / max(x.shape[0], 1)
        var scalars: [Scalar] = []
        scalars.reserveCapacity(indices.count * width)
        for i in indices { scalars += x.scalars[i * width ..< (i + 1) * width] }
        var shape = x.shape
        shape[0] = indices.count
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }
}

/// The DeepONet run's step log (`steps.jsonl` in the run directory): every step's loss, and every
/// `logEvery` steps (and the last) the test error — reported as DeepXDE displays it, never used to choose
/// parameters — plus the full training loss after the step for the `bestLogged` rule. The file is
/// rewritten atomically before each checkpoint, so a resumed run continues it (records past the
/// checkpoint are dropped) and numbers its steps from the checkpoint's.
public final class DeepONetStepLog<Scalar: TensorScalar>: TrainingObserver {
    /// One `steps.jsonl` line.
    public struct Record: Codable, Sendable {
        public var step: Int
        public var train_loss: Double?
        public var train_loss_after: Double?
        public var test_relative_l2: Double
        public var seconds: Double
    }

    public static var fileName: String { "steps.jsonl" }

    let task: DeepONetTrainingTask<Scalar>
    let iterations: Int, logEvery: Int
    let url: URL?
    let heldOutError: () -> Double
    /// The losses of this process's steps (after a resume: those after the checkpoint).
    public private(set) var losses: [Double] = []
    public private(set) var records: [Record] = []
    /// Steps done before this process (a resumed run's checkpoint).
    public private(set) var firstStep = 0
    let start = Date()

    public init(task: DeepONetTrainingTask<Scalar>, iterations: Int, logEvery: Int, url: URL? = nil, heldOutError: @escaping () -> Double) {
        self.task = task
        self.iterations = iterations
        self.logEvery = logEvery
        self.url = url
        self.heldOutError = heldOutError
        if task.keep == .bestLogged {
            // DeepXDE evaluates the full training loss before the first step too (its step 0).
            records.append(Record(step: 0, train_loss: nil, train_loss_after: Double(task.bestLoss), test_relative_l2: heldOutError(), seconds: 0))
        }
    }

    public func trainingWillStart(firstEpoch: Int, epochs: Int, stepsPerEpoch: Int, history: [EpochRecord]) throws {
        firstStep = firstEpoch * stepsPerEpoch
        guard firstStep > 0, let url, let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        records = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Record.self, from: Data($0.utf8)) }
            .filter { $0.step <= firstStep }
    }

    public func stepDidFinish(epoch: Int, epochs: Int, loss: Double) {
        losses.append(loss)
        let step = firstStep + losses.count
        guard step % logEvery == 0 || step == iterations else { return }
        let after = task.keep == .bestLogged ? Double(task.logStep(step)) : nil
        records.append(Record(step: step, train_loss: loss, train_loss_after: after, test_relative_l2: heldOutError(),
                              seconds: Date().timeIntervalSince(start)))
    }

    public func epochWillCommit(history: [EpochRecord]) throws { try write() }
    public func trainingDidFinish(history: [EpochRecord]) throws { try write() }

    func write() throws {
        guard let url else { return }
        try AtomicFile.write(JSONOutput.lines(records), to: url)
    }
}
