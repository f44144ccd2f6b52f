import CHypre
import RunSupport

/// hypre's sparse matrix–vector products on a team of threads.
///
/// Debian's hypre 2.26 is built without OpenMP, so a BoomerAMG cycle runs on one core, and most of a
/// cycle is sparse products y = α A x + β b (residuals, Chebyshev and Jacobi smoothing, interpolation):
/// 60 % of a 500² anisotropic solve's CG iterations. `Sources/CHypre/hypre_threaded_matvec.c` points
/// libHYPRE's GOT slot for its sequential kernel `hypre_CSRMatrixMatvecOutOfPlaceHost` at a function
/// (libHYPRE's own calls only) that splits a product's rows into parts of equal stored entries and runs
/// each part with hypre's kernel on a team of threads: the caller and `threads − 1` workers, which spin
/// 50 µs for the next product of the cycle and then sleep.
///
/// Each row is computed by hypre's own code in hypre's order, so the results are bitwise those of one
/// thread whatever the team size (`HypreThreadedProductsTests`). Products under 20 000 stored entries
/// (the coarse levels), of several vectors, with a compressed row list or x overlapping y stay on the
/// calling thread. The set-up (coarsening, interpolation, Galerkin products) stays serial.
///
/// The team size is ``RunSupport/ProcessThreads/available`` (`PDEKIT_THREADS`, or the cores divided among
/// the ranks under mpirun), set each time a hypre preconditioner or distributed solve is made. A host that
/// wants its libHYPRE left as loaded sets `PDEKIT_HYPRE_MATVEC=serial` before PDEKit's first hypre call.
public enum HypreThreadedProducts {
    /// Whether libHYPRE's products go through the team (binds on first use; false when libHYPRE is not
    /// loaded as a shared library or `PDEKIT_HYPRE_MATVEC=serial`).
    public static let isBound: Bool = pdekit_hypre_threaded_matvec_bind() != 0

    /// Threads a product may use (1 … 8; 1 runs hypre's code unchanged).
    public static var threads: Int {
        get { Int(pdekit_hypre_threaded_matvec_threads()) }
        set { pdekit_hypre_threaded_matvec_set_threads(Int32(clamping: newValue)) }
    }

    /// Products split across the team since the process started.
    public static var splitCount: Int { Int(pdekit_hypre_threaded_matvec_split_count()) }

    /// Binds the slot and sets the team to the process's threads: called before hypre's set-up.
    static func prepare() {
        guard isBound else { return }
        threads = ProcessThreads.available
    }
}
