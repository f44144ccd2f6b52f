import AutoDiff
import NeuralLayers
import TensorCore
import TestSupport
import Testing

/// Largest mismatch between backpropagated parameter gradients of `Σ probe ⊙ layer(x)` and central
/// differences (step 1e-6); NaN-propagating. Parameters named in `unused` must get no (or a zero)
/// gradient and leave the loss unchanged.
func parameterGradientError<L: Layer>(_ layer: L, input x: Tensor<Double>, probe: Tensor<Double>, unused: Set<String> = [])
-> Double where L.Scalar == Double {
    func loss() -> Variable<Double> { (layer(Variable(x)) * Variable(probe)).sum() }
    layer.zeroGradients()
    loss().backward()
    let h = 1e-6
    var worst = 0.0
    for (name, parameter) in layer.namedParameters {
        if unused.contains(name) {
            #expect(parameter.gradient?.scalars.allSatisfy { $0 == 0 } ?? true, "\(name) is never applied")
            let before = GradientRecording.withoutRecording { loss().value.scalar }
            let original = parameter.value.scalars[0]
            parameter.value.scalars[0] = original + 1
            #expect(GradientRecording.withoutRecording { loss().value.scalar } == before, "\(name) changes the loss")
            parameter.value.scalars[0] = original
            continue
        }
        guard let gradient = parameter.gradient else { Issue.record("no gradient for \(name)"); return .nan }
        if !gradient.scalars.contains(where: { $0 != 0 }) { Issue.record("zero gradient for \(name)") }
        for index in 0..<parameter.count {
            let original = parameter.value.scalars[index]
            parameter.value.scalars[index] = original + h
            let plus = GradientRecording.withoutRecording { loss().value.scalar }
            parameter.value.scalars[index] = original - h
            let minus = GradientRecording.withoutRecording { loss().value.scalar }
            parameter.value.scalars[index] = original
            let numeric = (plus - minus) / (2 * h)
            worst = maxOrNaN(worst, abs(numeric - gradient.scalars[index]) / max(1, abs(numeric)))
        }
    }
    return worst
}
