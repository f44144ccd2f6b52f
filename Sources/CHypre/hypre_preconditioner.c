/* CHypre: see include/CHypre.h. */
#include "CHypre.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi/mpi.h>
#include <hypre/HYPRE.h>
#include <hypre/HYPRE_parcsr_ls.h>
#include <hypre/_hypre_parcsr_mv.h>

struct pdekit_hypre_preconditioner {
    int32_t method;
    HYPRE_Int first;   /* this process's first row (0 on one process) */
    HYPRE_Int n;       /* this process's row count */
    HYPRE_IJMatrix matrix;          /* several processes: assembled through hypre's IJ interface */
    hypre_ParCSRMatrix *serialMatrix;  /* one process: built directly (serialParCSR) */
    HYPRE_IJVector right, left;
    HYPRE_ParCSRMatrix parMatrix;
    HYPRE_ParVector parRight, parLeft;
    HYPRE_IJVector *nullspaceVectors;
    HYPRE_ParVector *parNullspace;
    int32_t nullspaceCount;
    HYPRE_Int *indices;
    HYPRE_Int **gridRelaxPoints;
    HYPRE_Solver solver;
};

static pthread_mutex_t hypreLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t hypreInitializeOnce = PTHREAD_ONCE_INIT;

static void initializeHypre(void) { HYPRE_Init(); }

/* MPI belongs to the host program (the pdekit CLI through MPIRuntime, or a C/Fortran host): this
   layer never calls MPI_Init or MPI_Finalize; it only checks that MPI is usable. */
