import TensorCore

/// Per-feature standardisation `x ↦ (x − μ) / σ` of the branch inputs and trunk coordinates.
///
/// `μ` and `σ` are the training set's per-column mean and standard deviation (σ below 1e-12 is
/// replaced by 1 so constant columns pass through centred).
///
/// Optionally the output is de-standardised too: the network predicts `(s − μ_s) / σ_s` and the
/// DeepONet returns `σ_s · net + μ_s` (POD-DeepONet: `σ_s · B(u) Φᵀ + ȳ`, `σ_s` the spread of the
/// centred targets). Without it, targets far from unit scale (Darcy solutions ~1e-2) start with
/// O(1) outputs and the branch extrapolates badly to unseen inputs.
public struct DeepONetInputNormalization: Codable, Sendable, Equatable {
    public var branchMean: [Double]
    public var branchStandardDeviation: [Double]
    public var trunkMean: [Double]
    public var trunkStandardDeviation: [Double]
    /// `μ_s` (unused by POD-DeepONet, whose mean is the POD mean); `nil`: 0.
    public var targetMean: Double?
    /// `σ_s`; `nil`: 1.
    public var targetStandardDeviation: Double?

    public init(branchMean: [Double], branchStandardDeviation: [Double], trunkMean: [Double], trunkStandardDeviation: [Double],
                targetMean: Double? = nil, targetStandardDeviation: Double? = nil) {
        self.branchMean = branchMean
        self.branchStandardDeviation = branchStandardDeviation
        self.trunkMean = trunkMean
        self.trunkStandardDeviation = trunkStandardDeviation
        self.targetMean = targetMean
        self.targetStandardDeviation = targetStandardDeviation
    }

    /// Statistics of `branch` (`[N, m]`) and `trunk` (`[P, d]`) columns and, if given, of the training
    /// `target` values (`[N, …]`): their mean and standard deviation over all entries, or with
    /// `centredPerPoint` (POD-DeepONet) the spread about the per-point mean `ȳ` (mean then 0).
    public init<Scalar: TensorScalar>(branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>? = nil,
                                      centredPerPoint: Bool = false) {
        (branchMean, branchStandardDeviation) = Self.columnStatistics(branch)
        (trunkMean, trunkStandardDeviation) = Self.columnStatistics(trunk)
        if let target {
            let rows = max(target.shape.first ?? 1, 1), width = target.count / rows
            var pointMean = [Double](repeating: 0, count: width)
            if centredPerPoint {
                for i in 0..<target.count { pointMean[i % width] += Double(target.scalars[i]) / Double(rows) }
            }
            var sum = 0.0, squares = 0.0
            for i in 0..<target.count {
                let v = Double(target.scalars[i]) - pointMean[i % width]
                sum += v
                squares += v * v
            }
            let mean = centredPerPoint ? 0 : sum / Double(max(target.count, 1))
            let deviation = max(squares / Double(max(target.count, 1)) - mean * mean, 0).squareRoot()
            targetMean = mean
            targetStandardDeviation = deviation < 1e-30 ? 1 : deviation
        }
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
