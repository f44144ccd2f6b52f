import Foundation
import CKernels
import CFFTW

/// The retained low Fourier modes of 2-D real fields, computed by pruned FFTs (a Fourier layer's
/// transforms: only the kept modes are computed on the way in, only they are nonzero on the way out).
///
/// For a field `x` of `n₁ × n₂` and modes `(m₁, m₂)`, the kept set is
/// `K = {0…m₁−1, n₁−m₁…n₁−1} × {0…m₂−1}` (row-major: the order of `Tensor.retainedModeOffsets`):
/// ```
/// forward:  X[k] = Σ_j x[j] e^{−i θ_j·k},  k ∈ K            rows two at a time as one complex FFT, then c2c
///                                                             along the m₂ kept columns
/// inverse:  x = Re( Σ_{k ∈ K} X[k] e^{+i θ_j·k} )  extended     c2c⁻¹ on the m₂ columns, then two rows per complex FFT
/// ```
/// (`pruned_fft.c` in CKernels has the two-for-one formulas.)
/// Both are unnormalized. The inverse equals `complexToRealUnnormalized` of the zero-extended half
/// spectrum (whose edge columns are projected onto their Hermitian parts): the inverse drops the
/// imaginary parts of the `k₂ = 0` and `k₂ = n₂/2` bins, which is that projection.
/// Compared with the full 2-D transforms this skips the column FFTs of the `n₂/2 + 1 − m₂` dropped
/// columns and never materializes the full half spectrum (no zero fill, no copy, no projection).
/// Plans are FFTW_ESTIMATE plans of one field, cached for the process; fields are split across cores.
/// The results are bitwise the same in every process and for every split of the fields across cores:
/// FFTW_MEASURE would pick among algorithms by timing them, and different algorithms round differently
/// (that made same-seed training runs differ from the second epoch on).
extension Tensor {
    /// `[…, n₁, n₂]` → `[…, 2m₁·m₂, 2]`: the retained modes of every field.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func retainedModes2D(modes: [Int]) -> Tensor {
        precondition(rank >= 2 && modes.count == 2, "retainedModes2D: shape \(shape), modes \(modes)")
        let n1 = shape[rank - 2], n2 = shape[rank - 1]
        let plan = RetainedModePlans.plan(Scalar.self, n1: n1, n2: n2, m1: modes[0], m2: modes[1])
        let items = shape.dropLast(2).reduce(1, *), k = 2 * modes[0] * modes[1]
        return Tensor(shape: Array(shape.dropLast(2)) + [k, 2]) { out in
            guard items > 0 else { return }
            let o = SendablePointer(out.baseAddress!)
            scalars.withUnsafeBufferPointer { xs in
                let x = SendablePointer(mutating: xs.baseAddress!)
                ParallelLoop.forEachChunk(count: items, minimumItemsPerChunk: max(1, 8_192 / max(1, n1 * n2))) { range in
                    let status = Scalar.self == Float.self
                        ? pdekit_pruned2_forward_f32(plan.pointer, UnsafeRawPointer(x.base).assumingMemoryBound(to: Float.self),
                                                     UnsafeMutableRawPointer(o.base).assumingMemoryBound(to: Float.self),
                                                     range.lowerBound, range.upperBound)
                        : pdekit_pruned2_forward_f64(plan.pointer, UnsafeRawPointer(x.base).assumingMemoryBound(to: Double.self),
                                                     UnsafeMutableRawPointer(o.base).assumingMemoryBound(to: Double.self),
                                                     range.lowerBound, range.upperBound)
                    precondition(status == 0, "retainedModes2D: out of memory for the \(n1) × \(n2) transform's work arrays")
                }
            }
        }
    }

    /// `[…, 2m₁·m₂, 2]` → `[…, n₁, n₂]`: the unnormalized inverse of `retainedModes2D` (zero on the other modes).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func realFieldFromRetainedModes2D(spatialSize: [Int], modes: [Int]) -> Tensor {
        precondition(rank >= 3 && shape.last == 2 && modes.count == 2 && spatialSize.count == 2
                     && shape[rank - 2] == 2 * modes[0] * modes[1],
                     "realFieldFromRetainedModes2D: shape \(shape), modes \(modes)")
        let n1 = spatialSize[0], n2 = spatialSize[1]
        let plan = RetainedModePlans.plan(Scalar.self, n1: n1, n2: n2, m1: modes[0], m2: modes[1])
        let items = shape.dropLast(2).reduce(1, *)
        return Tensor(shape: Array(shape.dropLast(2)) + [n1, n2]) { out in
            guard items > 0 else { return }
            let o = SendablePointer(out.baseAddress!)
            scalars.withUnsafeBufferPointer { xs in
                let x = SendablePointer(mutating: xs.baseAddress!)
                ParallelLoop.forEachChunk(count: items, minimumItemsPerChunk: max(1, 8_192 / max(1, n1 * n2))) { range in
                    let status = Scalar.self == Float.self
                        ? pdekit_pruned2_inverse_f32(plan.pointer, UnsafeRawPointer(x.base).assumingMemoryBound(to: Float.self),
                                                     UnsafeMutableRawPointer(o.base).assumingMemoryBound(to: Float.self),
                                                     range.lowerBound, range.upperBound)
                        : pdekit_pruned2_inverse_f64(plan.pointer, UnsafeRawPointer(x.base).assumingMemoryBound(to: Double.self),
                                                     UnsafeMutableRawPointer(o.base).assumingMemoryBound(to: Double.self),
                                                     range.lowerBound, range.upperBound)
                    precondition(status == 0, "realFieldFromRetainedModes2D: out of memory for the \(n1) × \(n2) transform's work arrays")
                }
            }
        }
    }
}

/// Process-wide cache of pruned-transform plans (one field each), made under `FFTWPlanner`'s lock.
enum RetainedModePlans {
    struct Key: Hashable { let double: Bool; let n1, n2, m1, m2: Int }
    struct Plan: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    nonisolated(unsafe) private static var plans: [Key: Plan] = [:]
    private static let lock = NSLock()

    static func plan<Scalar: TensorScalar>(_ type: Scalar.Type, n1: Int, n2: Int, m1: Int, m2: Int) -> Plan {
        precondition(n1 > 0 && n2 > 0 && m1 > 0 && m2 > 0 && 2 * m1 <= n1 && m2 <= n2 / 2 + 1,
                     "retained modes (\(m1), \(m2)) do not fit a \(n1) × \(n2) grid")
        let key = Key(double: Scalar.self == Double.self, n1: n1, n2: n2, m1: m1, m2: m2)
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[key] { return plan }
        // Estimate, never measure: a measured plan depends on timings, so its rounding differs between runs.
        let flags = UInt32(FFTW_ESTIMATE)
        let pointer = FFTWPlanner.withLock {
            key.double ? pdekit_pruned2_create_f64(Int32(n1), Int32(n2), Int32(m1), Int32(m2), flags)
                       : pdekit_pruned2_create_f32(Int32(n1), Int32(n2), Int32(m1), Int32(m2), flags)
        }
        guard let pointer else { preconditionFailure("FFTW could not plan the pruned \(n1) × \(n2) transforms") }
        let plan = Plan(pointer: pointer)
        plans[key] = plan
        return plan
    }
}
