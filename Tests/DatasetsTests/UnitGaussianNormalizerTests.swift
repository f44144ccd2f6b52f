import Foundation
import Testing
import TensorCore
import Datasets

/// The one normalizer: statistics against direct sums for each grouping, encode/decode round trips,
/// resampled statistics against a direct fit at the other grid, and NaN refused.
@Suite struct UnitGaussianNormalizerTests {
    static func data(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor<Float>.normal(shape, using: &generator) * Tensor(Float(3)) + Tensor(Float(0.5))
    }

    /// Mean and standard deviation of `values` (divisor M − 1 or M), in Double.
    static func moments(_ values: [Double], unbiased: Bool) -> (Double, Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        return (mean, (squares / Double(unbiased ? values.count - 1 : values.count)).squareRoot())
    }

    @Test func eachGroupingMatchesDirectStatisticsAndRoundTrips() throws {
        let x = Self.data([6, 2, 5, 4], seed: 3)
        let values = x.scalars.map(Double.init)
        func entry(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Double { values[((n * 2 + c) * 5 + i) * 4 + j] }
        // Pointwise: [1, 2, 5, 4], over the 6 samples, unbiased.
        let pointwise = try UnitGaussianNormalizer(fitting: x)
        #expect(pointwise.mean.shape == [1, 2, 5, 4])
        let (m0, s0) = Self.moments((0..<6).map { entry($0, 1, 3, 2) }, unbiased: true)
        let at = (1 * 5 + 3) * 4 + 2
        #expect(abs(Double(pointwise.mean.scalars[at]) - m0) < 1e-6 && abs(Double(pointwise.standardDeviation.scalars[at]) - s0) < 1e-6)
        // Per channel: [1, 2, 1, 1], over samples and grid.
        let perChannel = try UnitGaussianNormalizer(fitting: x, statistics: .perChannel, estimator: .population)
        #expect(perChannel.mean.shape == [1, 2, 1, 1])
        var channel1 = [Double]()
        for n in 0..<6 { for i in 0..<5 { for j in 0..<4 { channel1.append(entry(n, 1, i, j)) } } }
        let (m1, s1) = Self.moments(channel1, unbiased: false)
        #expect(abs(Double(perChannel.mean.scalars[1]) - m1) < 1e-6 && abs(Double(perChannel.standardDeviation.scalars[1]) - s1) < 1e-6)
        // Per feature (last axis) and global.
        let perFeature = try UnitGaussianNormalizer(fitting: x, statistics: .perFeature)
        #expect(perFeature.mean.shape == [1, 1, 1, 4])
        let (m2, s2) = Self.moments(stride(from: 3, to: values.count, by: 4).map { values[$0] }, unbiased: true)
        #expect(abs(Double(perFeature.mean.scalars[3]) - m2) < 1e-6 && abs(Double(perFeature.standardDeviation.scalars[3]) - s2) < 1e-6)
        let global = try UnitGaussianNormalizer(fitting: x, statistics: .global)
        let (m3, s3) = Self.moments(values, unbiased: true)
        #expect(global.mean.shape == [1, 1, 1, 1] && abs(Double(global.mean.scalars[0]) - m3) < 1e-6 && abs(Double(global.standardDeviation.scalars[0]) - s3) < 1e-6)

        for normalizer in [pointwise, perChannel, perFeature, global] {
            let encoded = normalizer.encode(x)
            let decoded = normalizer.decode(encoded)
            let worst = zip(decoded.scalars, x.scalars).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }
            #expect(worst.allSatisfy { $0 <= 1e-6 }, "round trip error \(worst.max() ?? .nan)")
            // Decode is z · scale + shift, the form Training differentiates.
            #expect(decoded == encoded * normalizer.scale + normalizer.shift)
        }
    }

    @Test func spreadGuards() throws {
        // Column 0 constant: ε keeps it finite; unitBelow divides by 1 (centred only).
        let x = try Tensor<Double>(shape: [3, 2], scalars: [5, 1, 5, 2, 5, 6])
        let withEpsilon = try UnitGaussianNormalizer(fitting: x, statistics: .perFeature)
        #expect(withEpsilon.standardDeviation.scalars[0] == 0 && withEpsilon.encode(x).scalars[0] == 0)
        let unit = try UnitGaussianNormalizer(fitting: x, statistics: .perFeature, estimator: .population, spreadGuard: .unitBelow(1e-12))
        #expect(unit.standardDeviation.scalars[0] == 1 && unit.epsilon == 0)
        #expect(abs(unit.standardDeviation.scalars[1] - (14.0 / 3).squareRoot()) < 1e-12, "population σ of 1, 2, 6")
        // One sample with the unbiased estimator: σ = 0, as the FNO trainer always had.
        let single = try UnitGaussianNormalizer(fitting: Tensor<Double>(shape: [1, 1, 3], scalars: [1, 2, 3]))
        #expect(single.standardDeviation.scalars == [0, 0, 0])
    }

