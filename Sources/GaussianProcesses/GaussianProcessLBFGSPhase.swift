import Foundation
import TensorCore
import NeuralLayers
import DenseLinearAlgebra
import RunSupport
import Training

/// GP-HM's second phase: L-BFGS on the profiled objective `min_U L(U, θ)` over the kernel
/// hyperparameters θ, with its own checkpoints in Training's one checkpoint file, so that a run
/// killed in this phase resumes in it, bitwise as the uninterrupted run.
///
/// Every evaluation warm-starts the value solve from the values of the best evaluation so far (the
/// anchor), never from the last trial: a rejected line-search trial can leave the values in another
/// basin (the nonlinear equation has several solutions), and warm-starting from there made every later
/// evaluation, and the final solve, stay in it. The phase's state is thus the L-BFGS state
/// (``Training/LBFGSCheckpointState``) and the anchor.
///
/// Checkpoint (after every `interval`-th iteration and at the end of the phase): the Adam phase's last
/// checkpoint, unchanged (its weights, Adam state, step and log: a run resumed with more Adam steps
/// continues Adam from there), with
/// ```
/// gp.lbfgs.adam_iterations | adam_completed | adam_outcome    the Adam phase as planned and as run
/// gp.lbfgs.log                                               the run log through this iteration
/// gp.lbfgs.anchor_loss, lbfgs.anchor.values.whitened,
///   lbfgs.anchor.reference.left.<i> | left_inverse.<i>       the anchor
/// lbfgs.*                                                    the L-BFGS state after the iteration
/// gp.lbfgs.outcome | iterations, lbfgs.final_iterate         at the end of the phase only
/// ```
/// The loader verifies all of it before it changes anything.
final class GaussianProcessLBFGSPhase {
    typealias HyperparameterTask = GaussianProcessHyperparameterTask
    /// The values of the best evaluation so far.
    struct Anchor {
        var loss: Double
        var reference: ValuePreconditioner
        var values: [Double]
    }

    /// A verified checkpoint of this phase.
    struct ResumePoint {
        let archive: SafetensorsArchive
        let path: String
        let log: [GaussianProcessSolver.Progress]
        let adamCompleted: Int
        let adamOutcome: String
        let anchor: Anchor
        let state: LBFGS<Double>.State?
        /// The end of the phase (nil: it was interrupted).
        let finished: (outcome: LBFGS<Double>.Outcome, iterations: Int, iterate: [Double])?
    }

    enum Key {
        static let prefix = "gp.lbfgs.", tensorPrefix = "lbfgs."
        static let adamIterations = "gp.lbfgs.adam_iterations", adamCompleted = "gp.lbfgs.adam_completed", adamOutcome = "gp.lbfgs.adam_outcome"
        static let log = "gp.lbfgs.log", anchorLoss = "gp.lbfgs.anchor_loss", outcome = "gp.lbfgs.outcome", iterations = "gp.lbfgs.iterations"
        static let anchorValues = "lbfgs.anchor.values.whitened", anchorLeft = "lbfgs.anchor.reference.left", anchorLeftInverse = "lbfgs.anchor.reference.left_inverse"
        static let finalIterate = "lbfgs.final_iterate"
    }

    let solver: GaussianProcessSolver
    let task: HyperparameterTask
    let hyperparameters: [Parameter<Double>]
    let innerIterations: Int
    let checkpointURL: URL?
    let interval: Int
    /// The Adam phase's checkpoint every checkpoint of this phase extends.
    private var base: SafetensorsArchive?
    private var adamOutcome = "skipped"

    init(solver: GaussianProcessSolver, task: HyperparameterTask, hyperparameters: [Parameter<Double>], innerIterations: Int,
         checkpointURL: URL?, interval: Int) {
        self.solver = solver
        self.task = task
        self.hyperparameters = hyperparameters
        self.innerIterations = innerIterations
        self.checkpointURL = checkpointURL
        self.interval = max(interval, 1)
    }

