/* hypre's CSR matrix–vector product on a team of threads: see "Threaded mat-vec" in include/CHypre.h. */
#define _GNU_SOURCE
#include "CHypre.h"

#include "library_slots.h"

#include <dlfcn.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <mpi/mpi.h>
#include <hypre/HYPRE.h>
#include <hypre/_hypre_parcsr_mv.h>

#define MAX_TEAM 8

/* hypre 2.26's sequential kernel: y[offset:] = alpha A[offset:, :] x + beta b[offset:], for one
   process's diagonal (and off-diagonal) CSR blocks; every ParCSR product and smoother reaches it. */
typedef HYPRE_Int (*matvec_function)(HYPRE_Complex alpha, hypre_CSRMatrix *a, hypre_Vector *x, HYPRE_Complex beta,
                                     hypre_Vector *b, hypre_Vector *y, HYPRE_Int offset);

static matvec_function hypre_matvec;        /* libHYPRE's own hypre_CSRMatrixMatvecOutOfPlaceHost */
static int bound;
static int team_threads = 1;                 /* threads a product may use (1: hypre's code as it is) */
static int64_t split_count;
static pthread_once_t bind_once = PTHREAD_ONCE_INIT;

/* A part holds at least this many stored entries (so products under twice as many run on the calling
   thread): waking the team costs about as much as a product of that size (BENCHMARKS-amg.md, session 12). */
static const HYPRE_Int minimum_entries = 10000;
/* A worker that found no product waits this long, spinning, before it sleeps (futex): the products
   of one V-cycle come microseconds apart; between cycles the core is given back. */
static const long spin_nanoseconds = 50000;

/* One part of a product: rows [first, first + count) as a CSR matrix and vectors of their own. */
typedef struct {
    hypre_CSRMatrix a;
    hypre_Vector b, y;
} part;

static struct {
    pthread_mutex_t submit;             /* one product at a time on the team; others run serially */
    pthread_t workers[MAX_TEAM - 1];
    int started;                        /* workers running */
    unsigned generation;                /* futex word: bumped once per product handed to the team */
    unsigned done[MAX_TEAM];            /* the generation each worker last finished */
    int sleepers;                       /* workers waiting in futex */
    int parts;                          /* parts of the current product (part 0 is the caller's) */
    part work[MAX_TEAM];
    HYPRE_Complex alpha, beta;
    hypre_Vector *x;
} team = {.submit = PTHREAD_MUTEX_INITIALIZER};

static long elapsed_nanoseconds(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000000L + (now.tv_nsec - start->tv_nsec);
}

static void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void run_part(int k) {
    part *p = &team.work[k];
    hypre_matvec(team.alpha, &p->a, team.x, team.beta, &p->b, &p->y, 0);
}

