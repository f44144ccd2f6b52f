import Foundation
import Testing
import TensorCore
import AutoDiff

/// Every pullback against Float64 central differences, and second derivatives (gradients of
/// gradients) for the operations a PINN differentiates twice.
@Suite struct PullbackTests {
    func random(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor<Double> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor.normal(shape, standardDeviation: scale, using: &generator)
    }
    func positive(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor.uniform(shape, lowerBound: 0.5, upperBound: 2, using: &generator)
    }
    /// A fixed random projection makes any output a scalar with non-trivial seed gradients.
    func project(_ v: Variable<Double>, seed: UInt64) -> Variable<Double> {
        (v * random(v.shape, seed: seed)).sum()
    }
    func expectGradient(_ name: String, _ inputs: [Tensor<Double>], tolerance: Double = 1e-6,
                        _ f: @escaping ([Variable<Double>]) -> Variable<Double>) {
        let result = GradientCheck.check(at: inputs) { project(f($0), seed: 99) }
        #expect(result.maximumError < tolerance, "\(name): \(result)")
    }

    @Test func arithmeticWithBroadcasting() {
        let a = random([2, 3, 4], seed: 1), b = random([3, 1], seed: 2), c = positive([4], seed: 3)
        expectGradient("add", [a, b]) { $0[0] + $0[1] }
        expectGradient("subtract", [a, b]) { $0[0] - $0[1] }
        expectGradient("multiply", [a, b]) { $0[0] * $0[1] }
        expectGradient("divide", [a, c]) { $0[0] / $0[1] }
        expectGradient("negate and scalars", [a]) { (2.5 - $0[0] * 3 + 1) / 2 }
        expectGradient("broadcast", [b]) { $0[0].broadcast(toShape: [2, 3, 4]) }
        expectGradient("sumToShape", [a]) { $0[0].summed(toShape: [3, 1]) }
    }

    @Test func elementwiseFunctions() {
        let x = random([3, 5], seed: 4), p = positive([3, 5], seed: 5)
        expectGradient("exp", [x]) { $0[0].exp() }
        expectGradient("log", [p]) { $0[0].log() }
        expectGradient("sin", [x]) { $0[0].sin() }
        expectGradient("cos", [x]) { $0[0].cos() }
        expectGradient("tanh", [x]) { $0[0].tanh() }
        expectGradient("sigmoid", [x]) { $0[0].sigmoid() }
        expectGradient("relu", [x]) { $0[0].relu() }
        expectGradient("erf", [x]) { $0[0].erf() }
        expectGradient("gelu", [x]) { $0[0].gelu() }
        expectGradient("silu", [x]) { $0[0].silu() }
        expectGradient("sqrt", [p]) { $0[0].squareRoot() }
        expectGradient("power", [p]) { $0[0].power(2.5) }
        expectGradient("abs", [x]) { $0[0].absoluteValue() }
    }

    @Test func reductionsAndShapes() {
        let a = random([2, 3, 4], seed: 6), b = random([2, 2, 4], seed: 7)
        expectGradient("sum", [a]) { $0[0].sum() * $0[0].sum() }
        expectGradient("mean", [a]) { $0[0].mean().exp() }
        expectGradient("sum along axes", [a]) { $0[0].sum(alongAxes: [0, 2]) }
        expectGradient("mean along axes keeping", [a]) { $0[0].mean(alongAxes: [1], keepingDimensions: true) * $0[0] }
        expectGradient("reshape", [a]) { $0[0].reshaped([4, -1]) }
        expectGradient("permute", [a]) { $0[0].permuted([2, 0, 1]) }
        expectGradient("slice", [a]) { $0[0].sliced([0..<1, 1..<3, nil]) }
        for mode in PaddingMode.allCases {
            expectGradient("pad \(mode)", [a]) { $0[0].padded(before: [0, 2, 1], after: [1, 1, 2], mode: mode) }
        }
        expectGradient("concatenate", [a, b]) { Variable.concatenated([$0[0], $0[1]], alongAxis: 1) }
    }

