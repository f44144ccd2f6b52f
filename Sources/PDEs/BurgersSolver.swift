import Foundation
import TensorCore

/// The result of a time integration: the field at the final time and, optionally, equally spaced
/// snapshots (storage order of the grid).
public struct TimeSeries: Sendable {
    /// The times of `snapshots` (the last is the final time).
    public let times: [Double]
    /// Fields at `times`.
    public let snapshots: [[Double]]
    /// The field at the final time.
    public var final: [Double] { snapshots.last! }
}

/// Viscous Burgers' equation on the periodic interval [0, L), by a Fourier pseudo-spectral method
/// with 2/3 dealiasing and ETDRK4 time stepping.
///
/// ```
/// u_t + (u²/2)_x = ν u_xx,   x ∈ [0, L) periodic,   u(x, 0) = u₀(x)
/// Fourier:   û_t = L û + N(û),   L = −ν κ²,   N(û) = −(iκ/2) · mask · FFT( (IFFT û)² ),   κ = 2πk/L
/// mask:      keep modes with 3|k| < n (Orszag's 2/3 rule), so the quadratic product does not alias
/// ETDRK4 (Cox–Matthews), h = Δt, E = e^{hL}, E₂ = e^{hL/2}:
///   a = E₂ v + Q N(v)                    b = E₂ v + Q N(a)
///   c = E₂ a + Q (2 N(b) − N(v))
///   v⁺ = E v + f₁ N(v) + 2 f₂ (N(a) + N(b)) + f₃ N(c)
///   Q  = h ⟨(e^{z/2} − 1)/z⟩,  f₁ = h ⟨(−4 − z + e^z(4 − 3z + z²))/z³⟩,
///   f₂ = h ⟨(2 + z + e^z(z − 2))/z³⟩,  f₃ = h ⟨(−4 − 3z − z² + e^z(4 − z))/z³⟩
///   ⟨·⟩: mean over z = hL + e^{iπ(j − ½)/M}, j = 1 … M = 32 (Kassam–Trefethen contour, no cancellation)
/// ```
/// The stiff diffusion is integrated exactly; the scheme is fourth order in time and explicit in the
/// advection, so Δt must resolve it (CFL max|u| Δt n/L ≲ 1). FNO's data: ν = 0.1, L = 1,
/// u₀ ~ N(0, 625(−Δ + 25I)^{−2}) (`GaussianRandomField.fnoBurgers`), map u₀ ↦ u(·, 1).
///
/// The time loop allocates nothing: spectra and work arrays are allocated once per solver, FFTW
/// plans come from TensorCore's cache. A solver instance is not thread-safe (one per thread).
///
/// References: S. M. Cox, P. C. Matthews, "Exponential time differencing for stiff systems",
/// J. Comput. Phys. 176 (2002); A.-K. Kassam, L. N. Trefethen, "Fourth-order time-stepping for stiff
/// PDEs", SIAM J. Sci. Comput. 26 (2005); Z. Li et al., FNO, ICLR 2021, §5.1.
public final class BurgersSolver {
    public let resolution: Int
    public let viscosity: Double
    public let length: Double
    /// Largest time step used (the actual step divides the output interval evenly).
    public let maximumTimeStep: Double

    let fft: RealFFT
    let modeCount: Int
    let wavenumbers: [Double]
    let mask: [Double]
    // Spectra (interleaved complex, modeCount entries) and physical work arrays.
    let v: AlignedBuffer, a: AlignedBuffer, b: AlignedBuffer, c: AlignedBuffer
    let nv: AlignedBuffer, na: AlignedBuffer, nb: AlignedBuffer, nc: AlignedBuffer
    let scratch: AlignedBuffer, physical: AlignedBuffer
    var coefficientStep = Double.nan
    var e = [Double](), e2 = [Double](), q = [Double](), f1 = [Double](), f2 = [Double](), f3 = [Double]()

