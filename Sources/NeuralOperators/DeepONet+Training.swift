import Foundation
import TensorCore
import AutoDiff
import NeuralLayers

extension DeepONet {
    /// One optimizer step on the mean squared error of a Cartesian-product batch (DeepXDE's loss):
    /// ```
    /// L = (1 / (B P K)) Σ (G(u_b)(y_j) − s_b(y_j))²,   θ ← optimizer(θ, ∇_θ L)
    /// ```
    /// - Returns: the loss before the step.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cartesianTrainingStep(branchInput: Tensor<Scalar>, trunkInput: Tensor<Scalar>, target: Tensor<Scalar>,
                                      optimizer: any Optimizer<Scalar>) -> Scalar {
        zeroGradients()
        let prediction = cartesian(branchInput: Variable(branchInput), trunkInput: Variable(trunkInput))
        precondition(prediction.shape == target.shape, "DeepONet target shape \(target.shape) ≠ prediction \(prediction.shape)")
        let loss = Loss.meanSquaredError(prediction, Variable(target))
        loss.backward()
        optimizer.step(parameters)
        return loss.value.scalars[0]
    }

    /// One optimizer step on the mean squared error of a triplet batch (`target` `[N, K]`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tripletTrainingStep(branchInput: Tensor<Scalar>, trunkInput: Tensor<Scalar>, target: Tensor<Scalar>,
                                    optimizer: any Optimizer<Scalar>) -> Scalar {
        zeroGradients()
        let prediction = triplet(branchInput: Variable(branchInput), trunkInput: Variable(trunkInput))
        precondition(prediction.shape == target.shape, "DeepONet target shape \(target.shape) ≠ prediction \(prediction.shape)")
        let loss = Loss.meanSquaredError(prediction, Variable(target))
        loss.backward()
        optimizer.step(parameters)
        return loss.value.scalars[0]
    }

    /// Mean over samples of `‖G(u_b) − s_b‖₂ / ‖s_b‖₂` (DeepXDE's "mean l2 relative error"),
    /// for predictions and targets `[B, …]`.
    public static func meanRelativeL2(prediction: Tensor<Scalar>, target: Tensor<Scalar>) -> Double {
        precondition(prediction.shape == target.shape, "meanRelativeL2: shapes \(prediction.shape) and \(target.shape) differ")
        let batch = max(target.shape.first ?? 1, 1), per = target.count / batch
        var total = 0.0
        for b in 0..<batch {
            var error = 0.0, norm = 0.0
            for i in b * per ..< (b + 1) * per {
                let d = Double(prediction.scalars[i]) - Double(target.scalars[i])
                error += d * d
                norm += Double(target.scalars[i]) * Double(target.scalars[i])
            }
            total += (error / max(norm, .leastNormalMagnitude)).squareRoot()
        }
        return total / Double(batch)
    }
}

extension DeepONet {
    /// Parameters and fixed tensors as a safetensors archive: trainable parameters by path, plus
    /// `pod.modes`/`pod.mean` for POD-DeepONet; metadata carries the configuration and normalization as JSON
    /// (`deeponet.configuration`, `deeponet.normalization`) besides `metadata`.
    public func parameterArchive(metadata: [String: String] = [:]) -> SafetensorsArchive {
        var metadata = metadata
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(configuration) { metadata["deeponet.configuration"] = String(decoding: data, as: UTF8.self) }
        if let normalization, let data = try? encoder.encode(normalization) {
            metadata["deeponet.normalization"] = String(decoding: data, as: UTF8.self)
        }
        var archive = SafetensorsArchive(metadata: metadata)
        for (name, parameter) in namedParameters { archive.add(parameter.value, named: name) }
        if let podBasis {
            archive.add(podBasis.modes, named: "pod.modes")
            archive.add(podBasis.mean, named: "pod.mean")
        }
        return archive
    }

