import CCholmodRegions

/// CHOLMOD's one-thread OpenMP regions run as plain calls instead of through libgomp.
///
/// Debian's CHOLMOD 3.0 opens an OpenMP parallel region for every step of its supernodal numeric
/// factorization (zero a supernode, copy A into it, add each descendant's update); small supernodes
/// get a team of one thread (a false `if` clause), and with `OMP_THREAD_LIMIT=1` every region does.
/// libgomp still builds each team and releases its end barrier with a `futex` system call: about
/// 5 000 a 128² Darcy factorization, 60 % of its CPU time (BENCHMARKS-scaling.md, session 11).
///
/// `Sources/CCholmodRegions` points libcholmod's GOT slots for `GOMP_parallel` at its own function
/// (libcholmod's calls only; every other library keeps libgomp's), which runs a region whose team
/// would have one thread as `fn(data)` and passes real teams to libgomp. Done once per process,
/// when the first `CholmodWorkspace` is made. A team of one runs the outlined
/// body once as thread 0 of 1, as the plain call does, so the factors are bitwise the same.
public enum CholmodParallelRegions {
    /// Whether libcholmod's regions go through this type (binds them on first use; false when
    /// libcholmod or libgomp is not loaded as a shared library).
    public static let isBound: Bool = pdekit_cholmod_regions_bind() != 0

    /// Whether one-thread regions run as plain calls (default true). Tests turn it off to compare
    /// with libgomp's own execution. Read once per region, so it may change at any time: a
    /// factorization running meanwhile gives the same bits either way.
    public static var runsOneThreadRegionsInline: Bool {
        get { pdekit_cholmod_regions_inline() != 0 }
        set { pdekit_cholmod_regions_set_inline(newValue ? 1 : 0) }
    }

    /// Regions run as plain calls and regions passed to libgomp since the process started.
    public static var counts: (inlined: Int, forwarded: Int) {
        (pdekit_cholmod_regions_inlined_count(), pdekit_cholmod_regions_forwarded_count())
    }
}
