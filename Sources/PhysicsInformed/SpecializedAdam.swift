import Foundation
import TensorCore
import NeuralLayers

/// Adam over a fixed list of parameters, with the update loop specialized for Float and Double.
///
/// The same update as `NeuralLayers.Adam` (Kingma & Ba, ICLR 2015):
/// ```
/// m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²;   θ ← θ − η (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
/// ```
/// A PINN step on a small network is dominated by per-call overhead, so the moments live in one
/// flat buffer per parameter and the loop runs on raw pointers.
final class SpecializedAdam<Scalar: TensorScalar> {
    var learningRate: Double
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private var firstMoment: [[Scalar]]
    private var secondMoment: [[Scalar]]
    private var stepCount = 0
    let parameters: [Parameter<Scalar>]

    init(parameters: [Parameter<Scalar>], learningRate: Double) {
        self.parameters = parameters
        self.learningRate = learningRate
        firstMoment = parameters.map { [Scalar](repeating: 0, count: $0.count) }
        secondMoment = parameters.map { [Scalar](repeating: 0, count: $0.count) }
    }

    @_specialize(where Scalar == Double)
    @_specialize(where Scalar == Float)
    func step() {
        stepCount += 1
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = Scalar(1 - pow(beta1, Double(stepCount))), c2 = Scalar(1 - pow(beta2, Double(stepCount)))
        let eta = Scalar(learningRate)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            var value = parameter.value.scalars
            firstMoment[index].withUnsafeMutableBufferPointer { m in
                secondMoment[index].withUnsafeMutableBufferPointer { v in
                    gradient.scalars.withUnsafeBufferPointer { g in
                        value.withUnsafeMutableBufferPointer { p in
                            for i in 0..<p.count {
                                let gi = g[i]
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                let denominator: Scalar = (v[i] / c2).squareRoot() + eps
                                p[i] -= eta * (m[i] / c1) / denominator
                            }
                        }
                    }
                }
            }
            parameter.value = Tensor(uncheckedShape: parameter.value.shape, scalars: value)
        }
    }
}
