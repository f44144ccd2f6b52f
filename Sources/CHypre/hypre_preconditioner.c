/* CHypre: see include/CHypre.h. */
#include "CHypre.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi/mpi.h>
#include <hypre/HYPRE.h>
#include <hypre/HYPRE_parcsr_ls.h>

struct pdekit_hypre_preconditioner {
    int32_t method;
    HYPRE_Int n;
    HYPRE_IJMatrix matrix;
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
static pthread_once_t initializeOnce = PTHREAD_ONCE_INIT;
static int initializeStatus = 0;
static int initializedMPIHere = 0;

static void finalizeAtExit(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) {
        HYPRE_Finalize();
        MPI_Finalize();
    }
}

/* MPI_Init only when nobody did (a single process: ask Open MPI not to start its launcher daemon). */
static void initialize(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
        if (getenv("OMPI_COMM_WORLD_SIZE") == NULL) setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) { initializeStatus = -1; return; }
        initializedMPIHere = 1;
    }
    HYPRE_Init();
    if (initializedMPIHere) atexit(finalizeAtExit);
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

static HYPRE_IJVector makeVector(HYPRE_Int n) {
    HYPRE_IJVector v = NULL;
    HYPRE_IJVectorCreate(MPI_COMM_SELF, 0, n - 1, &v);
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
        /* AIR (Manteuffel, Southworth et al.): R from approximate ideal restriction, one-point P,
           no pre-smoothing, F-F-C Jacobi post-smoothing, coarsest grid solved directly. */
        HYPRE_BoomerAMGSetRestriction(s, 1);
        HYPRE_BoomerAMGSetInterpType(s, 100);
        HYPRE_BoomerAMGSetCoarsenType(s, 6);
        HYPRE_BoomerAMGSetStrongThresholdR(s, 0.01);
        HYPRE_BoomerAMGSetFilterThresholdR(s, 1e-4);
        HYPRE_BoomerAMGSetRelaxType(s, 0);
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
        HYPRE_BoomerAMGSetCoarsenType(s, 10);            /* HMIS */
        HYPRE_BoomerAMGSetInterpType(s, 6);              /* extended+i */
        HYPRE_BoomerAMGSetPMaxElmts(s, 4);
        HYPRE_BoomerAMGSetRelaxOrder(s, 0);
        switch (o->smoother) {
        case PDEKIT_HYPRE_SMOOTHER_L1_JACOBI: HYPRE_BoomerAMGSetRelaxType(s, 18); break;
        case PDEKIT_HYPRE_SMOOTHER_CHEBYSHEV: HYPRE_BoomerAMGSetRelaxType(s, 16); break;
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

int32_t pdekit_hypre_create(int64_t n, const int64_t *row_offsets, const int64_t *columns, const double *values,
                            const pdekit_hypre_options *o, pdekit_hypre_preconditioner **out,
                            char *message, int32_t capacity) {
    if (!out || !row_offsets || !columns || !values || !o) return fail(message, capacity, "null argument");
    *out = NULL;
    if (n < 1 || n > 2147483647 || row_offsets[n] > 2147483647)
        return fail(message, capacity, "hypre here uses 32-bit indices: at most 2^31 - 1 rows and entries");
    if (o->cycles < 1) return fail(message, capacity, "cycles must be at least 1");
    if (o->functions < 1 || n % o->functions != 0) return fail(message, capacity, "the unknowns per node must divide the row count");
    if (o->nullspace_count < 0 || (o->nullspace_count > 0 && !o->nullspace)) return fail(message, capacity, "invalid near-nullspace vectors");
    pthread_once(&initializeOnce, initialize);
    if (initializeStatus != 0) return fail(message, capacity, "MPI_Init failed (hypre needs MPI)");
    pthread_mutex_lock(&hypreLock);
    pdekit_hypre_preconditioner *p = (pdekit_hypre_preconditioner *)calloc(1, sizeof *p);
    int32_t status = 0;
    if (!p) { pthread_mutex_unlock(&hypreLock); return fail(message, capacity, "out of memory"); }
    p->method = o->method;
    p->n = (HYPRE_Int)n;
    HYPRE_Int *rowLengths = (HYPRE_Int *)malloc((size_t)n * sizeof(HYPRE_Int));
    HYPRE_Int *columns32 = (HYPRE_Int *)malloc((size_t)(row_offsets[n] > 0 ? row_offsets[n] : 1) * sizeof(HYPRE_Int));
    HYPRE_Int *offdLengths = (HYPRE_Int *)calloc((size_t)n, sizeof(HYPRE_Int));
    p->indices = (HYPRE_Int *)malloc((size_t)n * sizeof(HYPRE_Int));
    if (!rowLengths || !columns32 || !offdLengths || !p->indices) { status = fail(message, capacity, "out of memory"); goto done; }
    for (int64_t i = 0; i < n; i++) {
        rowLengths[i] = (HYPRE_Int)(row_offsets[i + 1] - row_offsets[i]);
        p->indices[i] = (HYPRE_Int)i;
    }
    for (int64_t k = 0; k < row_offsets[n]; k++) columns32[k] = (HYPRE_Int)columns[k];
    HYPRE_IJMatrixCreate(MPI_COMM_SELF, 0, p->n - 1, 0, p->n - 1, &p->matrix);
    HYPRE_IJMatrixSetObjectType(p->matrix, HYPRE_PARCSR);
    HYPRE_IJMatrixSetDiagOffdSizes(p->matrix, rowLengths, offdLengths);
    HYPRE_IJMatrixInitialize(p->matrix);
    if (HYPRE_IJMatrixSetValues(p->matrix, p->n, rowLengths, p->indices, columns32, values) != 0) { status = hypreFailure(message, capacity, "matrix assembly"); goto done; }
    if (HYPRE_IJMatrixAssemble(p->matrix) != 0) { status = hypreFailure(message, capacity, "matrix assembly"); goto done; }
    HYPRE_IJMatrixGetObject(p->matrix, (void **)&p->parMatrix);
    p->right = makeVector(p->n);
    p->left = makeVector(p->n);
    HYPRE_IJVectorAssemble(p->right);
    HYPRE_IJVectorAssemble(p->left);
    HYPRE_IJVectorGetObject(p->right, (void **)&p->parRight);
    HYPRE_IJVectorGetObject(p->left, (void **)&p->parLeft);
    if (o->method == PDEKIT_HYPRE_ILU) {
        HYPRE_ILUCreate(&p->solver);
        HYPRE_ILUSetType(p->solver, 1);                   /* ILUT */
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
                p->nullspaceVectors[k] = makeVector(p->n);
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
    free(offdLengths);
    if (status != 0) destroy(p); else *out = p;
    HYPRE_ClearAllErrors();
    pthread_mutex_unlock(&hypreLock);
    return status;
}

int32_t pdekit_hypre_apply(pdekit_hypre_preconditioner *p, const double *r, double *z, char *message, int32_t capacity) {
    if (!p || !r || !z) return fail(message, capacity, "null argument");
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
