import Foundation
import TensorCore

/// Samples of a mean-zero Gaussian random field with a Matérn-like (Whittle) covariance operator
/// on a 1-, 2- or 3-D box, through its Karhunen–Loève expansion and one FFTW transform per sample.
///
/// ```
/// ψ ~ N(m, C),   C = σ² (−Δ + τ² I)^{−α}   on D = [0, L₀] × … × [0, L_{d−1}]
///
/// periodic (grid layout .periodic):  φ_k(x) = e^{2πi Σ k_a x_a / L_a} / √|D|,   μ_k = 4π² Σ (k_a / L_a)²
/// zero Neumann (.vertexCentred or .cellCentred):
///                                    φ_k(x) = Π_a c_{k_a} cos(π k_a x_a / L_a) / √|D|,
///                                    c_0 = 1, c_k = √2,  μ_k = π² Σ (k_a / L_a)²
/// eigenvalues of C:  λ_k = σ² (μ_k + τ²)^{−α}
/// sample:            ψ(x) = Σ_k √λ_k ξ_k φ_k(x),  ξ_k i.i.d. N(0, 1) (complex pairs, Hermitian, on the torus)
/// ```
/// So `E[ψ(x) ψ(y)] = Σ_k λ_k φ_k(x) φ_k(y)`, the kernel of C truncated to the modes the grid
/// resolves (|k_a| ≤ n_a/2 on the torus; k_a = 0 … n_a − 1 for the cosine series). With
/// `zeroMean` (the default, as in FNO's generators) the constant mode k = 0 is dropped.
///
/// Transforms: the periodic field is one complex-to-real FFT of the Hermitian coefficient array
/// √λ_k ξ_k / √|D| laid out as FFTW's half spectrum; the Neumann field on a vertex grid
/// (x_j = j L/(n−1), boundary nodes included) is one DCT-I (FFTW REDFT00), on a cell-centred grid
/// (x_j = (j + ½) L/n) one DCT-III (REDFT01).
///
/// FNO's recipes, and how they map onto (α, τ, σ):
/// - Darcy (`data_generation/darcy/GRF.m`): √λ_k = τ^{α−1} (π²|k|² + τ²)^{−α/2} with α = 2, τ = 3,
///   cosine series, constant mode removed, so σ = τ^{α−1} = 3 (the same as the Python generator's
///   default σ = τ^{(2α − d)/2} in d = 2) — the paper writes N(0, (−Δ + 9I)^{−2});
///   the factor 3 does not matter for the 12/3 threshold coefficient. FNO evaluates the series on the
///   cell-centred grid and spline-interpolates to the vertex grid; `fnoDarcy(resolution:)` evaluates
///   the same series directly on the vertex grid.
/// - Burgers: the paper's u₀ ~ N(0, 625(−Δ + 25I)^{−2}): α = 2, τ = 5, σ = 25, periodic.
/// - Navier–Stokes (`random_fields.py`, α = 2.5, τ = 7, σ_code = τ^{(2α − d)/2} = 7^{1.5}): that code
///   takes the real part of a non-Hermitian complex series, which doubles the covariance, so in this
///   convention σ = √2 · 7^{1.5}.
///
/// Complexity: O(N log N) per sample, N = Π n_a. The FFTW plan is made in `init`; `sample` only
/// executes it, so one field can be sampled from several threads (each with its own generator).
/// References: Z. Li et al., "Fourier Neural Operator for Parametric Partial Differential Equations",
/// ICLR 2021, §5 and App. A; F. Lindgren, H. Rue, J. Lindström, "An explicit link between Gaussian
/// fields and Gaussian Markov random fields: the SPDE approach", JRSS-B 73 (2011).
public struct GaussianRandomField: Sendable {
    public let grid: UniformGrid
    public let alpha: Double
    public let tau: Double
    public let sigma: Double
    /// Drop the constant mode (mean-zero fields, FNO's choice).
    public let zeroMean: Bool
    /// Per-coefficient standard deviations of the transform input (half spectrum for the torus, full
    /// cosine array otherwise), computed once.
    private var amplitudes: [Double] = []