static void *worker_main(void *argument) {
    int index = (int)(intptr_t)argument;
    /* The generation when this worker was made (set before any product could be handed to it). */
    unsigned seen = __atomic_load_n(&team.done[index], __ATOMIC_ACQUIRE);
    for (;;) {
        unsigned current;
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        long spins = 0;
        while ((current = __atomic_load_n(&team.generation, __ATOMIC_ACQUIRE)) == seen) {
            if ((++spins & 63) != 0 || elapsed_nanoseconds(&start) < spin_nanoseconds) { cpu_relax(); continue; }
            __atomic_add_fetch(&team.sleepers, 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&team.generation, __ATOMIC_SEQ_CST) == seen)
                syscall(SYS_futex, &team.generation, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
            __atomic_sub_fetch(&team.sleepers, 1, __ATOMIC_SEQ_CST);
            clock_gettime(CLOCK_MONOTONIC, &start);
        }
        seen = current;
        if (index < team.parts) run_part(index);
        __atomic_store_n(&team.done[index], current, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Starts workers up to `threads` − 1 (called with team.submit held); answers the team's size. */
static int ensure_workers(int threads) {
    while (team.started < threads - 1) {
        int index = team.started + 1;
        team.done[index] = __atomic_load_n(&team.generation, __ATOMIC_ACQUIRE);
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&team.workers[index - 1], &attributes, worker_main, (void *)(intptr_t)index);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        team.started += 1;
    }
    return team.started + 1;
}

/* A forked child has only the thread that forked: it starts its own team when it needs one. */
static void after_fork_in_child(void) {
    pthread_mutex_init(&team.submit, NULL);
    team.started = 0;
    team.sleepers = 0;
}

static int overlaps(const HYPRE_Complex *a, HYPRE_Int a_count, const HYPRE_Complex *b, HYPRE_Int b_count) {
    return a < b + b_count && b < a + a_count;
}

/* What libHYPRE's calls of hypre_CSRMatrixMatvecOutOfPlaceHost reach once its slot points here. */
static HYPRE_Int threaded_matvec(HYPRE_Complex alpha, hypre_CSRMatrix *a, hypre_Vector *x, HYPRE_Complex beta,
                                 hypre_Vector *b, hypre_Vector *y, HYPRE_Int offset) {
    int threads = __atomic_load_n(&team_threads, __ATOMIC_RELAXED);
    HYPRE_Int rows = hypre_CSRMatrixNumRows(a);
    /* Only the plain case is split: one vector, every row stored (no compressed row list), no offset,
       x apart from y (hypre copies x when x is y). Anything else is hypre's own code. */
    int64_t entries = hypre_CSRMatrixNumNonzeros(a);
    if (threads < 2 || alpha == 0.0 || offset != 0 || entries < 2 * (int64_t)minimum_entries ||
        hypre_CSRMatrixRownnz(a) != NULL || hypre_CSRMatrixNumRownnz(a) != rows || rows < 2 * MAX_TEAM ||
        hypre_VectorNumVectors(x) != 1 || hypre_VectorNumVectors(y) != 1 || hypre_VectorNumVectors(b) != 1 ||
        overlaps(hypre_VectorData(x), hypre_VectorSize(x), hypre_VectorData(y), hypre_VectorSize(y)) ||
        pthread_mutex_trylock(&team.submit) != 0) {
        return hypre_matvec(alpha, a, x, beta, b, y, offset);
    }
    int team_size = ensure_workers(threads < MAX_TEAM ? threads : MAX_TEAM);
    int parts = team_size < threads ? team_size : threads;
    if (parts > entries / minimum_entries) parts = (int)(entries / minimum_entries);
    if (parts < 2) {
        pthread_mutex_unlock(&team.submit);
        return hypre_matvec(alpha, a, x, beta, b, y, offset);
    }
    /* Rows split so that each part holds about the same number of stored entries. */
    const HYPRE_Int *offsets = hypre_CSRMatrixI(a);
    HYPRE_Int first = 0;
    int used = 0;
    for (int k = 0; k < parts; k++) {
        HYPRE_Int last = rows;
        if (k < parts - 1) {
            HYPRE_Int target = offsets[0] + (HYPRE_Int)(((int64_t)(offsets[rows] - offsets[0]) * (k + 1)) / parts);
            HYPRE_Int low = first, high = rows;
            while (low < high) { HYPRE_Int middle = low + (high - low) / 2; if (offsets[middle] < target) low = middle + 1; else high = middle; }
            last = low;
        }
        part *p = &team.work[used];
        p->a = *a;
        hypre_CSRMatrixI(&p->a) = hypre_CSRMatrixI(a) + first;
        hypre_CSRMatrixNumRows(&p->a) = last - first;
        hypre_CSRMatrixNumRownnz(&p->a) = last - first;
        p->b = *b;
        hypre_VectorData(&p->b) = hypre_VectorData(b) + first;
        hypre_VectorSize(&p->b) = last - first;
        p->y = *y;
        hypre_VectorData(&p->y) = hypre_VectorData(y) + first;
        hypre_VectorSize(&p->y) = last - first;
        if (last > first) used += 1;
        first = last;
    }
    team.parts = used;
    team.alpha = alpha;
    team.beta = beta;
    team.x = x;
    unsigned generation = __atomic_add_fetch(&team.generation, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&team.sleepers, __ATOMIC_SEQ_CST) > 0)
        syscall(SYS_futex, &team.generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    run_part(0);
    /* Every worker answers every generation (those without a part at once), so none lags behind. */
    for (int k = 1; k < team_size; k++) {
        long spins = 0;
        while (__atomic_load_n(&team.done[k], __ATOMIC_ACQUIRE) != generation) {
            if (++spins < 4096) cpu_relax(); else sched_yield();
        }
    }
    __atomic_add_fetch(&split_count, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&team.submit);
    /* hypre's informational status: 1 when x's length differs from A's columns, 2 when b's or y's
       differs from A's rows, 3 when both. */
    int columns_differ = hypre_CSRMatrixNumCols(a) != hypre_VectorSize(x);
    int rows_differ = rows != hypre_VectorSize(y) || rows != hypre_VectorSize(b);
    return columns_differ && rows_differ ? 3 : rows_differ ? 2 : columns_differ ? 1 : 0;
}

static void bind_once_now(void) {
    const char *choice = getenv("PDEKIT_HYPRE_MATVEC");
    if (choice != NULL && strcmp(choice, "serial") == 0) return;
    hypre_matvec = (matvec_function)dlsym(RTLD_DEFAULT, "hypre_CSRMatrixMatvecOutOfPlaceHost");
    if (hypre_matvec == NULL) return;
    pthread_atfork(NULL, NULL, after_fork_in_child);
    const pdekit_slot_binding binding = {"hypre_CSRMatrixMatvecOutOfPlaceHost", (void *)threaded_matvec};
    int written = 0;
    pdekit_bind_library_slots("/libHYPRE", &binding, 1, &written);
    bound = written > 0;
}

int32_t pdekit_hypre_threaded_matvec_bind(void) {
    pthread_once(&bind_once, bind_once_now);
    return bound;
}

void pdekit_hypre_threaded_matvec_set_threads(int32_t threads) {
    __atomic_store_n(&team_threads, threads < 1 ? 1 : threads > MAX_TEAM ? MAX_TEAM : threads, __ATOMIC_RELAXED);
}

int32_t pdekit_hypre_threaded_matvec_threads(void) { return __atomic_load_n(&team_threads, __ATOMIC_RELAXED); }

int64_t pdekit_hypre_threaded_matvec_split_count(void) { return __atomic_load_n(&split_count, __ATOMIC_RELAXED); }
