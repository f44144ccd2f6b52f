import Foundation
import Testing
import TensorCore

/// The kernels a training step runs give bitwise the same results whatever the number of workers
/// their parallel loops use (`ParallelLoop.$workerCountOverride`), so training does not depend on
/// the core count or on how work is split; each result is also checked against an independent
/// Double-precision reference, so a kernel that is reproducible but wrong still fails.
@Suite struct WorkerCountInvarianceTests {
    static let workerCounts = [1, 2, 3, 5]

    /// `body` evaluated with each worker count in `workerCounts`.
    func results<T>(_ body: () -> T) -> [T] {
        Self.workerCounts.map { count in ParallelLoop.$workerCountOverride.withValue(count) { body() } }
    }

    func bitPatterns(_ tensor: Tensor<Float>) -> [UInt32] { tensor.scalars.map(\.bitPattern) }

    /// Whether two tensors have the same shape and bit patterns (a Bool, so a failure does not print them).
    func sameBits(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Bool { a.shape == b.shape && bitPatterns(a) == bitPatterns(b) }

    /// Largest |a − b| / max|b|, NaN when any entry is not finite (so NaN fails a `<` check).
    func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { return .nan }
        let scale = b.map(abs).max() ?? 0
        let error = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return error / Swift.max(scale, .leastNormalMagnitude)
    }

    @Test func reductionBlocksDependOnlyOnTheCount() {
        for count in [0, 1, 5, 8, 9, 20, 101] {
            let blocks = ParallelLoop.$workerCountOverride.withValue(1) { ParallelLoop.reductionBlocks(count: count) }
            #expect(blocks == ParallelLoop.$workerCountOverride.withValue(7) { ParallelLoop.reductionBlocks(count: count) })
            // A partition of 0..<count into non-empty contiguous blocks.
            #expect(blocks.first?.lowerBound ?? 0 == 0 && blocks.last?.upperBound ?? 0 == count)
            #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && blocks.allSatisfy { !$0.isEmpty })
            #expect(blocks.count == Swift.min(count, 8))
        }
    }

