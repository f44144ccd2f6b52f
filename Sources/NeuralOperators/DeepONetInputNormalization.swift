import TensorCore

/// Per-feature standardisation `x ↦ (x − μ) / σ` of the branch inputs and trunk coordinates.
///
/// `μ` and `σ` are the training set's per-column mean and standard deviation (σ below 1e-12 is
/// replaced by 1 so constant columns pass through centred).
public struct DeepONetInputNormalization: Codable, Sendable, Equatable {
    public var branchMean: [Double]
    public var branchStandardDeviation: [Double]
    public var trunkMean: [Double]
    public var trunkStandardDeviation: [Double]

    public init(branchMean: [Double], branchStandardDeviation: [Double], trunkMean: [Double], trunkStandardDeviation: [Double]) {
        self.branchMean = branchMean
        self.branchStandardDeviation = branchStandardDeviation
        self.trunkMean = trunkMean
        self.trunkStandardDeviation = trunkStandardDeviation
    }

    /// Statistics of `branch` (`[N, m]`) and `trunk` (`[P, d]`) columns.
    public init<Scalar: TensorScalar>(branch: Tensor<Scalar>, trunk: Tensor<Scalar>) {
        (branchMean, branchStandardDeviation) = Self.columnStatistics(branch)
        (trunkMean, trunkStandardDeviation) = Self.columnStatistics(trunk)
    }

    static func columnStatistics<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> ([Double], [Double]) {
        let columns = x.shape.last ?? 1, rows = max(x.count / max(columns, 1), 1)
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

    static func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>, mean: [Double], deviation: [Double]) -> Tensor<Scalar> {
        let columns = mean.count
        precondition(x.shape.last == columns, "normalization expects last axis \(columns), got \(x.shape)")
        var out = x
        out.scalars.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let j = i % columns
                p[i] = Scalar((Double(p[i]) - mean[j]) / deviation[j])
            }
        }
        return out
    }

    public func normalizeBranch<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.apply(x, mean: branchMean, deviation: branchStandardDeviation)
    }

    public func normalizeTrunk<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.apply(x, mean: trunkMean, deviation: trunkStandardDeviation)
    }
}
