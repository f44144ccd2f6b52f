import TestSupport
import Testing
import TensorCore
import AutoDiff
import NeuralLayers

/// `Convolution` (zero, circular, replicate padding; strides 1 and 2; odd sizes; 1-D/2-D/3-D) and
/// `ConvolutionTranspose` against loops over their definitions. These run the default (direct)
/// convolution kernels.
@Suite struct ConvolutionLayerReferenceTests {
    /// Index of the padded input's position `i` in `0..<size` (nil: a zero).
    static func source(_ i: Int, _ size: Int, _ mode: PaddingMode) -> Int? {
        if i >= 0 && i < size { return i }
        switch mode {
        case .zero: return nil
        case .circular: return ((i % size) + size) % size
        case .replicate: return Swift.min(Swift.max(i, 0), size - 1)
        case .reflect: return i < 0 ? -i : 2 * size - 2 - i
        }
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { s[a] = s[a + 1] * shape[a + 1] }
        return s
    }

    struct LayerCase: CustomStringConvertible, Sendable {
        let size: [Int], kernel: [Int], stride: Int, padding: Int, channels: (Int, Int), mode: PaddingMode
        var description: String { "S\(size) K\(kernel) s\(stride) p\(padding) \(channels.0)→\(channels.1) \(mode)" }
    }

    static let layerCases: [LayerCase] = PaddingMode.allCases.flatMap { mode in [
        LayerCase(size: [11], kernel: [3], stride: 1, padding: 1, channels: (2, 3), mode: mode),
        LayerCase(size: [9, 7], kernel: [3, 3], stride: 1, padding: 1, channels: (5, 9), mode: mode),
        LayerCase(size: [9, 7], kernel: [3, 3], stride: 2, padding: 1, channels: (3, 4), mode: mode),
        LayerCase(size: [5, 7, 6], kernel: [3, 3, 3], stride: 1, padding: 1, channels: (4, 3), mode: mode),
        LayerCase(size: [7, 5, 5], kernel: [3, 3, 3], stride: 2, padding: 1, channels: (2, 5), mode: mode),
    ] }

    @Test(arguments: ConvolutionLayerReferenceTests.layerCases)
    func convolutionLayerMatchesLoops(_ c: LayerCase) {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let d = c.size.count
        let layer = Convolution<Double>(inputChannels: c.channels.0, outputChannels: c.channels.1, kernelSize: c.kernel,
                                        stride: [c.stride], padding: [c.padding], paddingMode: c.mode, generator: &generator)
        let batch = 2
        let x = Tensor<Double>.normal([batch, c.channels.0] + c.size, using: &generator)
        let y = layer.inference(x)
        let out = (0..<d).map { (c.size[$0] + 2 * c.padding - c.kernel[$0]) / c.stride + 1 }
        #expect(y.shape == [batch, c.channels.1] + out)
        let w = layer.weight.value.scalars, bias = layer.bias!.value.scalars
        let outStrides = Self.strides(out), kStrides = Self.strides(c.kernel), inStrides = Self.strides(c.size)
        let outVolume = out.reduce(1, *), kVolume = c.kernel.reduce(1, *), inVolume = c.size.reduce(1, *)
        var worst = 0.0
        for b in 0..<batch { for o in 0..<c.channels.1 { for flat in 0..<outVolume {
            var total = bias[o]
            for ci in 0..<c.channels.0 { for kf in 0..<kVolume {
                var index = 0, zero = false
                for a in 0..<d {
                    let j = (flat / outStrides[a]) % out[a], k = (kf / kStrides[a]) % c.kernel[a]
                    guard let i = Self.source(j * c.stride - c.padding + k, c.size[a], c.mode) else { zero = true; break }
                    index += i * inStrides[a]
                }
                if !zero { total += w[(o * c.channels.0 + ci) * kVolume + kf] * x.scalars[(b * c.channels.0 + ci) * inVolume + index] }
            } }
            worst = maxOrNaN(worst, abs(total - y.scalars[(b * c.channels.1 + o) * outVolume + flat]))
        } } }
        #expect(worst < 1e-12, "\(c): max error \(worst)")
    }

    /// y[b, o, i·s − p + k] += Σ_c W[c, o, k] x[b, c, i] (the scatter definition of a transposed convolution).
    @Test(arguments: [([5, 7], [4, 4], 2, 1, 3, 2), ([4, 3, 5], [2, 2, 2], 2, 0, 4, 3), ([6], [3], 1, 1, 2, 5), ([3, 5], [3, 3], 2, 1, 24, 7)])
    func transposedLayerMatchesScatter(_ size: [Int], _ kernel: [Int], _ s: Int, _ p: Int, _ cin: Int, _ cout: Int) {
        var generator = SeededRandomNumberGenerator(seed: 12)
        let d = size.count
        let layer = ConvolutionTranspose<Double>(inputChannels: cin, outputChannels: cout, kernelSize: kernel, stride: [s],
                                                 padding: [p], generator: &generator)
        layer.bias!.value = Tensor<Double>.normal([cout], using: &generator)
        let batch = 2
        let x = Tensor<Double>.normal([batch, cin] + size, using: &generator)
        let y = layer.inference(x)
        let out = (0..<d).map { (size[$0] - 1) * s - 2 * p + kernel[$0] }
        #expect(y.shape == [batch, cout] + out)
        let outVolume = out.reduce(1, *), kVolume = kernel.reduce(1, *), inVolume = size.reduce(1, *)
        var reference = [Double](repeating: 0, count: batch * cout * outVolume)
        let w = layer.weight.value.scalars, bias = layer.bias!.value.scalars
        let inStrides = Self.strides(size), kStrides = Self.strides(kernel), outStrides = Self.strides(out)
        for b in 0..<batch { for o in 0..<cout { for f in 0..<outVolume { reference[(b * cout + o) * outVolume + f] = bias[o] } } }
        for b in 0..<batch { for ci in 0..<cin { for f in 0..<inVolume { for kf in 0..<kVolume {
            var index = 0, inside = true
            for a in 0..<d {
                let i = (f / inStrides[a]) % size[a], k = (kf / kStrides[a]) % kernel[a]
                let j = i * s - p + k
                if j < 0 || j >= out[a] { inside = false; break }
                index += j * outStrides[a]
            }
            guard inside else { continue }
            for o in 0..<cout {
                reference[(b * cout + o) * outVolume + index] += w[(ci * cout + o) * kVolume + kf] * x.scalars[(b * cin + ci) * inVolume + f]
            }
        } } } }
        let worst = zip(reference, y.scalars).map { abs($0 - $1) }.maxOrNaN() ?? 0
        #expect(worst < 1e-12, "transposed \(size) \(kernel): max error \(worst)")
    }
}