    /// - Parameters:
    ///   - resolution: n grid points x_j = jL/n (even, ≥ 4).
    ///   - viscosity: ν > 0.
    ///   - timeStep: the largest Δt. Default 10⁻³: on FNO's data (ν = 0.1, n = 1024, T = 1) it differs
    ///     from Δt = 10⁻⁴ by 2–5·10⁻¹¹ in max norm (|u(·, 1)| ≈ 10⁻²). For smaller ν keep
    ///     max|u| Δt n ≲ 1 (the advection is explicit).
    /// - Throws: `PDEError` for bad sizes or parameters.
    public init(resolution n: Int, viscosity: Double = 0.1, length: Double = 1, timeStep: Double = 1e-3) throws {
        guard n >= 4, n % 2 == 0 else { throw PDEError.invalidGrid("Burgers needs an even resolution ≥ 4, got \(n)") }
        guard viscosity > 0, viscosity.isFinite else { throw PDEError.invalidParameter(name: "viscosity", reason: "must be positive") }
        guard length > 0, length.isFinite else { throw PDEError.invalidParameter(name: "length", reason: "must be positive") }
        guard timeStep > 0, timeStep.isFinite else { throw PDEError.invalidParameter(name: "timeStep", reason: "must be positive") }
        resolution = n
        self.viscosity = viscosity
        self.length = length
        maximumTimeStep = timeStep
        fft = RealFFT(sizes: [n])
        modeCount = n / 2 + 1
        wavenumbers = (0..<modeCount).map { 2 * Double.pi * Double($0) / length }
        mask = (0..<modeCount).map { 3 * $0 < n ? 1 : 0 }
        let m = 2 * modeCount
        (v, a, b, c) = (AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m))
        (nv, na, nb, nc) = (AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m), AlignedBuffer(count: m))
        scratch = AlignedBuffer(count: m)
        physical = AlignedBuffer(count: n)
    }

    /// The grid the fields live on.
    public var grid: UniformGrid { try! UniformGrid(sizes: [resolution], layout: .periodic, lengths: [length]) }

    /// u(·, T) from u₀ (n values at x_j = jL/n).
    public func solve(initial: [Double], time: Double = 1) throws -> [Double] {
        try solve(initial: initial, time: time, snapshotCount: 1).final
    }

    /// u at T·i/m, i = 1 … m (m = `snapshotCount`).
    /// - Throws: `PDEError` for a wrong-sized or non-finite u₀, T ≤ 0, or a blow-up (Δt too large).
    public func solve(initial: [Double], time: Double, snapshotCount: Int) throws -> TimeSeries {
        guard initial.count == resolution else { throw PDEError.sizeMismatch(what: "initial condition", expected: resolution, actual: initial.count) }
        guard initial.allSatisfy({ $0.isFinite }) else { throw PDEError.nonFiniteValue("initial condition") }
        guard time > 0, time.isFinite else { throw PDEError.invalidParameter(name: "time", reason: "must be positive") }
        guard snapshotCount >= 1 else { throw PDEError.invalidParameter(name: "snapshotCount", reason: "must be ≥ 1") }
        let interval = time / Double(snapshotCount)
        let stepRatio = (interval / maximumTimeStep).rounded(.up) - 1e-9
        guard stepRatio.isFinite, stepRatio <= 1e12 else {
            throw PDEError.invalidParameter(name: "timeStep", reason: "\(maximumTimeStep) needs more than 10¹² steps per snapshot")
        }
        let stepsPerSnapshot = max(1, Int(stepRatio))
        let h = interval / Double(stepsPerSnapshot)
        prepareCoefficients(step: h)
        physical.assign(initial)
        fft.forward(physical.pointer, into: v.pointer)
        var times: [Double] = [], snapshots: [[Double]] = []
        for s in 1...snapshotCount {
            for _ in 0..<stepsPerSnapshot { step() }
            let u = field()
            guard u.allSatisfy({ $0.isFinite }) else {
                throw PDEError.nonFiniteValue("Burgers solution at t = \(Double(s) * interval) (time step \(h) too large?)")
            }
            times.append(Double(s) * interval)
            snapshots.append(u)
        }
        return TimeSeries(times: times, snapshots: snapshots)
    }

    /// Solves for a batch of initial conditions (one after another on this solver).
    public func solve(initials: [[Double]], time: Double = 1) throws -> [[Double]] {
        try initials.map { try solve(initial: $0, time: time) }
    }

    /// u = IFFT(v)/n.
    func field() -> [Double] {
        scratch.copy(from: v)
        fft.inverse(scratch.pointer, into: physical.pointer)
        let scale = 1 / Double(resolution)
        return (0..<resolution).map { physical[$0] * scale }
    }

    /// ETDRK4 coefficients for step h (Kassam–Trefethen contour means, M = 32).
    func prepareCoefficients(step h: Double) {
        if h == coefficientStep { return }
        coefficientStep = h
        let contour = 32
        e = []; e2 = []; q = []; f1 = []; f2 = []; f3 = []
        for k in 0..<modeCount {
            let lh = -viscosity * wavenumbers[k] * wavenumbers[k] * h
            e.append(Foundation.exp(lh)); e2.append(Foundation.exp(lh / 2))
            var sq = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for j in 1...contour {
                let theta = Double.pi * (Double(j) - 0.5) / Double(contour)
                let z = Complex(lh + Foundation.cos(theta), Foundation.sin(theta))
                let ez = z.exp(), ez2 = (z * 0.5).exp()
                let z3 = z * z * z
                sq += ((ez2 - 1) / z).re
                s1 += ((-4 - z + ez * (4 - 3 * z + z * z)) / z3).re
                s2 += ((2 + z + ez * (z - 2)) / z3).re
                s3 += ((-4 - 3 * z - z * z + ez * (4 - z)) / z3).re
            }
            let mean = h / Double(contour)
            q.append(sq * mean); f1.append(s1 * mean); f2.append(s2 * mean); f3.append(s3 * mean)
        }
    }

    /// out = N(in) = −(iκ/2) · mask · FFT((IFFT in / n)²).
    func nonlinear(_ input: AlignedBuffer, into output: AlignedBuffer) {
        scratch.copy(from: input)
        fft.inverse(scratch.pointer, into: physical.pointer)
        let n = resolution, scale = 1 / Double(n)
        let u = physical.pointer
        for j in 0..<n { let value = u[j] * scale; u[j] = value * value }
        fft.forward(u, into: output.pointer)
        let o = output.pointer
        wavenumbers.withUnsafeBufferPointer { kappa in
            mask.withUnsafeBufferPointer { keep in
                for k in 0..<modeCount {
                    // −(iκ/2)(x + iy) = κy/2 − i κx/2
                    let factor = 0.5 * kappa[k] * keep[k]
                    let re = o[2 * k], im = o[2 * k + 1]
                    o[2 * k] = factor * im
                    o[2 * k + 1] = -factor * re
                }
            }
        }
    }

    /// One ETDRK4 step of v.
    func step() {
        let count = modeCount
        let vp = v.pointer, ap = a.pointer, bp = b.pointer, cp = c.pointer
        let nvp = nv.pointer, nap = na.pointer, nbp = nb.pointer, ncp = nc.pointer
        e.withUnsafeBufferPointer { e in
        e2.withUnsafeBufferPointer { e2 in
        q.withUnsafeBufferPointer { q in
        f1.withUnsafeBufferPointer { f1 in
        f2.withUnsafeBufferPointer { f2 in
        f3.withUnsafeBufferPointer { f3 in
            nonlinear(v, into: nv)
            // a = E₂ v + Q N(v)
            for i in 0..<(2 * count) { ap[i] = e2[i >> 1] * vp[i] + q[i >> 1] * nvp[i] }
            nonlinear(a, into: na)
            // b = E₂ v + Q N(a)
            for i in 0..<(2 * count) { bp[i] = e2[i >> 1] * vp[i] + q[i >> 1] * nap[i] }
            nonlinear(b, into: nb)
            // c = E₂ a + Q (2 N(b) − N(v))
            for i in 0..<(2 * count) { cp[i] = e2[i >> 1] * ap[i] + q[i >> 1] * (2 * nbp[i] - nvp[i]) }
            nonlinear(c, into: nc)
            // v ← E v + f₁ N(v) + 2 f₂ (N(a) + N(b)) + f₃ N(c)
            for i in 0..<(2 * count) {
                let k = i >> 1
                vp[i] = e[k] * vp[i] + f1[k] * nvp[i] + 2 * f2[k] * (nap[i] + nbp[i]) + f3[k] * ncp[i]
            }
        } } } } } }
    }
}

/// A minimal complex number for the ETDRK4 contour integrals.
struct Complex {
    var re: Double, im: Double
    init(_ re: Double, _ im: Double) { self.re = re; self.im = im }
    func exp() -> Complex {
        let m = Foundation.exp(re)
        return Complex(m * Foundation.cos(im), m * Foundation.sin(im))
    }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    static func + (a: Double, b: Complex) -> Complex { Complex(a + b.re, b.im) }
    static func - (a: Double, b: Complex) -> Complex { Complex(a - b.re, -b.im) }
    static func + (a: Complex, b: Double) -> Complex { Complex(a.re + b, a.im) }
    static func - (a: Complex, b: Double) -> Complex { Complex(a.re - b, a.im) }
    static func * (a: Double, b: Complex) -> Complex { Complex(a * b.re, a * b.im) }
    static func * (a: Complex, b: Double) -> Complex { Complex(a.re * b, a.im * b) }
    static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }
}
