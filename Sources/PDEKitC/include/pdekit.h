/*
 * pdekit.h: the C interface of PDEKit (libPDEKitC.so).
 *
 * Embeds PDEKit's trained neural operators and sparse linear solvers in C, C++ and Fortran
 * (through iso_c_binding) simulation codes. No Swift type crosses this boundary: objects are
 * opaque handles, numbers are fixed-width C types, arrays are caller-owned buffers whose sizes are
 * passed explicitly and checked.
 *
 * Conventions
 * - Every function that can fail returns a pdekit_status. PDEKIT_OK is 0; any other value is an
 *   error, and pdekit_last_error() then describes it in one line.
 * - Output parameters are written only on success, except where a function says otherwise
 *   (pdekit_solver_solve writes its best iterate even when it did not converge).
 * - A NULL handle or NULL buffer is reported as PDEKIT_ERROR_NULL_POINTER, never dereferenced.
 * - Arrays are row-major (C order). Fields are laid out [batch][channel][grid axis 0][axis 1]...
 *   exactly as in PDEKit's datasets; Fortran callers pass their column-major arrays with the axes
 *   reversed (see Examples/fortran-embedding).
 * - Handles are freed with their *_free function; freeing NULL is a no-op.
 *
 * Thread safety (stated per function below)
 * - pdekit_last_error() is per thread: an error on one thread never overwrites another's message.
 * - Every call on one handle takes that handle's lock, so a handle may be shared between threads;
 *   calls on it are serialized. Distinct solver and matrix handles run in parallel. Operator
 *   applications are serialized process-wide (the FFT planner and inference scratch are shared).
 * - A matrix must not be freed or have its values updated while a solve that uses it runs.
 *
 * Processes and MPI
 * - Every handle lives in the process that created it, and the library keeps no state shared between
 *   processes: an MPI code loads one operator (or solver) handle per rank and each rank applies it to
 *   its own batch, with no communication inside PDEKit. The library never initializes or finalizes
 *   MPI; the host code owns MPI (see Examples/fortran-mpi, which gathers the ranks' errors on rank 0
 *   with MPI itself).
 * - The AMG and ILUT preconditioners are hypre's, and hypre runs on MPI (each solver handle on
 *   MPI_COMM_SELF, its own process). The host must call MPI_Init (or MPI_Init_thread with
 *   MPI_THREAD_SERIALIZED when several threads solve) before choosing PDEKIT_PRECONDITIONER_AMG or
 *   _ILUT, and free those solvers before MPI_Finalize. Otherwise pdekit_solver_set_preconditioner
 *   (and pdekit_solver_solve) return PDEKIT_ERROR_MPI_NOT_INITIALIZED with a message saying so; the
 *   other methods never need MPI (see Examples/c-amg-mpi).
 * - Ranks on one machine share its cores: PDEKit's kernels use all cores of the process unless the
 *   host restricts them (e.g. mpirun --bind-to core, or taskset).
 * - The process's libcholmod: PDEKit's first direct (CHOLMOD) factorization points libcholmod's calls of
 *   GOMP_parallel at a function that runs each OpenMP region on the calling thread (same factors, no
 *   libgomp team per supernode step) and its SuiteSparse_time at a clock that reads 0 (CHOLMOD's timing
 *   statistics). A host that calls CHOLMOD itself and wants it left as loaded sets the environment
 *   variable PDEKIT_CHOLMOD_REGIONS=libgomp before that first factorization.
 * - The process's libHYPRE: PDEKit's first AMG or ILUT preconditioner points libHYPRE's calls of its
 *   sequential CSR mat-vec (hypre_CSRMatrixMatvecOutOfPlaceHost) at a function that splits each large
 *   product's rows over a team of threads, each part computed by hypre's own kernel (bitwise the same
 *   results; Debian's hypre has no OpenMP). The team has as many threads as PDEKit's kernels use (all
 *   cores unless PDEKIT_THREADS caps them; the workers spin 50 microseconds after a product, then
 *   sleep). A host that wants its libHYPRE left as loaded sets PDEKIT_HYPRE_MATVEC=serial before that
 *   first preconditioner.
 *
 * Precision: solvers work in double precision; trained operators compute in single precision
 * (float) and the *_f64 entry point converts at the boundary.
 *
 * ABI stability: the functions and constants below are stable for PDEKIT_ABI_VERSION 1; new
 * functions may be added, existing ones will not change meaning within an ABI version.
 */
