import Foundation

/// The one cap on the compute threads of a PDEKit process (`PDEKIT_THREADS`, or under `mpirun` the
/// cores divided among the ranks of a machine).
///
/// A process computes on five kinds of threads; the cap reaches each of them:
/// - PDEKit's own loops (`ParallelLoop` in TensorCore, the sparse matrix–vector product and the
///   Matrix Market readers in SparseSolvers) split their work into at most ``limit`` chunks;
/// - hypre's sparse products (`HypreThreadedProducts` in SparseSolvers) run on a team of ``available``
///   threads, set before each hypre set-up;
/// - OpenBLAS's pthreads pool, which CHOLMOD and LAPACKE use (`openblas_set_num_threads`, only ever
///   lowered: PDEKit's own kernels set OpenBLAS to one thread when they first run);
/// - OpenMP (libgomp, loaded by SuiteSparse): `omp_set_num_threads` sets the count of the CALLING thread
///   only, and CHOLMOD's supernodal factorization asks for a fixed 4 threads per region
///   (`num_threads(CHOLMOD_OMP_NUM_THREADS)`, a compile-time constant), which no runtime call lowers.
///   Only `OMP_THREAD_LIMIT`, read when libgomp loads, caps every region of every thread: the CLI sets
///   ``loadTimeEnvironment(threads:)`` and re-executes itself once before any work (`Entry.main`).
///   (Since session 11 CHOLMOD's regions run inline, `CholmodParallelRegions` in SparseSolvers, so the
///   limit matters for CHOLMOD only if that binding fails; OpenBLAS's pool still needs the re-execution);
/// - FFTW is linked without its threads library, so it always runs on the calling thread.
///
/// Without a cap (``limit`` is nil) nothing is changed: every library keeps its own default.
/// OpenBLAS and OpenMP are reached through `dlsym`, so this module links neither; a symbol the process
/// does not have is skipped.
///
/// Why it matters: an OpenBLAS worker that waits for work spins (`sched_yield`), so a "one-thread" run
/// whose BLAS pool still had two threads used about 1.8 CPU seconds per wall second and ran slower than
/// a true single thread on a loaded machine.
public enum ProcessThreads {
    /// The cap, set once at start-up before any parallel work (nil: no cap, all cores).
    nonisolated(unsafe) public private(set) static var limit: Int?

    /// The threads a parallel loop may use: the cap, else the machine's active processors.
    public static var available: Int { limit ?? max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Caps every thread pool of the process at `threads` (≥ 1); nil removes PDEKit's own cap (OpenBLAS
    /// and OpenMP keep the lowered counts). Call it at start-up, on the main thread, before any work.
    public static func cap(_ threads: Int?) {
        limit = threads.map { max(1, $0) }
        guard let count = limit.map({ Int32(clamping: $0) }) else { return }
        if let get = symbol("openblas_get_num_threads", as: (@convention(c) () -> Int32).self),
           let set = symbol("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self) {
            set(min(count, get()))
        }
        if let set = symbol("omp_set_num_threads", as: (@convention(c) (Int32) -> Void).self) { set(count) }
    }

    /// The variables that libraries read only when they load, set to `threads`: `OMP_THREAD_LIMIT` (every
    /// OpenMP region of every thread, including CHOLMOD's fixed `num_threads(4)`), `OMP_NUM_THREADS` (the
    /// default count of threads that never called `omp_set_num_threads`) and `OPENBLAS_NUM_THREADS`
    /// (OpenBLAS then starts no pool beyond the cap). A process started with these values has every
    /// pool capped from its first instruction.
    public static func loadTimeEnvironment(threads: Int) -> [String: String] {
        let count = String(max(1, threads))
        return ["OMP_THREAD_LIMIT": count, "OMP_NUM_THREADS": count, "OPENBLAS_NUM_THREADS": count]
    }

    /// The variables of ``loadTimeEnvironment(threads:)`` whose value in `environment` differs (what a
    /// re-executed process must set; empty when the process already started capped).
    public static func missingLoadTimeEnvironment(threads: Int, in environment: [String: String]) -> [String: String] {
        loadTimeEnvironment(threads: threads).filter { environment[$0.key] != $0.value }
    }

    /// OpenBLAS's thread count now (nil when the process has no OpenBLAS).
    public static var openBLASThreads: Int? {
        symbol("openblas_get_num_threads", as: (@convention(c) () -> Int32).self).map { Int($0()) }
    }

    /// The OpenMP threads a parallel region started on this thread would use (nil without OpenMP).
    public static var openMPThreads: Int? {
        symbol("omp_get_max_threads", as: (@convention(c) () -> Int32).self).map { Int($0()) }
    }

    /// Threads of this process now (`/proc/self/task`; nil where there is no such directory).
    public static var currentThreadCount: Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.count
    }

    static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }
}
