import Foundation
import TensorCore
import AutoDiff
import NeuralLayers
import RunSupport
import Training

/// The L-BFGS stage of ``PINNTrainer``: rounds of ``NeuralLayers/LBFGS`` until `lbfgsIterations` in all,
/// with its checkpoints (``PINNCheckpointing``).
///
/// DeepXDE's PyTorch L-BFGS (`set_LBFGS_options`): history 100, gtol 1e-8, ftol 0, strong Wolfe. A failed
/// line search (the curvature model went stale) does not end the stage: the history is dropped and
/// L-BFGS restarts from the current point, as long as the previous round made progress and restarts remain.
///
/// A checkpoint (every `interval` iterations, and at the end) is the Adam stage's last checkpoint with the
/// parameters at the iterate and the L-BFGS state added; the last one also names the outcome, so that a
/// resumed run either reports the finished stage or, after the iteration limit, continues it when more
/// iterations are planned.
final class PINNLBFGSStage<Scalar: TensorScalar> {
    struct Summary {
        let stop: PINNTrainer<Scalar>.StopReason
        let finalLoss: Double
        let iterations: Int
        let evaluations: Int
        let restarts: Int
        let outcome: String
    }
    typealias Key = PINNCheckpointing.Key
    typealias Record = PINNTrainer<Scalar>.Record

    let trainer: PINNTrainer<Scalar>
    let task: PINNAdamTask<Scalar>
    let checkpointing: PINNCheckpointing?
    /// What every checkpoint of this stage starts from (the Adam stage's state), nil without checkpoints.
    private var base: SafetensorsArchive?
    /// Iterations before the current round, function evaluations, restarts (all rounds).
    private var roundStart = 0, evaluations = 0, restarts = 0
    /// The state to continue the current round from (a resumed checkpoint's), then the latest one.
    private var state: LBFGS<Scalar>.State?
    /// The outcome of a resumed checkpoint written at the end of the stage.
    private var finishedOutcome: LBFGS<Scalar>.Outcome?

    init(trainer: PINNTrainer<Scalar>, task: PINNAdamTask<Scalar>, checkpointing: PINNCheckpointing?,
         resumingFrom archive: SafetensorsArchive?) throws {
        self.trainer = trainer
        self.task = task
        self.checkpointing = checkpointing
        guard let checkpointing else { return }
        if let archive {
            base = archive
            try restore(archive, path: checkpointing.checkpointURL.path)
        } else if trainer.configuration.adamIterations > 0 {
            // The Adam stage's last checkpoint (its loop state and moments stay in every later one).
            do { base = try SafetensorsArchive(contentsOf: checkpointing.checkpointURL) } catch {
                throw TrainingError.checkpoint("\(checkpointing.checkpointURL.path): \(error)")
            }
        } else {
            base = try task.checkpointArchive(metadata: [:])
        }
    }

    func run(log: (Record) -> Void, elapsed: () -> Double) throws -> Summary {
        let configuration = trainer.configuration, planned = configuration.lbfgsIterations
        let parameters = trainer.model.parameters
        let optimizer = LBFGS<Scalar>(historySize: configuration.lbfgsHistory, gradientTolerance: 1e-12, lossChangeTolerance: 0)
        var stop = PINNTrainer<Scalar>.StopReason.completed
        var outcome = finishedOutcome ?? .iterationLimit
        var iterations = roundStart + (state?.iterations ?? 0)
        var stopAfter = Int.max
        if case .lbfgsIteration(let iteration)? = checkpointing?.stopAfter { stopAfter = iteration }
        let logEvery = Swift.max(configuration.logEvery, 1), interval = Swift.max(checkpointing?.interval ?? 1, 1)
        var writeError: (any Error)? = nil
        while finishedOutcome == nil && iterations < planned {
            let limit = Swift.min(planned, Swift.max(stopAfter, iterations)) - roundStart
            let round = optimizer.minimize(parameters, maximumIterations: limit, resumingFrom: state, iterationDidFinish: { latest in
                state = latest
                if writeError == nil, (roundStart + latest.iterations) % interval == 0 {
                    do { try writeCheckpoint(outcome: nil) } catch { writeError = error }
                }
            }) {
                let (total, parts) = trainer.loss()
                total.backward()
                evaluations += 1
                let value = Double(total.value.scalars[0])
                if evaluations % logEvery == 0 || evaluations == 1 {
                    // Numbered by the iteration it belongs to (a line search evaluates several points),
                    // so the counter never passes the planned iterations.
                    let iteration = Swift.min(roundStart + (state?.iterations ?? 0) + 1, planned)
                    log(Record(stage: .lbfgs, step: iteration, stageSteps: planned, loss: value, termLosses: parts, elapsedSeconds: elapsed()))
                }
                return value
            }
            if let writeError { throw writeError }
            iterations = roundStart + round.iterations
            outcome = round.outcome
            if round.outcome == .nonFinite {
                stop = .nonFiniteLoss(stage: .lbfgs, step: evaluations)
                break
            }
            if round.outcome == .iterationLimit && iterations >= stopAfter && iterations < planned {
                try writeCheckpoint(outcome: nil)
                return Summary(stop: .interrupted(stage: .lbfgs, step: iterations), finalLoss: round.finalLoss, iterations: iterations,
                               evaluations: evaluations, restarts: restarts, outcome: outcome.rawValue)
            }
            guard round.outcome == .lineSearchFailed, round.iterations > 0, restarts < configuration.lbfgsRestarts else { break }
            restarts += 1
            roundStart = iterations
            state = nil
        }
        // Log the final state (a resumed finished stage logged it before its checkpoint).
        let (total, parts) = GradientRecording.with(enabled: true) { trainer.loss() }
        let finalLoss = Double(total.value.scalars[0])
        if !finalLoss.isFinite && stop == .completed { stop = .nonFiniteLoss(stage: .lbfgs, step: evaluations) }
        if finishedOutcome == nil {
            log(Record(stage: .lbfgs, step: iterations, stageSteps: planned, loss: finalLoss, termLosses: parts, elapsedSeconds: elapsed()))
            if stop == .completed { try writeCheckpoint(outcome: outcome) }
        }
        return Summary(stop: stop, finalLoss: finalLoss, iterations: iterations, evaluations: evaluations, restarts: restarts,
                       outcome: outcome.rawValue)
    }

