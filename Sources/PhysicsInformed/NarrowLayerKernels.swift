import CKernels
import TensorCore

/// Float64 kernels for the narrow layers of PINN networks (CKernels' `pinn_kernels.c`, runtime
/// SIMD dispatch: AVX-512, AVX2+FMA or baseline x86-64).
///
/// ```
/// tanh x = e / (e + 2),  e = expm1(2|x|)  (sign restored)      a few ulp of libm at every |x|
/// multiply:            C[m×n] = A[m×k] B[k×n]
/// multiplyTransposed:  C[k×n] = A[m×k]ᵀ B[m×n]
/// ```
/// The products are for tall operands with few columns (PINN layers are 20–50 wide while the jet
/// stacks have thousands of rows): OpenBLAS copies ("packs") the whole tall operand and clears C in
/// a separate pass before it multiplies, which at width 20 costs about as much as the multiply; these
/// kernels read A in place and keep 4 × 16 blocks of C in registers. `TaylorJetPropagation` uses them
/// for Float64 tanh networks. Reference: Goto & van de Geijn, "Anatomy of high-performance matrix
/// multiplication", ACM TOMS 34 (2008) — the packing these kernels skip; Tang, "Table-driven
/// implementation of the expm1 function", ACM TOMS 18 (1992) — the reduction 2^k expm1(r) + 2^k − 1.
public enum NarrowLayerKernels {
    /// Elementwise tanh.
    public static func tanh(_ x: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: x.count) { y, initialized in
            x.withUnsafeBufferPointer { pdekit_tanh_f64($0.baseAddress, y.baseAddress, $0.count) }
            initialized = x.count
        }
    }

    /// `A B` for row-major `a` `[m, k]` and `b` `[k, n]`.
    public static func multiply(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        precondition(a.count == m * k && b.count == k * n, "multiply: operand sizes")
        return [Double](unsafeUninitializedCapacity: m * n) { c, initialized in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    multiply(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
                }
            }
            initialized = m * n
        }
    }

    /// `Aᵀ B` for row-major `a` `[m, k]` and `b` `[m, n]` (a `[k, n]` result).
    public static func multiplyTransposed(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        precondition(a.count == m * k && b.count == m * n, "multiplyTransposed: operand sizes")
        return [Double](unsafeUninitializedCapacity: k * n) { c, initialized in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    multiplyTransposed(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                                       c: c.baseAddress!, ldc: n)
                }
            }
            initialized = k * n
        }
    }

    /// Rows of the result are split across `ParallelLoop`'s workers above 2²⁰ multiply–adds (the
    /// threshold of `BLASRuntime.parallelGEMM`).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                         c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if m * n * k < 1 << 20 {
            pdekit_gemm_nn_f64(m, n, k, a, lda, b, ldb, c, ldc)
            return
        }
        let pa = SendablePointer(mutating: a), pb = SendablePointer(mutating: b), pc = SendablePointer(c)
        ParallelLoop.forEachChunk(count: m, minimumItemsPerChunk: 256) { rows in
            pdekit_gemm_nn_f64(rows.count, n, k, pa.base + rows.lowerBound * lda, lda, pb.base, ldb,
                               pc.base + rows.lowerBound * ldc, ldc)
        }
    }

    /// Large reductions are split over row ranges of A and B; the partial products are summed.
    static func multiplyTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                                   c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard k > 0, n > 0 else { return }
        let chunks = m * n * k < 1 << 20 ? 1 : min(ParallelLoop.workerCount, max(m / 256, 1))
        if chunks == 1 {
            pdekit_gemm_tn_f64(m, n, k, a, lda, b, ldb, c, ldc)
            return
        }
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks * k * n)
        defer { partial.deallocate() }
        let pa = SendablePointer(mutating: a), pb = SendablePointer(mutating: b), pp = SendablePointer(partial)
        ParallelLoop.forEachChunk(count: chunks, minimumItemsPerChunk: 1) { range in
            for chunk in range {
                let first = m * chunk / chunks, last = m * (chunk + 1) / chunks
                pdekit_gemm_tn_f64(last - first, n, k, pa.base + first * lda, lda, pb.base + first * ldb, ldb,
                                   pp.base + chunk * k * n, n)
            }
        }
        for i in 0..<k {
            for j in 0..<n {
                var sum = 0.0
                for chunk in 0..<chunks { sum += partial[chunk * k * n + i * n + j] }
                c[i * ldc + j] = sum
            }
        }
    }
}