    /// - Throws: `PDEError.invalidParameter` for α ≤ 0, τ < 0, σ < 0 or non-finite values
    ///   (τ = 0 needs `zeroMean`, otherwise the constant mode has infinite variance).
    public init(grid: UniformGrid, alpha: Double, tau: Double, sigma: Double, zeroMean: Bool = true) throws {
        guard alpha > 0, alpha.isFinite else { throw PDEError.invalidParameter(name: "alpha", reason: "must be positive, got \(alpha)") }
        guard tau >= 0, tau.isFinite else { throw PDEError.invalidParameter(name: "tau", reason: "must be ≥ 0, got \(tau)") }
        guard sigma >= 0, sigma.isFinite else { throw PDEError.invalidParameter(name: "sigma", reason: "must be ≥ 0, got \(sigma)") }
        guard tau > 0 || zeroMean else { throw PDEError.invalidParameter(name: "tau", reason: "τ = 0 needs zeroMean") }
        self.grid = grid
        self.alpha = alpha
        self.tau = tau
        self.sigma = sigma
        self.zeroMean = zeroMean
        amplitudes = isPeriodic ? periodicAmplitudes() : cosineAmplitudes()
        // Plan the transform now (FFTW planning is not thread-safe; sampling only executes the plan).
        if isPeriodic { _ = RealFFT(sizes: grid.sizes) } else {
            CosineTransform.prepare(grid.layout == .vertexCentred ? .typeOne : .typeThree, sizes: grid.sizes)
        }
    }

    /// FNO's Darcy GRF (α = 2, τ = 3, σ = 3, zero Neumann, mean zero) on the s × s vertex grid of the
    /// unit square, boundary nodes included.
    public static func fnoDarcy(resolution s: Int) throws -> GaussianRandomField {
        try GaussianRandomField(grid: .unit(dimension: 2, size: s, layout: .vertexCentred), alpha: 2, tau: 3, sigma: 3)
    }

    /// FNO's Burgers initial condition N(0, 625(−Δ + 25I)^{−2}) on n periodic points of [0, 1).
    public static func fnoBurgers(resolution n: Int) throws -> GaussianRandomField {
        try GaussianRandomField(grid: .unit(dimension: 1, size: n, layout: .periodic), alpha: 2, tau: 5, sigma: 25)
    }

    /// FNO's Navier–Stokes initial vorticity (α = 2.5, τ = 7, amplitude as their code draws it) on n²
    /// periodic points of the unit torus.
    public static func fnoNavierStokes(resolution n: Int) throws -> GaussianRandomField {
        try GaussianRandomField(grid: .unit(dimension: 2, size: n, layout: .periodic), alpha: 2.5, tau: 7,
                                sigma: 2.0.squareRoot() * pow(7, 1.5))
    }

    var isPeriodic: Bool { grid.layout == .periodic }

    /// The Laplacian eigenvalue μ_k of the mode with (non-negative for cosine, signed for Fourier)
    /// integer wavenumbers k.
    public func laplacianEigenvalue(_ k: [Int]) -> Double {
        var mu = 0.0
        for a in 0..<grid.dimension {
            let q = Double(k[a]) / grid.lengths[a]
            mu += (isPeriodic ? 4 * Double.pi * Double.pi : Double.pi * Double.pi) * q * q
        }
        return mu
    }

    /// λ_k = σ² (μ_k + τ²)^{−α}, 0 for k = 0 when `zeroMean`.
    public func eigenvalue(_ k: [Int]) -> Double {
        if zeroMean && k.allSatisfy({ $0 == 0 }) { return 0 }
        return sigma * sigma * pow(laplacianEigenvalue(k) + tau * tau, -alpha)
    }

    /// The volume |D|.
    var volume: Double { grid.lengths.reduce(1, *) }

    /// One sample at the grid nodes, in storage order (row-major, last axis fastest).
    public func sample(using generator: inout SeededRandomNumberGenerator) -> [Double] {
        isPeriodic ? samplePeriodic(using: &generator) : sampleCosine(using: &generator)
    }

    /// One sample as a tensor of the grid's shape.
    public func sampleTensor(using generator: inout SeededRandomNumberGenerator) -> Tensor<Double> {
        try! Tensor(shape: grid.sizes, scalars: sample(using: &generator))
    }

