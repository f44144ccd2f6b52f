/// Matrix products through BLAS (`?gemm`), plain and batched, real and complex.
///
/// ```
/// C[b] = op(A[b]) · op(B[b]),   op ∈ {identity, transpose}   (real)
/// C[b] = op(A[b]) · op(B[b]),   op ∈ {identity, conjugate transpose}   (complex, interleaved)
/// ```
/// Batch dimensions are all but the last two (last three for complex). Either both operands have
/// the same batch dimensions, or one of them has none and is shared by every batch entry.
extension Tensor {
    /// Shapes of a batched product: (batch shape, m, k, n, whether A and B are batched).
    @inlinable
    static func productGeometry(
        _ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool, trailing: Int
    ) -> (batch: [Int], m: Int, k: Int, n: Int, batchedA: Bool, batchedB: Bool) {
        precondition(a.count >= 2 + trailing && b.count >= 2 + trailing, "matmul needs matrices, got \(a) and \(b)")
        let ra = a.count - trailing, rb = b.count - trailing
        let (m, ka) = transposeA ? (a[ra - 1], a[ra - 2]) : (a[ra - 2], a[ra - 1])
        let (kb, n) = transposeB ? (b[rb - 1], b[rb - 2]) : (b[rb - 2], b[rb - 1])
        precondition(ka == kb, "matmul: inner dimensions differ in \(a) and \(b)")
        let batchA = Array(a[..<(ra - 2)]), batchB = Array(b[..<(rb - 2)])
        precondition(batchA == batchB || batchA.isEmpty || batchB.isEmpty,
                     "matmul: batch dimensions \(batchA) and \(batchB) differ")
        let batch = batchA.isEmpty ? batchB : batchA
        return (batch, m, ka, n, !batchA.isEmpty, !batchB.isEmpty)
    }

    /// Real matrix product `op(a) · op(b)`, batched over leading dimensions.
    @inlinable
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let g = productGeometry(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB, trailing: 0)
        let batchCount = g.batch.reduce(1, *)
        let (m, k, n) = (g.m, g.k, g.n)
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        if g.batchedA && !g.batchedB && !transposeA {
            // Fold A's batch into its rows: one large GEMM.
            return Tensor(shape: g.batch + [m, n]) { out in
                if out.isEmpty { return }
                if k == 0 { for i in 0..<out.count { out[i] = 0 }; return }
                a.scalars.withUnsafeBufferPointer { pa in
                    b.scalars.withUnsafeBufferPointer { pb in
                        BLASRuntime.parallelGEMM(transposeA: false, transposeB: transposeB, m: batchCount * m, n: n, k: k,
                                    alpha: 1, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                    beta: 0, c: out.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return Tensor(shape: g.batch + [m, n]) { out in
            if out.isEmpty { return }
            if k == 0 { for i in 0..<out.count { out[i] = 0 }; return }
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    if batchCount == 1 {
                        BLASRuntime.parallelGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                 alpha: 1, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                                 beta: 0, c: out.baseAddress!, ldc: n)
                        return
                    }
                    let sa = SendablePointer(mutating: pa.baseAddress!), sb = SendablePointer(mutating: pb.baseAddress!)
                    let sc = SendablePointer(out.baseAddress!)
                    ParallelLoop.forEachChunk(count: batchCount, minimumItemsPerChunk: max(1, 65_536 / max(1, m * n * k))) { range in
                        for batch in range {
                            BLASRuntime.serialGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                                   a: sa.base + (g.batchedA ? batch * m * k : 0), lda: lda,
                                                   b: sb.base + (g.batchedB ? batch * k * n : 0), ldb: ldb,
                                                   beta: 0, c: sc.base + batch * m * n, ldc: n)
                        }
                    }
                }
            }
        }
    }

    /// Complex matrix product `op(a) · op(b)` on interleaved tensors `[…, rows, columns, 2]`,
    /// where `op` is the identity or the conjugate transpose.
    @inlinable
    public static func complexMatmul(
        _ a: Tensor, _ b: Tensor, conjugateTransposeA: Bool = false, conjugateTransposeB: Bool = false
    ) -> Tensor {
        precondition(a.shape.last == 2 && b.shape.last == 2, "complexMatmul needs interleaved complex tensors")
        let g = productGeometry(a.shape, b.shape, transposeA: conjugateTransposeA,
                                transposeB: conjugateTransposeB, trailing: 1)
        let batchCount = g.batch.reduce(1, *)
        let (m, k, n) = (g.m, g.k, g.n)
        let lda = conjugateTransposeA ? m : k, ldb = conjugateTransposeB ? k : n
        return Tensor(shape: g.batch + [m, n, 2]) { out in
            if out.isEmpty { return }
            if k == 0 { for i in 0..<out.count { out[i] = 0 }; return }
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    _ = BLASRuntime.configureOnce
                    let sa = SendablePointer(mutating: pa.baseAddress!), sb = SendablePointer(mutating: pb.baseAddress!)
                    let sc = SendablePointer(out.baseAddress!)
                    ParallelLoop.forEachChunk(count: batchCount, minimumItemsPerChunk: max(1, 16_384 / max(1, m * n * k))) { range in
                    for batch in range {
                        Scalar.complexGEMM(
                            conjugateTransposeA: conjugateTransposeA, conjugateTransposeB: conjugateTransposeB,
                            m: m, n: n, k: k,
                            a: sa.base + (g.batchedA ? batch * m * k * 2 : 0), lda: lda,
                            b: sb.base + (g.batchedB ? batch * k * n * 2 : 0), ldb: ldb,
                            beta: 0, c: sc.base + batch * m * n * 2, ldc: n)
                    }
                    }
                }
            }
        }
    }

    /// Complex conjugate of an interleaved complex tensor.
    @inlinable
    public func complexConjugate() -> Tensor {
        precondition(shape.last == 2, "complexConjugate needs an interleaved complex tensor")
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            var i = 1
            while i < buffer.count { buffer[i] = -buffer[i]; i += 2 }
        }
        return result
    }
}
