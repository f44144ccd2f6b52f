import Foundation
import TensorCore

/// Body forcing of the vorticity equation.
public enum VorticityForcing: Sendable {
    /// f = 0.
    case none
    /// FNO's forcing f(x, y) = 0.1 (sin 2π(x + y) + cos 2π(x + y)).
    case fno
    /// A forcing field at the n² grid nodes (storage order).
    case field([Double])
}

/// 2-D incompressible Navier–Stokes in vorticity–streamfunction form on the periodic box [0, L)²,
/// pseudo-spectral with 2/3 dealiasing, Crank–Nicolson viscosity and Heun (explicit trapezoidal)
/// advection.
///
/// ```
/// ω_t + u·∇ω = ν Δω + f,   −Δψ = ω,   u = (∂ψ/∂y, −∂ψ/∂x)           (so ∇·u = 0, ω = ∂v/∂x − ∂u/∂y)
/// Fourier, κ = 2π(k_x, k_y)/L, K = |κ|²:   ψ̂ = ω̂/K (ψ̂₀ = 0),  û = iκ_y ψ̂,  v̂ = −iκ_x ψ̂
/// A(ω̂) = mask · FFT(u ∂ω/∂x + v ∂ω/∂y)      (products in physical space; mask keeps 3|k_x|, 3|k_y| < n)
/// predictor:  ω̂* = [(1 − ½Δt ν K) ω̂ⁿ + Δt (f̂ − A(ω̂ⁿ))] / (1 + ½Δt ν K)
/// corrector:  ω̂ⁿ⁺¹ = [(1 − ½Δt ν K) ω̂ⁿ + Δt (f̂ − ½A(ω̂ⁿ) − ½A(ω̂*))] / (1 + ½Δt ν K)
/// ```
/// Second order in time; the state is kept 2/3-truncated (a Galerkin truncation, which conserves the
/// discrete energy and enstrophy of the inviscid advection). FNO's data: L = 1, ν = 10⁻³ (also 10⁻⁴,
/// 10⁻⁵), forcing `.fno`, ω₀ from `GaussianRandomField.fnoNavierStokes`, their Δt = 10⁻⁴ at 256²;
/// the default Δt here is 10⁻³: FNO's ω₀ at 64² has max|u| ≈ 0.08 (so max|u| Δt n ≈ 0.005), and
/// Δt = 10⁻³ agrees with Δt = 2.5·10⁻⁴ to 4·10⁻⁸ (relative, max norm) at T = 2, ν = 10⁻³.
///
/// Axis 0 is x, axis 1 is y: the field index is i·n + j for (x_i, y_j) = (iL/n, jL/n).
/// The time loop allocates nothing; a solver instance is not thread-safe.
/// References: Z. Li et al., FNO, ICLR 2021, §5.3; C. Canuto, M. Y. Hussaini, A. Quarteroni,
/// T. A. Zang, "Spectral Methods: Evolution to Complex Geometries and Applications to Fluid
/// Dynamics", Springer (2007), §3.3 (dealiasing); Taylor & Green, Proc. R. Soc. A 158 (1937).
public final class NavierStokes2DSolver {
    public let resolution: Int
    public let viscosity: Double
    public let length: Double
    public let maximumTimeStep: Double

    let fft: RealFFT
    let modeCount: Int
    /// κ_x, κ_y, K and the dealiasing mask per half-spectrum entry.
    let kx: [Double], ky: [Double], kSquared: [Double], mask: [Double]
    let forcingSpectrum: AlignedBuffer
    let w: AlignedBuffer, wStar: AlignedBuffer, advection: AlignedBuffer, advectionStar: AlignedBuffer
    let spectrumScratch: AlignedBuffer
    let u: AlignedBuffer, v: AlignedBuffer, wx: AlignedBuffer, wy: AlignedBuffer

    /// - Parameters:
    ///   - resolution: n points per side (even, ≥ 4).
    ///   - viscosity: ν > 0 (0 allowed: inviscid).
    ///   - forcing: f (time-independent).
    ///   - timeStep: the largest Δt.
    public init(resolution n: Int, viscosity: Double = 1e-3, forcing: VorticityForcing = .fno, length: Double = 1,
                timeStep: Double = 1e-3) throws {
        guard n >= 4, n % 2 == 0 else { throw PDEError.invalidGrid("Navier–Stokes needs an even resolution ≥ 4, got \(n)") }
        guard viscosity >= 0, viscosity.isFinite else { throw PDEError.invalidParameter(name: "viscosity", reason: "must be ≥ 0") }
        guard length > 0, length.isFinite else { throw PDEError.invalidParameter(name: "length", reason: "must be positive") }
        guard timeStep > 0, timeStep.isFinite else { throw PDEError.invalidParameter(name: "timeStep", reason: "must be positive") }
        resolution = n
        self.viscosity = viscosity
        self.length = length
        maximumTimeStep = timeStep
        fft = RealFFT(sizes: [n, n])
        let half = n / 2 + 1
        modeCount = n * half
        var kx = [Double](), ky = [Double](), k2 = [Double](), mask = [Double]()
        for i in 0..<n {
            for j in 0..<half {
                let ki = RealFFT.wavenumber(i, n)
                let a = 2 * Double.pi * Double(ki) / length, b = 2 * Double.pi * Double(j) / length
                kx.append(a); ky.append(b); k2.append(a * a + b * b)
                mask.append(3 * abs(ki) < n && 3 * j < n ? 1 : 0)
            }
        }
        (self.kx, self.ky, kSquared, self.mask) = (kx, ky, k2, mask)
        let m = 2 * modeCount
        forcingSpectrum = AlignedBuffer(count: m)
        (w, wStar, advection, advectionStar) = (AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m))
        spectrumScratch = AlignedBuffer(count: m)
        (u, v, wx, wy) = (AlignedBuffer(count: n * n), AlignedBuffer(count: n * n), AlignedBuffer(count: n * n), AlignedBuffer(count: n * n))

