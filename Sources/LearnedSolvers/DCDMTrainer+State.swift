import Foundation
import TensorCore
import NeuralLayers

extension DCDMTrainer {
    /// Adam's moments and step count for every network parameter plus the number of completed steps, as a
    /// safetensors archive in PDEKit's one Adam checkpoint format (``Adam/save(_:into:)``: tensors
    /// `optimizer.m.<parameter>`, `optimizer.v.<parameter>`, metadata `optimizer.step`) plus `completed_steps`.
    /// Written next to the model by `pdekit dcdm train`, so `--resume` continues with the optimizer where it
    /// stopped rather than restarting Adam's bias correction with fresh moments.
    public func optimizerStateArchive() -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: ["completed_steps": "\(steps)", "format": "pdekit.dcdm.trainer"])
        optimizer.save(network.namedParameters, into: &archive)
        return archive
    }

    /// Restores what `optimizerStateArchive()` wrote (or the former `<parameter>.adam_m`/`.adam_v`/`adam_t.<parameter>`
    /// form); returns the completed step count stored there. Everything is checked before anything changes:
    /// throws `LearnedSolverError.invalidCheckpoint` for moments of the wrong size, non-finite moments or a
    /// step count outside `0…2⁴⁰`.
    @discardableResult
    public func restoreOptimizerState(from archive: SafetensorsArchive, path: String = "optimizer state") throws -> Int {
        let named = network.namedParameters
        let states: [AdamParameterState<Float>?]
        do { states = try Adam<Float>.checkpointStates(for: named, in: archive) } catch {
            throw LearnedSolverError.invalidCheckpoint(path: path, reason: "\(error)")
        }
        guard let completed = Int(archive.metadata["completed_steps"] ?? "0"), (0...Adam<Float>.maximumCheckpointStep).contains(completed) else {
            throw LearnedSolverError.invalidCheckpoint(path: path, reason: "completed_steps '\(archive.metadata["completed_steps"] ?? "")' is not a step count")
        }
        optimizer.restore(states, of: named)
        steps = completed
        return completed
    }
}
