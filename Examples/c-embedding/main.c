/*
 * Embedding PDEKit in a C simulation code (see pdekit.h).
 *
 * With a trained FNO checkpoint (from `pdekit train fno` or Examples/train-fno) this program
 *   1. samples a Darcy permeability a(x) (12 where a Neumann Gaussian random field is >= 0, else 3:
 *      the FNO paper's recipe) on the model's training grid,
 *   2. predicts the pressure u = G(a) with the FNO through pdekit_operator_apply_f64,
 *   3. assembles the same Darcy problem -div(a grad u) = 1, u = 0 on the boundary, as a CSR matrix
 *      (vertex-centred finite volumes, harmonic face averages: PDEKit's discretization) and solves it
 *      with the direct solver, then reports the surrogate's relative L2 error,
 *   4. solves a sequence of related systems (the coefficient field drifting) with GCRO-DR, which keeps
 *      its recycle space between calls, next to restarted GMRES, and prints the iteration counts,
 *   5. checks that bad input (missing file, wrong shape, NULL pointer) comes back as error codes.
 *
 * Usage:
 *   pdekit-c-example MODEL [--smoke] [--systems N] [--seed N]
 *   pdekit-c-example MODEL --apply IN.f32 OUT.f32 --batch B --grid N [M]
 *       (raw little-endian float32 fields [B][C][N][M] in and out: how the tests compare this
 *        program's output with the Swift API's)
 * Exit status 0 when every step behaved as expected, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdekit.h"

#define CHECK(call)                                                                                 \
    do {                                                                                            \
        pdekit_status status_ = (call);                                                             \
        if (status_ != PDEKIT_OK) {                                                                 \
            fprintf(stderr, "error: %s failed (%s): %s\n", #call, pdekit_status_name(status_),       \
                    pdekit_last_error());                                                           \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

/* ---- A small deterministic random number generator (SplitMix64 + Box-Muller) ------------------ */

static uint64_t rng_state;

