/*
 * CHypre: hypre's BoomerAMG and ILU as preconditioners M⁻¹ for PDEKit's Krylov methods.
 *
 * A small C layer over hypre 2.26 (Debian libhypre-dev, built with Open MPI): it builds hypre's
 * ParCSR matrix from a CSR matrix, sets BoomerAMG or ILU up, and applies one cycle z = M⁻¹ r from
 * z = 0, on MPI_COMM_SELF (one process: any number of ranks may each hold their own
 * preconditioner). pdekit_hypre_distributed_solve solves ONE system whose rows are split
 * contiguously over the ranks of MPI_COMM_WORLD with hypre's own Krylov methods.
 *
 * MPI belongs to the host: this layer never calls MPI_Init or MPI_Finalize. Without an initialized
 * MPI every entry point returns PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED with a message saying so.
 *
 * hypre keeps global state, so every call here is serialized by one process-wide lock; any thread may
 * call when MPI provides MPI_THREAD_SERIALIZED or more (MPIRuntime requests it), only the main thread
 * under MPI_THREAD_FUNNELED (other threads get a one-line failure instead of undefined behaviour).
 * Status: 0 on success; otherwise nonzero (PDEKIT_HYPRE_STATUS_*) with a one-line message written
 * to `message`.
 */
#ifndef PDEKIT_CHYPRE_H
#define PDEKIT_CHYPRE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pdekit_hypre_preconditioner pdekit_hypre_preconditioner;

#define PDEKIT_HYPRE_STATUS_FAILED              1 /* bad input or hypre failed: see the message */
#define PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED 2 /* the host has not called MPI_Init (or has finalized) */

/* Which hypre method. */
#define PDEKIT_HYPRE_BOOMERAMG 0
#define PDEKIT_HYPRE_ILU       1
#define PDEKIT_HYPRE_NONE      2 /* no preconditioner (pdekit_hypre_distributed_solve only) */

/* hypre's Krylov methods for pdekit_hypre_distributed_solve. */
#define PDEKIT_HYPRE_KRYLOV_CG             0 /* PCG, stopping on ||r||_2 <= tol ||b||_2 */
#define PDEKIT_HYPRE_KRYLOV_GMRES          1
#define PDEKIT_HYPRE_KRYLOV_FLEXIBLE_GMRES 2
#define PDEKIT_HYPRE_KRYLOV_BICGSTAB       3

/* BoomerAMG variants. */
#define PDEKIT_HYPRE_AMG_CLASSICAL  0 /* HMIS coarsening, FF1 interpolation (extended+i for systems), ≤ 4 per row */
#define PDEKIT_HYPRE_AMG_AGGRESSIVE 1 /* the same with aggressive coarsening on the first levels */
#define PDEKIT_HYPRE_AMG_AIR        2 /* approximate ideal restriction (distance 2), one-point interpolation, F-F-C relaxation */

/* BoomerAMG smoothers. */
#define PDEKIT_HYPRE_SMOOTHER_SYMMETRIC_GAUSS_SEIDEL 0 /* hybrid symmetric Gauss–Seidel (l1 when 1 process) */
#define PDEKIT_HYPRE_SMOOTHER_L1_JACOBI              1
#define PDEKIT_HYPRE_SMOOTHER_CHEBYSHEV              2

typedef struct {
    int32_t method;            /* PDEKIT_HYPRE_BOOMERAMG or PDEKIT_HYPRE_ILU */
    /* BoomerAMG */
    int32_t amg_variant;       /* PDEKIT_HYPRE_AMG_* */
    int32_t smoother;          /* PDEKIT_HYPRE_SMOOTHER_* (ignored by AIR) */
    int32_t cycles;            /* V-cycles per application, ≥ 1 */
    double strong_threshold;   /* strength of connection θ, in (0, 1) */
    int32_t functions;         /* unknowns per node (systems AMG, interleaved), ≥ 1 */
    int32_t nullspace_count;   /* near-nullspace vectors given in `nullspace` (0: none) */
    const double *nullspace;   /* n × nullspace_count, vector after vector */
    /* ILU (hypre type 1: ILUT, dual threshold) */
    double drop_tolerance;     /* τ: drop |l_ij|, |u_ij| < τ ‖row i‖ */
    int32_t max_row_fill;      /* keep at most this many entries per row of L and of U */
} pdekit_hypre_options;

typedef struct {
    int32_t method;             /* PDEKIT_HYPRE_KRYLOV_* */
    double relative_tolerance;  /* > 0 */
    int32_t max_iterations;     /* >= 1 */
    int32_t restart;            /* Krylov dimension of (flexible) GMRES, >= 2 */
} pdekit_hypre_krylov_options;

