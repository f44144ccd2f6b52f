import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers
import PhysicsInformed

/// Input derivatives against finite differences, and the Taylor-jet path against the tape path.
@Suite struct DerivativeTests {
    /// Second derivatives of a tanh network through the tape match central differences of the network.
    @Test func tapeDerivativesMatchFiniteDifferences() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let box = Box(lower: [-1, 0], upper: [1, 1])
        let model = PINNModel<Double>(domain: box, configuration: .init(hiddenWidths: [8, 8]), generator: &generator)
        model.usesTaylorJets = false
        let points: [Double] = [0.3, 0.2, -0.7, 0.9, 0.1, 0.5]
        let derivatives = model.derivatives(at: .points(points, dimension: 2))
        let h = 1e-4
        for p in 0..<3 {
            for axis in 0..<2 {
                func u(_ delta: Double) -> Double {
                    var q = Array(points[(2 * p)..<(2 * p + 2)]); q[axis] += delta
                    return model.predict(.points(q, dimension: 2)).scalars[0]
                }
                let first = (u(h) - u(-h)) / (2 * h)
                let second = (u(h) - 2 * u(0) + u(-h)) / (h * h)
                #expect(abs(derivatives.first(axis).value.scalars[p] - first) < 1e-7)
                #expect(abs(derivatives.second(axis).value.scalars[p] - second) < 1e-5)
            }
        }
    }

    /// The hand-written jet propagation and its reverse pass agree with differentiating twice
    /// through the tape, with normalization, a periodic axis, Fourier features and a trial function.
    @Test(arguments: [Activation.tanh, .sin])
    func taylorJetsMatchTheTape(activation: Activation) {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let box = Box(lower: [-1, 0], upper: [1, 2])
        let trial = TrialFunction<Double>(name: "test", offset: { x in TrialFunction.column(x, 0).sin() }) { x in
            let t = TrialFunction.column(x, 1)
            return t * (1 - TrialFunction.column(x, 0) * TrialFunction.column(x, 0))
        }
        let model = PINNModel<Double>(domain: box, configuration: .init(hiddenWidths: [6, 5], activation: activation,
                                                                        normalizesInput: true, fourierFeatures: (3, 1.0), periodicAxes: [0]),
                                      trialFunction: trial, generator: &generator)
        let points = Tensor<Double>.points(CollocationSampling.uniform.sample(count: 7, in: box, generator: &generator), dimension: 2)
        func evaluate(jets: Bool) -> (values: [Double], gradients: [Double]) {
            model.usesTaylorJets = jets
            for p in model.parameters { p.zeroGradient() }
            let u = model.derivatives(at: points)
            // A Burgers-like residual mixing all outputs.
            let r = u.first(1) + u.value * u.first(0) - u.second(0) * 0.1 + u.second(1) * 0.3
            (r * r).mean().backward()
            let values = u.value.value.scalars + u.first(0).value.scalars + u.first(1).value.scalars
                + u.second(0).value.scalars + u.second(1).value.scalars
            return (values, model.parameters.flatMap { $0.gradient!.scalars })
        }
        let tape = evaluate(jets: false), jets = evaluate(jets: true)
        #expect(model.isUsingTaylorJets)
        for (a, b) in zip(tape.values, jets.values) { #expect(abs(a - b) < 1e-10 * max(1, abs(a))) }
        for (a, b) in zip(tape.gradients, jets.gradients) { #expect(abs(a - b) < 1e-9 * max(1, abs(a))) }
        // Only the second derivatives a residual uses (Burgers: ∂²/∂x² alone; first derivatives only).
        for axes in [[0], [1], []] {
            func partial(jets: Bool) -> (values: [Double], gradients: [Double]) {
                model.usesTaylorJets = jets
                for p in model.parameters { p.zeroGradient() }
                let u = model.derivatives(at: points, secondAxes: axes)
                var r = u.first(1) + u.value * u.first(0)
                for axis in axes { r = r - u.second(axis) * 0.1 }
                (r * r).mean().backward()
                let values = u.value.value.scalars + u.first(0).value.scalars + u.first(1).value.scalars
                    + axes.flatMap { u.second($0).value.scalars }
                return (values, model.parameters.flatMap { $0.gradient!.scalars })
            }
            let tapePartial = partial(jets: false), jetPartial = partial(jets: true)
            #expect(tapePartial.values.count == jetPartial.values.count)
            for (a, b) in zip(tapePartial.values, jetPartial.values) { #expect(abs(a - b) < 1e-10 * max(1, abs(a)), "axes \(axes)") }
            for (a, b) in zip(tapePartial.gradients, jetPartial.gradients) { #expect(abs(a - b) < 1e-9 * max(1, abs(a)), "axes \(axes)") }
        }
        // Plain values agree too.
        model.usesTaylorJets = true
        let plain = model.values(at: points).value.scalars
        for (a, b) in zip(plain, model.predict(points).scalars) { #expect(abs(a - b) < 1e-12) }
    }
}
