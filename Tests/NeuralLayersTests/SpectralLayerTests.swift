import TestSupport
import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralLayers

/// Spectral convolution, pointwise convolution and channel MLP: forward against a naive DFT,
/// gradients of every parameter and of the input against Float64 central differences.
@Suite struct SpectralLayerTests {
    func expectGradients<L: Layer>(_ layer: L, input: Tensor<Double>, _ name: String) where L.Scalar == Double {
        var generator = SeededRandomNumberGenerator(seed: 91)
        let probe = Tensor<Double>.normal(layer.inference(input).shape, using: &generator)
        for (path, parameter) in layer.namedParameters {
            let base = parameter.value
            layer.zeroGradients()
            (layer(Variable(input)) * probe).sum().backward()
            guard let analytic = parameter.gradient else { Issue.record("\(name): no gradient for \(path)"); continue }
            var worst = 0.0
            for i in stride(from: 0, to: base.count, by: max(1, base.count / 40)) {
                func loss(_ delta: Double) -> Double {
                    parameter.value.scalars[i] = base.scalars[i] + delta
                    defer { parameter.value = base }
                    return (layer.inference(input) * probe).sum()
                }
                let numeric = (loss(1e-6) - loss(-1e-6)) / 2e-6
                worst = maxOrNaN(worst, abs(numeric - analytic.scalars[i]) / max(1, abs(numeric)))
            }
            #expect(worst < 1e-6, "\(name) \(path): error \(worst)")
        }
        let inputCheck = GradientCheck.check(at: [input]) { v in (layer(v[0]) * probe).sum() }
        #expect(inputCheck.maximumError < 1e-6, "\(name) input: \(inputCheck)")
    }

    /// `y = Re(IDFT(Z))` with `Z_k = X_k R_k` on the retained modes of the half spectrum, extended
    /// Hermitian-wise to the full grid, all by naive O(N²) sums (independent of FFTW and of the layer's kernel).
    func naiveSpectralConvolution(_ x: Tensor<Double>, layer: SpectralConvolution<Double>) -> Tensor<Double> {
        let d = layer.modes.count
        let batch = x.shape[0], cin = x.shape[1], cout = layer.outputChannels
        let sizes = Array(x.shape.suffix(d)), count = sizes.reduce(1, *)
        let strides = Tensor<Double>.contiguousStrides(for: sizes)
        func index(_ flat: Int) -> [Int] { (0..<d).map { (flat / strides[$0]) % sizes[$0] } }
        func phase(_ j: [Int], _ k: [Int]) -> Double { (0..<d).reduce(0) { $0 + 2 * Double.pi * Double(j[$1] * k[$1]) / Double(sizes[$1]) } }
        // Position of a half-spectrum mode in the weight tensor, or nil if not retained.
        func weightIndex(_ k: [Int]) -> [Int]? {
            var result: [Int] = []
            for axis in 0..<d {
                let m = layer.modes[axis], n = sizes[axis]
                if axis == d - 1 { guard k[axis] < m else { return nil }; result.append(k[axis]) }
                else if k[axis] < m { result.append(k[axis]) }
                else if k[axis] >= n - m { result.append(m + k[axis] - (n - m)) }
                else { return nil }
            }
            return result
        }
        let w = layer.weight.value
        let weightStrides = Tensor<Double>.contiguousStrides(for: w.shape)
        func weight(_ wi: [Int], _ i: Int, _ o: Int, _ part: Int) -> Double {
            w.scalars[zip(wi + [i, o, part], weightStrides).reduce(0) { $0 + $1.0 * $1.1 }]
        }
        var y = Tensor<Double>.zeros([batch, cout] + sizes)
        for b in 0..<batch {
            // X_k for all k on the full grid.
            var spectrum = [[(Double, Double)]](repeating: [(Double, Double)](repeating: (0, 0), count: count), count: cin)
            for i in 0..<cin { for kf in 0..<count {
                let k = index(kf); var re = 0.0, im = 0.0
                for jf in 0..<count { let v = x.scalars[(b * cin + i) * count + jf]; let t = phase(index(jf), k); re += v * cos(t); im -= v * sin(t) }
                spectrum[i][kf] = (re, im)
            } }
            for o in 0..<cout {
                var z = [(Double, Double)](repeating: (0, 0), count: count)
                for kf in 0..<count {
                    let k = index(kf)
                    let isHalf = k[d - 1] <= sizes[d - 1] / 2
                    let source = isHalf ? k : k.enumerated().map { (sizes[$0.offset] - $0.element) % sizes[$0.offset] }
                    guard let wi = weightIndex(source) else { continue }
                    let sf = zip(source, strides).reduce(0) { $0 + $1.0 * $1.1 }
                    var re = 0.0, im = 0.0
                    for i in 0..<cin {
                        let (xr, xi) = spectrum[i][sf]
                        let wr = weight(wi, i, o, 0), wim = weight(wi, i, o, 1)
                        re += xr * wr - xi * wim; im += xr * wim + xi * wr
                    }
                    z[kf] = isHalf ? (re, im) : (re, -im)
                }
                for jf in 0..<count {
                    let j = index(jf); var re = 0.0
                    for kf in 0..<count { let t = phase(j, index(kf)); re += z[kf].0 * cos(t) - z[kf].1 * sin(t) }
                    y.scalars[(b * cout + o) * count + jf] = re / Double(count) + (layer.bias?.value.scalars[o] ?? 0)
                }
            }
        }
        return y
    }

