import CFFTW
import Foundation
import TensorCore

/// FFTW-aligned Double storage for the spectral solvers' work arrays (allocated once, reused every
/// time step, freed with the owner).
final class AlignedBuffer {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = fftw_alloc_real(max(count, 2))!
        pointer.initialize(repeating: 0, count: max(count, 2))
    }

    deinit { fftw_free(pointer) }

    subscript(i: Int) -> Double {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    func copy(from other: AlignedBuffer) { pointer.update(from: other.pointer, count: count) }
    func fill(_ value: Double) { pointer.update(repeating: value, count: count) }
    var array: [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func assign(_ values: [Double]) {
        precondition(values.count == count, "AlignedBuffer.assign: size mismatch")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }
}

/// A real-to-complex / complex-to-real FFT pair over the whole of a 1-, 2- or 3-D periodic grid,
/// using TensorCore's cached FFTW plans (unnormalized, as FFTW defines them):
///
/// ```
/// forward:  û_k = Σ_j u_j e^{−2πi k·j/n}        (half spectrum: last axis k = 0 … n_last/2)
/// inverse:  u_j = Σ_k û_k e^{+2πi k·j/n}        (no 1/N: divide by N = Π n_a yourself)
/// ```
/// The inverse destroys its input (multi-dimensional c2r cannot preserve it).
struct RealFFT {
    let sizes: [Int]
    let forwardPlan: FFTPlanCache.Plan
    let inversePlan: FFTPlanCache.Plan

    init(sizes: [Int]) {
        self.sizes = sizes
        forwardPlan = FFTPlanCache.shared.plan(Double.self, direction: .realToComplex, sizes: sizes, batch: 1)
        inversePlan = FFTPlanCache.shared.plan(Double.self, direction: .complexToReal, sizes: sizes, batch: 1)
    }

    /// Π n_a.
    var realCount: Int { sizes.reduce(1, *) }
    /// Number of complex half-spectrum entries (each two Doubles).
    var complexCount: Int { sizes.dropLast().reduce(1, *) * (sizes.last! / 2 + 1) }

    func forward(_ real: UnsafeMutablePointer<Double>, into complex: UnsafeMutablePointer<Double>) {
        precondition(fftw_alignment_of(real) == forwardPlan.inputAlignment
                     && fftw_alignment_of(complex) == forwardPlan.outputAlignment, "RealFFT: misaligned buffer")
        Double.fftwExecuteRealToComplex(forwardPlan.pointer, input: real, output: complex)
    }

    func inverse(_ complex: UnsafeMutablePointer<Double>, into real: UnsafeMutablePointer<Double>) {
        precondition(fftw_alignment_of(complex) == inversePlan.inputAlignment
                     && fftw_alignment_of(real) == inversePlan.outputAlignment, "RealFFT: misaligned buffer")
        Double.fftwExecuteComplexToReal(inversePlan.pointer, input: complex, output: real)
    }

    /// Signed wavenumber of FFT index m on an axis with n points: m for m ≤ n/2, else m − n.
    @inline(__always)
    static func wavenumber(_ m: Int, _ n: Int) -> Int { m <= n / 2 ? m : m - n }
}

/// Which real even (cosine) transform a `CosineTransform` applies.
enum CosineKind {
    /// DCT-I (FFTW_REDFT00): Y_k = X_0 + (−1)^k X_{n−1} + 2 Σ_{j=1}^{n−2} X_j cos(π j k/(n−1)).
    case typeOne
    /// DCT-III (FFTW_REDFT01): Y_j = X_0 + 2 Σ_{k=1}^{n−1} X_k cos(π k (2j+1)/(2n)).
    case typeThree
    /// DCT-II (FFTW_REDFT10): Y_k = 2 Σ_{j=0}^{n−1} X_j cos(π k (2j+1)/(2n)).
    case typeTwo
}

/// Multi-dimensional cosine transforms through FFTW's r2r interface (plans cached process-wide).
enum CosineTransform {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [String: OpaquePointer] = [:]

    /// out = T(in), separable over every axis, unnormalized (FFTW's definitions, see `CosineKind`).
    /// Out-of-place r2r transforms preserve their input.
    static func apply(_ kind: CosineKind, sizes: [Int], input: [Double]) -> [Double] {
        precondition(input.count == sizes.reduce(1, *), "CosineTransform: size mismatch")
        let plan = self.plan(kind, sizes: sizes)
        // FFTW-aligned copies, so the plan's alignment assumptions hold whatever Swift's allocator did.
        let source = AlignedBuffer(count: input.count), output = AlignedBuffer(count: input.count)
        source.assign(input)
        fftw_execute_r2r(plan, source.pointer, output.pointer)
        return output.array
    }

    /// Makes (or finds) the plan now, so later calls only execute it.
    static func prepare(_ kind: CosineKind, sizes: [Int]) { _ = plan(kind, sizes: sizes) }

    /// FFTW's planner is not thread-safe: plans are made under TensorCore's `FFTWPlanner` lock, the
    /// one `FFTPlanCache` also plans under (this type's lock guards only its dictionary); the PDEs
    /// types make their plans in their initializers so that sampling and time stepping (which only
    /// execute plans) can run on many threads.
    static func plan(_ kind: CosineKind, sizes: [Int]) -> OpaquePointer {
        let key = "\(kind)-\(sizes)"
        lock.lock(); defer { lock.unlock() }
        if let p = plans[key] { return p }
        let count = sizes.reduce(1, *)
        let a = AlignedBuffer(count: count), b = AlignedBuffer(count: count)
        let fftwKind: fftw_r2r_kind
        switch kind {
        case .typeOne: fftwKind = FFTW_REDFT00
        case .typeTwo: fftwKind = FFTW_REDFT10
        case .typeThree: fftwKind = FFTW_REDFT01
        }
        let kinds = [fftw_r2r_kind](repeating: fftwKind, count: sizes.count)
        let dims = sizes.map { Int32($0) }
        let p = FFTWPlanner.withLock { fftw_plan_r2r(Int32(sizes.count), dims, a.pointer, b.pointer, kinds, UInt32(FFTW_ESTIMATE)) }
        guard let p else { preconditionFailure("FFTW could not plan an r2r transform for \(sizes)") }
        plans[key] = p
        return p
    }
}