#ifndef PDEKIT_H
#define PDEKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PDEKIT_ABI_VERSION 1

/* ---- Status codes and errors ------------------------------------------------------------------ */

typedef int32_t pdekit_status;

#define PDEKIT_OK                       0
#define PDEKIT_ERROR_NULL_POINTER       1 /* a required pointer or handle was NULL */
#define PDEKIT_ERROR_INVALID_ARGUMENT   2 /* a value out of range, NaN/Inf in data, a bad option */
#define PDEKIT_ERROR_SHAPE_MISMATCH     3 /* buffer sizes or grid shape do not fit the model/matrix */
#define PDEKIT_ERROR_IO                 4 /* a file is missing, unreadable or not a PDEKit checkpoint */
#define PDEKIT_ERROR_NOT_CONVERGED      5 /* the solver stopped before the tolerance; x holds its best iterate */
#define PDEKIT_ERROR_SINGULAR           6 /* a factorization found the matrix singular or not SPD */
#define PDEKIT_ERROR_INTERNAL           7 /* anything else; the message says what */
#define PDEKIT_ERROR_MPI_NOT_INITIALIZED 8 /* AMG or ILUT (hypre runs on MPI) before the host called MPI_Init */

/* One-line description of the last error on the calling thread ("" when there was none). The pointer
 * stays valid until the next PDEKit call on this thread. Thread-safe. */
const char *pdekit_last_error(void);

/* Name of a status code ("ok", "null pointer", ...), a static string. Thread-safe. */
const char *pdekit_status_name(pdekit_status status);

/* PDEKit's version, e.g. "0.3.0", a static string. Thread-safe. */
const char *pdekit_version(void);

/* The ABI version this library implements (compare with PDEKIT_ABI_VERSION). Thread-safe. */
int32_t pdekit_abi_version(void);

/* ---- Trained neural operators (FNO and MgNO checkpoints from `pdekit train fno` / `train mgno`) -- */

typedef struct pdekit_operator pdekit_operator;

/* Loads a checkpoint: a run directory written by `pdekit train` (its best.safetensors, else
 * checkpoint.safetensors) or a .safetensors file. On success *out is a new handle. Thread-safe. */
pdekit_status pdekit_operator_load(const char *path, pdekit_operator **out);

/* Frees the handle (NULL is a no-op). Not to be called while another thread uses the handle. */
void pdekit_operator_free(pdekit_operator *op);

/* Spatial rank (1, 2 or 3), input channels and output channels of the operator. Any output pointer
 * may be NULL if not wanted. Thread-safe. */
pdekit_status pdekit_operator_describe(const pdekit_operator *op, int32_t *spatial_rank,
                                       int64_t *input_channels, int64_t *output_channels);

/* The grid the operator was trained on (spatial_rank sizes) written to grid[0..capacity). Returns
 * PDEKIT_ERROR_SHAPE_MISMATCH if capacity < spatial rank. Thread-safe. */
pdekit_status pdekit_operator_training_grid(const pdekit_operator *op, int64_t *grid, int32_t capacity);

/* Applies the operator (normalization, network, de-normalization) to `batch` input fields.
 *   input:  batch × input_channels × grid[0] × ... × grid[rank-1] floats, input_count of them
 *   output: batch × output_channels × grid[...] floats, output_count of them (caller-allocated)
 * The grid may differ from the training grid (zero-shot super-resolution). Counts that do not match
 * the shape give PDEKIT_ERROR_SHAPE_MISMATCH; NaN or Inf in the input gives
 * PDEKIT_ERROR_INVALID_ARGUMENT. Thread-safe (serialized process-wide). */
