#ifndef PDEKIT_CHOLMOD_REGIONS_H
#define PDEKIT_CHOLMOD_REGIONS_H
/*
 * CHOLMOD's OpenMP regions, run as plain calls.
 *
 * Debian's CHOLMOD 3.0 opens an OpenMP parallel region (GOMP_parallel) for every step of its
 * supernodal factorization: clear a map, zero a supernode, copy A into it, add each descendant's
 * update. Most have an `if` clause that is false for small supernodes, so they run on a team of one
 * thread (all of them with OMP_THREAD_LIMIT=1); libgomp still builds each team and ends it with a
 * barrier whose release is a futex system call: about 5 000 per 128² Darcy factorization, 60 % of its
 * CPU time. The regions with real teams are memory-bound copy and scatter loops that 2 threads did
 * not speed up either (BENCHMARKS-scaling.md, session 11); CHOLMOD's parallel speed is OpenBLAS's.
 *
 * pdekit_cholmod_regions_bind() points libcholmod's GOT slots for GOMP_parallel at a function of
 * this file (only libcholmod's calls: every other library keeps libgomp's), which runs each region
 * as fn(data) on the calling thread (or passes it to libgomp when disabled).
 *
 * Every CHOLMOD region is a `parallel for` with a static schedule whose body asks only
 * omp_get_num_threads() and omp_get_thread_num() (libcholmod imports no other OpenMP function): called
 * outside a team these answer 1 and 0, so the body runs every iteration once, in order, as a team of
 * one thread does. CHOLMOD's loops write distinct entries per iteration, so the factors are bitwise
 * those of libgomp's execution with any team size, and no longer depend on the thread count.
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