    /// Rebuilds a DeepONet from an archive written by `parameterArchive(metadata:)`.
    public convenience init(archive: SafetensorsArchive) throws {
        let decoder = JSONDecoder()
        guard let text = archive.metadata["deeponet.configuration"],
              let configuration = try? decoder.decode(DeepONetConfiguration.self, from: Data(text.utf8)) else {
            throw DeepONetError.checkpoint("no readable deeponet.configuration in the metadata")
        }
        let normalization = try archive.metadata["deeponet.normalization"].map {
            try decoder.decode(DeepONetInputNormalization.self, from: Data($0.utf8))
        }
        try Self.verify(configuration, normalization: normalization)
        var podBasis: DeepONetPODBasis?
        if configuration.trunkKind == .podModes {
            let modes: Tensor<Double> = try archive.tensor(named: "pod.modes"), mean: Tensor<Double> = try archive.tensor(named: "pod.mean")
            guard modes.rank == 2, mean.count == modes.shape[0], modes.isFinite, mean.isFinite else {
                throw DeepONetError.checkpoint("pod.modes \(modes.shape) and pod.mean \(mean.shape) are not [P, K] and P finite values")
            }
            podBasis = DeepONetPODBasis(modes: modes, mean: mean, singularValues: [])
        }
        var generator = SeededRandomNumberGenerator(seed: 0)
        try self.init(configuration: configuration, normalization: normalization, podBasis: podBasis, generator: &generator)
        for (name, parameter) in namedParameters {
            let tensor: Tensor<Scalar> = try archive.tensor(named: name)
            guard tensor.shape == parameter.value.shape else {
                throw DeepONetError.checkpoint("\(name) has shape \(tensor.shape), expected \(parameter.value.shape)")
            }
            guard tensor.isFinite else { throw DeepONetError.checkpoint("\(name) contains NaN or infinity") }
            parameter.value = tensor
        }
    }

    /// Checks a configuration and normalization read from a file before anything is allocated: the
    /// configuration's own rules, an overflow-checked parameter count `Σ wᵢ wᵢ₊₁ + wᵢ₊₁` of both nets
    /// within the machine's memory (16 bytes per parameter: value, gradient, Adam's two moments), and
    /// finite statistics with positive spreads.
    static func verify(_ configuration: DeepONetConfiguration, normalization: DeepONetInputNormalization?) throws {
        try configuration.validate()
        var total = 0
        for widths in [configuration.branchWidths, configuration.trunkWidths] where widths.count >= 2 {
            for (a, b) in zip(widths, widths.dropFirst()) {
                let (weights, overflow) = a.multipliedReportingOverflow(by: b)
                let (sum, overflow2) = total.addingReportingOverflow(weights)
                guard !overflow, !overflow2 else { throw DeepONetError.checkpoint("layer widths \(widths) overflow a parameter count") }
                total = sum
            }
        }
        let (bytes, overflow) = total.multipliedReportingOverflow(by: 16)
        guard !overflow, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory else {
            throw DeepONetError.checkpoint("layer widths need \(total) parameters, more than this machine's memory holds")
        }
        if let n = normalization {
            let values = n.branchMean + n.branchStandardDeviation + n.trunkMean + n.trunkStandardDeviation
                + [n.targetMean, n.targetStandardDeviation].compactMap { $0 }
            let spreads = n.branchStandardDeviation + n.trunkStandardDeviation + [n.targetStandardDeviation].compactMap { $0 }
            guard values.allSatisfy(\.isFinite), spreads.allSatisfy({ $0 > 0 }),
                  n.branchMean.count == n.branchStandardDeviation.count, n.trunkMean.count == n.trunkStandardDeviation.count else {
                throw DeepONetError.checkpoint("deeponet.normalization has non-finite values, non-positive spreads or mismatched lengths")
            }
        }
    }
}

extension DeepONet {
    /// The current values of `parameters`, in order (tensors are values: later steps do not change them).
    public func parameterValues() -> [Tensor<Scalar>] { parameters.map(\.value) }

    /// Sets `parameters` to `values` from `parameterValues()` of a DeepONet with the same configuration.
    public func setParameterValues(_ values: [Tensor<Scalar>]) {
        let parameters = self.parameters
        precondition(values.count == parameters.count && zip(values, parameters).allSatisfy { $0.shape == $1.value.shape },
                     "setParameterValues: \(values.count) tensors do not match the \(parameters.count) parameters")
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
    }
}