pdekit_status pdekit_operator_apply_f32(pdekit_operator *op, const float *input, int64_t input_count,
                                        int64_t batch, const int64_t *grid, int32_t grid_rank,
                                        float *output, int64_t output_count);

/* As pdekit_operator_apply_f32 with double buffers (computes in float). Thread-safe. */
pdekit_status pdekit_operator_apply_f64(pdekit_operator *op, const double *input, int64_t input_count,
                                        int64_t batch, const int64_t *grid, int32_t grid_rank,
                                        double *output, int64_t output_count);

/* Memory layouts of the fields passed to pdekit_operator_apply_layout_*. */
#define PDEKIT_LAYOUT_ROW_MAJOR     0 /* C order: input[b][c][i0][i1]..., the last grid axis fastest */
#define PDEKIT_LAYOUT_COLUMN_MAJOR  1 /* Fortran order: input(i0, i1, ..., c, b), the first grid axis fastest */

/* As pdekit_operator_apply_f32 / _f64 with the layout of both buffers given: with
 * PDEKIT_LAYOUT_COLUMN_MAJOR a Fortran array a(grid(1), ..., grid(rank), channels, batch) is passed as
 * it is (grid[k] the size of the model's axis k), and output has the same layout. The same model
 * axes as the row-major call: only the memory order differs. Another layout value gives
 * PDEKIT_ERROR_INVALID_ARGUMENT. Thread-safe (serialized process-wide). */
pdekit_status pdekit_operator_apply_layout_f32(pdekit_operator *op, const float *input, int64_t input_count,
                                               int64_t batch, const int64_t *grid, int32_t grid_rank, int32_t layout,
                                               float *output, int64_t output_count);
pdekit_status pdekit_operator_apply_layout_f64(pdekit_operator *op, const double *input, int64_t input_count,
                                               int64_t batch, const int64_t *grid, int32_t grid_rank, int32_t layout,
                                               double *output, int64_t output_count);

/* ---- DeepONets (checkpoints written by `pdekit train deeponet`) ---------------------------------------- */

typedef struct pdekit_deeponet pdekit_deeponet;

/* Loads a DeepONet: a `pdekit train deeponet` output folder (its model.safetensors) or the file
 * itself. Thread-safe. */
pdekit_status pdekit_deeponet_load(const char *path, pdekit_deeponet **out);

/* Frees the handle (NULL is a no-op). */
void pdekit_deeponet_free(pdekit_deeponet *net);

/* Sensors m (branch inputs per function), coordinate dimensions d of a query point (0 for a
 * POD-DeepONet), outputs K per point, and the number of fixed query points of a POD-DeepONet (0 for
 * a trunk network). NULL outputs are skipped. Thread-safe. */
pdekit_status pdekit_deeponet_describe(const pdekit_deeponet *net, int64_t *sensors, int64_t *coordinate_dimensions,
                                       int64_t *outputs, int64_t *pod_points);

/* G(u_i)(y_j) for `functions` input functions and `points` query points (Cartesian product), with the
 * length of every buffer given and checked before it is read or written:
 *   branch: branch_count = functions x sensors doubles (u_i at the sensors, row-major)
 *   trunk:  trunk_count = points x coordinate_dimensions doubles (ignored and may be NULL for a
 *           POD-DeepONet, whose `points` must equal pod_points; trunk_count is then ignored too)
 *   output: output_count = functions x points x outputs doubles (caller-allocated)
 * A count that does not match, or a size product that overflows int64_t, is PDEKIT_ERROR_SHAPE_MISMATCH.
 * Computes in float with the checkpoint's input normalization. Thread-safe (serialized process-wide). */
pdekit_status pdekit_deeponet_apply_counted_f64(pdekit_deeponet *net, const double *branch, int64_t branch_count,
                                                int64_t functions, const double *trunk, int64_t trunk_count,
                                                int64_t points, double *output, int64_t output_count);

