import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import DenseLinearAlgebra
import Training

/// GP-HM's Adam phase as a ``Training/TrainingTask``: one "epoch" of the ``Training/TrainingLoop`` is one
/// outer step of ``GaussianProcessSolver``'s variable projection: solve for the grid values with the
/// kernel fixed, then the objective and its hyperparameter gradient `∂L/∂θ` at those values (the
/// gradient of the profiled objective `min_U L(U, θ)`); the loop then takes the Adam step on `θ`.
///
/// The loss graph the loop receives is a constant: the hyperparameter gradients are already in the
/// parameters (the objective writes them, see ``GaussianProcessSolver``), so the loop's backward pass
/// adds nothing and its Adam step reads them as they are. The task is also the loop's observer: it
/// records each step in the run log and forwards it to the progress callback.
///
/// Checkpoint (Training's one format, `format` = `pdekit.gp-hm`): all kernel hyperparameters
/// (`kernel.axis<i>.log_weights|frequencies|log_lengthscales`), the whitened grid values
/// (`values.whitened`) with their change of variables (`values.reference.left.<i>`,
/// `values.reference.left_inverse.<i>`), the parameters of the last good evaluation (for a step
/// back when LAPACK rejects a kernel), the run log (`gp.log`), the Codable solver configuration
/// without its iteration counts (`gp.configuration`), and, from the loop, Adam's state, the step
/// and the problem's fingerprint. The loader verifies all of it before it changes anything. The
/// L-BFGS phase (``GaussianProcessLBFGSPhase``) adds its own state to this checkpoint and leaves the
/// Adam part as it is, so the loop can still resume (extend) Adam from it.
public final class GaussianProcessHyperparameterTask: TrainingTask, TrainingObserver {
    public typealias Scalar = Double

    /// Thrown out of the loop when an Adam step made a kernel factor LAPACK rejects (the run steps
    /// back to ``lastGoodParameters`` and ends the phase).
    struct KernelRejected: Error {
        let step: Int
        let reason: String
    }

    public static let format = "pdekit.gp-hm"
    static let formatKey = "format", configurationKey = "gp.configuration", logKey = "gp.log"
    static let lastGoodName = "gp.last_good_parameters"

    let solver: GaussianProcessSolver
    let innerIterations: Int
    let progress: ((GaussianProcessSolver.Progress) -> Void)?
    /// Every recorded evaluation, including those before a resume.
    public private(set) var log: [GaussianProcessSolver.Progress] = []
    /// Adam steps completed, including those before a resume.
    public private(set) var completedSteps = 0
    /// `parameterVector` at the last evaluation that succeeded.
    private(set) var lastGoodParameters: [Double]?
    private var elapsedBefore = 0.0
    private let start = Date()

    init(solver: GaussianProcessSolver, innerIterations: Int, progress: ((GaussianProcessSolver.Progress) -> Void)?) {
        self.solver = solver
        self.innerIterations = innerIterations
        self.progress = progress
    }

    /// Seconds of this run, counting those before a resume.
    var elapsedSeconds: Double { elapsedBefore + Date().timeIntervalSince(start) }

    /// Appends one record to the log and reports it.
    func record(phase: String, iteration: Int, totalIterations: Int, loss: Double) {
        let entry = GaussianProcessSolver.Progress(phase: phase, iteration: iteration, totalIterations: totalIterations,
                                                   loss: loss, elapsedSeconds: elapsedSeconds)
        log.append(entry)
        progress?(entry)
    }

    // MARK: TrainingTask

    /// All kernel hyperparameters by checkpoint name, learned or not.
    var kernelParameters: [(name: String, parameter: Parameter<Double>, learned: Bool)] {
        let configuration = solver.configuration
        return (0..<solver.axes.count).flatMap { axis -> [(name: String, parameter: Parameter<Double>, learned: Bool)] in
            [("kernel.axis\(axis).log_weights", solver.logWeightParameters[axis], configuration.learnWeights),
             ("kernel.axis\(axis).frequencies", solver.frequencyParameters[axis], configuration.learnFrequencies && configuration.kernel.isMixture),
             ("kernel.axis\(axis).log_lengthscales", solver.logLengthscaleParameters[axis], configuration.learnLengthscales)]
        }
    }

