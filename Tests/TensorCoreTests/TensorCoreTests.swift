import Foundation
import Testing
import TensorCore

/// Naive references: every fast kernel is compared with a direct loop over its definition.
@Suite struct TensorCoreTests {
    func random(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor.normal(shape, using: &generator)
    }

    @Test func userCausedShapeErrorsThrow() throws {
        #expect(throws: TensorError.self) { try Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3]) }
        #expect(throws: TensorError.self) { try Tensor<Float>(shape: [-1], scalars: []) }
        let t = try Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(throws: TensorError.self) { try t.reshaped(to: [4, 2]) }
        #expect(try t.reshaped(to: [3, -1]).shape == [3, 2])
        #expect(throws: TensorError.self) { try Tensor<Float>.broadcastShape([2, 3], [4, 3]) }
        #expect(throws: TensorError.self) { try Tensor.concatenated([t, Tensor<Float>.zeros([2, 2])], alongAxis: 0) }
        var bad = t
        bad.scalars[1] = .nan
        #expect(throws: TensorError.self) { try bad.checkFinite("data") }
    }

    @Test func broadcastingMatchesExplicitLoops() {
        let a = random([2, 3, 4], seed: 1), b = random([3, 1], seed: 2)
        let c = a * b + a
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            #expect(abs(c[i, j, k] - (a[i, j, k] * b[j, 0] + a[i, j, k])) < 1e-14)
        } } }
        let reduced = c.summed(toShape: [3, 1])
        for j in 0..<3 {
            var total = 0.0
            for i in 0..<2 { for k in 0..<4 { total += c[i, j, k] } }
            #expect(abs(reduced[j, 0] - total) < 1e-12)
        }
    }

    @Test func permuteSliceConcatPad() throws {
        let a = random([2, 3, 4], seed: 3)
        let p = a.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(p[k, i, j] == a[i, j, k]) } } }
        let s = a.sliced([0..<2, 1..<3, 2..<4])
        #expect(s[1, 1, 1] == a[1, 2, 3])
        let joined = try Tensor.concatenated([a, s.padded(before: [0, 0, 0], after: [0, 1, 2])], alongAxis: 0)
        #expect(joined.shape == [4, 3, 4])
        #expect(joined[2, 0, 0] == a[0, 1, 2])
        let x = Tensor<Double>([1, 2, 3])
        #expect(x.padded(before: [2], after: [2], mode: .circular).scalars == [2, 3, 1, 2, 3, 1, 2])
        #expect(x.padded(before: [2], after: [1], mode: .replicate).scalars == [1, 1, 1, 2, 3, 3])
        #expect(x.padded(before: [2], after: [2], mode: .reflect).scalars == [3, 2, 1, 2, 3, 2, 1])   // torch.nn.functional.pad 'reflect'
        #expect(x.padded(before: [1], after: [1], mode: .zero).scalars == [0, 1, 2, 3, 0])
        // Scatter is the adjoint of gather: <G x, y> = <x, Gᵀ y>.
        let maps = x.paddingIndexMaps(before: [2], after: [2], mode: .circular)
        let y = Tensor<Double>([0.5, -1, 2, 3, 1, 4, -2])
        let lhs = (x.gathered(indexMaps: maps) * y).sum()
        let rhs = (x * y.scatterAdded(indexMaps: maps, sourceShape: [3])).sum()
        #expect(abs(lhs - rhs) < 1e-12)
    }

    @Test func matmulMatchesNaiveLoop() {
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let (m, k, n) = (7, 5, 3)
            let a = random(transposeA ? [2, k, m] : [2, m, k], seed: 4)
            let b = random(transposeB ? [n, k] : [k, n], seed: 5)
            let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
            #expect(c.shape == [2, m, n])
            for batch in 0..<2 { for i in 0..<m { for j in 0..<n {
                var total = 0.0
                for l in 0..<k {
                    total += (transposeA ? a[batch, l, i] : a[batch, i, l]) * (transposeB ? b[j, l] : b[l, j])
                }
                #expect(abs(c[batch, i, j] - total) < 1e-12)
            } } }
        }
        // A large product goes through the row-split parallel GEMM.
        let big = random([300, 200], seed: 6), other = random([200, 100], seed: 7)
        let product = Tensor.matmul(big, other)
        var total = 0.0
        for l in 0..<200 { total += big[123, l] * other[l, 45] }
        #expect(abs(product[123, 45] - total) < 1e-10)
    }

    @Test func complexMatmulMatchesNaiveLoop() {
        let a = random([3, 4, 5, 2], seed: 8), b = random([3, 5, 2, 2], seed: 9)
        let c = Tensor.complexMatmul(a, b)
        let h = Tensor.complexMatmul(a, a, conjugateTransposeA: true)
        for batch in 0..<3 { for i in 0..<4 { for j in 0..<2 {
            var re = 0.0, im = 0.0
            for l in 0..<5 {
                re += a[batch, i, l, 0] * b[batch, l, j, 0] - a[batch, i, l, 1] * b[batch, l, j, 1]
                im += a[batch, i, l, 0] * b[batch, l, j, 1] + a[batch, i, l, 1] * b[batch, l, j, 0]
            }
            #expect(abs(c[batch, i, j, 0] - re) < 1e-12 && abs(c[batch, i, j, 1] - im) < 1e-12)
        } } }
        // Aᴴ A is Hermitian with a real, non-negative diagonal.
        #expect(abs(h[0, 2, 2, 1]) < 1e-12 && h[0, 2, 2, 0] > 0)
        #expect(abs(h[1, 1, 3, 0] - h[1, 3, 1, 0]) < 1e-12 && abs(h[1, 1, 3, 1] + h[1, 3, 1, 1]) < 1e-12)
    }

    @Test(arguments: [[12], [6, 8], [4, 6, 5], [5, 7]])
    func rfftMatchesNaiveDFTAndRoundTrips(sizes: [Int]) {
        let x = random([2] + sizes, seed: 10)
        let spectrum = x.rfft(dimensionCount: sizes.count)
        #expect(spectrum.shape == [2] + sizes.dropLast() + [sizes.last! / 2 + 1, 2])
        // Naive DFT of the first batch item at a few frequencies.
        let strides = Tensor<Double>.contiguousStrides(for: sizes)
        let total = sizes.reduce(1, *)
        for probe in 0..<min(6, spectrum.count / 4) {
            var k = [Int](repeating: 0, count: sizes.count)
            var rest = probe * 7
            for axis in (0..<sizes.count).reversed() {
                let extent = axis == sizes.count - 1 ? sizes[axis] / 2 + 1 : sizes[axis]
                k[axis] = rest % extent; rest /= extent
            }
            var re = 0.0, im = 0.0
            for flat in 0..<total {
                var phase = 0.0
                for axis in 0..<sizes.count {
                    let j = (flat / strides[axis]) % sizes[axis]
                    phase += 2 * Double.pi * Double(j * k[axis]) / Double(sizes[axis])
                }
                re += x.scalars[flat] * cos(phase); im -= x.scalars[flat] * sin(phase)
            }
            var spectralIndex = 0, spectralStride = 2
            for axis in (0..<sizes.count).reversed() {
                spectralIndex += k[axis] * spectralStride
                spectralStride *= axis == sizes.count - 1 ? sizes[axis] / 2 + 1 : sizes[axis]
            }
            #expect(abs(spectrum.scalars[spectralIndex] - re) < 1e-9)
            #expect(abs(spectrum.scalars[spectralIndex + 1] - im) < 1e-9)
        }
        let back = spectrum.irfft(dimensionCount: sizes.count, lastSize: sizes.last!)
        #expect(back.shape == x.shape)
        #expect((back - x).l2Norm() / x.l2Norm() < 1e-13)
    }

    @Test func parsevalHoldsForFloatBatches() {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let x = Tensor<Float>.normal([20, 4, 16, 16], using: &generator)
        let spectrum = x.rfft(dimensionCount: 2)
        // Σ|x|² = (1/N) Σ_full |X|²; interior bins of the halved axis appear twice in the full spectrum.
        var energy = 0.0
        let bins = 16 / 2 + 1
        for i in stride(from: 0, to: spectrum.count, by: 2) {
            let k = (i / 2) % bins
            let weight = (k == 0 || k == 8) ? 1.0 : 2.0
            energy += weight * Double(spectrum.scalars[i] * spectrum.scalars[i] + spectrum.scalars[i + 1] * spectrum.scalars[i + 1])
        }
        let direct = x.scalars.reduce(0.0) { $0 + Double($1 * $1) }
        #expect(abs(energy / 256 - direct) / direct < 1e-5)
        let back = spectrum.irfft(dimensionCount: 2, lastSize: 16)
        #expect((back - x).l2Norm() / x.l2Norm() < 1e-6)
    }

    @Test(arguments: [1, 2, 3])
    func convolutionMatchesDirectSum(spatialRank: Int) {
        let sizes = Array([7, 6, 5].prefix(spatialRank)), kernel = Array([3, 2, 3].prefix(spatialRank))
        let stride = Array([2, 1, 2].prefix(spatialRank)), padding = Array([1, 1, 0].prefix(spatialRank))
        let dilation = Array([1, 2, 1].prefix(spatialRank))
        let geometry = ConvolutionGeometry(inputSize: sizes, kernelSize: kernel, stride: stride, padding: padding, dilation: dilation)
        let x = random([3, 2] + sizes, seed: 12), w = random([4, 2] + kernel, seed: 13)
        let y = Tensor.convolution(x, weight: w, geometry: geometry)
        #expect(y.shape == [3, 4] + geometry.outputSize)
        // Direct sum over the definition, at every output element.
        let outStrides = Tensor<Double>.contiguousStrides(for: geometry.outputSize)
        let kernelStrides = Tensor<Double>.contiguousStrides(for: kernel)
        let inStrides = Tensor<Double>.contiguousStrides(for: sizes)
        for b in 0..<3 { for o in 0..<4 { for flat in 0..<geometry.outputVolume {
            var total = 0.0
            for c in 0..<2 { for kFlat in 0..<geometry.kernelVolume {
                var inputFlat = 0, inside = true
                for axis in 0..<spatialRank {
                    let j = (flat / outStrides[axis]) % geometry.outputSize[axis]
                    let k = (kFlat / kernelStrides[axis]) % kernel[axis]
                    let i = j * stride[axis] - padding[axis] + k * dilation[axis]
                    if i < 0 || i >= sizes[axis] { inside = false }
                    inputFlat += i * inStrides[axis]
                }
                if inside {
                    total += w.scalars[(o * 2 + c) * geometry.kernelVolume + kFlat] * x.scalars[(b * 2 + c) * geometry.inputVolume + inputFlat]
                }
            } }
            #expect(abs(y.scalars[(b * 4 + o) * geometry.outputVolume + flat] - total) < 1e-12)
        } } }
        // Adjoint identities: <C(x,w), g> = <x, C_xᵀ(g,w)> = <w, C_wᵀ(x,g)>.
        let g = random(y.shape, seed: 14)
        let reference = (y * g).sum()
        let viaInput = (x * Tensor.convolutionTransposed(g, weight: w, geometry: geometry)).sum()
        let viaWeight = (w * Tensor.convolutionWeightGradient(x, outputGradient: g, geometry: geometry)).sum()
        #expect(abs(reference - viaInput) < 1e-10 && abs(reference - viaWeight) < 1e-10)
    }

    @Test func seededRandomNumbersAreReproducibleAndDistributedCorrectly() {
        var a = SeededRandomNumberGenerator(seed: 42), b = SeededRandomNumberGenerator(seed: 42)
        let x = Tensor<Double>.normal([20000], using: &a), y = Tensor<Double>.normal([20000], using: &b)
        #expect(x == y)
        let mean = x.mean()
        let variance = (x * x).mean() - mean * mean
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        var c = SeededRandomNumberGenerator(seed: 43)
        let u = Tensor<Float>.uniform([20000], lowerBound: -2, upperBound: 2, using: &c)
        #expect(u.minimum() >= -2 && u.maximum() < 2 && abs(u.mean()) < 0.05)
        #expect(Tensor<Double>.normal([5], using: &c) != Tensor<Double>.normal([5], using: &a))
    }

    @Test func reductionsAlongAxes() {
        let a = random([3, 4, 5], seed: 15)
        let s = a.sum(alongAxes: [0, 2])
        #expect(s.shape == [4])
        var total = 0.0
        for i in 0..<3 { for k in 0..<5 { total += a[i, 2, k] } }
        #expect(abs(s[2] - total) < 1e-12)
        #expect(a.sum(alongAxis: 1, keepingDimension: true).shape == [3, 1, 5])
        #expect(abs(a.sum() - a.scalars.reduce(0, +)) < 1e-12)
    }
}
