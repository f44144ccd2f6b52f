#ifndef PDEKIT_CHOLMOD_REGIONS_H
#define PDEKIT_CHOLMOD_REGIONS_H
/*
 * CHOLMOD's one-thread OpenMP regions, run as plain calls.
 *
 * Debian's CHOLMOD 3.0 opens an OpenMP parallel region (GOMP_parallel) for every supernode step of
 * its supernodal factorization: to zero the supernode, to copy A into it, to add each descendant's
 * update. Most have an `if` clause that is false for small supernodes, so they run on a team of one
 * thread, and with OMP_THREAD_LIMIT=1 (PDEKit's one-thread runs) all of them do. libgomp still builds
 * a team and ends it with a barrier whose release is a futex system call, about 5 000 per 128²
 * Darcy factorization: 60 % of its CPU time.
 *
 * pdekit_cholmod_regions_bind() points libcholmod's GOT slots for GOMP_parallel at a function of
 * this file (only libcholmod's calls: every other library keeps libgomp's), which runs a region as
 *
 *     fn(data)                                     when its team would have one thread (num_threads
 *                                                  == 1, the false `if` clause, or thread limit 1),
 *     libgomp's GOMP_parallel(fn, data, n, flags)  otherwise (a real team).
 *
 * A team of one runs the outlined body once with thread number 0 of 1; so does the plain call
 * (omp_get_thread_num() = 0 and omp_get_num_threads() = 1 outside a region, the only OpenMP calls
 * CHOLMOD makes), in the same order, so factors are bitwise those of libgomp's execution.
 *
 * The same binding points libcholmod's SuiteSparse_time at a clock that reads 0: CHOLMOD times every
 * BLAS call of the supernodal factorization for its statistics only (6 % of a 128² sample's CPU).
 */

/* Binds libcholmod's calls of GOMP_parallel to this file (once per process; later calls only
   answer): 1 when done, 0 when libcholmod or libgomp was not found loaded, or its slots not. */
int pdekit_cholmod_regions_bind(void);

/* Enables (1, the default) or disables (0) the plain calls; disabled, every region goes to libgomp.
   For tests and measurements; read atomically once per region, so it may change at any time. */
void pdekit_cholmod_regions_set_inline(int enabled);
int pdekit_cholmod_regions_inline(void);

/* Regions run as plain calls, and regions passed to libgomp, since the process started. */
long pdekit_cholmod_regions_inlined_count(void);
long pdekit_cholmod_regions_forwarded_count(void);

#endif
