import CBLAS

/// Dense vector kernels (BLAS level 1) used by the Krylov solvers.
///
/// Complexity: O(n) each. References: Saad 2003, ch. 1.
public enum VectorOperations {
    /// xᵀ y.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: size mismatch")
        return cblas_ddot(Int32(x.count), x, 1, y, 1)
    }

    /// ‖x‖₂.
    public static func norm(_ x: [Double]) -> Double {
        cblas_dnrm2(Int32(x.count), x, 1)
    }

    /// y ← y + a x.
    public static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "axpy: size mismatch")
        cblas_daxpy(Int32(x.count), a, x, 1, &y, 1)
    }

    /// x ← a x.
    public static func scale(_ a: Double, _ x: inout [Double]) {
        cblas_dscal(Int32(x.count), a, &x, 1)
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
