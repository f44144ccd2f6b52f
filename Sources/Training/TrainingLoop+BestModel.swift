import Foundation
import NeuralLayers
import RunSupport

/// Whether a ``TrainingLoop`` keeps the weights of its best evaluation in `best.safetensors`.
public enum BestModelFile: String, Sendable, Codable, CaseIterable {
    /// Written at every evaluation that improves the selection metric (the operators: the model chosen
    /// on the validation split, which `evaluate` and the C API load).
    case written
    /// Not written: one archive write and a rename less per improving evaluation, for runs whose "best"
    /// is unused or is the last evaluation (GP-HM's Adam phase, the PINN's). The best weights are still
    /// kept in memory for ``TrainingLoop/restoreBestParameters()`` within the process; run directories
    /// without the file stay loadable (the C API and `evaluate` fall back to `checkpoint.safetensors`).
    case notWritten
}

/// The best-model file of the ``TrainingLoop``: restoring the best evaluation, promoting the pending
/// file at the commit point, and reconciling it with the checkpoint on resume.
extension TrainingLoop {
    /// Sets the task's parameters to those of the best evaluation of the last ``run(resume:stopAfterEpoch:)``
    /// (kept in memory, or, when that epoch predates a resume, read and verified from the run directory's
    /// best file); returns its 0-based epoch, or nil (parameters unchanged) before any evaluation.
    @discardableResult
    public func restoreBestParameters() throws -> Int? {
        guard let bestEpoch = lastSummary?.bestEpoch, bestEpoch >= 0 else { return nil }
        if let bestSnapshot, bestSnapshot.epoch == bestEpoch {
            for (parameter, value) in zip(task.namedParameters.map(\.parameter), bestSnapshot.values) { parameter.value = value }
            return bestEpoch
        }
        guard let bestURL = url(Self.bestName), FileManager.default.fileExists(atPath: bestURL.path) || bestModelFile == .written else {
            throw TrainingError.checkpoint("the best epoch \(bestEpoch + 1) predates the resume and is not in memory, and \(Self.bestName) is not written (bestModelFile is \(bestModelFile))")
        }
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive(contentsOf: bestURL) } catch { throw TrainingError.checkpoint("\(bestURL.path): \(error)") }
        guard archive.metadata[CheckpointKey.modelEpoch] == String(bestEpoch) else {
            throw TrainingError.checkpoint("\(bestURL.path) holds epoch \(archive.metadata[CheckpointKey.modelEpoch] ?? "none"), not the best epoch \(bestEpoch)")
        }
        try task.verifyCheckpoint(archive, path: bestURL.path)
        try task.loadCheckpoint(archive, path: bestURL.path)
        return bestEpoch
    }

    func promotePendingBest() throws {
        guard let pending = url(Self.pendingBestName), let best = url(Self.bestName) else { return }
        guard rename(pending.path, best.path) == 0 else {
            throw TrainingError.checkpoint("cannot rename \(pending.path) to \(best.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Makes `best.safetensors` hold the checkpoint's best epoch (see the type's description).
    func reconcileBest(bestEpoch: Int, checkpointEpoch: Int, selectionState: [String: String]) throws {
        guard let pending = url(Self.pendingBestName), let best = url(Self.bestName) else { return }
        func modelEpoch(_ url: URL) -> Int? {
            guard FileManager.default.fileExists(atPath: url.path), let archive = try? SafetensorsArchive(contentsOf: url) else { return nil }
            return archive.metadata[CheckpointKey.modelEpoch].flatMap { Int($0) }
        }
        if FileManager.default.fileExists(atPath: pending.path) {
            if bestEpoch >= 0, modelEpoch(pending) == bestEpoch { try promotePendingBest() } else { try FileManager.default.removeItem(at: pending) }
        }
        guard bestEpoch >= 0, modelEpoch(best) != bestEpoch, bestEpoch == checkpointEpoch - 1 else { return }
        // The checkpoint's weights are those of its last epoch, which is the best one: write them as best.
        var state = selectionState.filter { $0.key.hasPrefix("training.") }
        state[CheckpointKey.modelEpoch] = String(bestEpoch)
        try AtomicFile.write(task.checkpointArchive(metadata: state).encoded(), to: best)
    }
}