    @Test func nonFiniteDataAreRefused() throws {
        var x = Self.data([4, 1, 8], seed: 1)
        x.scalars[9] = .nan
        #expect(throws: DatasetError.nonFinite(path: "<normalizer>", detail: "the data to fit")) { try UnitGaussianNormalizer(fitting: x) }
        x.scalars[9] = .infinity
        #expect(throws: DatasetError.self) { try UnitGaussianNormalizer(fitting: x, statistics: .global) }
        #expect(throws: DatasetError.self) { try UnitGaussianNormalizer(fitting: Tensor<Float>.zeros([3]), statistics: .perChannel) }
    }

    /// Fields u_n(x, y) = c_n (1 + x) + 0.5 y (1 + c_n) on s × s nodes of [0, 1]² (both ends): μ and σ
    /// are affine along each axis, so statistics fitted at s = 9 and resampled to 17 equal a direct
    /// fit at 17 up to rounding. For u_n = c_n sin(πx) + d_n the resampled μ is within the linear
    /// interpolation bound h²/8 · max|μ''| = h²π²|c̄|/8 of the direct fit.
    @Test func resampledStatisticsMatchADirectFitAtTheOtherGrid() throws {
        let coefficients: [Double] = [0.3, -1.2, 2.0, 0.7, -0.4]
        func fields(_ s: Int, _ u: (Double, Double, Double) -> Double) -> Tensor<Double> {
            var values = [Double]()
            for c in coefficients {
                for i in 0..<s { for j in 0..<s { values.append(u(c, Double(i) / Double(s - 1), Double(j) / Double(s - 1))) } }
            }
            return Tensor(uncheckedShape: [coefficients.count, 1, s, s], scalars: values)
        }
        let affine = { (c: Double, x: Double, y: Double) in c * (1 + x) + 0.5 * y * (1 + c) }
        // u_n = c_n (1 + x + 0.5 y) + 0.5 y: μ = c̄ (1 + x + 0.5 y) + 0.5 y and σ = std(c) (1 + x + 0.5 y).
        let resampled = try UnitGaussianNormalizer(fitting: fields(9, affine)).resampled(to: [2, 1, 17, 17])
        let direct = try UnitGaussianNormalizer(fitting: fields(17, affine))
        #expect(resampled.mean.shape == direct.mean.shape)
        let meanError = zip(resampled.mean.scalars, direct.mean.scalars).map { abs($0 - $1) }
        let deviationError = zip(resampled.standardDeviation.scalars, direct.standardDeviation.scalars).map { abs($0 - $1) }
        #expect((meanError + deviationError).allSatisfy { $0 < 1e-12 }, "max \((meanError + deviationError).max() ?? .nan)")

        let smooth = { (c: Double, x: Double, _: Double) in c * sin(Double.pi * x) + 0.1 * c * c }
        let coarse = try UnitGaussianNormalizer(fitting: fields(9, smooth)).resampled(to: [1, 1, 17, 17])
        let fine = try UnitGaussianNormalizer(fitting: fields(17, smooth))
        let meanC = coefficients.reduce(0, +) / Double(coefficients.count)
        let bound = pow(1.0 / 8, 2) / 8 * Double.pi * Double.pi * abs(meanC) + 1e-12
        let smoothError = zip(coarse.mean.scalars, fine.mean.scalars).map { abs($0 - $1) }
        #expect(smoothError.allSatisfy { $0 <= bound }, "max \(smoothError.max() ?? .nan), bound \(bound)")
        #expect(smoothError.contains { $0 > bound / 100 }, "a curved mean is not reproduced exactly")

        // Per-channel statistics have no grid: resampling keeps them.
        let perChannel = try UnitGaussianNormalizer(fitting: fields(9, smooth), statistics: .perChannel)
        #expect(perChannel.resampled(to: [1, 1, 17, 17]) == perChannel)
    }
}
