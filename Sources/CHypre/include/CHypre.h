/*
 * CHypre: hypre's BoomerAMG and ILU as preconditioners M⁻¹ for PDEKit's Krylov methods.
 *
 * A small C layer over hypre 2.26 (Debian libhypre-dev, built with Open MPI): it builds hypre's
 * ParCSR matrix from a CSR matrix, sets BoomerAMG or ILU up, and applies one cycle z = M⁻¹ r from
 * z = 0. Everything runs on MPI_COMM_SELF, one process, so any number of ranks may each hold their
 * own preconditioner. MPI is initialized on first use only when the program has not done it
 * (singleton, no launcher daemon) and finalized at exit only in that case.
 *
 * hypre keeps global state, so every call here is serialized by one process-wide lock.
 * Status: 0 on success; otherwise nonzero with a one-line message written to `message`.
 */
#ifndef PDEKIT_CHYPRE_H
#define PDEKIT_CHYPRE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pdekit_hypre_preconditioner pdekit_hypre_preconditioner;

/* Which hypre method. */
#define PDEKIT_HYPRE_BOOMERAMG 0
#define PDEKIT_HYPRE_ILU       1

/* BoomerAMG variants. */
#define PDEKIT_HYPRE_AMG_CLASSICAL  0 /* HMIS coarsening, extended+i interpolation (≤ 4 per row) */
#define PDEKIT_HYPRE_AMG_AGGRESSIVE 1 /* the same with aggressive coarsening on the first levels */
#define PDEKIT_HYPRE_AMG_AIR        2 /* approximate ideal restriction, one-point interpolation, F-F-C relaxation */

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

/* Sets the preconditioner up for the n × n CSR matrix (int64 offsets and columns, 0-based). */
int32_t pdekit_hypre_create(int64_t n, const int64_t *row_offsets, const int64_t *columns, const double *values,
                            const pdekit_hypre_options *options, pdekit_hypre_preconditioner **out,
                            char *message, int32_t message_capacity);

/* z = M⁻¹ r (one application from z = 0); r and z hold n values. */
int32_t pdekit_hypre_apply(pdekit_hypre_preconditioner *preconditioner, const double *r, double *z,
                           char *message, int32_t message_capacity);

/* Frees the preconditioner; NULL is a no-op. */
void pdekit_hypre_free(pdekit_hypre_preconditioner *preconditioner);

#ifdef __cplusplus
}
#endif
#endif
