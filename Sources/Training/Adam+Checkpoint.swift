import Foundation
import TensorCore
import NeuralLayers

extension Adam where Scalar == Float {
    /// Adds the state of the named parameters to a checkpoint: tensors `optimizer.m.<path>`,
    /// `optimizer.v.<path>` and the step count in the metadata (`optimizer.step`; every parameter of a
    /// trained model receives the same number of updates). The format of the former `ResumableAdam`,
    /// so older checkpoints resume.
    public func save(_ parameters: [(name: String, parameter: Parameter<Float>)], into archive: inout SafetensorsArchive) {
        var steps = 0
        for (name, parameter) in parameters {
            guard let state = state(of: parameter) else { continue }
            archive.add(state.firstMoment, named: "optimizer.m." + name)
            archive.add(state.secondMoment, named: "optimizer.v." + name)
            steps = max(steps, state.stepCount)
        }
        archive.metadata["optimizer.step"] = String(steps)
    }

    /// Restores the state written by `save(_:into:)` for the named parameters (parameters without
    /// saved moments start fresh).
    public func restore(_ parameters: [(name: String, parameter: Parameter<Float>)], from archive: SafetensorsArchive) throws {
        let steps = Int(archive.metadata["optimizer.step"] ?? "0") ?? 0
        let names = Set(archive.names)
        for (name, parameter) in parameters {
            guard names.contains("optimizer.m." + name), names.contains("optimizer.v." + name) else {
                restoreState(nil, of: parameter)
                continue
            }
            let m: Tensor<Float> = try archive.tensor(named: "optimizer.m." + name)
            let v: Tensor<Float> = try archive.tensor(named: "optimizer.v." + name)
            guard m.count == parameter.count, v.count == parameter.count else {
                throw TrainingError.checkpoint("optimizer state of \(name) has \(m.count) values, the parameter \(parameter.count)")
            }
            restoreState(AdamParameterState(firstMoment: m, secondMoment: v, stepCount: steps), of: parameter)
        }
    }
}
