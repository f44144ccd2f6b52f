import CBLAS

/// How many OpenBLAS threads CHOLMOD's supernodal factorization runs on, decided from its analysis.
///
/// CHOLMOD's parallel speed is OpenBLAS's: each supernode's dense block is factored (`dpotrf`, `dtrsm`)
/// and its update to the ancestors formed (`dsyrk`, `dgemm`) by BLAS calls, and OpenBLAS splits a call
/// over its pool as soon as m·n·k passes about 64³ — already for the 213-row top separator of a 128²
/// grid. Blocks that size are done in well under a millisecond, so the pool's thread spends most of its
/// time waiting for the next call, and an OpenBLAS worker waits by spinning (`sched_yield`): a one-process
/// `pdekit generate darcy --resolution 128 --solver direct` with the default 2 threads made 37 532
/// `sched_yield` calls for 96 samples and kept the second core busy, for no gain in wall time (session 11:
/// 3.7–5.0 s for 384 samples against 3.6 s with one thread). Threaded OpenBLAS also rounds differently
/// (its kernels block by thread): a float64 file from such a run differed from a one-thread run's by up to
/// 6e-17 (float32 storage hid it); now both are bitwise equal (`scripts/mpi-tests.sh` section 2).
///
/// So when the analysis shows that no update block reaches ``threadedUpdateRows`` rows (CHOLMOD's
/// `maxesize`: the most rows below any supernode's diagonal block), OpenBLAS is lowered to one thread.
/// Measured per factorization (C probe calling CHOLMOD on 5- and 7-point Laplacians, 1 against 2 OpenBLAS
/// threads, 2-core VM with another job running, BENCHMARKS-scaling.md session 12): 2 threads never paid
/// below that size (128², 256², 512²: `maxesize` 160, 300, 638; 3-D 30³: 1 026, where they took 1.7x the
/// CPU) and are kept for larger fronts (3-D 45³: 2 381; the 60³ Poisson matrix of `bench/run-amg.sh`),
/// whose blocks are big enough for a second core to pay on an idle machine.
///
/// Like every other PDEKit thread setting (`ProcessThreads.cap`, TensorCore's first BLAS call) this only
/// ever lowers the process-wide OpenBLAS count, never raises it: a lower count never changes a result
/// that PDEKit's one-thread kernels rely on, and no thread has to restore a value another thread set. A host
/// program embedding PDEKit that wants threaded BLAS for its own calls sets it back (`pdekit.h` says so).
public enum CholmodBLASThreads {
    /// An update block with at least this many rows keeps OpenBLAS's threads.
    public static let threadedUpdateRows = 2048

    /// Whether a factor whose largest update block has `largestUpdateRows` rows
    /// (``CholeskyFactorization/largestUpdateRowCount``) should run on one OpenBLAS thread. A simplicial
    /// factor (0 rows) makes no BLAS calls that OpenBLAS threads, so it never asks for it.
    public static func prefersOneThread(largestUpdateRows: Int) -> Bool {
        largestUpdateRows > 0 && largestUpdateRows < threadedUpdateRows
    }

    /// Lowers OpenBLAS to one thread when ``prefersOneThread(largestUpdateRows:)``; never raises it.
    static func adapt(largestUpdateRows: Int) {
        if prefersOneThread(largestUpdateRows: largestUpdateRows), openblas_get_num_threads() > 1 { openblas_set_num_threads(1) }
    }
}