    var parameterCount: Int { hyperparameters.reduce(0) { $0 + $1.count } }

    // MARK: Resuming

    /// The checkpoint `archive` as a point to resume this phase from, verified completely; nil when it
    /// is not a checkpoint of this phase for the configured Adam steps (then the Adam phase resumes from
    /// it, or refuses it). Changes nothing.
    func resumePoint(in archive: SafetensorsArchive, path: String) throws -> ResumePoint? {
        let configuration = solver.configuration, metadata = archive.metadata
        guard let plannedText = metadata[Key.adamIterations], Int(plannedText) == configuration.adamIterations else { return nil }
        func fail(_ message: String) -> TrainingError { .checkpoint("\(path): \(message)") }
        try task.verifyCheckpoint(archive, path: path)
        if let recorded = metadata[CheckpointKey.dataFingerprint], recorded != task.dataFingerprint {
            throw fail("written for other samples (data fingerprint \(recorded), now \(task.dataFingerprint)); resume with the same problem")
        }
        guard let adamCompleted = Int(metadata[Key.adamCompleted] ?? ""), (0...configuration.adamIterations).contains(adamCompleted),
              let adamOutcome = metadata[Key.adamOutcome] else {
            throw fail("\(Key.adamCompleted) '\(metadata[Key.adamCompleted]?.prefix(40) ?? "missing")' is not in 0…\(configuration.adamIterations), or \(Key.adamOutcome) is missing")
        }
        guard let logText = metadata[Key.log], let log = try? JSONDecoder().decode([GaussianProcessSolver.Progress].self, from: Data(logText.utf8)),
              log.filter({ $0.phase == "adam" }).count == adamCompleted, log.allSatisfy({ $0.loss.isFinite }) else {
            throw fail("\(Key.log) is missing, not a list of log records, or does not hold \(adamCompleted) Adam steps")
        }
        guard let anchorLoss = Double(metadata[Key.anchorLoss] ?? ""), anchorLoss.isFinite else {
            throw fail("\(Key.anchorLoss) '\(metadata[Key.anchorLoss]?.prefix(40) ?? "missing")' is not a finite number")
        }
        func read(_ name: String, shape: [Int]) throws -> [Double] {
            let tensor: Tensor<Double>
            do { tensor = try archive.tensor(named: name) } catch { throw fail("\(error)") }
            guard tensor.shape == shape, tensor.isFinite else { throw fail("\(name) has shape \(tensor.shape) (needs \(shape)) or non-finite values") }
            return tensor.scalars
        }
        let sizes = solver.axes.count == 1 ? [solver.rows] : [solver.rows, solver.columns]
        func matrices(_ prefix: String) throws -> [DenseMatrix] {
            try sizes.enumerated().map { i, n in DenseMatrix(rows: n, columns: n, elements: try read("\(prefix).\(i)", shape: [n, n])) }
        }
        let anchor = Anchor(loss: anchorLoss, reference: ValuePreconditioner(left: try matrices(Key.anchorLeft), leftInverse: try matrices(Key.anchorLeftInverse)),
                            values: try read(Key.anchorValues, shape: solver.whitened.value.shape))
        let planned = configuration.lbfgsIterations, n = parameterCount
        var state: LBFGS<Double>.State?
        if LBFGSCheckpointState.isPresent(in: archive) {
            state = try LBFGSCheckpointState.read(from: archive, parameterCount: n, historySize: configuration.lbfgsHistory,
                                                  maximumIterations: Int.max, path: path)
        }
        var finished: (outcome: LBFGS<Double>.Outcome, iterations: Int, iterate: [Double])?
        if let text = metadata[Key.outcome] {
            guard let outcome = LBFGS<Double>.Outcome(rawValue: text), outcome != .nonFinite,
                  let iterations = Int(metadata[Key.iterations] ?? ""), iterations >= (state?.iterations ?? 0), iterations >= 0 else {
                throw fail("\(Key.outcome) '\(text.prefix(40))' / \(Key.iterations) '\(metadata[Key.iterations]?.prefix(40) ?? "missing")' do not describe a finished L-BFGS phase")
            }
            finished = (outcome, iterations, try read(Key.finalIterate, shape: [n]))
        }
        let done = finished?.iterations ?? state?.iterations ?? 0
        guard done <= planned else {
            throw fail("is past L-BFGS iteration \(done); plan at least \(done) L-BFGS iterations (--lbfgs-iterations) to resume it")
        }
        // A phase that stopped at its iteration limit continues when more iterations are planned now.
        if let end = finished, end.outcome == .iterationLimit, done < planned {
            guard let state, state.iterations == done else { throw fail("the L-BFGS state to continue from is missing") }
            finished = nil
        }
        return ResumePoint(archive: archive, path: path, log: log, adamCompleted: adamCompleted, adamOutcome: adamOutcome,
                           anchor: anchor, state: state, finished: finished)
    }

