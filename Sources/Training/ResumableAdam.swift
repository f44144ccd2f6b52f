import Foundation
import TensorCore
import NeuralLayers

/// Adam / AdamW whose state (moments and step count) is keyed by parameter path, so it can be saved
/// in a checkpoint and restored exactly.
///
/// ```
/// m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²;   m̂ = m/(1 − β₁ᵗ);   v̂ = v/(1 − β₂ᵗ)
/// Adam:   g = ∇ + λθ,  θ ← θ − η m̂/(√v̂ + ε)
/// AdamW:  g = ∇,       θ ← θ − η (m̂/(√v̂ + ε) + λ θ)
/// ```
/// Specialized to `Float` (the training precision); the update is one fused pass per parameter.
/// References: Kingma & Ba, ICLR 2015; Loshchilov & Hutter, ICLR 2019.
public final class ResumableAdam {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    public let weightDecay: Double
    public let decoupledWeightDecay: Bool
    /// Number of updates applied so far.
    public private(set) var stepCount = 0
    var firstMoment: [String: [Float]] = [:]
    var secondMoment: [String: [Float]] = [:]

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// One update of every named parameter that has a gradient.
    public func step(_ parameters: [(name: String, parameter: Parameter<Float>)]) {
        stepCount += 1
        let t = Double(stepCount)
        let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon)
        let inverseCorrection1 = Float(1 / (1 - pow(beta1, t))), inverseCorrection2 = Float(1 / (1 - pow(beta2, t)))
        let eta = Float(learningRate), lambda = Float(weightDecay), decoupled = decoupledWeightDecay
        for (name, parameter) in parameters {
            guard let gradient = parameter.gradient else { continue }
            var m = firstMoment[name] ?? [Float](repeating: 0, count: gradient.count)
            var v = secondMoment[name] ?? [Float](repeating: 0, count: gradient.count)
            firstMoment[name] = nil; secondMoment[name] = nil   // keep the arrays uniquely referenced
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    gradient.scalars.withUnsafeBufferPointer { gp in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                            for i in 0..<p.count {
                                let g = decoupled ? gp[i] : gp[i] + lambda * p[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * g
                                vp[i] = b2 * vp[i] + (1 - b2) * g * g
                                let update = (mp[i] * inverseCorrection1) / ((vp[i] * inverseCorrection2).squareRoot() + eps)
                                p[i] -= eta * (decoupled ? update + lambda * p[i] : update)
                            }
                        }
                    }
                }
            }
            firstMoment[name] = m
            secondMoment[name] = v
        }
    }

    /// Adds the state to a checkpoint: tensors `optimizer.m.<path>`, `optimizer.v.<path>`, and the step count in the metadata.
    public func save(into archive: inout SafetensorsArchive) {
        for (name, values) in firstMoment { archive.add(Tensor<Float>(values), named: "optimizer.m." + name) }
        for (name, values) in secondMoment { archive.add(Tensor<Float>(values), named: "optimizer.v." + name) }
        archive.metadata["optimizer.step"] = String(stepCount)
    }

    /// Restores the state saved by `save(into:)`.
    public func restore(from archive: SafetensorsArchive) throws {
        var first: [String: [Float]] = [:], second: [String: [Float]] = [:]
        for name in archive.names {
            if name.hasPrefix("optimizer.m.") { first[String(name.dropFirst(12))] = try archive.tensor(named: name, as: Float.self).scalars }
            if name.hasPrefix("optimizer.v.") { second[String(name.dropFirst(12))] = try archive.tensor(named: name, as: Float.self).scalars }
        }
        firstMoment = first
        secondMoment = second
        stepCount = Int(archive.metadata["optimizer.step"] ?? "0") ?? 0
    }
}