static int mpiUsable(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

#define MPI_NOT_INITIALIZED_MESSAGE \
    "MPI is not initialized: hypre (AMG, ILUT) runs on MPI, so the host program must call MPI_Init (or MPI_Init_thread with MPI_THREAD_SERIALIZED) before creating an AMG or ILUT solver"

int32_t pdekit_hypre_mpi_initialized(void) { return mpiUsable(); }

/* hypre calls MPI. Every call here holds hypreLock, so any thread may make it when MPI provides
   MPI_THREAD_SERIALIZED or more (what MPIRuntime requests); under MPI_THREAD_FUNNELED or SINGLE only
   the thread that initialized MPI may. 1 when this thread may call hypre, else 0 with a message. */
static int threadMayCallHypre(char *message, int32_t capacity) {
    int level = MPI_THREAD_SINGLE, isMain = 0;
    MPI_Query_thread(&level);
    if (level >= MPI_THREAD_SERIALIZED) return 1;
    MPI_Is_thread_main(&isMain);
    if (isMain) return 1;
    if (message && capacity > 0)
        snprintf(message, (size_t)capacity, "hypre called from a worker thread, but MPI was initialized with thread level %s: initialize MPI with MPI_THREAD_SERIALIZED (or call hypre from the main thread)",
                 level == MPI_THREAD_FUNNELED ? "MPI_THREAD_FUNNELED" : "MPI_THREAD_SINGLE");
    return 0;
}

int32_t pdekit_hypre_world(int32_t *rank, int32_t *size) {
    if (!mpiUsable()) return PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED;
    int r = 0, s = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    if (rank) *rank = r;
    if (size) *size = s;
    return 0;
}

static int32_t fail(char *message, int32_t capacity, const char *text) {
    if (message && capacity > 0) snprintf(message, (size_t)capacity, "%s", text);
    return 1;
}

/* A hypre error code as a message (and the error flag cleared). */
static int32_t hypreFailure(char *message, int32_t capacity, const char *what) {
    char description[256] = {0};
    HYPRE_DescribeError(HYPRE_GetError(), description);
    HYPRE_ClearAllErrors();
    char text[512];
    snprintf(text, sizeof text, "hypre %s failed: %s", what, description);
    return fail(message, capacity, text);
}

static void destroy(pdekit_hypre_preconditioner *p) {
    if (!p) return;
    if (p->solver) {
        if (p->method == PDEKIT_HYPRE_ILU) HYPRE_ILUDestroy(p->solver); else HYPRE_BoomerAMGDestroy(p->solver);
    }
    if (p->matrix) HYPRE_IJMatrixDestroy(p->matrix);
    if (p->serialMatrix) hypre_ParCSRMatrixDestroy(p->serialMatrix);
    if (p->right) HYPRE_IJVectorDestroy(p->right);
    if (p->left) HYPRE_IJVectorDestroy(p->left);
    for (int32_t k = 0; k < p->nullspaceCount; k++) if (p->nullspaceVectors[k]) HYPRE_IJVectorDestroy(p->nullspaceVectors[k]);
    free(p->nullspaceVectors);
    free(p->parNullspace);
    free(p->indices);
    if (p->gridRelaxPoints) {
        /* hypre owns and frees the relax-point arrays it was given only when the solver is destroyed. */
    }
    free(p);
}

static HYPRE_IJVector makeVector(MPI_Comm comm, HYPRE_Int first, HYPRE_Int n) {
    HYPRE_IJVector v = NULL;
    HYPRE_IJVectorCreate(comm, first, first + n - 1, &v);
    HYPRE_IJVectorSetObjectType(v, HYPRE_PARCSR);
    HYPRE_IJVectorInitialize(v);
    return v;
}

static int32_t configureBoomerAMG(pdekit_hypre_preconditioner *p, const pdekit_hypre_options *o) {
    HYPRE_Solver s = p->solver;
    HYPRE_BoomerAMGSetPrintLevel(s, 0);
    HYPRE_BoomerAMGSetMaxIter(s, o->cycles);
    HYPRE_BoomerAMGSetTol(s, 0.0);
    HYPRE_BoomerAMGSetStrongThreshold(s, o->strong_threshold);
    HYPRE_BoomerAMGSetMaxCoarseSize(s, 20);
    if (o->amg_variant == PDEKIT_HYPRE_AMG_AIR) {
        /* AIR (Manteuffel, Southworth et al., SISC 2019): R from approximate ideal restriction over
           distance-2 neighbourhoods (as PyAMG's default `restrict=('air', degree 2)`), strength of R
           θ_R = 0.05 (PyAMG's default), no filtering of R, one-point P, Falgout coarsening, no
           pre-smoothing, F-F-C post-smoothing with Gauss–Seidel on the F and C points, coarsest grid
           solved directly. On the 400² upwind convection–diffusion matrix (BENCHMARKS-amg.md):
           GMRES iterations 12 (distance 1, θ_R 0.01, filter 1e-4, Jacobi) → 6, PyAMG's AIR 6. */
        HYPRE_BoomerAMGSetRestriction(s, 2);
        HYPRE_BoomerAMGSetInterpType(s, 100);
        HYPRE_BoomerAMGSetCoarsenType(s, 6);
        HYPRE_BoomerAMGSetStrongThresholdR(s, 0.05);
        HYPRE_BoomerAMGSetFilterThresholdR(s, 0.0);
        HYPRE_BoomerAMGSetRelaxType(s, 3);
        HYPRE_BoomerAMGSetCycleRelaxType(s, 9, 3);
        HYPRE_BoomerAMGSetCycleNumSweeps(s, 0, 1);
        HYPRE_BoomerAMGSetCycleNumSweeps(s, 3, 2);
        HYPRE_BoomerAMGSetCycleNumSweeps(s, 1, 3);
        HYPRE_Int **points = (HYPRE_Int **)calloc(4, sizeof(HYPRE_Int *));
        if (!points) return 1;
        points[1] = (HYPRE_Int *)calloc(1, sizeof(HYPRE_Int));
        points[2] = (HYPRE_Int *)calloc(3, sizeof(HYPRE_Int));
        points[3] = (HYPRE_Int *)calloc(1, sizeof(HYPRE_Int));
        if (!points[1] || !points[2] || !points[3]) return 1;
        points[2][0] = -1; points[2][1] = -1; points[2][2] = 1;   /* F, F, C */
        points[3][0] = 0;
        HYPRE_BoomerAMGSetGridRelaxPoints(s, points);   /* hypre frees them with the solver */
        p->gridRelaxPoints = points;
        HYPRE_BoomerAMGSetAggNumLevels(s, 0);
    } else {
        /* Scalar classical AMG (one unknown per node, no near-nullspace vectors, not aggressive):
           FF1 interpolation (De Sterck, Falgout, Nolting, Yang, NLAA 15, 2008: distance-two terms only
           through a strong F neighbour that shares no C point with i, and then one), smaller stencils
           and a cheaper set-up than extended+i. Measured with a C driver (hypre 2.26 PCG, b = ones,
           1e-8; BENCHMARKS-amg.md, run 4): set-up + solve 0.25 → 0.20 s on poisson2d-500 (7 → 6
           iterations), unchanged on the anisotropic matrix (6) and poisson3d-60 (θ 0.5, 7), 14 → 16
           iterations at the same time on the unstructured mesh. Systems and aggressive coarsening keep
           extended+i (multipass on the first level), which the interpolation of near-nullspace vectors
           and the nodal coarsening were measured with. */
        int scalarClassical = o->amg_variant == PDEKIT_HYPRE_AMG_CLASSICAL && o->functions <= 1 && o->nullspace_count == 0;
        HYPRE_BoomerAMGSetCoarsenType(s, 10);            /* HMIS */
        HYPRE_BoomerAMGSetInterpType(s, scalarClassical ? 13 : 6);   /* FF1 : extended+i */
        HYPRE_BoomerAMGSetPMaxElmts(s, 4);
        HYPRE_BoomerAMGSetRelaxOrder(s, 0);
        switch (o->smoother) {
        case PDEKIT_HYPRE_SMOOTHER_L1_JACOBI: HYPRE_BoomerAMGSetRelaxType(s, 18); break;
        case PDEKIT_HYPRE_SMOOTHER_CHEBYSHEV:
            /* Relax type 16 (AlgebraicMultigridOptions.Smoother.chebyshev has the maths):
               u += D^{-1/2} s(Â) D^{-1/2} (f − A u), Â = D^{-1/2} A D^{-1/2}, with 1 − t s(t) the degree-2
               Chebyshev polynomial of [0.3 λ, λ] scaled to 1 at t = 0 and λ = 1.1 × the Gershgorin bound
               maxᵢ (1 + Σⱼ≠ᵢ |aᵢⱼ| / |aᵢᵢ|) of each level (eigenvalue-estimate iterations 0: no CG
               iterations in the set-up, 0.216 → 0.196 s CPU on the anisotropic matrix, BENCHMARKS-amg.md
               run 5). The sweep is a symmetric operator, so M stays SPD for CG. */
            HYPRE_BoomerAMGSetRelaxType(s, 16);
            HYPRE_BoomerAMGSetChebyOrder(s, 2);
            HYPRE_BoomerAMGSetChebyFraction(s, 0.3);
            HYPRE_BoomerAMGSetChebyEigEst(s, 0);
            HYPRE_BoomerAMGSetChebyScale(s, 1);
            HYPRE_BoomerAMGSetChebyVariant(s, 0);
            break;
        default: HYPRE_BoomerAMGSetRelaxType(s, 6); break;   /* hybrid symmetric Gauss–Seidel */
        }
        HYPRE_BoomerAMGSetCycleRelaxType(s, 9, 3);
        if (o->amg_variant == PDEKIT_HYPRE_AMG_AGGRESSIVE) {
            HYPRE_BoomerAMGSetAggNumLevels(s, 1);
            HYPRE_BoomerAMGSetAggInterpType(s, 4);       /* multipass */
        }
        if (o->functions > 1) {
            HYPRE_BoomerAMGSetNumFunctions(s, o->functions);
            HYPRE_BoomerAMGSetNodal(s, 4);               /* nodal coarsening on the row-sum norm of blocks */
            HYPRE_BoomerAMGSetNodalDiag(s, 1);
        }
        if (o->nullspace_count > 0) {
            /* Interpolation that fits the near-nullspace vectors (rigid-body modes) on every level
               (variant 2: GM approach; Baker, Kolev, Yang 2010). */
            HYPRE_BoomerAMGSetInterpVecVariant(s, 2);
            HYPRE_BoomerAMGSetInterpVecQMax(s, 4);
            HYPRE_BoomerAMGSetInterpVectors(s, o->nullspace_count, p->parNullspace);
        }
    }
    return 0;
}

/* One process: hypre's ParCSR matrix built directly from the CSR rows, in hypre's layout (the diagonal
   entry first in each row, the others in the CSR's order, no off-process block), instead of inserting
   every entry through the IJ interface and assembling: the IJ path took 0.036 s of poisson2d-500's
   0.20 s set-up + solve (1.25 M entries; BENCHMARKS-amg.md, run 4). NULL when out of memory. */
static hypre_ParCSRMatrix *serialParCSR(MPI_Comm comm, int64_t n, const int64_t *row_offsets, const int64_t *columns,
                                        const double *values) {
    HYPRE_BigInt starts[2] = {0, (HYPRE_BigInt)n};
    hypre_ParCSRMatrix *m = hypre_ParCSRMatrixCreate(comm, (HYPRE_BigInt)n, (HYPRE_BigInt)n, starts, starts, 0,
                                                     (HYPRE_Int)row_offsets[n], 0);
    if (!m) return NULL;
    hypre_ParCSRMatrixInitialize_v2(m, HYPRE_MEMORY_HOST);
    hypre_CSRMatrix *diagonalBlock = hypre_ParCSRMatrixDiag(m);
    HYPRE_Int *rowStarts = hypre_CSRMatrixI(diagonalBlock), *columnIndices = hypre_CSRMatrixJ(diagonalBlock);
    HYPRE_Real *entries = hypre_CSRMatrixData(diagonalBlock);
    if (!rowStarts || (row_offsets[n] > 0 && (!columnIndices || !entries))) { hypre_ParCSRMatrixDestroy(m); return NULL; }
    rowStarts[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t begin = row_offsets[i], end = row_offsets[i + 1], next = begin, diagonal = -1;
        for (int64_t k = begin; k < end; k++) if (columns[k] == i) { diagonal = k; break; }
        if (diagonal >= 0) { columnIndices[next] = (HYPRE_Int)i; entries[next] = values[diagonal]; next++; }
        for (int64_t k = begin; k < end; k++) {
            if (k == diagonal) continue;
            columnIndices[next] = (HYPRE_Int)columns[k];
            entries[next] = values[k];
            next++;
        }
        rowStarts[i + 1] = (HYPRE_Int)end;
    }
    hypre_ParCSRMatrixSetNumNonzeros(m);
    hypre_MatvecCommPkgCreate(m);
    return m;
}

/* Builds the preconditioner on `comm` from this process's rows first … first + n − 1 (CSR with
   offsets from 0 and global column indices); the caller holds hypreLock and has checked MPI. */
static int32_t createOn(MPI_Comm comm, int64_t first, int64_t n, const int64_t *row_offsets, const int64_t *columns,
                        const double *values, const pdekit_hypre_options *o, pdekit_hypre_preconditioner **out,
                        char *message, int32_t capacity) {
    pdekit_hypre_preconditioner *p = (pdekit_hypre_preconditioner *)calloc(1, sizeof *p);
    int32_t status = 0;
    if (!p) return fail(message, capacity, "out of memory");
    p->method = o->method;
    p->first = (HYPRE_Int)first;
    p->n = (HYPRE_Int)n;
    HYPRE_Int last = p->first + p->n - 1;
    HYPRE_Int *rowLengths = NULL, *columns32 = NULL, *diagLengths = NULL, *offdLengths = NULL;
    int processes = 1;
    MPI_Comm_size(comm, &processes);
    p->indices = (HYPRE_Int *)malloc((size_t)n * sizeof(HYPRE_Int));
    if (!p->indices) { status = fail(message, capacity, "out of memory"); goto done; }
    for (int64_t i = 0; i < n; i++) p->indices[i] = p->first + (HYPRE_Int)i;
    if (processes == 1) {
        p->serialMatrix = serialParCSR(comm, n, row_offsets, columns, values);
        if (!p->serialMatrix) { status = fail(message, capacity, "out of memory"); goto done; }
        p->parMatrix = (HYPRE_ParCSRMatrix)p->serialMatrix;
    } else {
        rowLengths = (HYPRE_Int *)malloc((size_t)n * sizeof(HYPRE_Int));
        columns32 = (HYPRE_Int *)malloc((size_t)(row_offsets[n] > 0 ? row_offsets[n] : 1) * sizeof(HYPRE_Int));
        diagLengths = (HYPRE_Int *)calloc((size_t)n, sizeof(HYPRE_Int));
        offdLengths = (HYPRE_Int *)calloc((size_t)n, sizeof(HYPRE_Int));
        if (!rowLengths || !columns32 || !diagLengths || !offdLengths) { status = fail(message, capacity, "out of memory"); goto done; }
        for (int64_t i = 0; i < n; i++) {
            rowLengths[i] = (HYPRE_Int)(row_offsets[i + 1] - row_offsets[i]);
            for (int64_t k = row_offsets[i]; k < row_offsets[i + 1]; k++) {
                columns32[k] = (HYPRE_Int)columns[k];
                if (columns32[k] >= p->first && columns32[k] <= last) diagLengths[i]++; else offdLengths[i]++;
            }
        }
        HYPRE_IJMatrixCreate(comm, p->first, last, p->first, last, &p->matrix);
        HYPRE_IJMatrixSetObjectType(p->matrix, HYPRE_PARCSR);
        HYPRE_IJMatrixSetDiagOffdSizes(p->matrix, diagLengths, offdLengths);
        HYPRE_IJMatrixInitialize(p->matrix);
        if (HYPRE_IJMatrixSetValues(p->matrix, p->n, rowLengths, p->indices, columns32, values) != 0) { status = hypreFailure(message, capacity, "matrix assembly"); goto done; }
        if (HYPRE_IJMatrixAssemble(p->matrix) != 0) { status = hypreFailure(message, capacity, "matrix assembly"); goto done; }
        HYPRE_IJMatrixGetObject(p->matrix, (void **)&p->parMatrix);
    }
    p->right = makeVector(comm, p->first, p->n);
    p->left = makeVector(comm, p->first, p->n);
    HYPRE_IJVectorAssemble(p->right);
    HYPRE_IJVectorAssemble(p->left);
    HYPRE_IJVectorGetObject(p->right, (void **)&p->parRight);
    HYPRE_IJVectorGetObject(p->left, (void **)&p->parLeft);
    if (o->method == PDEKIT_HYPRE_NONE) goto done;
    if (o->method == PDEKIT_HYPRE_ILU) {
        HYPRE_ILUCreate(&p->solver);
        HYPRE_ILUSetType(p->solver, 1);                   /* ILUT (block Jacobi over processes) */
        HYPRE_ILUSetDropThreshold(p->solver, o->drop_tolerance);
        HYPRE_ILUSetMaxNnzPerRow(p->solver, o->max_row_fill);
        HYPRE_ILUSetMaxIter(p->solver, 1);
        HYPRE_ILUSetTol(p->solver, 0.0);
        HYPRE_ILUSetPrintLevel(p->solver, 0);
        if (HYPRE_ILUSetup(p->solver, p->parMatrix, p->parRight, p->parLeft) != 0) { status = hypreFailure(message, capacity, "ILU set-up"); goto done; }
    } else {
        if (o->nullspace_count > 0) {
            p->nullspaceCount = o->nullspace_count;
            p->nullspaceVectors = (HYPRE_IJVector *)calloc((size_t)o->nullspace_count, sizeof(HYPRE_IJVector));
            p->parNullspace = (HYPRE_ParVector *)calloc((size_t)o->nullspace_count, sizeof(HYPRE_ParVector));
            if (!p->nullspaceVectors || !p->parNullspace) { status = fail(message, capacity, "out of memory"); goto done; }
            for (int32_t k = 0; k < o->nullspace_count; k++) {
                p->nullspaceVectors[k] = makeVector(comm, p->first, p->n);
                HYPRE_IJVectorSetValues(p->nullspaceVectors[k], p->n, p->indices, o->nullspace + (size_t)k * (size_t)n);
                HYPRE_IJVectorAssemble(p->nullspaceVectors[k]);
                HYPRE_IJVectorGetObject(p->nullspaceVectors[k], (void **)&p->parNullspace[k]);
            }
        }
        HYPRE_BoomerAMGCreate(&p->solver);
        if (configureBoomerAMG(p, o) != 0) { status = fail(message, capacity, "out of memory"); goto done; }
        if (HYPRE_BoomerAMGSetup(p->solver, p->parMatrix, p->parRight, p->parLeft) != 0) { status = hypreFailure(message, capacity, "BoomerAMG set-up"); goto done; }
    }
done:
    free(rowLengths);
    free(columns32);
    free(diagLengths);
    free(offdLengths);
    if (status != 0) destroy(p); else *out = p;
    HYPRE_ClearAllErrors();
    return status;
}

/* Checks shared by the one-process and the distributed entry points. */
static int32_t checkOptions(int64_t globalRows, int64_t localRows, const int64_t *row_offsets, const pdekit_hypre_options *o,
                            char *message, int32_t capacity) {
    if (globalRows < 1 || globalRows > 2147483647 || localRows < 0 || row_offsets[localRows] > 2147483647)
        return fail(message, capacity, "hypre here uses 32-bit indices: at most 2^31 - 1 rows and entries");
    if (o->method == PDEKIT_HYPRE_NONE) return 0;
    if (o->cycles < 1) return fail(message, capacity, "cycles must be at least 1");
    if (o->functions < 1 || localRows % o->functions != 0) return fail(message, capacity, "the unknowns per node must divide the row count");
    if (o->nullspace_count < 0 || (o->nullspace_count > 0 && !o->nullspace)) return fail(message, capacity, "invalid near-nullspace vectors");
    return 0;
}

int32_t pdekit_hypre_create(int64_t n, const int64_t *row_offsets, const int64_t *columns, const double *values,
                            const pdekit_hypre_options *o, pdekit_hypre_preconditioner **out,
                            char *message, int32_t capacity) {
    if (!out || !row_offsets || !columns || !values || !o) return fail(message, capacity, "null argument");
    *out = NULL;
    if (!mpiUsable()) { fail(message, capacity, MPI_NOT_INITIALIZED_MESSAGE); return PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED; }
    if (o->method == PDEKIT_HYPRE_NONE) return fail(message, capacity, "no hypre method chosen");
    if (n < 1) return fail(message, capacity, "the matrix has no rows");
    if (checkOptions(n, n, row_offsets, o, message, capacity) != 0) return 1;
    if (!threadMayCallHypre(message, capacity)) return 1;
    pthread_once(&hypreInitializeOnce, initializeHypre);
    pthread_mutex_lock(&hypreLock);
    int32_t status = createOn(MPI_COMM_SELF, 0, n, row_offsets, columns, values, o, out, message, capacity);
    pthread_mutex_unlock(&hypreLock);
    return status;
}

/* The preconditioner is set up before the Krylov method's set-up, which then has nothing to do. */
static HYPRE_Int alreadySetUp(HYPRE_Solver solver, HYPRE_ParCSRMatrix a, HYPRE_ParVector b, HYPRE_ParVector x) {
    (void)solver; (void)a; (void)b; (void)x;
    return 0;
}

/* This rank's rows: offsets non-decreasing from 0, columns in range, values, b and near-nullspace
   vectors finite. 0, or 1 with the first problem in the message. */
static int32_t checkLocalRows(int64_t global_rows, int64_t local_rows, const int64_t *row_offsets, const int64_t *columns,
                              const double *values, const double *b_local, const pdekit_hypre_options *o,
                              char *message, int32_t capacity) {
    char text[256];
    if (row_offsets[0] != 0) return fail(message, capacity, "row offsets must start at 0");
    for (int64_t i = 0; i < local_rows; i++) {
        if (row_offsets[i + 1] < row_offsets[i]) return fail(message, capacity, "row offsets must not decrease");
        if (b_local[i] != b_local[i] || b_local[i] - b_local[i] != 0) {
            snprintf(text, sizeof text, "the right-hand side has a non-finite entry in local row %lld", (long long)i);
            return fail(message, capacity, text);
        }
        for (int64_t k = row_offsets[i]; k < row_offsets[i + 1]; k++) {
            if (columns[k] < 0 || columns[k] >= global_rows) {
                snprintf(text, sizeof text, "column index %lld out of range in local row %lld", (long long)columns[k], (long long)i);
                return fail(message, capacity, text);
            }
            if (values[k] - values[k] != 0) {   /* NaN or ±inf */
                snprintf(text, sizeof text, "the matrix has a non-finite entry in local row %lld", (long long)i);
                return fail(message, capacity, text);
            }
        }
    }
    if (o->method == PDEKIT_HYPRE_BOOMERAMG && o->nullspace_count > 0) {
        for (int64_t k = 0; k < local_rows * (int64_t)o->nullspace_count; k++)
            if (o->nullspace[k] - o->nullspace[k] != 0) return fail(message, capacity, "a near-nullspace vector has a non-finite entry");
    }
    return 0;
}

/* Collective over MPI_COMM_WORLD: 0 when `status` is 0 on every rank; otherwise every rank returns 1
   with the same message, "rank r of R: …" with the lowest failing rank r's own message. */
static int32_t agree(int32_t status, char *message, int32_t capacity) {
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int candidate = status != 0 ? rank : size, failing = size;
    MPI_Allreduce(&candidate, &failing, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (failing == size) return 0;
    char text[512] = {0};
    if (rank == failing && message && capacity > 0) snprintf(text, sizeof text, "%s", message);
    MPI_Bcast(text, (int)sizeof text, MPI_CHAR, failing, MPI_COMM_WORLD);
    char combined[600];
    snprintf(combined, sizeof combined, "rank %d of %d: %s", failing, size, text);
    return fail(message, capacity, combined);
}

int32_t pdekit_hypre_agree(int32_t status, char *message, int32_t capacity) {
    if (!mpiUsable()) { fail(message, capacity, MPI_NOT_INITIALIZED_MESSAGE); return PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED; }
    return agree(status, message, capacity);
}

/* Collective: the ranks agree on their local checks (`status`), then check that their row ranges
   tile one matrix (the same global_rows, contiguous in rank order); every rank reaches the same
   verdict. 0, or 1 with the message. */
static int32_t agreeOnRows(int32_t status, int64_t global_rows, int64_t first_row, int64_t local_rows,
                           char *message, int32_t capacity) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long long *all = (long long *)malloc((size_t)size * 3 * sizeof(long long));
    if (status == 0 && !all) status = fail(message, capacity, "out of memory before the hypre set-up");
    if (agree(status, message, capacity) != 0) { free(all); return 1; }
    long long mine[3] = {(long long)global_rows, (long long)first_row, (long long)local_rows};
    MPI_Allgather(mine, 3, MPI_LONG_LONG, all, 3, MPI_LONG_LONG, MPI_COMM_WORLD);
    char layout[256] = {0};
    long long expected = 0;
    for (int r = 0; r < size && !layout[0]; r++) {
        if (all[3 * r] != all[0])
            snprintf(layout, sizeof layout, "the ranks hold different matrices (%lld rows on rank 0, %lld on rank %d)", all[0], all[3 * r], r);
        else if (all[3 * r + 1] != expected)
            snprintf(layout, sizeof layout, "the ranks' rows are not contiguous (rank %d starts at row %lld, expected %lld)", r, all[3 * r + 1], expected);
        expected = all[3 * r + 1] + all[3 * r + 2];
    }
    if (!layout[0] && expected != all[0]) snprintf(layout, sizeof layout, "the ranks' rows cover %lld of %lld rows", expected, all[0]);
    free(all);
    return layout[0] ? fail(message, capacity, layout) : 0;
}

int32_t pdekit_hypre_distributed_solve(int64_t global_rows, int64_t first_row, int64_t local_rows,
                                       const int64_t *row_offsets, const int64_t *columns, const double *values,
                                       const double *b_local, const pdekit_hypre_options *o,
                                       const pdekit_hypre_krylov_options *krylov, double *x_global,
                                       int32_t *iterations, double *setup_seconds, char *message, int32_t capacity) {
    if (!row_offsets || !columns || !values || !b_local || !o || !krylov || !x_global || !iterations || !setup_seconds)
        return fail(message, capacity, "null argument");
    if (!mpiUsable()) { fail(message, capacity, MPI_NOT_INITIALIZED_MESSAGE); return PDEKIT_HYPRE_STATUS_MPI_NOT_INITIALIZED; }
    /* Every check that can fail on one rank alone runs before the first collective hypre call and
       the ranks agree on the outcome: a rank that returned early would leave the others waiting in
       hypre's collectives for ever. */
    int32_t checked = 0;
    if (!threadMayCallHypre(message, capacity)) checked = 1;
    else if (checkOptions(global_rows, local_rows, row_offsets, o, message, capacity) != 0) checked = 1;
    else if (local_rows < 1 || first_row < 0 || first_row + local_rows > global_rows)
        checked = fail(message, capacity, "every rank needs at least one row of the matrix");
    else if (krylov->max_iterations < 1 || krylov->restart < 2 || !(krylov->relative_tolerance > 0))
        checked = fail(message, capacity, "invalid Krylov settings");
    else if (krylov->method < PDEKIT_HYPRE_KRYLOV_CG || krylov->method > PDEKIT_HYPRE_KRYLOV_BICGSTAB)
        checked = fail(message, capacity, "unknown Krylov method");
    else checked = checkLocalRows(global_rows, local_rows, row_offsets, columns, values, b_local, o, message, capacity);
    if (agreeOnRows(checked, global_rows, first_row, local_rows, message, capacity) != 0) return 1;
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    pthread_once(&hypreInitializeOnce, initializeHypre);
    pthread_mutex_lock(&hypreLock);
    pdekit_hypre_preconditioner *p = NULL;
    double setupStart = MPI_Wtime();
    int32_t status = createOn(MPI_COMM_WORLD, first_row, local_rows, row_offsets, columns, values, o, &p, message, capacity);
    *setup_seconds = MPI_Wtime() - setupStart;
    HYPRE_Solver solver = NULL;
    int *counts = NULL, *displacements = NULL;
    double *local = NULL;
    /* A set-up that failed on one rank fails on all (the others would wait in the Krylov solve). */
    if (agree(status, message, capacity) != 0) { status = 1; goto done; }
    HYPRE_IJVectorSetValues(p->right, p->n, p->indices, b_local);
    HYPRE_ParVectorSetConstantValues(p->parLeft, 0.0);
    HYPRE_PtrToParSolverFcn apply = NULL;
    if (o->method == PDEKIT_HYPRE_BOOMERAMG) apply = (HYPRE_PtrToParSolverFcn)HYPRE_BoomerAMGSolve;
    if (o->method == PDEKIT_HYPRE_ILU) apply = (HYPRE_PtrToParSolverFcn)HYPRE_ILUSolve;
    HYPRE_Int code = 0, count = 0;
    switch (krylov->method) {
    case PDEKIT_HYPRE_KRYLOV_CG:
        HYPRE_ParCSRPCGCreate(MPI_COMM_WORLD, &solver);
        HYPRE_ParCSRPCGSetTol(solver, krylov->relative_tolerance);
        HYPRE_ParCSRPCGSetMaxIter(solver, krylov->max_iterations);
        HYPRE_ParCSRPCGSetTwoNorm(solver, 1);             /* stop on ||r||_2 / ||b||_2, as PDEKit's CG */
        if (apply) HYPRE_ParCSRPCGSetPrecond(solver, apply, alreadySetUp, p->solver);
        HYPRE_ParCSRPCGSetup(solver, p->parMatrix, p->parRight, p->parLeft);
        code = HYPRE_ParCSRPCGSolve(solver, p->parMatrix, p->parRight, p->parLeft);
        HYPRE_ParCSRPCGGetNumIterations(solver, &count);
        HYPRE_ParCSRPCGDestroy(solver);
        break;
    case PDEKIT_HYPRE_KRYLOV_GMRES:
        HYPRE_ParCSRGMRESCreate(MPI_COMM_WORLD, &solver);
        HYPRE_ParCSRGMRESSetTol(solver, krylov->relative_tolerance);
        HYPRE_ParCSRGMRESSetMaxIter(solver, krylov->max_iterations);
        HYPRE_ParCSRGMRESSetKDim(solver, krylov->restart);
        if (apply) HYPRE_ParCSRGMRESSetPrecond(solver, apply, alreadySetUp, p->solver);
        HYPRE_ParCSRGMRESSetup(solver, p->parMatrix, p->parRight, p->parLeft);
        code = HYPRE_ParCSRGMRESSolve(solver, p->parMatrix, p->parRight, p->parLeft);
        HYPRE_ParCSRGMRESGetNumIterations(solver, &count);
        HYPRE_ParCSRGMRESDestroy(solver);
        break;
    case PDEKIT_HYPRE_KRYLOV_FLEXIBLE_GMRES:
        HYPRE_ParCSRFlexGMRESCreate(MPI_COMM_WORLD, &solver);
        HYPRE_ParCSRFlexGMRESSetTol(solver, krylov->relative_tolerance);
        HYPRE_ParCSRFlexGMRESSetMaxIter(solver, krylov->max_iterations);
        HYPRE_ParCSRFlexGMRESSetKDim(solver, krylov->restart);
        if (apply) HYPRE_ParCSRFlexGMRESSetPrecond(solver, apply, alreadySetUp, p->solver);
        HYPRE_ParCSRFlexGMRESSetup(solver, p->parMatrix, p->parRight, p->parLeft);
        code = HYPRE_ParCSRFlexGMRESSolve(solver, p->parMatrix, p->parRight, p->parLeft);
        HYPRE_ParCSRFlexGMRESGetNumIterations(solver, &count);
        HYPRE_ParCSRFlexGMRESDestroy(solver);
        break;
    case PDEKIT_HYPRE_KRYLOV_BICGSTAB:
        HYPRE_ParCSRBiCGSTABCreate(MPI_COMM_WORLD, &solver);
        HYPRE_ParCSRBiCGSTABSetTol(solver, krylov->relative_tolerance);
        HYPRE_ParCSRBiCGSTABSetMaxIter(solver, krylov->max_iterations);
        if (apply) HYPRE_ParCSRBiCGSTABSetPrecond(solver, apply, alreadySetUp, p->solver);
        HYPRE_ParCSRBiCGSTABSetup(solver, p->parMatrix, p->parRight, p->parLeft);
        code = HYPRE_ParCSRBiCGSTABSolve(solver, p->parMatrix, p->parRight, p->parLeft);
        HYPRE_ParCSRBiCGSTABGetNumIterations(solver, &count);
        HYPRE_ParCSRBiCGSTABDestroy(solver);
        break;
    default:
        status = fail(message, capacity, "unknown Krylov method");
        goto done;
    }
    /* Not reaching the tolerance (HYPRE_ERROR_CONV) is reported by the caller from the true residual. */
    if (code != 0 && !HYPRE_CheckError(code, HYPRE_ERROR_CONV)) status = hypreFailure(message, capacity, "Krylov solve");
    *iterations = (int32_t)count;
    if (status == 0) {
        counts = (int *)malloc((size_t)size * sizeof(int));
        displacements = (int *)malloc((size_t)size * sizeof(int));
        local = (double *)malloc((size_t)local_rows * sizeof(double));
        if (!counts || !displacements || !local) status = fail(message, capacity, "out of memory");
    }
    /* The gathers below are collective: all ranks take them or none. */
    if (agree(status, message, capacity) != 0) { status = 1; goto done; }
    HYPRE_IJVectorGetValues(p->left, p->n, p->indices, local);
    int mine = (int)local_rows, start = (int)first_row;
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    MPI_Allgather(&start, 1, MPI_INT, displacements, 1, MPI_INT, MPI_COMM_WORLD);
    MPI_Allgatherv(local, mine, MPI_DOUBLE, x_global, counts, displacements, MPI_DOUBLE, MPI_COMM_WORLD);
done:
    free(counts);
    free(displacements);
    free(local);
    destroy(p);
    HYPRE_ClearAllErrors();
    pthread_mutex_unlock(&hypreLock);
    return status;
}

int32_t pdekit_hypre_apply(pdekit_hypre_preconditioner *p, const double *r, double *z, char *message, int32_t capacity) {
    if (!p || !r || !z) return fail(message, capacity, "null argument");
    if (!threadMayCallHypre(message, capacity)) return 1;
    pthread_mutex_lock(&hypreLock);
    int32_t status = 0;
    HYPRE_IJVectorSetValues(p->right, p->n, p->indices, r);
    HYPRE_ParVectorSetConstantValues(p->parLeft, 0.0);
    HYPRE_Int code = p->method == PDEKIT_HYPRE_ILU
        ? HYPRE_ILUSolve(p->solver, p->parMatrix, p->parRight, p->parLeft)
        : HYPRE_BoomerAMGSolve(p->solver, p->parMatrix, p->parRight, p->parLeft);
    /* A cycle that stops at its iteration limit sets HYPRE_ERROR_CONV, which is expected here. */
    if (code != 0 && !HYPRE_CheckError(code, HYPRE_ERROR_CONV)) status = hypreFailure(message, capacity, "preconditioner application");
    HYPRE_ClearAllErrors();
    if (status == 0) HYPRE_IJVectorGetValues(p->left, p->n, p->indices, z);
    pthread_mutex_unlock(&hypreLock);
    return status;
}

void pdekit_hypre_free(pdekit_hypre_preconditioner *p) {
    if (!p) return;
    pthread_mutex_lock(&hypreLock);
    destroy(p);
    pthread_mutex_unlock(&hypreLock);
}