static double uniform01(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double standard_normal(void) {
    return sqrt(-2.0 * log(uniform01())) * cos(6.283185307179586 * uniform01());
}

/* psi(x, y) = sum_{k,l} xi_kl (pi^2 (k^2 + l^2) + tau^2)^(-alpha/2) cos(k pi x) cos(l pi y): a
 * Gaussian random field N(0, (-Lap + tau^2)^-alpha) with zero-Neumann boundaries, truncated to
 * `modes` cosines per axis (alpha = 2, tau = 3 as in the FNO paper). Row-major s x s nodes. */
static void sample_field(int s, int modes, double *psi) {
    const double pi = 3.141592653589793, tau = 3.0;
    double *xi = malloc(sizeof(double) * modes * modes);
    for (int k = 0; k < modes * modes; k++) xi[k] = standard_normal();
    for (int i = 0; i < s; i++) {
        for (int j = 0; j < s; j++) {
            double x = (double)i / (s - 1), y = (double)j / (s - 1), value = 0;
            for (int k = 0; k < modes; k++)
                for (int l = 0; l < modes; l++) {
                    if (k == 0 && l == 0) continue;
                    double lambda = pi * pi * (k * k + l * l) + tau * tau;
                    value += xi[k * modes + l] / lambda * cos(k * pi * x) * cos(l * pi * y);
                }
            psi[i * s + j] = value;
        }
    }
    free(xi);
}

/* ---- Darcy: -div(a grad u) = 1 on (0,1)^2, u = 0 on the boundary ---------------------------------- */

/* CSR pattern and values of the (s-2)^2 interior unknowns: row p has sum_f a_f on the diagonal and
 * -a_f for each interior neighbour q, a_f = 2 a_p a_q / (a_p + a_q). Values are written in the order
 * of the pattern so pdekit_matrix_update_values can take a new coefficient. */
typedef struct {
    int n;             /* unknowns */
    int nonzeros;
    int32_t *row_offsets, *columns;
    double *values;
} darcy_system;

static double face(double ap, double aq) { return 2.0 * ap * aq / (ap + aq); }

static void darcy_assemble(int s, const double *a, darcy_system *system, int pattern_only_once) {
    int m = s - 2, n = m * m;
    if (!pattern_only_once) {
        system->n = n;
        system->row_offsets = malloc(sizeof(int32_t) * (n + 1));
        system->columns = malloc(sizeof(int32_t) * 5 * n);
        system->values = malloc(sizeof(double) * 5 * n);
    }
    int k = 0;
    system->row_offsets[0] = 0;
    for (int i = 1; i <= m; i++) {
        for (int j = 1; j <= m; j++) {
            int p = i * s + j, row = (i - 1) * m + (j - 1);
            const int di[4] = {-1, 1, 0, 0}, dj[4] = {0, 0, -1, 1};
            double diagonal = 0;
            int diagonal_slot = k++;
            system->columns[diagonal_slot] = row;
            for (int f = 0; f < 4; f++) {
                int qi = i + di[f], qj = j + dj[f];
                double af = face(a[p], a[qi * s + qj]);
                diagonal += af;
                if (qi >= 1 && qi <= m && qj >= 1 && qj <= m) {
                    system->columns[k] = (qi - 1) * m + (qj - 1);
                    system->values[k] = -af;
                    k++;
                }
            }
            system->values[diagonal_slot] = diagonal;
            system->row_offsets[row + 1] = k;
        }
    }
    system->nonzeros = k;
}

static void darcy_free(darcy_system *system) {
    free(system->row_offsets);
    free(system->columns);
    free(system->values);
}

/* Interior solution -> all s^2 nodes (zeros on the boundary). */
static void scatter_interior(int s, const double *interior, double *field) {
    int m = s - 2;
    memset(field, 0, sizeof(double) * s * s);
    for (int i = 1; i <= m; i++)
        for (int j = 1; j <= m; j++) field[i * s + j] = interior[(i - 1) * m + (j - 1)];
}

static double relative_l2(const double *approximation, const double *truth, int count) {
    double difference = 0, norm = 0;
    for (int k = 0; k < count; k++) {
        difference += (approximation[k] - truth[k]) * (approximation[k] - truth[k]);
        norm += truth[k] * truth[k];
    }
    return sqrt(difference / norm);
}

/* ---- --apply mode: raw float32 in, raw float32 out ---------------------------------------------- */

static int apply_raw(pdekit_operator *op, const char *input_path, const char *output_path, int64_t batch,
                     const int64_t *grid, int32_t rank) {
    int32_t spatial_rank;
    int64_t in_channels, out_channels, points = 1;
    CHECK(pdekit_operator_describe(op, &spatial_rank, &in_channels, &out_channels));
    for (int d = 0; d < rank; d++) points *= grid[d];
    int64_t in_count = batch * in_channels * points, out_count = batch * out_channels * points;
    float *input = malloc(sizeof(float) * in_count), *output = malloc(sizeof(float) * out_count);
    FILE *file = fopen(input_path, "rb");
    if (!file || fread(input, sizeof(float), in_count, file) != (size_t)in_count) {
        fprintf(stderr, "error: cannot read %lld floats from %s\n", (long long)in_count, input_path);
        return 1;
    }
    fclose(file);
    CHECK(pdekit_operator_apply_f32(op, input, in_count, batch, grid, rank, output, out_count));
    file = fopen(output_path, "wb");
    if (!file || fwrite(output, sizeof(float), out_count, file) != (size_t)out_count) {
        fprintf(stderr, "error: cannot write %s\n", output_path);
        return 1;
    }
    fclose(file);
    printf("applied the operator to %lld field(s): %lld values written to %s\n", (long long)batch,
           (long long)out_count, output_path);
    free(input);
    free(output);
    return 0;
}

/* ---- Error paths: every one must come back as a status code with a message ------------------------ */

static int expect_error(const char *what, pdekit_status status, pdekit_status expected) {
    if (status == expected) {
        printf("  %-34s -> %s: %s\n", what, pdekit_status_name(status), pdekit_last_error());
        return 0;
    }
    fprintf(stderr, "error: %s returned %s, expected %s\n", what, pdekit_status_name(status), pdekit_status_name(expected));
    return 1;
}

static int check_error_paths(pdekit_operator *op, int s) {
    int failures = 0;
    pdekit_operator *missing = NULL;
    float dummy[4] = {0};
    int64_t wrong_grid[2] = {s, s};
    failures += expect_error("load a missing checkpoint", pdekit_operator_load("no/such/model.safetensors", &missing),
                             PDEKIT_ERROR_IO);
    failures += expect_error("apply with a too-short input", pdekit_operator_apply_f32(op, dummy, 4, 1, wrong_grid, 2, dummy, 4),
                             PDEKIT_ERROR_SHAPE_MISMATCH);
    failures += expect_error("apply with grid rank 3", pdekit_operator_apply_f32(op, dummy, 4, 1, wrong_grid, 3, dummy, 4),
                             PDEKIT_ERROR_SHAPE_MISMATCH);
    failures += expect_error("apply with a NULL input", pdekit_operator_apply_f32(op, NULL, 4, 1, wrong_grid, 2, dummy, 4),
                             PDEKIT_ERROR_NULL_POINTER);
    int64_t offsets[3] = {0, 1, 2}, bad_columns[2] = {0, 7};
    double values[2] = {1, 1};
    pdekit_matrix *matrix = NULL;
    failures += expect_error("CSR with a column out of range", pdekit_matrix_create_csr(2, 2, 2, offsets, bad_columns, values, &matrix),
                             PDEKIT_ERROR_INVALID_ARGUMENT);
    int64_t columns[2] = {0, 1};
    double singular[2] = {1, 0};
    CHECK(pdekit_matrix_create_csr(2, 2, 2, offsets, columns, singular, &matrix));
    pdekit_solver *direct = NULL;
    double b[2] = {1, 1}, x[2] = {0, 0};
    CHECK(pdekit_solver_create(PDEKIT_METHOD_DIRECT, &direct));
    failures += expect_error("direct solve of a singular matrix", pdekit_solver_solve(direct, matrix, b, x, 2, 0),
                             PDEKIT_ERROR_SINGULAR);
    failures += expect_error("solve with a NULL solver", pdekit_solver_solve(NULL, matrix, b, x, 2, 0), PDEKIT_ERROR_NULL_POINTER);
    pdekit_solver *unused = NULL;
    failures += expect_error("create with an unknown method", pdekit_solver_create(42, &unused), PDEKIT_ERROR_INVALID_ARGUMENT);
    failures += expect_error("create with a NULL output", pdekit_solver_create(PDEKIT_METHOD_CG, NULL), PDEKIT_ERROR_NULL_POINTER);
    pdekit_solver_free(direct);
    pdekit_matrix_free(matrix);
    return failures;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s MODEL [--smoke] [--systems N] [--seed N]\n"
                        "       %s MODEL --apply IN.f32 OUT.f32 --batch B --grid N [M]\n", argv[0], argv[0]);
        return argc < 2 ? 2 : 0;
    }
    const char *model_path = argv[1];
    int systems = 8, smoke = 0;
    uint64_t seed = 7;
    const char *apply_in = NULL, *apply_out = NULL;
    int64_t batch = 1, grid[3] = {0, 0, 0};
    int32_t grid_rank = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) { smoke = 1; systems = 3; }
        else if (strcmp(argv[i], "--systems") == 0 && i + 1 < argc) systems = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--apply") == 0 && i + 2 < argc) { apply_in = argv[++i]; apply_out = argv[++i]; }
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) batch = atoll(argv[++i]);
        else if (strcmp(argv[i], "--grid") == 0) {
            while (i + 1 < argc && argv[i + 1][0] != '-' && grid_rank < 3) grid[grid_rank++] = atoll(argv[++i]);
        } else {
            fprintf(stderr, "error: unknown or incomplete option '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (systems < 1) { fprintf(stderr, "error: --systems must be at least 1\n"); return 2; }
    rng_state = seed;

    printf("PDEKit %s (C ABI %d)\n", pdekit_version(), pdekit_abi_version());
    pdekit_operator *op = NULL;
    CHECK(pdekit_operator_load(model_path, &op));
    if (apply_in) {
        if (grid_rank == 0) { fprintf(stderr, "error: --apply needs --grid\n"); return 2; }
        int result = apply_raw(op, apply_in, apply_out, batch, grid, grid_rank);
        pdekit_operator_free(op);
        return result;
    }

    int32_t rank;
    int64_t in_channels, out_channels, training_grid[3];
    CHECK(pdekit_operator_describe(op, &rank, &in_channels, &out_channels));
    CHECK(pdekit_operator_training_grid(op, training_grid, 3));
    if (rank != 2 || in_channels != 1 || out_channels != 1) {
        fprintf(stderr, "error: this example needs a 2-D Darcy operator (1 channel in, 1 out), got rank %d, %lld -> %lld\n",
                rank, (long long)in_channels, (long long)out_channels);
        return 1;
    }
    int s = (int)training_grid[0], points = s * s;
    printf("operator: %s, 2-D, trained on %d x %d\n", model_path, s, s);

    /* 1-2. A coefficient field and the FNO's prediction. */
    double *psi = malloc(sizeof(double) * points), *drift = malloc(sizeof(double) * points);
    double *a = malloc(sizeof(double) * points), *u_fno = malloc(sizeof(double) * points);
    double *u_ref = malloc(sizeof(double) * points);
    sample_field(s, 16, psi);
    sample_field(s, 16, drift);
    for (int k = 0; k < points; k++) a[k] = psi[k] >= 0 ? 12.0 : 3.0;
    int64_t field_grid[2] = {s, s};
    CHECK(pdekit_operator_apply_f64(op, a, points, 1, field_grid, 2, u_fno, points));

    /* 3. The same problem solved directly through the CSR interface. */
    darcy_system system;
    darcy_assemble(s, a, &system, 0);
    int n = system.n;
    double h = 1.0 / (s - 1);
    double *b = malloc(sizeof(double) * n), *x = malloc(sizeof(double) * n), *x_gmres = malloc(sizeof(double) * n);
    for (int k = 0; k < n; k++) b[k] = h * h; /* f = 1 times the control volume h^2 */
    pdekit_matrix *matrix = NULL;
    CHECK(pdekit_matrix_create_csr32(n, n, system.nonzeros, system.row_offsets, system.columns, system.values, &matrix));
    pdekit_solver *direct = NULL;
    CHECK(pdekit_solver_create(PDEKIT_METHOD_DIRECT, &direct));
    CHECK(pdekit_solver_solve(direct, matrix, b, x, n, 0));
    double residual;
    CHECK(pdekit_solver_report(direct, NULL, NULL, &residual, NULL));
    scatter_interior(s, x, u_ref);
    double error = relative_l2(u_fno, u_ref, points);
    printf("direct solve (%s): %d unknowns, relative residual %.2e\n", pdekit_solver_method_name(direct), n, residual);
    printf("FNO surrogate vs direct solve: relative L2 error %.4f\n", error);

    /* 4. A drifting sequence: GCRO-DR keeps its recycle space, GMRES starts afresh each time. */
    pdekit_solver *recycling = NULL, *gmres = NULL;
    CHECK(pdekit_solver_create(PDEKIT_METHOD_GCRODR, &recycling));
    CHECK(pdekit_solver_create(PDEKIT_METHOD_GMRES, &gmres));
    CHECK(pdekit_solver_set_tolerance(recycling, 1e-8, 20000));
    CHECK(pdekit_solver_set_tolerance(gmres, 1e-8, 20000));
    CHECK(pdekit_solver_set_restart(recycling, 40, 20));
    CHECK(pdekit_solver_set_restart(gmres, 40, 20));
    long total_recycling = 0, total_gmres = 0;
    int failures = 0;
    printf("sequence of %d related Darcy systems (tolerance 1e-8):\n", systems);
    printf("  system  GCRO-DR(40,20) its  GMRES(40) its  recycle dim  |x_gcrodr - x_gmres|/|x|\n");
    for (int t = 0; t < systems; t++) {
        double shift = 0.15 * t / (systems > 1 ? systems - 1 : 1);
        for (int k = 0; k < points; k++) a[k] = psi[k] + shift * drift[k] >= 0 ? 12.0 : 3.0;
        darcy_assemble(s, a, &system, 1);
        CHECK(pdekit_matrix_update_values(matrix, system.values, system.nonzeros));
        int64_t its_recycling, its_gmres, dimension;
        pdekit_status status = pdekit_solver_solve(recycling, matrix, b, x, n, 0);
        if (status != PDEKIT_OK) { fprintf(stderr, "error: GCRO-DR: %s\n", pdekit_last_error()); failures++; }
        CHECK(pdekit_solver_report(recycling, NULL, &its_recycling, NULL, NULL));
        CHECK(pdekit_solver_recycled_dimension(recycling, &dimension));
        status = pdekit_solver_solve(gmres, matrix, b, x_gmres, n, 0);
        if (status != PDEKIT_OK) { fprintf(stderr, "error: GMRES: %s\n", pdekit_last_error()); failures++; }
        CHECK(pdekit_solver_report(gmres, NULL, &its_gmres, NULL, NULL));
        total_recycling += its_recycling;
        total_gmres += its_gmres;
        printf("  %6d  %18lld  %13lld  %11lld  %.1e\n", t, (long long)its_recycling, (long long)its_gmres,
               (long long)dimension, relative_l2(x, x_gmres, n));
    }
    int64_t history_length;
    CHECK(pdekit_solver_residual_history(recycling, NULL, 0, &history_length));
    printf("total iterations: GCRO-DR %ld, GMRES %ld (%.2fx fewer with recycling); last residual history has %lld entries\n",
           total_recycling, total_gmres, (double)total_gmres / (double)(total_recycling > 0 ? total_recycling : 1),
           (long long)history_length);

    /* 5. Bad input returns error codes with messages. */
    printf("error paths:\n");
    failures += check_error_paths(op, s);

    pdekit_solver_free(recycling);
    pdekit_solver_free(gmres);
    pdekit_solver_free(direct);
    pdekit_matrix_free(matrix);
    pdekit_operator_free(op);
    darcy_free(&system);
    free(psi); free(drift); free(a); free(u_fno); free(u_ref); free(b); free(x); free(x_gmres);
    if (smoke) printf("smoke run: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
