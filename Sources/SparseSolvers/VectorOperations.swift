/// Dense vector kernels (BLAS level 1) used by the Krylov solvers.
///
/// Written here rather than called from OpenBLAS: OpenBLAS splits a long `ddot`/`daxpy` across its
/// thread pool, so a dot product's bits depended on the pool's size (another library or test lowering
/// it changed a CG run's residuals in the last digits), and the pool's idle threads then spin on the
/// other core, where the hypre mat-vec team and PDEKit's own loops need it. These loops are serial,
/// memory-bound like OpenBLAS's, and give the same bits on every machine and thread count.
///
/// Complexity: O(n) each. References: Saad 2003, ch. 1.
public enum VectorOperations {
    /// xᵀ y, in 8 interleaved partial sums (sum k takes entries k, k + 8, …; the tail goes to a ninth),
    /// added in a fixed order.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: size mismatch")
        return x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dot(xp, yp) } }
    }

    /// xᵀ y on buffers of equal length (see `dot(_:_:)`).
    public static func dot(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
        precondition(x.count == y.count, "dot: size mismatch")
        guard let xb = x.baseAddress, let yb = y.baseAddress else { return 0 }
        let n = x.count, blocks = n / 8
        var sums = SIMD8<Double>()
        let xr = UnsafeRawPointer(xb), yr = UnsafeRawPointer(yb)
        for block in 0..<blocks {
            let offset = block * 8 * MemoryLayout<Double>.stride
            sums += xr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self) * yr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
        }
        var tail = 0.0
        for i in (blocks * 8)..<n { tail += xb[i] * yb[i] }
        return (((sums[0] + sums[4]) + (sums[2] + sums[6])) + ((sums[1] + sums[5]) + (sums[3] + sums[7]))) + tail
    }

    /// ‖x‖₂: √(xᵀx), or, when xᵀx overflows or underflows, max|xᵢ| · ‖x / max|xᵢ|‖₂ (as BLAS's dnrm2
    /// guards). NaN when an entry is NaN; +∞ when an entry is infinite.
    public static func norm(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { xp in
            let squares = dot(xp, xp)
            if squares.isFinite && squares >= 0x1p-1000 { return squares.squareRoot() }
            var largest = 0.0
            for v in xp {
                if v.isNaN { return .nan }
                largest = max(largest, abs(v))
            }
            guard largest > 0, largest.isFinite else { return largest }
            var scaled = 0.0
            for v in xp { let r = v / largest; scaled += r * r }
            return largest * scaled.squareRoot()
        }
    }

    /// y ← y + a x.
    public static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "axpy: size mismatch")
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for i in 0..<yp.count { yp[i] += a * xp[i] }
            }
        }
    }

    /// x ← a x.
    public static func scale(_ a: Double, _ x: inout [Double]) {
        x.withUnsafeMutableBufferPointer { xp in
            for i in 0..<xp.count { xp[i] *= a }
        }
    }

    /// r = b − A x.
    public static func residual(_ A: any LinearOperator, _ x: [Double], _ b: [Double]) -> [Double] {
        var r = A.applied(to: x)
        r.withUnsafeMutableBufferPointer { rp in
            b.withUnsafeBufferPointer { bp in
                for i in 0..<rp.count { rp[i] = bp[i] - rp[i] }
            }
        }
        return r
    }

    /// True when every entry is finite.
    public static func allFinite(_ x: [Double]) -> Bool {
        x.withUnsafeBufferPointer { xp in
            var ok = true
            for v in xp where !v.isFinite { ok = false; break }
            return ok
        }
    }
}