/* Deprecated (use pdekit_deeponet_apply_counted_f64): as above, but the branch and trunk lengths are
 * not passed, so functions x sensors and points x coordinate_dimensions doubles are read on trust; a
 * shorter caller buffer is read out of bounds. Kept for ABI version 1. Thread-safe. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((deprecated("use pdekit_deeponet_apply_counted_f64")))
#endif
pdekit_status pdekit_deeponet_apply_f64(pdekit_deeponet *net, const double *branch, int64_t functions,
                                        const double *trunk, int64_t points, double *output, int64_t output_count);

/* ---- Sparse matrices ----------------------------------------------------------------------------- */

typedef struct pdekit_matrix pdekit_matrix;

/* Builds a rows × columns matrix from compressed sparse rows (0-based):
 *   row_offsets[rows + 1] (row_offsets[0] = 0, non-decreasing, row_offsets[rows] = nonzeros),
 *   column_indices[nonzeros] in [0, columns), values[nonzeros] finite.
 * Columns within a row may come in any order; duplicates are summed. The arrays are copied.
 * Thread-safe. */
pdekit_status pdekit_matrix_create_csr(int64_t rows, int64_t columns, int64_t nonzeros,
                                       const int64_t *row_offsets, const int64_t *column_indices,
                                       const double *values, pdekit_matrix **out);

/* Same with 32-bit indices (the common CSR layout of C and Fortran codes). Thread-safe. */
pdekit_status pdekit_matrix_create_csr32(int32_t rows, int32_t columns, int32_t nonzeros,
                                         const int32_t *row_offsets, const int32_t *column_indices,
                                         const double *values, pdekit_matrix **out);

/* Replaces the values of a matrix built by pdekit_matrix_create_csr*, keeping its pattern: the new
 * values follow the order of the original arrays (nonzeros of them). Use it for a sequence of
 * related systems. Serialized on the handle; must not race with a solve using the matrix. */
pdekit_status pdekit_matrix_update_values(pdekit_matrix *matrix, const double *values, int64_t nonzeros);

/* y = A x with x of `columns` and y of `rows` doubles. Thread-safe. */
pdekit_status pdekit_matrix_multiply(const pdekit_matrix *matrix, const double *x, int64_t x_count,
                                     double *y, int64_t y_count);

/* Rows, columns and stored entries (after duplicates were summed); NULL outputs are skipped.
 * Thread-safe. */
pdekit_status pdekit_matrix_describe(const pdekit_matrix *matrix, int64_t *rows, int64_t *columns,
                                     int64_t *stored_entries);

/* Frees the matrix (NULL is a no-op). */
void pdekit_matrix_free(pdekit_matrix *matrix);

/* ---- Linear solvers --------------------------------------------------------------------------------- */

typedef struct pdekit_solver pdekit_solver;

typedef int32_t pdekit_method;
#define PDEKIT_METHOD_DIRECT  0 /* CHOLMOD Cholesky if symmetric positive definite, else UMFPACK LU */
#define PDEKIT_METHOD_CG      1 /* conjugate gradients (SPD matrices) */
#define PDEKIT_METHOD_GMRES   2 /* restarted GMRES(m) */
#define PDEKIT_METHOD_GCRODR  3 /* GCRO-DR(m, k): keeps a recycle space of k vectors between solves */
#define PDEKIT_METHOD_DCDM    4 /* Deep Conjugate Direction Method: needs pdekit_solver_set_dcdm_model */
#define PDEKIT_METHOD_MINRES  5 /* MINRES (symmetric, possibly indefinite or singular; SPD preconditioner) */
#define PDEKIT_METHOD_FGMRES  6 /* flexible GMRES(m): the preconditioner may change between iterations */
#define PDEKIT_METHOD_BICGSTAB 7 /* BiCGStab (nonsymmetric, short recurrences) */