/* 1 when MPI is initialized and not finalized in this process, else 0. */
int32_t pdekit_hypre_mpi_initialized(void);

/* This process's rank and the size of MPI_COMM_WORLD (status 0), or MPI_NOT_INITIALIZED. */
int32_t pdekit_hypre_world(int32_t *rank, int32_t *size);

/* Sets the preconditioner up for the n × n CSR matrix (int64 offsets and columns, 0-based). */
int32_t pdekit_hypre_create(int64_t n, const int64_t *row_offsets, const int64_t *columns, const double *values,
                            const pdekit_hypre_options *options, pdekit_hypre_preconditioner **out,
                            char *message, int32_t message_capacity);

/* z = M⁻¹ r (one application from z = 0); r and z hold n values. */
int32_t pdekit_hypre_apply(pdekit_hypre_preconditioner *preconditioner, const double *r, double *z,
                           char *message, int32_t message_capacity);

/* Collective over MPI_COMM_WORLD: solves A x = b where this rank holds rows first_row …
 * first_row + local_rows − 1 of the global_rows × global_rows matrix (CSR with offsets from 0 and
 * global column indices) and those entries of b; the ranks' row ranges are contiguous, in rank order,
 * and cover all rows. `preconditioner` (method NONE, BOOMERAMG or ILU; near-nullspace vectors hold
 * local_rows values each) is set up on the distributed matrix, then hypre's Krylov method runs from
 * x = 0. Every rank receives the whole solution in x_global (global_rows values), the iteration
 * count and the seconds of the matrix assembly and preconditioner set-up; a solve that stops at its iteration limit is not an error (the caller checks the residual). */
int32_t pdekit_hypre_distributed_solve(int64_t global_rows, int64_t first_row, int64_t local_rows,
                                       const int64_t *row_offsets, const int64_t *columns, const double *values,
                                       const double *b_local, const pdekit_hypre_options *preconditioner,
                                       const pdekit_hypre_krylov_options *krylov, double *x_global,
                                       int32_t *iterations, double *setup_seconds, char *message, int32_t message_capacity);

/* Collective over MPI_COMM_WORLD: 0 when `status` is 0 on every rank; otherwise 1 on every rank,
 * with the message "rank r of R: <rank r's message>" for the lowest failing rank r. A host calls it
 * after any step that can fail on one rank alone (reading its input), so that no rank enters a
 * collective the others have left. pdekit_hypre_distributed_solve agrees this way after its checks,
 * its set-up and its solve, so a failure on one rank fails every rank instead of hanging them. */
int32_t pdekit_hypre_agree(int32_t status, char *message, int32_t message_capacity);

/* Frees the preconditioner; NULL is a no-op. */
void pdekit_hypre_free(pdekit_hypre_preconditioner *preconditioner);

/*
 * Threaded mat-vec. Debian's hypre is built without OpenMP, so every BoomerAMG cycle runs on one
 * core, and its sparse matrix–vector products (hypre_CSRMatrixMatvecOutOfPlaceHost: the residuals,
 * Chebyshev and Jacobi smoothing, interpolation) are most of a cycle's time. Binding points
 * libHYPRE's GOT slot for that kernel (library_slots.h; only libHYPRE's own calls) at a function that
 * splits a product's rows into up to `threads` parts of equal stored entries and runs each part with
 * hypre's own kernel on a team of threads (the caller and threads − 1 workers that spin 50 µs for the
 * next product, then sleep). Each row is computed by hypre's code in hypre's order, so results are
 * bitwise those of one thread, whatever the team size. Parts hold at least 10 000 entries (products
 * under 20 000 entries stay whole). Products of several
 * vectors, with a compressed row list, an offset, or x overlapping y, and a product started while
 * another thread's product holds the team, run on the calling thread.
 * PDEKIT_HYPRE_MATVEC=serial in the environment leaves libHYPRE as loaded.
 */

/* Binds libHYPRE's slot (once per process; later calls only answer): 1 when bound, 0 when libHYPRE
   was not found loaded, its slot was not, or PDEKIT_HYPRE_MATVEC=serial. */
int32_t pdekit_hypre_threaded_matvec_bind(void);

/* The team size a product may use, clamped to 1 … 8 (1, the initial value: hypre's serial code). */
void pdekit_hypre_threaded_matvec_set_threads(int32_t threads);
int32_t pdekit_hypre_threaded_matvec_threads(void);

/* Products split across the team since the process started (for tests and measurements). */
int64_t pdekit_hypre_threaded_matvec_split_count(void);

#ifdef __cplusplus
}
#endif
#endif
