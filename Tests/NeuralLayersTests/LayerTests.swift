import TestSupport
import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers

/// Layers: shapes, parameter paths, and gradients reaching every parameter (checked against
/// Float64 finite differences).
@Suite struct LayerTests {
    /// Finite-difference check of a layer's loss with respect to its input and every parameter.
    func expectLayerGradients<L: Layer>(_ layer: L, input: Tensor<Double>, _ name: String) where L.Scalar == Double {
        var generator = SeededRandomNumberGenerator(seed: 77)
        let probe = Tensor<Double>.normal(layer.inference(input).shape, using: &generator)
        let parameters = layer.parameters
        // Each parameter through its own graph leaf, against central differences.
        for (index, parameter) in parameters.enumerated() {
            let base = parameter.value
            layer.zeroGradients()
            (layer(Variable(input)) * probe).sum().backward()
            guard let analytic = parameter.gradient else {
                Issue.record("\(name): no gradient reached parameter \(index)")
                continue
            }
            #expect(analytic.shape == base.shape)
            var worst = 0.0
            for i in stride(from: 0, to: base.count, by: max(1, base.count / 25)) {
                func loss(_ delta: Double) -> Double {
                    parameter.value.scalars[i] = base.scalars[i] + delta
                    defer { parameter.value = base }
                    return (layer.inference(input) * probe).sum()
                }
                let numeric = (loss(1e-6) - loss(-1e-6)) / 2e-6
                worst = maxOrNaN(worst, abs(numeric - analytic.scalars[i]) / max(1, abs(numeric)))
            }
            #expect(worst < 1e-6, "\(name) parameter \(index): error \(worst)")
        }
        let inputCheck = GradientCheck.check(at: [input]) { v in (layer(v[0]) * probe).sum() }
        #expect(inputCheck.maximumError < 1e-6, "\(name) input: \(inputCheck)")
    }

    @Test func linearAndMLP() {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let linear = Linear<Double>(inputFeatures: 3, outputFeatures: 4, generator: &generator)
        let x = Tensor<Double>.normal([2, 5, 3], using: &generator)
        #expect(linear.inference(x).shape == [2, 5, 4])
        expectLayerGradients(linear, input: x, "linear")
        for activation in Activation.allCases {
            let mlp = MultilayerPerceptron<Double>(widths: [3, 6, 2], activation: activation, generator: &generator)
            expectLayerGradients(mlp, input: x, "mlp \(activation)")
        }
        let mlp = MultilayerPerceptron<Double>(widths: [3, 6, 5, 2], activation: .tanh, generator: &generator)
        #expect(mlp.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                                     "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        #expect(mlp.parameterCount == 3 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2)
    }

    @Test(arguments: PaddingMode.allCases)
    func convolutionLayers(mode: PaddingMode) {
        var generator = SeededRandomNumberGenerator(seed: 2)
        let conv1 = Convolution<Double>(inputChannels: 2, outputChannels: 3, kernelSize: [3], padding: [1],
                                        paddingMode: mode, generator: &generator)
        let x1 = Tensor<Double>.normal([2, 2, 7], using: &generator)
        #expect(conv1.inference(x1).shape == [2, 3, 7])
        expectLayerGradients(conv1, input: x1, "conv1d \(mode)")
        let conv2 = Convolution<Double>(inputChannels: 2, outputChannels: 2, kernelSize: [3, 3], stride: [2],
                                        padding: [1], paddingMode: mode, generator: &generator)
        let x2 = Tensor<Double>.normal([2, 2, 6, 5], using: &generator)
        #expect(conv2.inference(x2).shape == [2, 2, 3, 3])
        expectLayerGradients(conv2, input: x2, "conv2d \(mode)")
        let conv3 = Convolution<Double>(inputChannels: 1, outputChannels: 2, kernelSize: [2, 3, 3], padding: [0, 1, 1],
                                        paddingMode: mode, generator: &generator)
        let x3 = Tensor<Double>.normal([1, 1, 4, 4, 3], using: &generator)
        #expect(conv3.inference(x3).shape == [1, 2, 3, 4, 3])
        expectLayerGradients(conv3, input: x3, "conv3d \(mode)")
    }

    @Test func circularPaddingIsPeriodic() {
        // A periodic convolution commutes with a cyclic shift of its input.
        var generator = SeededRandomNumberGenerator(seed: 3)
        let conv = Convolution<Double>(inputChannels: 1, outputChannels: 1, kernelSize: [3, 3], padding: [1],
                                       paddingMode: .circular, useBias: false, generator: &generator)
        let x = Tensor<Double>.normal([1, 1, 6, 6], using: &generator)
        let shift: (Tensor<Double>) -> Tensor<Double> = { t in
            t.gathered(indexMaps: [[0], [0], (0..<6).map { ($0 + 2) % 6 }, (0..<6).map { ($0 + 1) % 6 }])
        }
        #expect((conv.inference(shift(x)) - shift(conv.inference(x))).l2Norm() < 1e-12)
    }

    @Test func transposedConvolutionIsTheAdjointOfConvolution() {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let up = ConvolutionTranspose<Double>(inputChannels: 3, outputChannels: 2, kernelSize: [4, 4], stride: [2],
                                              padding: [1], useBias: false, generator: &generator)
        let x = Tensor<Double>.normal([2, 3, 5, 4], using: &generator)
        let y = up.inference(x)
        #expect(y.shape == [2, 2, 10, 8])   // (I − 1)·2 − 2 + 4
        // <up(x), z> = <x, C(z)> with C the strided convolution sharing the weight.
        let z = Tensor<Double>.normal(y.shape, using: &generator)
        let geometry = ConvolutionGeometry(inputSize: [10, 8], kernelSize: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1])
        let lhs = (y * z).sum(), rhs = (x * Tensor.convolution(z, weight: up.weight.value, geometry: geometry)).sum()
        #expect(abs(lhs - rhs) < 1e-10)
        let withBias = ConvolutionTranspose<Double>(inputChannels: 3, outputChannels: 2, kernelSize: [4, 4], stride: [2],
                                                    padding: [1], generator: &generator)
        withBias.bias!.value = Tensor([0.3, -0.2])
        expectLayerGradients(withBias, input: x, "convTranspose2d")
    }
}
