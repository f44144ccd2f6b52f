import Foundation

/// A coefficient drawn afresh for every sample of a generated data set (`generate --problem`):
/// a Gaussian random field ψ on the problem's grid, mapped pointwise.
///
/// ```
/// ψ ~ N(0, σ² (−Δ + τ² I)^{−α})   (zero Neumann, mean zero: `GaussianRandomField`, FNO's sampler)
/// identity:   a = ψ
/// exp:        a = exp(ψ)                      (log-normal, SKR's smooth family)
/// threshold:  a = high where ψ ≥ 0, else low  (FNO's Darcy coefficient with 12/3, α = 2, τ = 3, σ = 3)
/// ```
/// In a problem file: `"a": {"random": "gaussian", "alpha": 2, "tau": 3, "sigma": 3,
/// "transform": "threshold", "high": 12, "low": 3}` (`alpha`, `tau`, `sigma` default to FNO's 2, 3,
/// 3; `transform` to `identity`). The spectrum (α, τ, σ) is the covariance operator's; the sampler
/// is the one `generate darcy` uses, so the file of the Darcy family reproduces it bit for bit.
public struct RandomFieldCoefficient: Sendable, Hashable {
    public enum Transform: Sendable, Hashable {
        case identity
        case exp
        case threshold(high: Double, low: Double)
    }
    public var alpha: Double
    public var tau: Double
    public var sigma: Double
    public var transform: Transform

    public init(alpha: Double = 2, tau: Double = 3, sigma: Double = 3, transform: Transform = .identity) {
        self.alpha = alpha
        self.tau = tau
        self.sigma = sigma
        self.transform = transform
    }

    /// The sampler of ψ on `grid` (checks α, τ, σ).
    public func field(on grid: UniformGrid) throws -> GaussianRandomField {
        try GaussianRandomField(grid: grid, alpha: alpha, tau: tau, sigma: sigma)
    }

    /// a from ψ, pointwise.
    public func map(_ psi: [Double]) -> [Double] {
        switch transform {
        case .identity: return psi
        case .exp: return psi.map { Foundation.exp($0) }
        case .threshold(let high, let low): return psi.map { $0 >= 0 ? high : low }
        }
    }

    /// A one-line description (recorded in generated files' content keys).
    public var key: String {
        let map: String
        switch transform {
        case .identity: map = "identity"
        case .exp: map = "exp"
        case .threshold(let high, let low): map = "threshold(\(high),\(low))"
        }
        return "grf(alpha=\(alpha),tau=\(tau),sigma=\(sigma),\(map))"
    }
}