    /// √(λ_k/2)/√|D| per half-spectrum entry: ĉ_k = that · (ξ + iη) has E|ĉ_k|² = λ_k/|D|.
    private func periodicAmplitudes() -> [Double] {
        let sizes = grid.sizes, d = sizes.count
        let half = sizes[d - 1] / 2 + 1
        let complexCount = sizes.dropLast().reduce(1, *) * half
        let scale = 1 / volume.squareRoot()
        var m = [Int](repeating: 0, count: d), k = [Int](repeating: 0, count: d)
        return (0..<complexCount).map { e in
            var rest = e
            m[d - 1] = rest % half; rest /= half
            for a in stride(from: d - 2, through: 0, by: -1) { m[a] = rest % sizes[a]; rest /= sizes[a] }
            for a in 0..<d { k[a] = RealFFT.wavenumber(m[a], sizes[a]) }
            return (eigenvalue(k) / 2).squareRoot() * scale
        }
    }

    private func samplePeriodic(using generator: inout SeededRandomNumberGenerator) -> [Double] {
        let sizes = grid.sizes, d = sizes.count
        let fft = RealFFT(sizes: sizes)
        let half = sizes[d - 1] / 2 + 1
        let complexCount = fft.complexCount
        let spectrum = AlignedBuffer(count: 2 * complexCount)
        let output = AlignedBuffer(count: fft.realCount)
        for e in 0..<complexCount {
            spectrum[2 * e] = amplitudes[e] * generator.nextStandardNormal()
            spectrum[2 * e + 1] = amplitudes[e] * generator.nextStandardNormal()
        }
        // Hermitian symmetry on the last-axis planes m_last = 0 and (even n) m_last = n/2:
        // ĉ_{−k} = conj(ĉ_k); self-conjugate modes are real with variance λ_k.
        let lastPlanes = sizes[d - 1] % 2 == 0 && sizes[d - 1] > 1 ? [0, sizes[d - 1] / 2] : [0]
        let outer = sizes.dropLast().reduce(1, *)
        for plane in lastPlanes {
            for o in 0..<outer {
                var rest = o
                var partner = 0, multiplier = 1
                var mIndex = [Int](repeating: 0, count: d - 1)
                for a in stride(from: d - 2, through: 0, by: -1) { mIndex[a] = rest % sizes[a]; rest /= sizes[a] }
                for a in stride(from: d - 2, through: 0, by: -1) {
                    partner += ((sizes[a] - mIndex[a]) % sizes[a]) * multiplier
                    multiplier *= sizes[a]
                }
                let e = o * half + plane, ePartner = partner * half + plane
                if ePartner == e {
                    spectrum[2 * e] *= 2.0.squareRoot()
                    spectrum[2 * e + 1] = 0
                } else if ePartner < e {
                    spectrum[2 * e] = spectrum[2 * ePartner]
                    spectrum[2 * e + 1] = -spectrum[2 * ePartner + 1]
                }
            }
        }
        fft.inverse(spectrum.pointer, into: output.pointer)
        return output.array
    }

    /// a_k = √λ_k ξ_k Π c_{k_a} / √|D|; the FFTW input X_k = a_k · Π w(k_a) turns the transform into
    /// Σ_k a_k Π cos(π k_a x_a / L_a) (w = 1 at the ends of a DCT-I and at k = 0 of a DCT-III, else ½).
    private func cosineAmplitudes() -> [Double] {
        let sizes = grid.sizes, d = sizes.count
        let vertex = grid.layout == .vertexCentred
        let scale = 1 / volume.squareRoot()
        var k = [Int](repeating: 0, count: d)
        return (0..<grid.pointCount).map { p in
            var rest = p
            for a in stride(from: d - 1, through: 0, by: -1) { k[a] = rest % sizes[a]; rest /= sizes[a] }
            var weight = scale
            for a in 0..<d {
                if k[a] > 0 { weight *= 2.0.squareRoot() }
                let isEnd = vertex ? (k[a] == 0 || k[a] == sizes[a] - 1) : k[a] == 0
                if !isEnd { weight *= 0.5 }
            }
            return eigenvalue(k).squareRoot() * weight
        }
    }

    private func sampleCosine(using generator: inout SeededRandomNumberGenerator) -> [Double] {
        let coefficients = amplitudes.map { $0 * generator.nextStandardNormal() }
        return CosineTransform.apply(grid.layout == .vertexCentred ? .typeOne : .typeThree, sizes: grid.sizes, input: coefficients)
    }
}
