/* Pruned 2-D real FFTs for Fourier layers: only the retained low modes are computed or used.
 *
 *   forward:  X[k] = Σ_j x[j] e^{−i θ_j·k} for k in K = {rows 0…m1−1, n1−m1…n1−1} × {columns 0…m2−1}
 *             = r2c along rows (all n1 rows), then c2c along columns for the m2 kept columns only.
 *   inverse:  x = c2r_rows(c2c⁻¹_columns(1_K X))  (unnormalized), the m2 columns first.
 * The inverse equals FFTW's rank-2 c2r of the zero-extended spectrum after projecting the k2 = 0 and
 * k2 = n2/2 columns onto their Hermitian parts, i.e. x = Re(unnormalized inverse DFT): the row c2r
 * ignores the imaginary parts of those bins, which is exactly that projection.
 * Plans are for one item (one n1 × n2 field); callers loop items across threads (new-array execute
 * is thread-safe). Planning must hold the process's FFTW planner lock. */
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