typedef int32_t pdekit_preconditioner;
#define PDEKIT_PRECONDITIONER_NONE    0
#define PDEKIT_PRECONDITIONER_JACOBI  1
#define PDEKIT_PRECONDITIONER_SSOR    2
#define PDEKIT_PRECONDITIONER_IC0     3 /* incomplete Cholesky, zero fill (SPD) */
#define PDEKIT_PRECONDITIONER_ILU0    4 /* incomplete LU, zero fill */
#define PDEKIT_PRECONDITIONER_MULTIGRID 5 /* geometric multigrid V-cycle: needs pdekit_solver_set_grid */
#define PDEKIT_PRECONDITIONER_AMG     6 /* algebraic multigrid, hypre BoomerAMG: see pdekit_solver_set_amg */
#define PDEKIT_PRECONDITIONER_ILUT    7 /* threshold incomplete LU (hypre): see pdekit_solver_set_ilut */

typedef int32_t pdekit_amg_variant;
#define PDEKIT_AMG_CLASSICAL   0 /* HMIS coarsening, FF1 interpolation (default) */
#define PDEKIT_AMG_AGGREGATION 1 /* aggressive coarsening on the first level */
#define PDEKIT_AMG_AIR         2 /* approximate ideal restriction: nonsymmetric, advection-dominated */

/* The AMG smoother, one sweep before and after each coarse-grid correction (AIR ignores it):
 * see pdekit_solver_set_amg_smoother. */
typedef int32_t pdekit_amg_smoother;
#define PDEKIT_AMG_SMOOTHER_AUTO         0 /* default: Chebyshev with one unknown per node, no near-nullspace vectors
                                              and <= 6 entries per row (2-D stencils), else Gauss-Seidel;
                                              the only choice AIR takes */
#define PDEKIT_AMG_SMOOTHER_GAUSS_SEIDEL 1 /* hybrid symmetric Gauss-Seidel (hypre relax type 6) */
#define PDEKIT_AMG_SMOOTHER_L1_JACOBI    2 /* l1-Jacobi (hypre relax type 18) */
#define PDEKIT_AMG_SMOOTHER_CHEBYSHEV    3 /* degree-2 Chebyshev in D^-1 A on [0.3 lambda, lambda], lambda = 1.1 x its
                                              Gershgorin bound (hypre relax type 16, no eigenvalue iterations) */

typedef int32_t pdekit_outcome;
#define PDEKIT_OUTCOME_NONE             0 /* no solve yet */
#define PDEKIT_OUTCOME_CONVERGED        1
#define PDEKIT_OUTCOME_ITERATION_LIMIT  2
#define PDEKIT_OUTCOME_BREAKDOWN        3
#define PDEKIT_OUTCOME_STAGNATION       4
#define PDEKIT_OUTCOME_LEAST_SQUARES    5 /* A singular, b outside its range: x is the least-squares solution (MINRES) */

/* A solver with the given method and defaults: relative tolerance 1e-8, at most 10000 iterations,
 * no preconditioner, GMRES/GCRO-DR restart 40, GCRO-DR recycle dimension 20. Thread-safe. */
pdekit_status pdekit_solver_create(pdekit_method method, pdekit_solver **out);

/* Frees the solver and what it keeps (factorizations, recycle space). NULL is a no-op. */
void pdekit_solver_free(pdekit_solver *solver);

/* Stop when ||b - A x||_2 <= relative_tolerance * ||b||_2 (relative_tolerance > 0, finite) or after
 * max_iterations (>= 1). Serialized on the handle. */
pdekit_status pdekit_solver_set_tolerance(pdekit_solver *solver, double relative_tolerance, int64_t max_iterations);

/* Preconditioner for the Krylov methods; built from each new matrix (or new values). AMG and ILUT
 * need MPI initialized by the host (else PDEKIT_ERROR_MPI_NOT_INITIALIZED). Serialized. */
pdekit_status pdekit_solver_set_preconditioner(pdekit_solver *solver, pdekit_preconditioner preconditioner);

/* Krylov dimension m per cycle (>= 2) and, for GCRO-DR, the recycle dimension k (1 <= k < m).
 * Changing them discards a kept recycle space. Serialized. */
pdekit_status pdekit_solver_set_restart(pdekit_solver *solver, int64_t restart, int64_t recycle_dimension);

/* For PDEKIT_METHOD_DCDM: a network written by `pdekit dcdm train` and the grid (rank 2 or 3) that
 * the unknowns live on, row-major; grid sizes must multiply to the matrix size. Serialized. */