    @Test(arguments: [([6], [12]), ([2, 3], [8, 6]), ([3, 2], [6, 7]), ([1, 2, 2], [4, 4, 5])])
    func spectralConvolutionMatchesNaiveDFT(modes: [Int], sizes: [Int]) {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let layer = SpectralConvolution<Double>(inputChannels: 2, outputChannels: 3, modes: modes, generator: &generator)
        layer.bias!.value = .normal([3], using: &generator)
        let x = Tensor<Double>.normal([2, 2] + sizes, using: &generator)
        let y = layer.inference(x)
        let reference = naiveSpectralConvolution(x, layer: layer)
        #expect(y.shape == [2, 3] + sizes)
        let error = zip(y.scalars, reference.scalars).map { abs($0 - $1) }.maxOrNaN()!
        #expect(error < 1e-10, "modes \(modes) sizes \(sizes): max error \(error)")
    }

    @Test(arguments: [([3], [8]), ([2, 2], [4, 6]), ([1, 1, 2], [2, 4, 4])])
    func spectralConvolutionGradients(modes: [Int], sizes: [Int]) {
        var generator = SeededRandomNumberGenerator(seed: 6)
        let layer = SpectralConvolution<Double>(inputChannels: 2, outputChannels: 2, modes: modes, generator: &generator)
        expectGradients(layer, input: .normal([2, 2] + sizes, using: &generator), "spectral \(modes)")
    }

    @Test func spectralMixingSecondDerivative() {
        // d/dW of ‖∂L/∂X‖², which runs the pullbacks of the pullbacks (all three mixing maps).
        var generator = SeededRandomNumberGenerator(seed: 8)
        let offsets = Tensor<Double>.retainedModeOffsets(spectralSizes: [4, 3], modes: [1, 2])
        let x = Tensor<Double>.normal([2, 2, 4, 3, 2], using: &generator)
        let w = Tensor<Double>.normal([offsets.count, 2, 3, 2], using: &generator)
        let probe = Tensor<Double>.normal([2, 3, 4, 3, 2], using: &generator)
        let check = GradientCheck.check(at: [x, w]) { v in
            let y = (Variable.spectralMixing(v[0], v[1], modeOffsets: offsets) * probe).sum()
            let g = gradients(of: y, withRespectTo: [v[0], v[1]], createGraph: true)
            return (g[0] * g[0]).sum() + (g[1] * g[1] * g[1]).sum()
        }
        #expect(check.maximumError < 1e-6, "\(check)")
    }

