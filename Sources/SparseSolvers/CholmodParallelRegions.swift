import CCholmodRegions

/// CHOLMOD's OpenMP regions run as plain calls on the calling thread instead of through libgomp.
///
/// Debian's CHOLMOD 3.0 opens an OpenMP parallel region for every step of its supernodal numeric
/// factorization (clear a map, zero a supernode, copy A into it, add each descendant's update); small
/// supernodes get a team of one thread (a false `if` clause), and with `OMP_THREAD_LIMIT=1` every region
/// does. libgomp still builds each team and releases its end barrier with a `futex` system call: about
/// 5 000 a 128² Darcy factorization, 60 % of its CPU time. The regions with real teams are memory-bound
/// copy and scatter loops that 2 threads did not speed up either (the 128² generation, a 500² Poisson
/// and a 60³ Poisson set-up were all faster inline; BENCHMARKS-scaling.md, session 11); CHOLMOD's
/// parallel speed comes from OpenBLAS.
///
/// `Sources/CCholmodRegions` points libcholmod's GOT slots for `GOMP_parallel` at its own function
/// (libcholmod's calls only; every other library keeps libgomp's), which runs the region's outlined
/// body once as `fn(data)`. Each region is a statically scheduled loop that asks only
/// `omp_get_num_threads()` and `omp_get_thread_num()` (1 and 0 outside a team), so the body runs every
/// iteration once, as a team of one does; the loops write distinct entries per iteration, so the factors
/// are bitwise those of libgomp's execution with any team size. Done once per process, when the first
/// `CholmodWorkspace` is made. It also points libcholmod's `SuiteSparse_time` at a clock that reads 0
/// (CHOLMOD's own timing statistics, which PDEKit never reads, cost 6 % of a 128² sample). A host process
/// that calls CHOLMOD itself and wants its libcholmod left as loaded sets `PDEKIT_CHOLMOD_REGIONS=libgomp`
/// before PDEKit's first factorization; `CholeskyFactorization.analysisDescription` says which ran.
public enum CholmodParallelRegions {
    /// Whether libcholmod's regions go through this type (binds them on first use; false when
    /// libcholmod or libgomp is not loaded as a shared library).
    public static let isBound: Bool = pdekit_cholmod_regions_bind() != 0

    /// Whether CHOLMOD's regions run as plain calls (default true). Tests turn it off to compare with
    /// libgomp's own execution. Read once per region, so it may change at any time: a factorization
    /// running meanwhile gives the same bits either way.
    public static var runsRegionsInline: Bool {
        get { pdekit_cholmod_regions_inline() != 0 }
        set { pdekit_cholmod_regions_set_inline(newValue ? 1 : 0) }
    }

    /// Regions run as plain calls and regions passed to libgomp since the process started.
    public static var counts: (inlined: Int, forwarded: Int) {
        (pdekit_cholmod_regions_inlined_count(), pdekit_cholmod_regions_forwarded_count())
    }
}