    /// Commits a verified resume point: the Adam phase's state, then this phase's log, anchor and iterate.
    func restore(_ point: ResumePoint) throws {
        try task.loadCheckpoint(point.archive, path: point.path)
        task.restore(log: point.log, completedSteps: point.adamCompleted)
        base = try Self.adamPart(of: point.archive)
        adamOutcome = point.adamOutcome
        (solver.reference, solver.whitened.value.scalars) = (point.anchor.reference, point.anchor.values)
        if let iterate = point.finished?.iterate ?? point.state?.iterate { write(iterate) }
    }

    /// `archive` without this phase's entries (the Adam phase's checkpoint it extended).
    static func adamPart(of archive: SafetensorsArchive) throws -> SafetensorsArchive {
        var part = SafetensorsArchive(metadata: archive.metadata.filter {
            !$0.key.hasPrefix(Key.prefix) && !$0.key.hasPrefix(Key.tensorPrefix)
        })
        for name in archive.names where !name.hasPrefix(Key.tensorPrefix) {
            part.add(try archive.tensor(named: name, as: Double.self), named: name)
        }
        return part
    }

    // MARK: Running

    /// Runs the phase (from `point` when resuming it) and leaves the solver at the anchor; returns the
    /// iterations done and the L-BFGS outcome.
    func run(resumingFrom point: ResumePoint?, adamOutcome outcomeOfAdam: String) throws -> (iterations: Int, outcome: String) {
        let configuration = solver.configuration, planned = configuration.lbfgsIterations
        if point == nil { adamOutcome = outcomeOfAdam }
        var anchor = point?.anchor ?? Anchor(loss: .infinity, reference: solver.reference, values: solver.whitened.value.scalars)
        if let end = point?.finished { return (end.iterations, end.outcome.rawValue) }
        if checkpointURL != nil, base == nil { base = try adamCheckpoint() }
        let optimizer = LBFGS<Double>(historySize: configuration.lbfgsHistory, gradientTolerance: 1e-12, lossChangeTolerance: 1e-13)
        var evaluations = 0, completedIterations = point?.state?.iterations ?? 0
        var lastState = point?.state
        var failure: (any Error)? = nil, writeError: (any Error)? = nil
        let report = optimizer.minimize(hyperparameters, maximumIterations: planned, resumingFrom: point?.state, iterationDidFinish: { state in
            (completedIterations, lastState) = (state.iterations, state)
            if writeError == nil, state.iterations % interval == 0 {
                do { try writeCheckpoint(state: state, anchor: anchor, finished: nil) } catch { writeError = error }
            }
        }) {
            evaluations += 1
            solver.reference = anchor.reference
            solver.whitened.value.scalars = anchor.values
            do {
                _ = try solver.solveValues(iterations: innerIterations)
                for p in solver.learnableParameters { p.zeroGradient() }
                let value = try solver.evaluateObjective().total
                if value < anchor.loss { anchor = Anchor(loss: value, reference: solver.reference, values: solver.whitened.value.scalars) }
                // Numbered by the iteration it belongs to (a line search evaluates several points), so the
                // counter never passes the planned iterations.
                task.record(phase: "lbfgs", iteration: min(completedIterations + 1, planned), totalIterations: planned, loss: value)
                return value
            } catch {
                // A non-finite point for L-BFGS (a trial step there is shortened), not a zero gradient.
                failure = error
                return .nan
            }
        }
        if let writeError { throw writeError }
        if report.outcome == .nonFinite {
            throw failure ?? GaussianProcessError.nonFinite("GP-HM objective in the L-BFGS phase (evaluation \(evaluations))")
        }
        solver.reference = anchor.reference
        solver.whitened.value.scalars = anchor.values
        try writeCheckpoint(state: lastState, anchor: anchor, finished: (report.outcome, report.iterations))
        return (report.iterations, report.outcome.rawValue)
    }

