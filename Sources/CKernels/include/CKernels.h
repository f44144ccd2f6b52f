#ifndef PDEKIT_CKERNELS_H
#define PDEKIT_CKERNELS_H
/*
 * Elementwise Float kernels of PDEKit's neural-operator layers, written once with generic vector
 * types and compiled for AVX-512, AVX2+FMA and baseline x86-64 (SSE2), chosen at run time from the
 * CPU (Swift itself compiles for baseline x86-64, 4 lanes).
 *
 *   gelu:           y = x Φ(x)
 *   gelu pullback:  y = g (Φ(x) + x φ(x))
 *   Φ by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), e^{−z²} by a Cody–Waite reduced polynomial.
 *   sums:           Σ_p x[p]  and  Σ_p x[p] y[p]
 */
#include <stddef.h>
#include "pinn_kernels.h"

/* The SIMD level every kernel dispatches on: 2 AVX-512, 1 AVX2 + FMA, 0 baseline (after the
   PDEKIT_SIMD_LEVEL cap). */
int pdekit_kernels_simd_level(void);

void pdekit_gelu_f32(const float *x, float *y, ptrdiff_t count);
void pdekit_gelu_pullback_f32(const float *x, const float *cotangent, float *y, ptrdiff_t count);
float pdekit_sum_f32(const float *x, ptrdiff_t count);
float pdekit_dot_f32(const float *x, const float *y, ptrdiff_t count);
/* y[p] = a·x[p] */
void pdekit_scale_f32(float a, const float *x, float *y, ptrdiff_t count);

/* Pruned 2-D real FFTs of n1 × n2 fields keeping the modes {rows 0…m1−1, n1−m1…n1−1} × {columns 0…m2−1}
 * (row-major, 2·m1·m2 interleaved complex numbers per field). Create under the FFTW planner lock with
 * FFTW_ESTIMATE for results that are the same in every process (FFTW_MEASURE picks plans by timing, and
 * different plans round differently); forward/inverse process fields first…last−1, are thread-safe, and
 * give every field the same bits whatever the range it is processed in. The inverse is unnormalized.
 * forward/inverse return 0, or −1 when their work arrays cannot be allocated. Plans live for the life of
 * the process. */
void *pdekit_pruned2_create_f32(int n1, int n2, int m1, int m2, unsigned flags);
int pdekit_pruned2_forward_f32(const void *plan, const float *x, float *modes, ptrdiff_t first, ptrdiff_t last);
int pdekit_pruned2_inverse_f32(const void *plan, const float *modes, float *x, ptrdiff_t first, ptrdiff_t last);
void *pdekit_pruned2_create_f64(int n1, int n2, int m1, int m2, unsigned flags);
int pdekit_pruned2_forward_f64(const void *plan, const double *x, double *modes, ptrdiff_t first, ptrdiff_t last);
int pdekit_pruned2_inverse_f64(const void *plan, const double *modes, double *x, ptrdiff_t first, ptrdiff_t last);

/* Direct convolution kernels (convolution.c). */
#include "CKernelsConvolution.h"

#endif
