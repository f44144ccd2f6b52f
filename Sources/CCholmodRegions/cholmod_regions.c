/* See include/cholmod_regions.h. */
#define _GNU_SOURCE
#include "cholmod_regions.h"

#include "library_slots.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef void (*gomp_parallel_function)(void (*)(void *), void *, unsigned, unsigned);

static gomp_parallel_function libgomp_parallel;   /* libgomp's GOMP_parallel */
static int inline_enabled = 1;
static int bound;
static long inlined_count, forwarded_count;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What libcholmod's calls of GOMP_parallel reach once its slots point here. */
static void cholmod_gomp_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags) {
    if (libgomp_parallel == NULL || __atomic_load_n(&inline_enabled, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&inlined_count, 1, __ATOMIC_RELAXED);
        fn(data);
        return;
    }
    __atomic_fetch_add(&forwarded_count, 1, __ATOMIC_RELAXED);
    libgomp_parallel(fn, data, num_threads, flags);
}

/* What libcholmod's calls of SuiteSparse_time reach: CHOLMOD reads the clock only for its timing
   statistics (Common->CHOLMOD_CPU_GEMM_TIME and the like, which PDEKit never reads), around every
   BLAS call of its supernodal factorization: 6 % of a 128² Darcy sample's CPU time in clock_gettime. */
static double cholmod_statistics_clock(void) { return 0; }

/* The functions libcholmod's slots are pointed at. */
static const pdekit_slot_binding bindings[] = {
    {"GOMP_parallel", (void *)cholmod_gomp_parallel},
    {"SuiteSparse_time", (void *)cholmod_statistics_clock},
};

static void initialize(void) {
    /* A host that wants its libcholmod left as loaded (libgomp teams, CHOLMOD's timing statistics) says so. */
    const char *choice = getenv("PDEKIT_CHOLMOD_REGIONS");
    if (choice != NULL && strcmp(choice, "libgomp") == 0) return;
    libgomp_parallel = (gomp_parallel_function)dlsym(RTLD_DEFAULT, "GOMP_parallel");
    if (libgomp_parallel == NULL) return;
    int written[sizeof bindings / sizeof bindings[0]];
    pdekit_bind_library_slots("/libcholmod.", bindings, sizeof bindings / sizeof bindings[0], written);
    bound = written[0] > 0;
}

int pdekit_cholmod_regions_bind(void) {
    pthread_once(&once, initialize);
    return bound;
}

void pdekit_cholmod_regions_set_inline(int enabled) { __atomic_store_n(&inline_enabled, enabled != 0, __ATOMIC_RELAXED); }
int pdekit_cholmod_regions_inline(void) { return __atomic_load_n(&inline_enabled, __ATOMIC_RELAXED); }
long pdekit_cholmod_regions_inlined_count(void) { return __atomic_load_n(&inlined_count, __ATOMIC_RELAXED); }
long pdekit_cholmod_regions_forwarded_count(void) { return __atomic_load_n(&forwarded_count, __ATOMIC_RELAXED); }