    /// Retained modes of 2-D fields (the FNO's pruned FFTs), forward and inverse, on even and odd grids.
    @Test(arguments: [([36, 36], [12, 12]), ([33, 33], [8, 17]), ([9, 7], [3, 2])])
    func prunedTransformsDoNotDependOnTheWorkerCount(sizes: [Int], modes: [Int]) throws {
        var generator = SeededRandomNumberGenerator(seed: 11)
        // 2·16 fields of 36² reach 8 chunks' worth of work, so the loops really split.
        let x = Tensor<Float>.normal([2, 16] + sizes, using: &generator)
        let forward = results { x.retainedModes2D(modes: modes) }
        for other in forward.dropFirst() { #expect(sameBits(other, forward[0]), "forward \(sizes)") }
        let spectrum = forward[0]
        let inverse = results { spectrum.realFieldFromRetainedModes2D(spatialSize: sizes, modes: modes) }
        for other in inverse.dropFirst() { #expect(sameBits(other, inverse[0]), "inverse \(sizes)") }
        // Independent check of field 7's modes: the DFT by its definition, in Double.
        let (n1, n2) = (sizes[0], sizes[1]), k = 2 * modes[0] * modes[1], item = 7
        var computed: [Double] = [], reference: [Double] = []
        for i in 0..<(2 * modes[0]) {
            let row = i < modes[0] ? i : n1 - 2 * modes[0] + i
            for column in 0..<modes[1] {
                var re = 0.0, im = 0.0
                for a in 0..<n1 {
                    for b in 0..<n2 {
                        let theta = 2 * Double.pi * (Double(a * row) / Double(n1) + Double(b * column) / Double(n2))
                        let value = Double(x.scalars[item * n1 * n2 + a * n2 + b])
                        re += value * cos(theta); im -= value * sin(theta)
                    }
                }
                let offset = (item * k + i * modes[1] + column) * 2
                computed += [Double(spectrum.scalars[offset]), Double(spectrum.scalars[offset + 1])]
                reference += [re, im]
            }
        }
        #expect(relativeError(computed, reference) < 2e-6, "forward vs the DFT definition \(sizes)")
    }

    /// The fused pointwise affine map's gradients; the weight gradient sums over the batch.
    @Test func pointwiseAffineGradientsDoNotDependOnTheWorkerCount() {
        var generator = SeededRandomNumberGenerator(seed: 12)
        let (batch, inputs, outputs) = (7, 6, 5)
        let x = Tensor<Float>.normal([batch, inputs, 24, 24], using: &generator)
        let weight = Tensor<Float>.normal([outputs, inputs], using: &generator)
        let addend = Tensor<Float>.normal([batch, outputs, 24, 24], using: &generator)
        let gate = Tensor<Float>.normal([outputs], using: &generator)
        let cotangent = Tensor<Float>.normal([batch, outputs, 24, 24], using: &generator)
        let all = results {
            Tensor.pointwiseAffineGradients(cotangent, input: x, weight: weight, addend: addend, addendGate: gate,
                                            wantInput: true, wantWeight: true, wantBias: true, wantAddend: true, wantGate: true)
        }
        for other in all.dropFirst() {
            #expect(sameBits(other.weight!, all[0].weight!), "weight gradient")
            #expect(sameBits(other.input!, all[0].input!), "input gradient")
            #expect(sameBits(other.bias!, all[0].bias!), "bias gradient")
            #expect(sameBits(other.gate!, all[0].gate!), "gate gradient")
        }
        // W̄[o, i] = Σ_b Σ_p g[b, o, p] x[b, i, p], in Double.
        let points = 24 * 24
        var reference = [Double](repeating: 0, count: outputs * inputs)
        for b in 0..<batch {
            for o in 0..<outputs {
                for i in 0..<inputs {
                    var sum = 0.0
                    for p in 0..<points {
                        sum += Double(cotangent.scalars[(b * outputs + o) * points + p]) * Double(x.scalars[(b * inputs + i) * points + p])
                    }
                    reference[o * inputs + i] += sum
                }
            }
        }
        #expect(relativeError(all[0].weight!.scalars.map(Double.init), reference) < 1e-5, "weight gradient vs Σ_b g_b x_bᵀ")
    }

    /// Convolution weight gradients (MgNO's), direct and im2col, 3×3 and 1×1; a batch of one with a
    /// large enough sample splits each sample's work across the workers instead of the samples.
    @Test(arguments: [(batch: 6, channels: 4, size: 20, kernel: 3), (batch: 1, channels: 16, size: 72, kernel: 3),
                      (batch: 5, channels: 4, size: 16, kernel: 1)])
    func convolutionWeightGradientsDoNotDependOnTheWorkerCount(batch: Int, channels: Int, size: Int, kernel: Int) {
        var generator = SeededRandomNumberGenerator(seed: 13)
        let padding = kernel / 2
        let geometry = ConvolutionGeometry(inputSize: [size, size], kernelSize: [kernel, kernel], stride: [1, 1],
                                           padding: [padding, padding], dilation: [1, 1])
        let x = Tensor<Float>.normal([batch, channels, size, size], using: &generator)
        let weight = Tensor<Float>.normal([channels, channels, kernel, kernel], using: &generator)
        let cotangent = Tensor<Float>.normal([batch, channels] + geometry.outputSize, using: &generator)
        for algorithm in [ConvolutionAlgorithm.direct, .im2col] {
            let outputs = results { Tensor.convolution(x, weight: weight, geometry: geometry, algorithm: algorithm) }
            let inputGradients = results { Tensor.convolutionTransposed(cotangent, weight: weight, geometry: geometry, algorithm: algorithm) }
            for index in 1..<Self.workerCounts.count {
                #expect(sameBits(outputs[index], outputs[0]), "\(algorithm) convolution, batch \(batch): \(Self.workerCounts[index]) workers vs 1")
                #expect(sameBits(inputGradients[index], inputGradients[0]),
                        "\(algorithm) transposed convolution, batch \(batch): \(Self.workerCounts[index]) workers vs 1")
            }
            let all = results { Tensor.convolutionWeightGradient(x, outputGradient: cotangent, geometry: geometry, algorithm: algorithm) }
            for (index, other) in all.enumerated().dropFirst() {
                #expect(sameBits(other, all[0]), "\(algorithm) weight gradient, batch \(batch), \(size)², \(kernel)×\(kernel): \(Self.workerCounts[index]) workers vs 1")
            }
            // Adjoint identity in Double: ⟨w, C_wᵀ(x, ȳ)⟩ = ⟨C(x, w), ȳ⟩.
            let forward = Tensor<Double>(uncheckedShape: [batch, channels] + geometry.outputSize,
                                         scalars: Tensor.convolution(Tensor<Double>(uncheckedShape: x.shape, scalars: x.scalars.map(Double.init)),
                                                                     weight: Tensor<Double>(uncheckedShape: weight.shape, scalars: weight.scalars.map(Double.init)),
                                                                     geometry: geometry, algorithm: .im2col).scalars)
            let lhs = zip(weight.scalars, all[0].scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(forward.scalars, cotangent.scalars).reduce(0.0) { $0 + $1.0 * Double($1.1) }
            let scale = zip(forward.scalars, cotangent.scalars).reduce(0.0) { $0 + abs($1.0 * Double($1.1)) }
            #expect(abs(lhs - rhs) <= 1e-5 * scale, "\(algorithm): ⟨w, C_wᵀ ȳ⟩ = \(lhs), ⟨C w, ȳ⟩ = \(rhs)")
        }
    }
}
