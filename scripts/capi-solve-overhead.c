/* C API solve overhead: CPU time per pdekit_solver_solve on a 200-row tridiagonal matrix, either
 * repeated on the cached set-up (update = 0) or after pdekit_matrix_update_values (update = 1, so
 * every call sets up again). Same-run comparison of two builds of libPDEKitC.so:
 *   cc -O2 -std=gnu11 -ISources/PDEKitC/include scripts/capi-solve-overhead.c -o /tmp/overhead \
 *      -L<dir of libPDEKitC.so> -Wl,-rpath,<same dir> -lPDEKitC -lm
 *   OPENBLAS_NUM_THREADS=1 /tmp/overhead METHOD PRECONDITIONER UPDATE CALLS   (codes of pdekit.h) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "pdekit.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    int method = atoi(argv[1]), preconditioner = atoi(argv[2]), update = atoi(argv[3]), calls = atoi(argv[4]);
    int64_t n = 200, nnz = 3 * n - 2, k = 0;
    int64_t *offsets = malloc((n + 1) * sizeof *offsets), *columns = malloc(nnz * sizeof *columns);
    double *values = malloc(nnz * sizeof *values), *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) {
        offsets[i] = k;
        if (i > 0) { columns[k] = i - 1; values[k++] = -1; }
        columns[k] = i; values[k++] = 2.5;
        if (i < n - 1) { columns[k] = i + 1; values[k++] = -1; }
        b[i] = 1 + 0.01 * i;
    }
    offsets[n] = k;
    pdekit_matrix *a; pdekit_solver *s;
    if (pdekit_matrix_create_csr(n, n, nnz, offsets, columns, values, &a) || pdekit_solver_create(method, &s)) return 1;
    pdekit_solver_set_tolerance(s, 1e-10, 1000);
    if (preconditioner) pdekit_solver_set_preconditioner(s, preconditioner);
    double start = now();
    for (int c = 0; c < calls; c++) {
        if (update) { for (int64_t i = 0; i < n; i++) values[offsets[i] + (i > 0)] = 2.5 + 1e-3 * (c % 7); pdekit_matrix_update_values(a, values, nnz); }
        if (pdekit_solver_solve(s, a, b, x, n, 0)) { fprintf(stderr, "solve failed: %s\n", pdekit_last_error()); return 1; }
    }
    printf("%.2f us/call (CPU)\n", 1e6 * (now() - start) / calls);
    return 0;
}