    /// The learned hyperparameters, in the order of the solver's `learnableParameters` after the values.
    public var namedParameters: [(name: String, parameter: Parameter<Double>)] {
        kernelParameters.filter(\.learned).map { ($0.name, $0.parameter) }
    }

    public var trainingCount: Int { 1 }

    public func loss(batch indices: [Int]) throws -> Variable<Double> {
        let step = completedSteps + 1
        let rate = solver.configuration.hyperparameterLearningRate
        let hyperparameters = namedParameters.map(\.parameter)
        try Self.requireFinite(hyperparameters, afterStep: completedSteps, learningRate: rate)
        let value: Double
        do {
            _ = try solver.solveValues(iterations: innerIterations)
            for p in solver.learnableParameters { p.zeroGradient() }
            value = try solver.evaluateObjective().total
        } catch {
            if let lapack = error as? LAPACKError, lapack.reason == .nonFiniteInput {
                // NaN or infinity reached a kernel factor: a non-finite step, not a rejected one.
                throw GaussianProcessError.nonFinite("\(lapack) at Adam step \(step) (hyperparameter learning rate \(rate))")
            }
            if GaussianProcessSolver.isRejectedKernel(error) { throw KernelRejected(step: step, reason: "\(error)") }
            if case GaussianProcessError.nonFinite(let what) = error {
                throw GaussianProcessError.nonFinite("\(what) at Adam step \(step) (hyperparameter learning rate \(rate))")
            }
            throw error
        }
        guard hyperparameters.allSatisfy({ $0.gradient?.scalars.allSatisfy(\.isFinite) ?? true }) else {
            throw GaussianProcessError.nonFinite("hyperparameter gradient at Adam step \(step)")
        }
        lastGoodParameters = solver.parameterVector
        return Variable(Tensor(value))
    }

    /// Throws when an Adam step (number `step`) left a non-finite hyperparameter.
    static func requireFinite(_ hyperparameters: [Parameter<Double>], afterStep step: Int, learningRate: Double) throws {
        guard hyperparameters.allSatisfy({ $0.value.scalars.allSatisfy(\.isFinite) }) else {
            throw GaussianProcessError.nonFinite("hyperparameters after Adam step \(step) (learning rate \(learningRate))")
        }
    }

    public func validationMetrics() throws -> ValidationMetrics? { nil }

    public var dataFingerprint: String { solver.problemFingerprint }

