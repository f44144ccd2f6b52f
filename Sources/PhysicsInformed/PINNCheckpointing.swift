import Foundation
import NeuralLayers
import Training

/// Where a ``PINNTrainer`` run keeps its checkpoint, how often it writes one, and whether it continues
/// from the one it finds.
///
/// One file, `checkpoint.safetensors` (``Training/TrainingLoop``'s checkpoint), holds the whole state:
/// ```
/// Adam stage:   network and scalar parameters, collocation points of every term (RAR grows them),
///               the resampling stream, TrainingLoop's epoch and Adam moments       (every `interval` steps)
/// L-BFGS stage: the same, with the parameters at the iterate, plus the L-BFGS state of the current
///               round (``Training/LBFGSCheckpointState``: iterate, loss, gradient, curvature pairs
///               (s_i, y_i), iterations) and pinn.lbfgs_round_start, _evaluations, _restarts (_outcome)
///                                                       (every `interval` iterations and at the end)
/// ```
/// A resumed run repeats the uninterrupted one bitwise: the same parameters, points, optimizer states
/// and records (records' elapsed times excepted). The planned step counts may grow on resume (Adam only
/// while the checkpoint is still in the Adam stage); every other setting must match the checkpoint's.
public struct PINNCheckpointing: Sendable {
    /// The run directory (created if need be).
    public var directory: URL
    /// Adam steps, and L-BFGS iterations, between checkpoints.
    public var interval: Int
    /// Continue from the directory's checkpoint when there is one.
    public var resume: Bool
    /// End the run after the checkpoint at this point (an interrupted run, for tests of resuming).
    public var stopAfter: PINNTrainingPoint?

    public init(directory: URL, interval: Int = 1000, resume: Bool = false, stopAfter: PINNTrainingPoint? = nil) {
        self.directory = directory
        self.interval = interval
        self.resume = resume
        self.stopAfter = stopAfter
    }

    public var checkpointURL: URL { directory.appendingPathComponent(TrainingLoop<PINNAdamTask<Double>>.checkpointName) }

    /// The last logged point of the checkpoint in `directory` (records past it were written by a run
    /// that did not commit them), or nil without a checkpoint. An unreadable checkpoint is left to the
    /// trainer's verification, which reports it.
    public static func loggedPoint(in directory: URL) -> (stage: PINNTrainingStage, step: Int)? {
        let url = directory.appendingPathComponent(TrainingLoop<PINNAdamTask<Double>>.checkpointName)
        guard let archive = try? SafetensorsArchive(contentsOf: url) else { return nil }
        if archive.metadata[Key.stage] == PINNTrainingStage.lbfgs.rawValue {
            // A pre-change checkpoint's run numbered L-BFGS records by function evaluation.
            if archive.metadata[Key.legacyLBFGSState[0]] != nil { return Int(archive.metadata[Key.lbfgsEvaluations] ?? "").map { (.lbfgs, $0) } }
            // L-BFGS records are numbered by iteration: the rounds before the current one and its iterations.
            let metadata = archive.metadata
            guard let roundStart = Int(metadata[Key.lbfgsRoundStart] ?? "") else { return nil }
            let inRound = metadata[LBFGSCheckpointState.iterationsKey].map { Int($0) ?? 0 } ?? 0
            let (done, overflow) = roundStart.addingReportingOverflow(inRound)
            return overflow ? nil : (.lbfgs, done)
        }
        return Int(archive.metadata[CheckpointKey.epoch] ?? "").map { (.adam, $0) }
    }

    /// Metadata keys of the PINN state in a checkpoint.
    enum Key {
        static let stage = "pinn.stage"
        static let trainer = "pinn.trainer"
        static let generator = "pinn.resampling_generator"
        static let lastLoss = "pinn.adam_last_loss"
        static let termCount = "pinn.terms"
        static let lbfgsRoundStart = "pinn.lbfgs_round_start"
        static let lbfgsEvaluations = "pinn.lbfgs_evaluations"
        static let lbfgsRestarts = "pinn.lbfgs_restarts"
        static let lbfgsOutcome = "pinn.lbfgs_outcome"
        /// The L-BFGS state's keys of checkpoints written before PINN used ``Training/LBFGSCheckpointState``
        /// (round iterations, loss, pairs; the tensors had the same names): read, never written.
        static let legacyLBFGSState = ["pinn.lbfgs_round_iterations", "pinn.lbfgs_loss", "pinn.lbfgs_pairs"]
    }

    /// `archive` with a pre-change checkpoint's L-BFGS state keys (``Key/legacyLBFGSState``) under
    /// ``Training/LBFGSCheckpointState``'s names, so that runs checkpointed the old way resume; an archive
    /// already in the one format is returned unchanged.
    static func withLegacyLBFGSStateKeysRenamed(_ archive: SafetensorsArchive) -> SafetensorsArchive {
        guard !LBFGSCheckpointState.isPresent(in: archive), archive.metadata[Key.legacyLBFGSState[0]] != nil else { return archive }
        var renamed = archive
        let current = [LBFGSCheckpointState.iterationsKey, LBFGSCheckpointState.lossKey, LBFGSCheckpointState.pairsKey]
        for (old, new) in zip(Key.legacyLBFGSState, current) {
            renamed.metadata[new] = renamed.metadata[old]
            renamed.metadata[old] = nil
        }
        return renamed
    }
}

/// The optimizer stage of a PINN run.
public enum PINNTrainingStage: String, Sendable, Codable, Comparable {
    case adam, lbfgs
    public static func < (a: Self, b: Self) -> Bool { a == .adam && b == .lbfgs }
}

/// A point at which a run can be stopped after its checkpoint (tests of resuming).
public enum PINNTrainingPoint: Sendable, Equatable {
    /// After this Adam step (1-based).
    case adamStep(Int)
    /// After this L-BFGS iteration (counted over restarts).
    case lbfgsIteration(Int)
}
