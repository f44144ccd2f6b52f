/// The stationary kernels of the GP-HM solver, one per axis of the product kernel.
///
/// Each is a sum of components `w_q g(d; ℓ_q) cos(2π f_q d)` in the lag `d = x − x'`:
/// ```
/// squared exponential:  g = exp(−d² / 2ℓ²),                      one component, f = 0
/// Matérn-5/2:           g = (1 + r + r²/3) e^{−r},  r = √5|d|/ℓ,  one component, f = 0
/// spectral mixture:     Σ_q w_q exp(−d² / 2ℓ_q²) cos(2π f_q d)    (Gaussian-mixture spectrum)
/// Student-t mixture:    Σ_q w_q Matérn₅⸝₂(d; ℓ_q) cos(2π f_q d)   (Student-t-mixture spectrum)
/// ```
/// References: Wilson & Adams, "Gaussian Process Kernels for Pattern Discovery and Extrapolation",
/// ICML 2013; Fang, Xu, Zhe et al., "Solving High Frequency and Multi-Scale PDEs with Gaussian
/// Processes", ICLR 2024.
public enum KernelFamily: String, Sendable, CaseIterable, Codable {
    case squaredExponential = "squared-exponential"
    case matern52 = "matern52"
    case spectralMixture = "spectral-mixture"
    case studentTMixture = "student-t-mixture"

    /// Whether the components carry a cosine (a learnable frequency).
    public var isMixture: Bool { self == .spectralMixture || self == .studentTMixture }

    /// Whether the envelope is the Matérn-5/2 (otherwise squared exponential).
    public var usesMatern: Bool { self == .matern52 || self == .studentTMixture }
}
