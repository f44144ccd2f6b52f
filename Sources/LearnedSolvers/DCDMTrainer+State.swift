import Foundation
import TensorCore
import NeuralLayers

extension DCDMTrainer {
    /// Adam's moments and step counts for every network parameter plus the number of completed steps, as a
    /// safetensors archive (tensors `<parameter>.adam_m`, `<parameter>.adam_v`; metadata `adam_t.<parameter>`
    /// and `completed_steps`). Written next to the model by `pdekit dcdm train`, so `--resume` continues with
    /// the optimizer where it stopped rather than restarting Adam's bias correction with fresh moments.
    public func optimizerStateArchive() -> SafetensorsArchive {
        var archive = SafetensorsArchive(metadata: ["completed_steps": "\(steps)", "format": "pdekit.dcdm.trainer"])
        for (name, parameter) in network.namedParameters {
            guard let state = optimizer.state(of: parameter) else { continue }
            archive.add(state.firstMoment, named: name + ".adam_m")
            archive.add(state.secondMoment, named: name + ".adam_v")
            archive.metadata["adam_t." + name] = "\(state.stepCount)"
        }
        return archive
    }

    /// Restores what `optimizerStateArchive()` wrote; returns the completed step count stored there.
    /// Throws `LearnedSolverError.invalidCheckpoint` when a tensor's size does not match its parameter.
    @discardableResult
    public func restoreOptimizerState(from archive: SafetensorsArchive, path: String = "optimizer state") throws -> Int {
        for (name, parameter) in network.namedParameters {
            guard let text = archive.metadata["adam_t." + name] else { continue }
            guard let t = Int(text), t >= 0 else { throw LearnedSolverError.invalidCheckpoint(path: path, reason: "bad step count for \(name)") }
            let m: Tensor<Float>, v: Tensor<Float>
            do {
                m = try archive.tensor(named: name + ".adam_m", as: Float.self)
                v = try archive.tensor(named: name + ".adam_v", as: Float.self)
            } catch { throw LearnedSolverError.invalidCheckpoint(path: path, reason: "missing Adam moments for \(name)") }
            guard m.count == parameter.count, v.count == parameter.count else {
                throw LearnedSolverError.invalidCheckpoint(path: path, reason: "Adam moments of \(name) have \(m.count) entries, the parameter \(parameter.count)")
            }
            optimizer.restoreState(AdamParameterState(firstMoment: m, secondMoment: v, stepCount: t), of: parameter)
        }
        let completed = Int(archive.metadata["completed_steps"] ?? "0") ?? 0
        steps = completed
        return completed
    }
}