    /// The configuration a checkpoint must match: the solver's, without the iteration counts (a run
    /// may be extended), as sorted-key JSON.
    var configurationText: String {
        var identity = solver.configuration
        identity.adamIterations = 0
        identity.lbfgsIterations = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(identity)) ?? Data(), as: UTF8.self)
    }

    public func checkpointArchive(metadata: [String: String]) throws -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: metadata)
        archive.metadata[Self.formatKey] = Self.format
        archive.metadata[Self.configurationKey] = configurationText
        archive.metadata[Self.logKey] = String(decoding: try JSONEncoder().encode(log), as: UTF8.self)
        for (name, parameter, _) in kernelParameters { archive.add(parameter.value, named: name) }
        archive.add(solver.whitened.value, named: "values.whitened")
        for (i, matrix) in solver.reference.left.enumerated() { archive.add(Self.tensor(matrix), named: "values.reference.left.\(i)") }
        for (i, matrix) in solver.reference.leftInverse.enumerated() { archive.add(Self.tensor(matrix), named: "values.reference.left_inverse.\(i)") }
        if let lastGoodParameters {
            archive.add(Tensor(uncheckedShape: [lastGoodParameters.count], scalars: lastGoodParameters), named: Self.lastGoodName)
        }
        return archive
    }

    static func tensor(_ matrix: DenseMatrix) -> Tensor<Double> {
        Tensor(uncheckedShape: [matrix.rows, matrix.columns], scalars: matrix.elements)
    }

    /// What a checkpoint holds, read and checked; nothing is changed.
    private struct State {
        var kernel: [Tensor<Double>]
        var whitened: Tensor<Double>
        var left: [DenseMatrix]
        var leftInverse: [DenseMatrix]
        var lastGood: [Double]?
        var log: [GaussianProcessSolver.Progress]
        var steps: Int
    }

    private func state(in archive: SafetensorsArchive, path: String) throws -> State {
        func fail(_ message: String) -> TrainingError { TrainingError.checkpoint("\(path): \(message)") }
        guard archive.metadata[Self.formatKey] == Self.format else {
            throw fail("not a GP-HM checkpoint (format '\(archive.metadata[Self.formatKey]?.prefix(40) ?? "missing")')")
        }
        guard archive.metadata[Self.configurationKey] == configurationText else {
            throw fail("written for another GP-HM configuration (kernel, components, collocation points, noises or learned hyperparameters differ)")
        }
        func read(_ name: String, shape: [Int]) throws -> Tensor<Double> {
            let tensor: Tensor<Double>
            do { tensor = try archive.tensor(named: name) } catch { throw fail("\(error)") }
            guard tensor.shape == shape, tensor.isFinite else {
                throw fail("\(name) has shape \(tensor.shape) (needs \(shape)) or non-finite values")
            }
            return tensor
        }
        let kernel = try kernelParameters.map { try read($0.name, shape: $0.parameter.value.shape) }
        let whitened = try read("values.whitened", shape: solver.whitened.value.shape)
        let sizes = solver.axes.count == 1 ? [solver.rows] : [solver.rows, solver.columns]
        func matrices(_ prefix: String) throws -> [DenseMatrix] {
            try sizes.enumerated().map { i, n in
                DenseMatrix(rows: n, columns: n, elements: try read("\(prefix).\(i)", shape: [n, n]).scalars)
            }
        }
        let left = try matrices("values.reference.left"), leftInverse = try matrices("values.reference.left_inverse")
        var lastGood: [Double]?
        if archive.entry(named: Self.lastGoodName) != nil {
            lastGood = try read(Self.lastGoodName, shape: [solver.parameterVector.count]).scalars
        }
        guard let logText = archive.metadata[Self.logKey],
              let log = try? JSONDecoder().decode([GaussianProcessSolver.Progress].self, from: Data(logText.utf8)) else {
            throw fail("gp.log is missing or not a list of log records")
        }
        guard let steps = archive.metadata[CheckpointKey.epoch].flatMap({ Int($0) }), steps >= 0,
              log.filter({ $0.phase == "adam" }).count == steps else {
            throw fail("training.epoch '\(archive.metadata[CheckpointKey.epoch]?.prefix(40) ?? "missing")' does not match the Adam steps of gp.log")
        }
        return State(kernel: kernel, whitened: whitened, left: left, leftInverse: leftInverse, lastGood: lastGood, log: log, steps: steps)
    }

    public func verifyCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        _ = try state(in: archive, path: path)
    }

    public func loadCheckpoint(_ archive: SafetensorsArchive, path: String) throws {
        let state = try state(in: archive, path: path)
        for (entry, value) in zip(kernelParameters, state.kernel) { entry.parameter.value = value }
        solver.whitened.value = state.whitened
        solver.reference = ValuePreconditioner(left: state.left, leftInverse: state.leftInverse)
        solver.cache = nil
        lastGoodParameters = state.lastGood
        log = state.log
        completedSteps = state.steps
        elapsedBefore = state.log.last?.elapsedSeconds ?? 0
    }

    /// The log and the Adam steps of a run resumed in the L-BFGS phase (``GaussianProcessLBFGSPhase``),
    /// after ``loadCheckpoint(_:path:)`` restored the Adam phase's checkpoint.
    func restore(log: [GaussianProcessSolver.Progress], completedSteps: Int) {
        self.log = log
        self.completedSteps = completedSteps
        elapsedBefore = log.last?.elapsedSeconds ?? 0
    }

    // MARK: TrainingObserver

    public func stepDidFinish(epoch: Int, epochs: Int, loss: Double) {
        completedSteps = epoch + 1
        record(phase: "adam", iteration: epoch + 1, totalIterations: epochs, loss: loss)
    }
}