pdekit_status pdekit_solver_set_dcdm_model(pdekit_solver *solver, const char *path, const int64_t *grid, int32_t grid_rank);

/* The structured grid (rank 2 or 3, x fastest) of the unknowns, for PDEKIT_PRECONDITIONER_MULTIGRID;
 * the sizes must multiply to the matrix size. Serialized. */
pdekit_status pdekit_solver_set_grid(pdekit_solver *solver, const int64_t *grid, int32_t grid_rank);

/* Settings of PDEKIT_PRECONDITIONER_AMG: the variant, the strength threshold (0 < theta < 1; 0.25
 * suits 2-D, 0.5 3-D problems), unknowns per node (>= 1, interleaved; 2 or 3 for elasticity) and
 * optionally `nullspace_count` near-nullspace vectors of `rows` values each, vector after vector
 * (NULL and 0 for none; copied). Checked against the matrix at the next solve. Serialized. */
pdekit_status pdekit_solver_set_amg(pdekit_solver *solver, pdekit_amg_variant variant, double strong_threshold,
                                    int32_t unknowns_per_node, const double *nullspace, int32_t nullspace_count, int64_t rows);

/* The smoother of PDEKIT_PRECONDITIONER_AMG (default PDEKIT_AMG_SMOOTHER_AUTO); a later pdekit_solver_set_amg
 * keeps it. AIR with another smoother than AUTO (in either order) is PDEKIT_ERROR_INVALID_ARGUMENT. Serialized. */
pdekit_status pdekit_solver_set_amg_smoother(pdekit_solver *solver, pdekit_amg_smoother smoother);

/* Settings of PDEKIT_PRECONDITIONER_ILUT: drop tolerance (0 <= tau < 1, relative to each row's norm)
 * and the entries kept per row of L and of U (>= 1). Serialized. */
pdekit_status pdekit_solver_set_ilut(pdekit_solver *solver, double drop_tolerance, int32_t max_row_fill);

/* Forgets the GCRO-DR recycle space and any cached factorization or preconditioner. Serialized. */
pdekit_status pdekit_solver_reset(pdekit_solver *solver);

/* Solves A x = b. b has `count` = rows doubles; x (count doubles) is the initial guess when
 * use_initial_guess is non-zero (else zero is used) and receives the solution.
 * Returns PDEKIT_OK on convergence, PDEKIT_ERROR_NOT_CONVERGED (x holds the best iterate and the
 * report says why) when the tolerance was not reached, or another error (x untouched).
 * A GCRO-DR solver keeps its recycle space for the next call, also across matrices of the same size.
 * Serialized on the handle; distinct solvers may solve concurrently. */
pdekit_status pdekit_solver_solve(pdekit_solver *solver, const pdekit_matrix *matrix, const double *b,
                                  double *x, int64_t count, int32_t use_initial_guess);

/* The last solve's outcome, iteration count and true relative residual ||b - A x|| / ||b||
 * (recomputed from x). NULL outputs are skipped. Serialized. */
pdekit_status pdekit_solver_report(pdekit_solver *solver, pdekit_outcome *outcome, int64_t *iterations,
                                   double *relative_residual, double *seconds);

/* The last solve's residual-norm history (one entry per iteration, starting with ||r0||). Writes
 * min(capacity, length) entries to history (which may be NULL when capacity is 0) and the full
 * length to *length. Serialized. */
pdekit_status pdekit_solver_residual_history(pdekit_solver *solver, double *history, int64_t capacity, int64_t *length);

/* The last solve's method description (e.g. "GCRO-DR(40,20)+ILU(0)"), valid until the next call on
 * the handle. NULL if the handle is NULL. Serialized. */
const char *pdekit_solver_method_name(pdekit_solver *solver);

/* Dimension of the kept GCRO-DR recycle space (0 before the first solve or for other methods). */
pdekit_status pdekit_solver_recycled_dimension(pdekit_solver *solver, int64_t *dimension);

#ifdef __cplusplus
}
#endif

#endif /* PDEKIT_H */
