import Datasets
import TensorCore

/// The statistics a DeepONet standardizes with, as its checkpoint stores them (JSON under
/// `deeponet.normalization`: these property names are the keys).
///
/// Branch inputs and trunk coordinates: `x ↦ (x − μ) / σ` with the training set's per-column mean and
/// population standard deviation (σ below 1e-12 replaced by 1, so constant columns pass through
/// centred): a ``UnitGaussianNormalizer`` with `.perFeature` statistics.
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
    /// `target` values (`[N, …]`): their mean and population standard deviation over all entries, or
    /// with `centredPerPoint` (POD-DeepONet) the spread about the per-point mean `ȳ` (mean then 0).
    ///
    /// Non-finite data give NaN statistics, which `DeepONet`'s initializer refuses with a typed error.
    public init<Scalar: TensorScalar>(branch: Tensor<Scalar>, trunk: Tensor<Scalar>, target: Tensor<Scalar>? = nil,
                                      centredPerPoint: Bool = false) {
        (branchMean, branchStandardDeviation) = Self.columnStatistics(branch)
        (trunkMean, trunkStandardDeviation) = Self.columnStatistics(trunk)
        guard let target else { return }
        var values = target.converted(to: Double.self)
        if centredPerPoint, values.rank >= 1 {
            // Residuals about the per-point mean over the samples.
            guard let pointwise = try? UnitGaussianNormalizer(fitting: values, statistics: .pointwise, estimator: .population) else {
                (targetMean, targetStandardDeviation) = (.nan, .nan)
                return
            }
            values = values - pointwise.mean
        }
        guard let global = try? UnitGaussianNormalizer(fitting: values, statistics: .global, estimator: .population,
                                                       spreadGuard: .unitBelow(1e-30)) else {
            (targetMean, targetStandardDeviation) = (.nan, .nan)
            return
        }
        targetMean = centredPerPoint ? 0 : global.mean.scalars[0]
        targetStandardDeviation = global.standardDeviation.scalars[0]
    }

    /// Per-column mean and population σ (1 where σ < 1e-12); NaN for non-finite or empty data.
    static func columnStatistics<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> ([Double], [Double]) {
        let columns = x.shape.last ?? 1
        guard let normalizer = try? UnitGaussianNormalizer(fitting: x.converted(to: Double.self), statistics: .perFeature,
                                                           estimator: .population, spreadGuard: .unitBelow(1e-12)) else {
            return ([Double](repeating: .nan, count: columns), [Double](repeating: .nan, count: columns))
        }
        return (normalizer.mean.scalars, normalizer.standardDeviation.scalars)
    }

    /// Whether every statistic is finite (false after fitting NaN or infinite data).
    public var isFinite: Bool {
        (branchMean + branchStandardDeviation + trunkMean + trunkStandardDeviation).allSatisfy(\.isFinite)
            && (targetMean ?? 0).isFinite && (targetStandardDeviation ?? 1).isFinite
    }

    /// The branch statistics as a normalizer (`[1, m]`).
    public var branchNormalizer: UnitGaussianNormalizer<Double> { Self.normalizer(branchMean, branchStandardDeviation) }
    /// The trunk statistics as a normalizer (`[1, d]`).
    public var trunkNormalizer: UnitGaussianNormalizer<Double> { Self.normalizer(trunkMean, trunkStandardDeviation) }

    static func normalizer(_ mean: [Double], _ deviation: [Double]) -> UnitGaussianNormalizer<Double> {
        UnitGaussianNormalizer(mean: Tensor(uncheckedShape: [1, mean.count], scalars: mean),
                               standardDeviation: Tensor(uncheckedShape: [1, deviation.count], scalars: deviation), epsilon: 0)
    }

    /// `(x − μ) / σ` per column of `x` (`[…, m]`), computed in Double.
    public func normalizeBranch<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.apply(branchNormalizer, to: x)
    }

    /// `(y − μ) / σ` per coordinate of `y` (`[…, d]`), computed in Double.
    public func normalizeTrunk<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.apply(trunkNormalizer, to: x)
    }

    static func apply<Scalar: TensorScalar>(_ normalizer: UnitGaussianNormalizer<Double>, to x: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(x.shape.last == normalizer.mean.count, "normalization expects last axis \(normalizer.mean.count), got \(x.shape)")
        let columns = x.shape.last!
        let rows = Tensor<Double>(uncheckedShape: [x.count / max(columns, 1), columns], scalars: x.converted(to: Double.self).scalars)
        return Tensor(uncheckedShape: x.shape, scalars: normalizer.encode(rows).converted(to: Scalar.self).scalars)
    }
}
