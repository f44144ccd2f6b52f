import CBLAS
import Foundation

/// How PDEKit uses OpenBLAS threads.
///
/// PDEKit parallelizes its own kernels over batches and row blocks. If OpenBLAS also started its
/// threads inside those loops, 2 cores would run 4 threads. So OpenBLAS is set to one thread the
/// first time PDEKit calls it, and `parallelGEMM` splits a large product into row blocks, one per
/// core, each a single-threaded `?gemm`. This sets process-wide OpenBLAS state: a host program
/// that embeds PDEKit and wants threaded BLAS for its own calls can set it back.
public enum BLASRuntime {
    /// Runs once: sets OpenBLAS to one thread.
    public static let configureOnce: Void = { openblas_set_num_threads(1) }()

    /// `C ← α op(A) op(B) + β C`, split over row blocks of C across cores when large.
    ///
    /// The row blocks depend only on `m` (two halves from 4 rows on), never on the core count:
    /// OpenBLAS's result for a row of C depends on how many rows the call has (its small-matrix and
    /// edge kernels sum in other orders), so splitting by cores would make the bits machine-dependent.
    /// Two blocks is the split this code always made on 2-core machines, so results there are unchanged
    /// bit for bit; larger machines run these products on two cores.
    @inlinable
    public static func parallelGEMM<Scalar: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        _ = configureOnce
        let work = m * n * k
        let blocks = work >= 1 << 20 && m >= 4 ? ParallelLoop.reductionBlocks(count: m, maximumBlocks: 2) : [0..<m]
        if blocks.count <= 1 {
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let pa = SendablePointer(mutating: a), pb = SendablePointer(mutating: b), pc = SendablePointer(c)
        let blockBox = UncheckedSendableBox(blocks)
        ParallelLoop.forEachChunk(count: blocks.count, minimumItemsPerChunk: 1) { range in
            for block in range {
                let rows = blockBox.value[block]
                // Rows of op(A): row i starts at a + i·lda without transpose, at a + i with it.
                let aStart = transposeA ? pa.base + rows.lowerBound : pa.base + rows.lowerBound * lda
                Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                            a: aStart, lda: lda, b: pb.base, ldb: ldb, beta: beta,
                            c: pc.base + rows.lowerBound * ldc, ldc: ldc)
            }
        }
    }

    /// Single-threaded `?gemm` (for use inside PDEKit's own parallel loops).
    @inlinable
    public static func serialGEMM<Scalar: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        _ = configureOnce
        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// The OpenBLAS kernel family OpenBLAS chose at load time (for example `"Haswell"`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// A better `OPENBLAS_CORETYPE` for this CPU when OpenBLAS fell back to a generic kernel, else nil.
    ///
    /// Debian's OpenBLAS 0.3.21 does not recognise some virtual Xeon CPUs and picks its SSE3
    /// "Prescott" kernels (about 5x slower GEMM here). OpenBLAS reads `OPENBLAS_CORETYPE` only
    /// when it loads, so the caller must set it before the process starts (the CLI re-executes
    /// itself once; scripts export it).
    public static func recommendedCoreType() -> String? {
        let generic: Set<String> = ["Prescott", "Core2", "Nehalem", "Katmai", "Banias", "unknown"]
        guard generic.contains(coreName),
              let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }
}
