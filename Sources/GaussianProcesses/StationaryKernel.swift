import Foundation
import TensorCore
import AutoDiff

/// A one-dimensional stationary kernel `k(d)`, `d = x − x'`, with its first and second derivatives
/// in closed form, built from differentiable operations so that gradients with respect to the
/// hyperparameters come from `AutoDiff`.
///
/// ```
/// k(d)   = Σ_q w_q g_q(d) c_q(d),               c_q = cos(2π f_q d),  w_q = exp(ρ_q)
/// k'(d)  = Σ_q w_q (g_q' c_q + g_q c_q')         c_q' = −ω_q sin(ω_q d),  ω_q = 2π f_q
/// k''(d) = Σ_q w_q (g_q'' c_q + 2 g_q' c_q' + g_q c_q''),   c_q'' = −ω_q² c_q
/// squared exponential: g' = −d/ℓ² g,  g'' = (d²/ℓ⁴ − 1/ℓ²) g
/// Matérn-5/2 (s = √5/ℓ, r = s|d|): g' = −(s²/3) d (1 + r) e^{−r},  g'' = −(s²/3)(1 + r − r²) e^{−r}
/// ```
/// With `∂/∂x k(x − x') = k'(d)` and `∂²/∂x² k(x − x') = k''(d)`, derivative values of a GP on a
/// grid are `K' K⁻¹ U` and `K'' K⁻¹ U`.
///
/// Hyperparameters are stored in the log domain for weights and lengthscales (`ρ_q = log w_q`,
/// `log ℓ_q`) and directly for frequencies `f_q` (cycles per unit length).
///
/// References: Fang et al., ICLR 2024 (GP-HM); Rasmussen & Williams, "Gaussian Processes for
/// Machine Learning", §4.2 (Matérn).
public struct StationaryKernel: Sendable, Equatable, Codable {
    public var family: KernelFamily
    /// `ρ_q = log w_q`.
    public var logWeights: [Double]
    /// `f_q` in cycles per unit length (zero for the plain kernels).
    public var frequencies: [Double]
    /// `log ℓ_q`.
    public var logLengthscales: [Double]

    public var componentCount: Int { logWeights.count }
    public var weights: [Double] { logWeights.map { Foundation.exp($0) } }
    public var lengthscales: [Double] { logLengthscales.map { Foundation.exp($0) } }

    /// A kernel from explicit hyperparameters.
    public init(family: KernelFamily, logWeights: [Double], frequencies: [Double], logLengthscales: [Double]) throws {
        guard !logWeights.isEmpty, logWeights.count == frequencies.count, logWeights.count == logLengthscales.count else {
            throw GaussianProcessError.invalidArgument("kernel hyperparameter arrays must be non-empty and of equal length")
        }
        guard family.isMixture || logWeights.count == 1 else {
            throw GaussianProcessError.invalidArgument("\(family.rawValue) has exactly one component")
        }
        guard (logWeights + frequencies + logLengthscales).allSatisfy(\.isFinite) else {
            throw GaussianProcessError.nonFinite("kernel hyperparameters")
        }
        self.family = family
        self.logWeights = logWeights
        self.frequencies = family.isMixture ? frequencies : frequencies.map { _ in 0 }
        self.logLengthscales = logLengthscales
    }

    /// The GP-HM initialization: `components` frequencies evenly spaced on `[0, maximumFrequency]`,
    /// equal weights summing to one, a common lengthscale. Plain kernels get one component.
    public init(family: KernelFamily, components: Int, maximumFrequency: Double, lengthscale: Double) throws {
        guard components >= 1 else { throw GaussianProcessError.invalidArgument("components must be at least 1") }
        guard lengthscale > 0, lengthscale.isFinite else { throw GaussianProcessError.invalidArgument("lengthscale must be positive") }
        guard maximumFrequency >= 0, maximumFrequency.isFinite else {
            throw GaussianProcessError.invalidArgument("maximum frequency must be non-negative")
        }
        let q = family.isMixture ? components : 1
        let frequencies = family.isMixture
            ? (0..<q).map { q == 1 ? maximumFrequency : maximumFrequency * Double($0) / Double(q - 1) }
            : [0]
        try self.init(family: family, logWeights: Array(repeating: -Foundation.log(Double(q)), count: q),
                      frequencies: frequencies, logLengthscales: Array(repeating: Foundation.log(lengthscale), count: q))
    }