    @Test func pointwiseAndChannelMLP() {
        var generator = SeededRandomNumberGenerator(seed: 9)
        let pointwise = PointwiseConvolution<Double>(inputChannels: 3, outputChannels: 2, generator: &generator)
        let x = Tensor<Double>.normal([2, 3, 4, 5], using: &generator)
        // Independent truth: the explicit sum y[b,o,p] = Σ_i W[o,i] x[b,i,p] + c[o].
        let y = pointwise.inference(x)
        var worst = 0.0
        for b in 0..<2 { for o in 0..<2 { for p in 0..<20 {
            var sum = pointwise.bias!.value.scalars[o]
            for i in 0..<3 { sum += pointwise.weight.value[o, i] * x.scalars[(b * 3 + i) * 20 + p] }
            worst = maxOrNaN(worst, abs(sum - y.scalars[(b * 2 + o) * 20 + p]))
        } } }
        #expect(y.shape == [2, 2, 4, 5] && worst < 1e-12)
        expectGradients(pointwise, input: x, "pointwise")
        let mlp = ChannelMLP<Double>(inputChannels: 3, outputChannels: 2, hiddenChannels: 4, generator: &generator)
        #expect(mlp.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        expectGradients(mlp, input: x, "channel MLP")
    }
}

@Suite struct FusedKernelTests {
    /// The fused GELU (Float fast path and Double path) against the erf form `x(1 + erf(x/√2))/2` in Double.
    @Test func fusedGELUMatchesTheErfForm() {
        let xs = stride(from: -12.0, through: 12.0, by: 0.01).map { $0 }
        let exact = xs.map { $0 * (1 + erf($0 / 2.0.squareRoot())) / 2 }
        let derivative = xs.map { (1 + erf($0 / 2.0.squareRoot())) / 2 + $0 * exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() }
        let floats = Tensor<Float>(xs.map(Float.init))
        let y = floats.gaussianErrorLinearUnit()
        let g = Tensor<Float>.gaussianErrorLinearUnitPullback(floats, cotangent: .ones(floats.shape))
        for i in 0..<xs.count {
            #expect(abs(Double(y.scalars[i]) - exact[i]) <= 1e-6 * max(1, abs(exact[i])), "gelu(\(xs[i]))")
            #expect(abs(Double(g.scalars[i]) - derivative[i]) <= 2e-6, "gelu'(\(xs[i]))")
        }
        let doubles = Tensor<Double>(xs).gaussianErrorLinearUnit()
        for i in 0..<xs.count { #expect(abs(doubles.scalars[i] - exact[i]) <= 1e-6 * max(1, abs(exact[i]))) }
    }

    /// Second derivatives through the recorded backward passes of the fused ops (2-D spectral
    /// convolution, pointwise affine map with bias and gated addend, GELU), against finite
    /// differences of the recorded first derivatives. Small (1 × 2 channels on 4 × 4) so that it
    /// runs in seconds. (It used to exhaust memory: the recorded pullbacks differentiated through their
    /// cotangent, which depends on the inputs here, and recursed; `rebuiltGradients` now holds it constant.)
    @Test func fusedOpsDifferentiateTwice() {
        var generator = SeededRandomNumberGenerator(seed: 12)
        let x = Tensor<Double>.normal([1, 2, 4, 4], using: &generator)
        let w = Tensor<Double>.normal([2 * 2 * 2, 2, 2, 2], using: &generator)
        let skip = Tensor<Double>.normal([2, 2], using: &generator)
        let bias = Tensor<Double>.normal([2], using: &generator)
        let gate = Tensor<Double>.normal([2], using: &generator)
        let addend = Tensor<Double>.normal([1, 2, 4, 4], using: &generator)
        let probe = Tensor<Double>.normal([1, 2, 4, 4], using: &generator)
        let check = GradientCheck.check(at: [x, w, skip, bias, gate, addend]) { v in
            let spectral = Variable.spectralConvolution(v[0], weights: v[1], modes: [2, 2])
            let y = Variable.pointwiseAffine(v[0], weight: v[2], bias: v[3], addend: spectral + v[5], addendGate: v[4]).fusedGELU()
            let g = gradients(of: (y * probe).sum(), withRespectTo: [v[0], v[1], v[2]], createGraph: true)
            return (g[0] * g[0]).sum() + (g[1] * g[1]).sum() + (g[2] * g[2]).sum()
        }
        #expect(check.maximumError < 1e-5, "\(check)")
    }
}
