import TestSupport
import Foundation
import Testing
import TensorCore
import Datasets

/// Normalizer statistics carried to a finer grid (zero-shot super-resolution) by linear
/// interpolation: second-order accurate on a smooth field, exact on the training grid's nodes.
@Suite struct NormalizerResamplingTests {
    /// f(x, y) = sin(2x + 1) cos(3y) on s × s nodes of [0, 1]² (both ends).
    static func field(_ s: Int) -> [Double] {
        (0..<(s * s)).map { k in
            let x = Double(k / s) / Double(s - 1), y = Double(k % s) / Double(s - 1)
            return sin(2 * x + 1) * cos(3 * y)
        }
    }

    /// Max error of the mean fitted at s × s and resampled to (2s − 1)², against f there.
    static func resamplingError(_ s: Int) throws -> Double {
        let f = field(s)
        // Two samples f ± 1: the mean is f, the deviation √2 everywhere.
        let data = Tensor<Double>(uncheckedShape: [2, 1, s, s], scalars: f.map { $0 + 1 } + f.map { $0 - 1 })
        let normalizer = try UnitGaussianNormalizer<Double>(fitting: data)
        let fine = 2 * s - 1
        let resampled = normalizer.resampled(to: [1, 1, fine, fine])
        #expect(resampled.mean.shape == [1, 1, fine, fine])
        #expect(resampled.standardDeviation.scalars.allSatisfy { abs($0 - 2.0.squareRoot()) < 1e-12 })
        // Coarse nodes are fine nodes 2i: copied exactly.
        for i in stride(from: 0, to: fine, by: 2) {
            #expect(abs(resampled.mean.scalars[i * fine + 2 * 3] - f[(i / 2) * s + 3]) < 1e-12)
        }
        return zip(resampled.mean.scalars, field(fine)).map { abs($0 - $1) }.maxOrNaN()!
    }

    @Test func linearInterpolationIsSecondOrder() throws {
        let coarse = try Self.resamplingError(17), fine = try Self.resamplingError(33)
        let order = log2(coarse / fine)
        #expect(coarse < 1e-2, "error \(coarse) at 17 → 33")
        #expect(order > 1.8 && order < 2.2, "errors \(coarse), \(fine): order \(order)")
    }

    @Test func periodicGridsWrapAround() {
        // 8 → 16 points on a periodic grid (16 − 1 is not a multiple of 7): the last fine point
        // interpolates between the last and the first coarse values.
        let values = (0..<8).map { Double($0) }
        let normalizer = UnitGaussianNormalizer<Double>(mean: Tensor(uncheckedShape: [1, 1, 8], scalars: values),
                                                     standardDeviation: Tensor(uncheckedShape: [1, 1, 8], scalars: [Double](repeating: 1, count: 8)))
        let resampled = normalizer.resampled(to: [1, 1, 16]).mean.scalars
        #expect(resampled[2] == 1 && resampled[3] == 1.5 && resampled[14] == 7 && resampled[15] == 3.5)
    }
}
