/* Pruned 2-D real FFTs for Fourier layers: only the retained low modes are computed or used.
 *
 *   forward:  X[k] = Σ_j x[j] e^{−i θ_j·k} for k in K = {rows 0…m1−1, n1−m1…n1−1} × {columns 0…m2−1}
 *   inverse:  x = Re(Σ_{k ∈ K} X̃[k] e^{+i θ_j·k}) (unnormalized; X̃ the Hermitian extension along rows)
 *
 * Rows go two at a time through one complex FFT ("two real FFTs for one complex", Press et al.,
 * Numerical Recipes §12.3): with z = x_a + i x_b and Z = FFT(z),
 *   A[k] = (Z[k] + conj Z[−k]) / 2,   B[k] = (Z[k] − conj Z[−k]) / 2i,
 * and the inverse builds Z[±k] from A and B the same way. Only the m2 kept columns of A and B are
 * formed, into a compact n1 × m2 spectrum, whose m2 columns then get complex FFTs of length n1.
 * The inverse equals FFTW's rank-2 c2r of the zero-extended half spectrum after projecting the
 * k2 = 0 and k2 = n2/2 columns onto their Hermitian parts (the imaginary parts of those bins are
 * dropped, as a row c2r does).
 *
 * Determinism: with FFTW_ESTIMATE the plans, and so the rounding, are the same in every process
 * (FFTW_MEASURE chooses among algorithms by timing them, which made same-seed training runs differ
 * in the last bits). FFTW's estimate for batched contiguous complex FFTs picks its SIMD codelets, so
 * this is as fast as the measured r2c row plans it replaces (faster at 36², 64², 96²). Every field
 * goes through the same plans with the same arithmetic, so its result does not depend on how fields
 * are split across threads. Plans are for one field; callers loop fields across threads (new-array
 * execute is thread-safe). Planning must hold the process's FFTW planner lock. */
#include "CKernels.h"
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#define REAL float
#define FFTW(name) fftwf_##name
#define NAME(name) pdekit_pruned2_##name##_f32
#include "pruned_fft_impl.h"
#undef REAL
#undef FFTW
#undef NAME

#define REAL double
#define FFTW(name) fftw_##name
#define NAME(name) pdekit_pruned2_##name##_f64
#include "pruned_fft_impl.h"