    @Test func matrixProducts() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = random(ta ? [2, 4, 3] : [2, 3, 4], seed: 8), b = random(tb ? [5, 4] : [4, 5], seed: 9)
            expectGradient("matmul shared B \(ta) \(tb)", [a, b]) { Variable.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            let c = random(tb ? [2, 5, 4] : [2, 4, 5], seed: 10)
            expectGradient("matmul batched \(ta) \(tb)", [a, c]) { Variable.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
        for (ca, cb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = random(ca ? [3, 4, 2, 2] : [3, 2, 4, 2], seed: 11), b = random(cb ? [5, 4, 2] : [4, 5, 2], seed: 12)
            expectGradient("complexMatmul \(ca) \(cb)", [a, b]) {
                Variable.complexMatmul($0[0], $0[1], conjugateTransposeA: ca, conjugateTransposeB: cb)
            }
        }
        let u = random([3, 1, 4, 2], seed: 13), v = random([2, 4, 2], seed: 14)
        expectGradient("complexMultiply", [u, v]) { Variable.complexMultiply($0[0], $0[1]) }
    }

    @Test(arguments: [[10], [9], [6, 8], [5, 7], [4, 4, 6]])
    func realFFTs(sizes: [Int]) {
        let x = random([2] + sizes, seed: 15)
        expectGradient("rfft \(sizes)", [x]) { $0[0].rfft(dimensionCount: sizes.count) }
        let spectrumShape = Tensor<Double>.halfSpectrumShape(realShape: [2] + sizes, dimensionCount: sizes.count)
        let spectrum = random(spectrumShape, seed: 16)   // deliberately not Hermitian on the edge planes
        expectGradient("irfft \(sizes)", [spectrum]) { $0[0].irfft(dimensionCount: sizes.count, lastSize: sizes.last!) }
    }

    @Test(arguments: [1, 2, 3])
    func convolutions(spatialRank: Int) {
        let sizes = Array([6, 5, 4].prefix(spatialRank)), kernel = Array([3, 2, 3].prefix(spatialRank))
        let geometry = ConvolutionGeometry(inputSize: sizes, kernelSize: kernel, stride: Array([2, 1, 1].prefix(spatialRank)),
                                           padding: Array([1, 1, 1].prefix(spatialRank)), dilation: Array([1, 1, 1].prefix(spatialRank)))
        let x = random([2, 2] + sizes, seed: 17), w = random([3, 2] + kernel, seed: 18)
        let g = random([2, 3] + geometry.outputSize, seed: 19)
        expectGradient("convolution", [x, w]) { Variable.convolution($0[0], weight: $0[1], geometry: geometry) }
        expectGradient("convolutionTransposed", [g, w]) { Variable.convolutionTransposed($0[0], weight: $0[1], geometry: geometry) }
        expectGradient("convolutionWeightGradient", [x, g]) {
            Variable.convolutionWeightGradient($0[0], outputGradient: $0[1], geometry: geometry)
        }
    }

    /// Second order: the gradient of `x ↦ ⟨r, ∇ₓf(x, θ)⟩` in both `x` and `θ`, through `createGraph`.
    @Test func secondDerivativesOfPINNOperations() {
        let x = random([4, 2], seed: 20, scale: 0.7), w1 = random([2, 6], seed: 21, scale: 0.8)
        let w2 = random([6, 1], seed: 22, scale: 0.8), b1 = random([6], seed: 23)
        let activations: [(String, (Variable<Double>) -> Variable<Double>)] = [
            ("tanh", { $0.tanh() }), ("sin", { $0.sin() }), ("sigmoid", { $0.sigmoid() }),
            ("gelu", { $0.gelu() }), ("silu", { $0.silu() }), ("exp", { ($0 * 0.3).exp() }),
            ("square", { $0.squared() }), ("cos", { $0.cos() }),
        ]
        for (name, activation) in activations {
            let network: ([Variable<Double>]) -> Variable<Double> = { v in
                Variable.matmul(activation(Variable.matmul(v[0], v[1]) + v[3]), v[2])
            }
            // First derivative in x, kept differentiable, then projected.
            let result = GradientCheck.check(at: [x, w1, w2, b1], stepSize: 1e-5) { v in
                let u = network(v)
                let ux = gradients(of: u.sum(), withRespectTo: [v[0]], createGraph: true)[0]
                return (ux * random([4, 2], seed: 24)).sum()
            }
            #expect(result.maximumError < 1e-6, "second order \(name): \(result)")
        }
        // Laplacian-style: the second derivative ∂²u/∂x₀², then its gradient in the weights.
        let laplacianCheck = GradientCheck.check(at: [x, w1, w2, b1], stepSize: 1e-4) { v in
            let u = Variable.matmul((Variable.matmul(v[0], v[1]) + v[3]).tanh(), v[2])
            let ux = gradients(of: u.sum(), withRespectTo: [v[0]], createGraph: true)[0]
            let uxx = gradients(of: ux.sliced(alongAxis: 1, 0..<1).sum(), withRespectTo: [v[0]], createGraph: true)[0]
            return (uxx.sliced(alongAxis: 1, 0..<1) * uxx.sliced(alongAxis: 1, 0..<1)).sum()
        }
        #expect(laplacianCheck.maximumError < 1e-5, "third order through tanh: \(laplacianCheck)")
    }

    @Test func secondDerivativesThroughFFTAndConvolution() {
        let x = random([1, 2, 8], seed: 25, scale: 0.5)
        let geometry = ConvolutionGeometry(inputSize: [8], kernelSize: [3], stride: [1], padding: [1], dilation: [1])
        let w = random([2, 2, 3], seed: 26, scale: 0.5)
        let result = GradientCheck.check(at: [x, w], stepSize: 1e-5) { v in
            let spectral = v[0].rfft(dimensionCount: 1).irfft(dimensionCount: 1, lastSize: 8)
            let y = Variable.convolution(spectral, weight: v[1], geometry: geometry).tanh()
            let gx = gradients(of: y.sum(), withRespectTo: [v[0]], createGraph: true)[0]
            return (gx * gx).sum()
        }
        #expect(result.maximumError < 1e-6, "second order FFT + convolution: \(result)")
    }

    @Test func backwardAccumulatesIntoLeavesAndIgnoresConstants() {
        let leaf = Variable<Double>.leaf(Tensor([1, 2, 3]))
        let constant = Variable<Double>(Tensor([4, 5, 6]))
        let loss = (leaf * constant).sum()
        loss.backward()
        loss.backward()
        #expect(leaf.node!.gradient! == Tensor([8, 10, 12]))
        #expect(!constant.requiresGradient)
        let frozen = GradientRecording.withoutRecording { (leaf * leaf).sum() }
        #expect(!frozen.requiresGradient)
        let unrelated = Variable<Double>.leaf(Tensor([1]))
        #expect(gradients(of: loss, withRespectTo: [unrelated])[0].value == Tensor([0]))
    }
}
