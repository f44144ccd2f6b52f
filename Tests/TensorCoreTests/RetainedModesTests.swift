import TestSupport
import Testing
import TensorCore

/// The pruned 2-D transforms against the full FFTs they replace (rfft gathered at the retained
/// offsets; c2r of the zero-extended half spectrum), in both precisions and on odd grids.
@Suite struct RetainedModesTests {
    func check<Scalar: TensorScalar>(_ type: Scalar.Type, sizes: [Int], modes: [Int], tolerance: Double) {
        var generator = SeededRandomNumberGenerator(seed: 31)
        let x = Tensor<Scalar>.normal([3, 2] + sizes, using: &generator)
        let spectralSizes = [sizes[0], sizes[1] / 2 + 1]
        let offsets = Tensor<Scalar>.retainedModeOffsets(spectralSizes: spectralSizes, modes: modes)
        let plane = spectralSizes[0] * spectralSizes[1], k = offsets.count
        // Forward: the retained entries of the full half spectrum.
        let full = x.rfft(dimensionCount: 2)
        let compact = x.retainedModes2D(modes: modes)
        #expect(compact.shape == [3, 2, k, 2])
        var error = 0.0, scale = 0.0
        for item in 0..<6 {
            for (index, offset) in offsets.enumerated() {
                for part in 0..<2 {
                    let a = Double(compact.scalars[(item * k + index) * 2 + part])
                    let b = Double(full.scalars[(item * plane + offset) * 2 + part])
                    error = maxOrNaN(error, abs(a - b)); scale = maxOrNaN(scale, abs(b))
                }
            }
        }
        #expect(error <= tolerance * scale, "forward \(sizes) \(modes): \(error) of \(scale)")
        // Inverse: arbitrary (non-Hermitian) modes, against c2r of the zero-extended spectrum.
        let modesTensor = Tensor<Scalar>.normal([3, 2, k, 2], using: &generator)
        var extended = [Scalar](repeating: 0, count: 6 * plane * 2)
        for item in 0..<6 {
            for (index, offset) in offsets.enumerated() {
                extended[(item * plane + offset) * 2] = modesTensor.scalars[(item * k + index) * 2]
                extended[(item * plane + offset) * 2 + 1] = modesTensor.scalars[(item * k + index) * 2 + 1]
            }
        }
        let reference = try! Tensor<Scalar>(shape: [3, 2] + spectralSizes + [2], scalars: extended)
            .complexToRealUnnormalized(dimensionCount: 2, lastSize: sizes[1])
        let field = modesTensor.realFieldFromRetainedModes2D(spatialSize: sizes, modes: modes)
        #expect(field.shape == reference.shape)
        let inverseError = zip(field.scalars, reference.scalars).map { Double(abs($0 - $1)) }.maxOrNaN()!
        let inverseScale = reference.scalars.map { Double(abs($0)) }.maxOrNaN()!
        #expect(inverseError <= tolerance * inverseScale, "inverse \(sizes) \(modes): \(inverseError) of \(inverseScale)")
    }

    @Test(arguments: [([8, 8], [2, 3]), ([12, 10], [6, 6]), ([9, 7], [3, 2]), ([16, 12], [4, 4])])
    func prunedTransformsMatchFullTransforms(sizes: [Int], modes: [Int]) {
        check(Double.self, sizes: sizes, modes: modes, tolerance: 1e-13)
        check(Float.self, sizes: sizes, modes: modes, tolerance: 2e-6)
    }
}
