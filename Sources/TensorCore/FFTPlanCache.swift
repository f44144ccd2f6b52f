import CFFTW
import Foundation

/// Which way a real FFT goes.
public enum FFTDirection: Sendable, Hashable {
    /// Real input to half-spectrum complex output (`fftw_plan_many_dft_r2c`).
    case realToComplex
    /// Half-spectrum complex input to real output (`fftw_plan_many_dft_c2r`), unnormalized.
    case complexToReal
}

/// A process-wide cache of FFTW plans, keyed by precision, direction, transform sizes and batch.
///
/// FFTW's planner is not thread-safe, so planning happens under a lock; executing a cached plan
/// with FFTW's new-array interface is thread-safe and takes no lock. Plans are made with
/// `FFTW_ESTIMATE` (no timing runs), so the first call for a shape costs microseconds.
/// Plans live for the life of the process.
public final class FFTPlanCache: @unchecked Sendable {
    /// The shared cache.
    public static let shared = FFTPlanCache()

    struct Key: Hashable {
        let precision: String
        let direction: FFTDirection
        let sizes: [Int]
        let batch: Int
    }

    /// A cached plan plus the FFTW alignment class of the arrays it was planned with.
    public struct Plan: @unchecked Sendable {
        public let pointer: OpaquePointer
        public let inputAlignment: Int32
        public let outputAlignment: Int32
    }

    private let lock = NSLock()
    private var plans: [Key: Plan] = [:]

    /// The cached plan for a batched r2c or c2r transform over `sizes` (the real-space sizes).
    public func plan<Scalar: TensorScalar>(
        _ type: Scalar.Type, direction: FFTDirection, sizes: [Int], batch: Int
    ) -> Plan {
        let key = Key(precision: Scalar.typeName, direction: direction, sizes: sizes, batch: batch)
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[key] { return plan }
        let realCount = sizes.reduce(1, *) * batch
        let complexCount = sizes.dropLast().reduce(1, *) * (sizes.last! / 2 + 1) * batch * 2
        // Plan on throwaway Swift arrays: their alignment class is the one Tensor storage has.
        var realBuffer = [Scalar](repeating: 0, count: max(realCount, 1))
        var complexBuffer = [Scalar](repeating: 0, count: max(complexCount, 2))
        let dimensions = sizes.map { Int32($0) }
        // r2c preserves its input (so tensors need no copy); multi-dimensional c2r cannot, so
        // callers hand it a scratch copy.
        let flags = direction == .realToComplex ? UInt32(FFTW_ESTIMATE) : UInt32(FFTW_ESTIMATE) | UInt32(FFTW_DESTROY_INPUT)
        let plan: Plan = FFTWPlanner.withLock { realBuffer.withUnsafeMutableBufferPointer { real in
            complexBuffer.withUnsafeMutableBufferPointer { complex in
                dimensions.withUnsafeBufferPointer { dims in
                    let pointer: OpaquePointer?
                    switch direction {
                    case .realToComplex:
                        pointer = Scalar.fftwPlanManyRealToComplex(
                            rank: Int32(sizes.count), dimensions: dims.baseAddress!, howMany: Int32(batch),
                            input: real.baseAddress!, output: complex.baseAddress!, flags: flags)
                        guard let pointer else { preconditionFailure("FFTW could not plan r2c for \(sizes) × \(batch)") }
                        return Plan(pointer: pointer,
                                    inputAlignment: Scalar.fftwAlignment(of: real.baseAddress!),
                                    outputAlignment: Scalar.fftwAlignment(of: complex.baseAddress!))
                    case .complexToReal:
                        pointer = Scalar.fftwPlanManyComplexToReal(
                            rank: Int32(sizes.count), dimensions: dims.baseAddress!, howMany: Int32(batch),
                            input: complex.baseAddress!, output: real.baseAddress!, flags: flags)
                        guard let pointer else { preconditionFailure("FFTW could not plan c2r for \(sizes) × \(batch)") }
                        return Plan(pointer: pointer,
                                    inputAlignment: Scalar.fftwAlignment(of: complex.baseAddress!),
                                    outputAlignment: Scalar.fftwAlignment(of: real.baseAddress!))
                    }
                }
            }
        } }
        plans[key] = plan
        return plan
    }

    /// Number of plans currently cached.
    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return plans.count
    }
}
