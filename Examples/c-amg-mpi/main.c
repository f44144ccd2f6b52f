/*
 * AMG from C: the host program owns MPI (pdekit.h, "Processes and MPI").
 *
 *   1. Before MPI_Init, choosing PDEKIT_PRECONDITIONER_AMG or _ILUT is refused with
 *      PDEKIT_ERROR_MPI_NOT_INITIALIZED and a message that says to call MPI_Init; the direct method
 *      still works (it never needs MPI).
 *   2. After MPI_Init_thread, CG + BoomerAMG and GMRES + ILUT solve the 5-point Poisson matrix on an
 *      N x N grid; their solutions are compared with the direct solve's (CHOLMOD), to 1e-6 relative.
 *   3. The solvers are freed, then MPI_Finalize: the library never finalizes MPI itself.
 *
 * Usage: pdekit-c-amg-mpi-example [N]   (default 40). Exit status 0 when every step behaved as
 * expected (it prints "c amg mpi example: ok"), 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "pdekit.h"

static int failures = 0;

static void expect(int condition, const char *what) {
    if (!condition) {
        fprintf(stderr, "FAILED: %s (last error: %s)\n", what, pdekit_last_error());
        failures++;
    }
}

/* The 5-point Laplacian on an n x n interior grid, CSR with 64-bit indices. */
static pdekit_matrix *poisson(int64_t n) {
    int64_t rows = n * n, k = 0;
    int64_t *offsets = malloc((size_t)(rows + 1) * sizeof *offsets);
    int64_t *columns = malloc((size_t)(5 * rows) * sizeof *columns);
    double *values = malloc((size_t)(5 * rows) * sizeof *values);
    if (!offsets || !columns || !values) return NULL;
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = 0; i < n; i++) {
            int64_t row = j * n + i;
            offsets[row] = k;
            if (j > 0) { columns[k] = row - n; values[k++] = -1; }
            if (i > 0) { columns[k] = row - 1; values[k++] = -1; }
            columns[k] = row; values[k++] = 4;
            if (i + 1 < n) { columns[k] = row + 1; values[k++] = -1; }
            if (j + 1 < n) { columns[k] = row + n; values[k++] = -1; }
        }
    }
    offsets[rows] = k;
    pdekit_matrix *a = NULL;
    pdekit_status status = pdekit_matrix_create_csr(rows, rows, k, offsets, columns, values, &a);
    free(offsets); free(columns); free(values);
    return status == PDEKIT_OK ? a : NULL;
}

/* Solves with `method` + `preconditioner` into x; returns the status of the last call. */
static pdekit_status solve(pdekit_matrix *a, const double *b, double *x, int64_t rows, pdekit_method method,
                           pdekit_preconditioner preconditioner, int64_t *iterations) {
    pdekit_solver *solver = NULL;
    pdekit_status status = pdekit_solver_create(method, &solver);
    if (status == PDEKIT_OK) status = pdekit_solver_set_tolerance(solver, 1e-10, 500);
    if (status == PDEKIT_OK && preconditioner != PDEKIT_PRECONDITIONER_NONE) status = pdekit_solver_set_preconditioner(solver, preconditioner);
    if (status == PDEKIT_OK) status = pdekit_solver_solve(solver, a, b, x, rows, 0);
    if (status == PDEKIT_OK) {
        pdekit_outcome outcome = 0;
        double residual = 0;
        pdekit_solver_report(solver, &outcome, iterations, &residual, NULL);
    }
    pdekit_solver_free(solver);
    return status;
}

static double relative_difference(const double *x, const double *y, int64_t count) {
    double difference = 0, norm = 0;
    for (int64_t i = 0; i < count; i++) { difference += (x[i] - y[i]) * (x[i] - y[i]); norm += y[i] * y[i]; }
    return sqrt(difference / norm);   /* NaN in x gives NaN, which fails every < test */
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 40;
    if (n < 4 || n > 2000) { fprintf(stderr, "error: N must be in 4 ... 2000\n"); return 1; }
    int64_t rows = n * n;
    pdekit_matrix *a = poisson(n);
    double *b = malloc((size_t)rows * sizeof *b), *direct = calloc((size_t)rows, sizeof *direct);
    double *x = calloc((size_t)rows, sizeof *x);
    if (!a || !b || !direct || !x) { fprintf(stderr, "error: set-up failed: %s\n", pdekit_last_error()); return 1; }
    for (int64_t i = 0; i < rows; i++) b[i] = sin(0.37 * (double)i) + 0.5;
    int64_t iterations = 0;

    /* 1. No MPI yet: AMG and ILUT are refused with their own status; the direct method works. */
    int initialized = 1;
    MPI_Initialized(&initialized);
    expect(!initialized, "MPI is not initialized at start");
    pdekit_solver *solver = NULL;
    expect(pdekit_solver_create(PDEKIT_METHOD_CG, &solver) == PDEKIT_OK, "create a CG solver");
    pdekit_status refused = pdekit_solver_set_preconditioner(solver, PDEKIT_PRECONDITIONER_AMG);
    expect(refused == PDEKIT_ERROR_MPI_NOT_INITIALIZED, "AMG before MPI_Init returns PDEKIT_ERROR_MPI_NOT_INITIALIZED");
    expect(strstr(pdekit_last_error(), "MPI_Init") != NULL, "the message says to call MPI_Init");
    printf("before MPI_Init: AMG -> %s: %s\n", pdekit_status_name(refused), pdekit_last_error());
    expect(pdekit_solver_set_preconditioner(solver, PDEKIT_PRECONDITIONER_ILUT) == PDEKIT_ERROR_MPI_NOT_INITIALIZED,
           "ILUT before MPI_Init returns PDEKIT_ERROR_MPI_NOT_INITIALIZED");
    pdekit_solver_free(solver);
    MPI_Initialized(&initialized);
    expect(!initialized, "the library did not initialize MPI");
    expect(solve(a, b, direct, rows, PDEKIT_METHOD_DIRECT, PDEKIT_PRECONDITIONER_NONE, &iterations) == PDEKIT_OK,
           "direct solve without MPI");

    /* 2. The host starts MPI; AMG and ILUT now work and agree with the direct solution. */
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) { fprintf(stderr, "error: MPI_Init_thread failed\n"); return 1; }
    expect(solve(a, b, x, rows, PDEKIT_METHOD_CG, PDEKIT_PRECONDITIONER_AMG, &iterations) == PDEKIT_OK, "CG + AMG after MPI_Init");
    double difference = relative_difference(x, direct, rows);
    printf("CG + AMG: %lld iterations, relative difference from the direct solve %.2e\n", (long long)iterations, difference);
    expect(difference < 1e-6, "CG + AMG agrees with the direct solve");
    expect(iterations >= 1 && iterations <= 30, "CG + AMG needs few iterations");
    for (int64_t i = 0; i < rows; i++) x[i] = 0;
    expect(solve(a, b, x, rows, PDEKIT_METHOD_GMRES, PDEKIT_PRECONDITIONER_ILUT, &iterations) == PDEKIT_OK, "GMRES + ILUT after MPI_Init");
    difference = relative_difference(x, direct, rows);
    printf("GMRES + ILUT: %lld iterations, relative difference from the direct solve %.2e\n", (long long)iterations, difference);
    expect(difference < 1e-6, "GMRES + ILUT agrees with the direct solve");

    /* 3. Everything freed, then the host finalizes MPI. */
    pdekit_matrix_free(a);
    free(b); free(direct); free(x);
    MPI_Finalize();
    if (failures == 0) printf("c amg mpi example: ok\n");
    return failures == 0 ? 0 : 1;
}