        let grid = self.grid
        let forcingField: [Double]
        switch forcing {
        case .none: forcingField = [Double](repeating: 0, count: n * n)
        case .fno:
            forcingField = grid.evaluate { x in
                let t = 2 * Double.pi * (x[0] + x[1])
                return 0.1 * (Foundation.sin(t) + Foundation.cos(t))
            }
        case let .field(values):
            guard values.count == n * n else { throw PDEError.sizeMismatch(what: "forcing", expected: n * n, actual: values.count) }
            guard values.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("forcing") }
            forcingField = values
        }
        u.assign(forcingField)
        fft.forward(u.pointer, into: forcingSpectrum.pointer)
        applyMask(forcingSpectrum)
    }

    /// The periodic n × n grid of the fields.
    public var grid: UniformGrid { try! UniformGrid(sizes: [resolution, resolution], layout: .periodic, lengths: [length, length]) }

    /// ω(·, T) from ω₀.
    public func solve(initialVorticity: [Double], time: Double) throws -> [Double] {
        try solve(initialVorticity: initialVorticity, time: time, snapshotCount: 1).final
    }

    /// ω at T·i/m, i = 1 … m. ω₀ is 2/3-truncated first.
    /// - Throws: `PDEError` for a wrong-sized or non-finite ω₀, T ≤ 0, or a blow-up (Δt too large).
    public func solve(initialVorticity: [Double], time: Double, snapshotCount: Int) throws -> TimeSeries {
        let n = resolution
        guard initialVorticity.count == n * n else { throw PDEError.sizeMismatch(what: "initial vorticity", expected: n * n, actual: initialVorticity.count) }
        guard initialVorticity.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("initial vorticity") }
        guard time > 0, time.isFinite else { throw PDEError.invalidParameter(name: "time", reason: "must be positive") }
        guard snapshotCount >= 1 else { throw PDEError.invalidParameter(name: "snapshotCount", reason: "must be ≥ 1") }
        let interval = time / Double(snapshotCount)
        let stepRatio = (interval / maximumTimeStep).rounded(.up) - 1e-9
        guard stepRatio.isFinite, stepRatio <= 1e12 else {
            throw PDEError.invalidParameter(name: "timeStep", reason: "\(maximumTimeStep) needs more than 10¹² steps per snapshot")
        }
        let stepsPerSnapshot = max(1, Int(stepRatio))
        let dt = interval / Double(stepsPerSnapshot)
        u.assign(initialVorticity)
        fft.forward(u.pointer, into: w.pointer)
        applyMask(w)
        var times: [Double] = [], snapshots: [[Double]] = []
        for s in 1...snapshotCount {
            for _ in 0..<stepsPerSnapshot { step(dt) }
            let field = physicalField(w)
            guard field.allSatisfy({ $0.isFinite }) else {
                throw PDEError.nonFiniteValue("vorticity at t = \(Double(s) * interval) (time step \(dt) too large?)")
            }
            times.append(Double(s) * interval)
            snapshots.append(field)
        }
        return TimeSeries(times: times, snapshots: snapshots)
    }

    /// The velocity (u, v) = (∂ψ/∂y, −∂ψ/∂x) of a vorticity field (spectral, no truncation).
    public func velocity(of vorticity: [Double]) throws -> (u: [Double], v: [Double]) {
        let n = resolution
        guard vorticity.count == n * n else { throw PDEError.sizeMismatch(what: "vorticity", expected: n * n, actual: vorticity.count) }
        let spectrum = AlignedBuffer(count: 2 * modeCount)
        u.assign(vorticity)
        fft.forward(u.pointer, into: spectrum.pointer)
        // Nyquist modes of a derivative are dropped (their derivative is not real).
        for e in 0..<modeCount where isNyquist(e) { spectrum[2 * e] = 0; spectrum[2 * e + 1] = 0 }
        velocitySpectra(spectrum)
        return (u.array, v.array)
    }

    /// Kinetic energy ½ ⟨|u|²⟩ (mean over the box) of a vorticity field.
    public func energy(of vorticity: [Double]) throws -> Double {
        let (uu, vv) = try velocity(of: vorticity)
        return 0.5 * zip(uu, vv).reduce(0) { $0 + $1.0 * $1.0 + $1.1 * $1.1 } / Double(uu.count)
    }

    /// Enstrophy ½ ⟨ω²⟩ (mean over the box).
    public static func enstrophy(of vorticity: [Double]) -> Double {
        0.5 * vorticity.reduce(0) { $0 + $1 * $1 } / Double(vorticity.count)
    }

    func isNyquist(_ e: Int) -> Bool {
        let half = resolution / 2 + 1
        return e / half == resolution / 2 || e % half == resolution / 2
    }

    func applyMask(_ spectrum: AlignedBuffer) {
        let s = spectrum.pointer
        mask.withUnsafeBufferPointer { keep in
            for e in 0..<modeCount { s[2 * e] *= keep[e]; s[2 * e + 1] *= keep[e] }
        }
    }

    /// Physical field of a spectrum (divides by n²; the spectrum is preserved).
    func physicalField(_ spectrum: AlignedBuffer) -> [Double] {
        spectrumScratch.copy(from: spectrum)
        fft.inverse(spectrumScratch.pointer, into: wx.pointer)
        let scale = 1 / Double(resolution * resolution)
        return (0..<resolution * resolution).map { wx[$0] * scale }
    }

    /// target = IFFT(i κ · factor_e · ω̂) / n², factor_e = sign/K (velocity) or sign (derivative);
    /// spectrumScratch is the c2r input (destroyed).
    func differentiate(_ spectrum: AlignedBuffer, _ kappa: [Double], sign: Double, invertLaplacian: Bool,
                       into target: AlignedBuffer) {
        let scale = sign / Double(resolution * resolution)
        let s = spectrumScratch.pointer, w = spectrum.pointer
        kappa.withUnsafeBufferPointer { k in
            kSquared.withUnsafeBufferPointer { k2 in
                for e in 0..<modeCount {
                    let factor = invertLaplacian ? (k2[e] == 0 ? 0 : scale / k2[e]) : scale
                    let re = w[2 * e], im = w[2 * e + 1]
                    // i κ (re + i im) = −κ im + i κ re
                    s[2 * e] = -k[e] * im * factor
                    s[2 * e + 1] = k[e] * re * factor
                }
            }
        }
        fft.inverse(s, into: target.pointer)
    }

    /// From ω̂: u = ∂ψ/∂y, v = −∂ψ/∂x in physical space (buffers u, v).
    func velocitySpectra(_ spectrum: AlignedBuffer) {
        differentiate(spectrum, ky, sign: 1, invertLaplacian: true, into: u)
        differentiate(spectrum, kx, sign: -1, invertLaplacian: true, into: v)
    }

    /// out = A(ω̂) = mask · FFT(u ω_x + v ω_y).
    func advectionTerm(_ spectrum: AlignedBuffer, into output: AlignedBuffer) {
        velocitySpectra(spectrum)
        differentiate(spectrum, kx, sign: 1, invertLaplacian: false, into: wx)
        differentiate(spectrum, ky, sign: 1, invertLaplacian: false, into: wy)
        let count = resolution * resolution
        let up = u.pointer, vp = v.pointer, xp = wx.pointer, yp = wy.pointer
        for p in 0..<count { xp[p] = up[p] * xp[p] + vp[p] * yp[p] }
        fft.forward(xp, into: output.pointer)
        applyMask(output)
    }

    /// One CN–Heun step of ω̂.
    func step(_ dt: Double) {
        let nu = viscosity
        let wp = w.pointer, sp = wStar.pointer, fp = forcingSpectrum.pointer
        let ap = advection.pointer, asp = advectionStar.pointer
        advectionTerm(w, into: advection)
        kSquared.withUnsafeBufferPointer { k2 in
            // ω̂* = [(1 − ½Δtν K) ω̂ + Δt (f̂ − A(ω̂))] / (1 + ½Δtν K)
            for i in 0..<(2 * modeCount) {
                let damping = 0.5 * dt * nu * k2[i >> 1]
                sp[i] = ((1 - damping) * wp[i] + dt * (fp[i] - ap[i])) / (1 + damping)
            }
        }
        advectionTerm(wStar, into: advectionStar)
        kSquared.withUnsafeBufferPointer { k2 in
            // ω̂ⁿ⁺¹ = [(1 − ½Δtν K) ω̂ + Δt (f̂ − ½A(ω̂) − ½A(ω̂*))] / (1 + ½Δtν K)
            for i in 0..<(2 * modeCount) {
                let damping = 0.5 * dt * nu * k2[i >> 1]
                wp[i] = ((1 - damping) * wp[i] + dt * (fp[i] - 0.5 * (ap[i] + asp[i]))) / (1 + damping)
            }
        }
    }
}
