import Testing
import TensorCore

/// The direct (im2col-free) convolution kernels against the im2col path and against naive loops over
/// the definition, for 1-D/2-D/3-D, strides 1–3, paddings, dilations, odd sizes and channel counts
/// that leave remainders in every register block of the kernels.
@Suite struct DirectConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        let size: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]
        let inChannels: Int, outChannels: Int, batch: Int
        var description: String { "S\(size) K\(kernel) s\(stride) p\(padding) d\(dilation) \(inChannels)→\(outChannels) b\(batch)" }
        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(inputSize: size, kernelSize: kernel, stride: stride, padding: padding, dilation: dilation)
        }
    }

    static let cases: [Case] = [
        // 1-D
        Case(size: [13], kernel: [3], stride: [1], padding: [1], dilation: [1], inChannels: 2, outChannels: 3, batch: 2),
        Case(size: [14], kernel: [4], stride: [2], padding: [1], dilation: [1], inChannels: 3, outChannels: 2, batch: 1),
        Case(size: [9], kernel: [1], stride: [1], padding: [0], dilation: [1], inChannels: 4, outChannels: 5, batch: 3),
        Case(size: [10], kernel: [1], stride: [2], padding: [0], dilation: [1], inChannels: 2, outChannels: 3, batch: 2),
        Case(size: [17], kernel: [3], stride: [3], padding: [2], dilation: [2], inChannels: 1, outChannels: 7, batch: 2),
        Case(size: [40], kernel: [5], stride: [1], padding: [2], dilation: [1], inChannels: 3, outChannels: 9, batch: 2),
        // 2-D: MgNO's 3×3 stride 1 and stride-2 restriction, the 4×4 stride-2 prolongation's geometry, DCDM's 2×2 stride 2
        Case(size: [7, 9], kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], inChannels: 5, outChannels: 9, batch: 3),
        Case(size: [11, 13], kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], inChannels: 7, outChannels: 13, batch: 2),
        Case(size: [10, 14], kernel: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1], inChannels: 6, outChannels: 6, batch: 2),
        Case(size: [6, 6], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], inChannels: 3, outChannels: 5, batch: 1),
        Case(size: [9, 7], kernel: [3, 3], stride: [2, 1], padding: [0, 2], dilation: [2, 1], inChannels: 2, outChannels: 4, batch: 2),
        Case(size: [4, 5], kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1], inChannels: 24, outChannels: 1, batch: 2),
        Case(size: [3, 3], kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], inChannels: 24, outChannels: 24, batch: 2),
        Case(size: [2, 2], kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], inChannels: 24, outChannels: 24, batch: 2),
        // One sample, large enough that its positions are split across cores.
        Case(size: [48, 47], kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], inChannels: 16, outChannels: 16, batch: 1),
        // 3-D: DCDM's 3×3×3 (4 and 12 channels), 2×2×2 stride 2, and mixed per-axis geometry
        Case(size: [5, 6, 7], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1], dilation: [1, 1, 1], inChannels: 4, outChannels: 12, batch: 2),
        Case(size: [6, 6, 6], kernel: [2, 2, 2], stride: [2, 2, 2], padding: [0, 0, 0], dilation: [1, 1, 1], inChannels: 4, outChannels: 12, batch: 2),
        Case(size: [7, 5, 6], kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], dilation: [1, 1, 1], inChannels: 3, outChannels: 2, batch: 1),
        Case(size: [5, 5, 5], kernel: [2, 3, 1], stride: [1, 2, 3], padding: [0, 1, 0], dilation: [2, 1, 1], inChannels: 2, outChannels: 3, batch: 2),
        Case(size: [16, 16, 15], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1], dilation: [1, 1, 1], inChannels: 8, outChannels: 8, batch: 1),
    ]

    func random(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor.normal(shape, using: &generator)
    }

    /// y[b,o,j] = Σ_{c,k} w[o,c,k] x[b,c,j·s − p + k·δ] by loops over the definition.
    func naiveConvolution(_ x: Tensor<Double>, _ w: Tensor<Double>, _ c: Case) -> Tensor<Double> {
        let g = c.geometry, d = c.size.count
        let outStrides = Tensor<Double>.contiguousStrides(for: g.outputSize)
        let kernelStrides = Tensor<Double>.contiguousStrides(for: c.kernel)
        let inStrides = Tensor<Double>.contiguousStrides(for: c.size)
        var y = [Double](repeating: 0, count: c.batch * c.outChannels * g.outputVolume)
        for b in 0..<c.batch { for o in 0..<c.outChannels { for flat in 0..<g.outputVolume {
            var total = 0.0
            for ci in 0..<c.inChannels { for kFlat in 0..<g.kernelVolume {
                var inputFlat = 0, inside = true
                for axis in 0..<d {
                    let j = (flat / outStrides[axis]) % g.outputSize[axis], k = (kFlat / kernelStrides[axis]) % c.kernel[axis]
                    let i = j * c.stride[axis] - c.padding[axis] + k * c.dilation[axis]
                    if i < 0 || i >= c.size[axis] { inside = false }
                    inputFlat += i * inStrides[axis]
                }
                if inside {
                    total += w.scalars[(o * c.inChannels + ci) * g.kernelVolume + kFlat]
                        * x.scalars[(b * c.inChannels + ci) * g.inputVolume + inputFlat]
                }
            } }
            y[(b * c.outChannels + o) * g.outputVolume + flat] = total
        } } }
        return Tensor(uncheckedShape: [c.batch, c.outChannels] + g.outputSize, scalars: y)
    }

    func relativeError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        (a - b).l2Norm() / Swift.max(b.l2Norm(), 1e-300)
    }

    @Test(arguments: DirectConvolutionTests.cases)
    func directMatchesIm2colAndTheDefinition(_ c: Case) {
        let g = c.geometry
        let x = random([c.batch, c.inChannels] + c.size, seed: 1)
        let w = random([c.outChannels, c.inChannels] + c.kernel, seed: 2)
        let gy = random([c.batch, c.outChannels] + g.outputSize, seed: 3)
        let y = Tensor.convolution(x, weight: w, geometry: g, algorithm: .direct)
        #expect(y.shape == [c.batch, c.outChannels] + g.outputSize)
        #expect(relativeError(y, naiveConvolution(x, w, c)) < 1e-13, "forward vs loops \(c)")
        #expect(relativeError(y, Tensor.convolution(x, weight: w, geometry: g, algorithm: .im2col)) < 1e-13, "forward vs im2col \(c)")
        let gx = Tensor.convolutionTransposed(gy, weight: w, geometry: g, algorithm: .direct)
        let gxReference = Tensor.convolutionTransposed(gy, weight: w, geometry: g, algorithm: .im2col)
        #expect(gx.shape == x.shape && relativeError(gx, gxReference) < 1e-13, "transposed vs im2col \(c)")
        let gw = Tensor.convolutionWeightGradient(x, outputGradient: gy, geometry: g, algorithm: .direct)
        let gwReference = Tensor.convolutionWeightGradient(x, outputGradient: gy, geometry: g, algorithm: .im2col)
        #expect(gw.shape == w.shape && relativeError(gw, gwReference) < 1e-13, "weight gradient vs im2col \(c)")
        // Adjoint identities (independent of im2col): <C(x,w), ȳ> = <x, C_xᵀ(ȳ,w)> = <w, C_wᵀ(x,ȳ)>.
        let reference = (y * gy).sum()
        #expect(abs(reference - (x * gx).sum()) <= 1e-11 * Swift.max(1, abs(reference)), "⟨x, C_xᵀ ȳ⟩ \(c)")
        #expect(abs(reference - (w * gw).sum()) <= 1e-11 * Swift.max(1, abs(reference)), "⟨w, C_wᵀ ȳ⟩ \(c)")
    }

    @Test func float32MatchesFloat64() {
        for c in [DirectConvolutionTests.cases[7], DirectConvolutionTests.cases[8], DirectConvolutionTests.cases[15]] {
            let g = c.geometry
            let x = random([c.batch, c.inChannels] + c.size, seed: 4), w = random([c.outChannels, c.inChannels] + c.kernel, seed: 5)
            let gy = random([c.batch, c.outChannels] + g.outputSize, seed: 6)
            func f(_ t: Tensor<Double>) -> Tensor<Float> { Tensor(uncheckedShape: t.shape, scalars: t.scalars.map { Float($0) }) }
            func back(_ t: Tensor<Float>) -> Tensor<Double> { Tensor(uncheckedShape: t.shape, scalars: t.scalars.map { Double($0) }) }
            let y = back(Tensor.convolution(f(x), weight: f(w), geometry: g, algorithm: .direct))
            let gx = back(Tensor.convolutionTransposed(f(gy), weight: f(w), geometry: g, algorithm: .direct))
            let gw = back(Tensor.convolutionWeightGradient(f(x), outputGradient: f(gy), geometry: g, algorithm: .direct))
            #expect(relativeError(y, Tensor.convolution(x, weight: w, geometry: g)) < 1e-5, "float forward \(c)")
            #expect(relativeError(gx, Tensor.convolutionTransposed(gy, weight: w, geometry: g)) < 1e-5, "float transposed \(c)")
            #expect(relativeError(gw, Tensor.convolutionWeightGradient(x, outputGradient: gy, geometry: g)) < 1e-5, "float weight gradient \(c)")
        }
    }
}