    /// The Adam phase's checkpoint on disk when it is this run's (it verifies and holds at most the
    /// steps done), else one made now from the task (0 Adam steps, or none written yet).
    private func adamCheckpoint() throws -> SafetensorsArchive {
        if let url = checkpointURL, let archive = try? SafetensorsArchive(contentsOf: url),
           (try? task.verifyCheckpoint(archive, path: url.path)) != nil,
           archive.metadata[CheckpointKey.dataFingerprint] == task.dataFingerprint,
           let epoch = Int(archive.metadata[CheckpointKey.epoch] ?? ""), epoch <= task.completedSteps {
            return try Self.adamPart(of: archive)
        }
        return try task.checkpointArchive(metadata: [
            CheckpointKey.epoch: String(task.completedSteps), CheckpointKey.bestSelection: "inf", CheckpointKey.bestEpoch: "-1",
            CheckpointKey.selection: "train-loss", CheckpointKey.dataFingerprint: task.dataFingerprint])
    }

    private func writeCheckpoint(state: LBFGS<Double>.State?, anchor: Anchor,
                                 finished: (outcome: LBFGS<Double>.Outcome, iterations: Int)?) throws {
        guard let checkpointURL, var archive = base else { return }
        archive.metadata[Key.adamIterations] = String(solver.configuration.adamIterations)
        archive.metadata[Key.adamCompleted] = String(task.completedSteps)
        archive.metadata[Key.adamOutcome] = adamOutcome
        archive.metadata[Key.log] = String(decoding: try JSONEncoder().encode(task.log), as: UTF8.self)
        archive.metadata[Key.anchorLoss] = "\(anchor.loss)"
        archive.add(Tensor(uncheckedShape: solver.whitened.value.shape, scalars: anchor.values), named: Key.anchorValues)
        for (i, matrix) in anchor.reference.left.enumerated() { archive.add(HyperparameterTask.tensor(matrix), named: "\(Key.anchorLeft).\(i)") }
        for (i, matrix) in anchor.reference.leftInverse.enumerated() { archive.add(HyperparameterTask.tensor(matrix), named: "\(Key.anchorLeftInverse).\(i)") }
        if let state { LBFGSCheckpointState.add(state, to: &archive) }
        if let finished {
            archive.metadata[Key.outcome] = finished.outcome.rawValue
            archive.metadata[Key.iterations] = String(finished.iterations)
            archive.add(Tensor(uncheckedShape: [parameterCount], scalars: hyperparameters.flatMap(\.value.scalars)), named: Key.finalIterate)
        }
        try AtomicFile.write(archive.encoded(), to: checkpointURL)
    }

    private func write(_ iterate: [Double]) {
        var offset = 0
        for parameter in hyperparameters {
            parameter.value.scalars = Array(iterate[offset..<(offset + parameter.count)])
            offset += parameter.count
        }
    }
}