    /// The hyperparameters as leaf variables `[Q, 1]` (log-weights, frequencies, log-lengthscales).
    public func parameterVariables() -> (logWeights: Variable<Double>, frequencies: Variable<Double>, logLengthscales: Variable<Double>) {
        let q = componentCount
        return (Variable.leaf(Tensor(uncheckedShape: [q, 1], scalars: logWeights)),
                Variable.leaf(Tensor(uncheckedShape: [q, 1], scalars: frequencies)),
                Variable.leaf(Tensor(uncheckedShape: [q, 1], scalars: logLengthscales)))
    }

    /// `k(d)`, `k'(d)`, `k''(d)` at the given lags as differentiable functions of the hyperparameter
    /// variables (shape `[Q, 1]` each); each result has shape `[L]`.
    ///
    /// Complexity: O(Q·L).
    public static func evaluate(
        family: KernelFamily, lags: [Double], logWeights: Variable<Double>, frequencies: Variable<Double>,
        logLengthscales: Variable<Double>
    ) -> (value: Variable<Double>, first: Variable<Double>, second: Variable<Double>) {
        let count = lags.count
        let d = Tensor<Double>(uncheckedShape: [1, count], scalars: lags)
        let w = logWeights.exp()
        var g: Variable<Double>, g1: Variable<Double>, g2: Variable<Double>
        if family.usesMatern {
            let s = (-logLengthscales).exp() * 5.0.squareRoot()
            let absoluteLag = Tensor<Double>(uncheckedShape: [1, count], scalars: lags.map { Swift.abs($0) })
            let r = s * absoluteLag
            let e = (-r).exp()
            let s2over3 = s * s * (1.0 / 3.0)
            g = (r + r * r * (1.0 / 3.0) + 1.0) * e
            g1 = -(s2over3 * d * (r + 1.0) * e)
            g2 = -(s2over3 * (r - r * r + 1.0) * e)
        } else {
            let inverseSquare = (logLengthscales * -2.0).exp()  // 1/ℓ²
            let d2 = Tensor<Double>(uncheckedShape: [1, count], scalars: lags.map { $0 * $0 })
            g = (inverseSquare * d2 * -0.5).exp()
            g1 = -(inverseSquare * d * g)
            g2 = (inverseSquare * inverseSquare * d2 - inverseSquare) * g
        }
        var k: Variable<Double>, k1: Variable<Double>, k2: Variable<Double>
        if family.isMixture {
            let omega = frequencies * (2 * Double.pi)
            let phase = omega * d
            let c = phase.cos(), sn = phase.sin()
            let c1 = -(omega * sn)
            let c2 = -(omega * omega * c)
            k = w * g * c
            k1 = w * (g1 * c + g * c1)
            k2 = w * (g2 * c + g1 * c1 * 2.0 + g * c2)
        } else {
            k = w * g; k1 = w * g1; k2 = w * g2
        }
        return (k.sum(alongAxes: [0]), k1.sum(alongAxes: [0]), k2.sum(alongAxes: [0]))
    }

    /// `k(d)`, `k'(d)`, `k''(d)` at the given lags, without recording gradients.
    public func values(atLags lags: [Double]) -> (value: [Double], first: [Double], second: [Double]) {
        GradientRecording.withoutRecording {
            let q = componentCount
            let result = Self.evaluate(
                family: family, lags: lags,
                logWeights: Variable(Tensor(uncheckedShape: [q, 1], scalars: logWeights)),
                frequencies: Variable(Tensor(uncheckedShape: [q, 1], scalars: frequencies)),
                logLengthscales: Variable(Tensor(uncheckedShape: [q, 1], scalars: logLengthscales)))
            return (result.value.value.scalars, result.first.value.scalars, result.second.value.scalars)
        }
    }

    /// Components whose weight is at least `relativeThreshold` times the largest weight:
    /// the frequencies the Jeffreys prior did not prune.
    public func survivingComponents(relativeThreshold: Double = 1e-3) -> [(frequency: Double, weight: Double, lengthscale: Double)] {
        let w = weights
        let largest = w.max() ?? 0
        return (0..<componentCount).filter { w[$0] >= relativeThreshold * largest }
            .map { (frequencies[$0], w[$0], Foundation.exp(logLengthscales[$0])) }
    }
}