    /// Writes the checkpoint: the current parameters and the L-BFGS state (and `outcome` at the end).
    private func writeCheckpoint(outcome: LBFGS<Scalar>.Outcome?) throws {
        guard let checkpointing, var archive = base else { return }
        for (name, parameter) in task.namedParameters { archive.add(parameter.value, named: name) }
        archive.metadata[Key.stage] = PINNTrainingStage.lbfgs.rawValue
        archive.metadata[Key.lbfgsRoundStart] = String(roundStart)
        archive.metadata[Key.lbfgsEvaluations] = String(evaluations)
        archive.metadata[Key.lbfgsRestarts] = String(restarts)
        archive.metadata[Key.lbfgsOutcome] = outcome?.rawValue
        // One format (Training's): the previous state's keys, and a pre-change checkpoint's own keys, go.
        for key in [LBFGSCheckpointState.lossKey, LBFGSCheckpointState.pairsKey, LBFGSCheckpointState.iterationsKey] + Key.legacyLBFGSState {
            archive.metadata[key] = nil
        }
        if let state { LBFGSCheckpointState.add(state, to: &archive) }
        try AtomicFile.write(archive.encoded(), to: checkpointing.checkpointURL)
    }

    /// Reads and checks the L-BFGS state of a checkpoint (the parameters were loaded with the Adam stage's).
    private func restore(_ archive: SafetensorsArchive, path: String) throws {
        let metadata = archive.metadata, planned = trainer.configuration.lbfgsIterations
        func count(_ key: String) throws -> Int {
            guard let value = Int(metadata[key] ?? ""), value >= 0 else {
                throw TrainingError.checkpoint("\(path): \(key) '\(metadata[key]?.prefix(40) ?? "missing")' is not a count")
            }
            return value
        }
        (roundStart, evaluations, restarts) = (try count(Key.lbfgsRoundStart), try count(Key.lbfgsEvaluations), try count(Key.lbfgsRestarts))
        if let text = metadata[Key.lbfgsOutcome] {
            guard let outcome = LBFGS<Scalar>.Outcome(rawValue: text) else { throw TrainingError.checkpoint("\(path): unknown L-BFGS outcome '\(text.prefix(40))'") }
            finishedOutcome = outcome
        }
        let legacy = PINNCheckpointing.withLegacyLBFGSStateKeysRenamed(archive)
        if LBFGSCheckpointState.isPresent(in: legacy) {
            let n = trainer.model.parameters.reduce(0) { $0 + $1.count }
            state = try LBFGSCheckpointState.read(from: legacy, parameterCount: n, historySize: trainer.configuration.lbfgsHistory,
                                                  maximumIterations: Int.max, path: path)
        }
        let done = roundStart + (state?.iterations ?? 0)
        guard done <= planned else {
            throw TrainingError.checkpoint("\(path) is past L-BFGS iteration \(done); plan at least \(done) L-BFGS iterations to resume it")
        }
        // A stage that stopped at its iteration limit continues when more iterations are planned now.
        if finishedOutcome == .iterationLimit && done < planned {
            guard state != nil else { throw TrainingError.checkpoint("\(path): the L-BFGS state to continue from is missing") }
            finishedOutcome = nil
        }
    }
}
