import Foundation
import Testing
import TensorCore
import NeuralOperators

/// DeepONet's standardization now fitted by Datasets' `UnitGaussianNormalizer`: against the formulas it
/// had before (kept here as the reference), the checkpoint JSON keys, and NaN refused by the model.
@Suite struct DeepONetNormalizationTests {
    /// The pre-change per-column statistics: mean, then σ² = E[x²] − μ² clamped at 0 (σ < 1e-12 → 1).
    static func referenceColumns(_ x: Tensor<Float>) -> ([Double], [Double]) {
        let columns = x.shape.last!, rows = x.count / columns
        var mean = [Double](repeating: 0, count: columns), squares = [Double](repeating: 0, count: columns)
        for i in 0..<rows {
            for j in 0..<columns {
                let v = Double(x.scalars[i * columns + j])
                mean[j] += v
                squares[j] += v * v
            }
        }
        var deviation = [Double](repeating: 1, count: columns)
        for j in 0..<columns {
            mean[j] /= Double(rows)
            let variance = max(squares[j] / Double(rows) - mean[j] * mean[j], 0)
            deviation[j] = variance.squareRoot() < 1e-12 ? 1 : variance.squareRoot()
        }
        return (mean, deviation)
    }

    @Test func statisticsAndStandardizedInputsMatchThePreviousFormulas() throws {
        let data = try AntiderivativeData.generate(sampleCount: 40, sensorCount: 30, seed: 5)
        let u = data.branchInputs.converted(to: Float.self), y = data.trunkInputs.converted(to: Float.self)
        let s = data.targets.converted(to: Float.self)
        let statistics = DeepONetInputNormalization(branch: u, trunk: y, target: s)
        let (branchMean, branchDeviation) = Self.referenceColumns(u)
        let (trunkMean, trunkDeviation) = Self.referenceColumns(y)
        // Means are summed in the same order: identical. σ differs only by the rounding of the two formulas.
        #expect(statistics.branchMean == branchMean && statistics.trunkMean == trunkMean)
        func relative(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).map { abs($0 - $1) / abs($1) }.reduce(0) { $1.isNaN || $0.isNaN ? .nan : max($0, $1) }
        }
        let branchDifference = relative(statistics.branchStandardDeviation, branchDeviation)
        let trunkDifference = relative(statistics.trunkStandardDeviation, trunkDeviation)
        #expect(branchDifference < 1e-12 && trunkDifference < 1e-12, "σ relative differences \(branchDifference), \(trunkDifference)")
        // The trunk points are 30 uniform points on [0, 1] (stored as Float): mean 1/2, σ² = E[x²] − 1/4.
        let expectedTrunk = (((0..<30).map { pow(Double($0) / 29, 2) }.reduce(0, +) / 30) - 0.25).squareRoot()
        #expect(abs(statistics.trunkMean[0] - 0.5) < 1e-7 && abs(statistics.trunkStandardDeviation[0] - expectedTrunk) < 1e-7)

        // Standardized inputs: (x − μ)/σ in Double per column, rounded to Float, as before.
        let standardized = statistics.normalizeBranch(u)
        var expected = u
        for i in 0..<expected.count {
            let j = i % 30
            expected.scalars[i] = Float((Double(u.scalars[i]) - statistics.branchMean[j]) / statistics.branchStandardDeviation[j])
        }
        #expect(standardized == expected)

        // Targets: one mean and population spread over all entries.
        let values = s.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let spread = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        let targetMean = try #require(statistics.targetMean), targetSpread = try #require(statistics.targetStandardDeviation)
        #expect(abs(targetMean - mean) < 1e-12 && abs(targetSpread - spread) < 1e-12 * spread)
    }

    @Test func checkpointKeysAndNonFiniteData() throws {
        let statistics = DeepONetInputNormalization(branchMean: [1], branchStandardDeviation: [2], trunkMean: [3], trunkStandardDeviation: [4],
                                                    targetMean: 5, targetStandardDeviation: 6)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(statistics), as: UTF8.self)
        #expect(json == #"{"branchMean":[1],"branchStandardDeviation":[2],"targetMean":5,"targetStandardDeviation":6,"trunkMean":[3],"trunkStandardDeviation":[4]}"#)

        var branch = Tensor<Double>.zeros([4, 3])
        branch.scalars[5] = .nan
        let poisoned = DeepONetInputNormalization(branch: branch, trunk: Tensor<Double>.zeros([2, 1]))
        #expect(!poisoned.isFinite)
        var generator = SeededRandomNumberGenerator(seed: 1)
        #expect(throws: DeepONetError.self) {
            try DeepONet<Double>(configuration: DeepONetConfiguration(branchWidths: [3, 4], trunkWidths: [1, 4], normalizesInputs: true),
                                 normalization: poisoned, generator: &generator)
        }
    }
}
