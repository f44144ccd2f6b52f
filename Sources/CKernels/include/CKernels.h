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

void pdekit_gelu_f32(const float *x, float *y, ptrdiff_t count);
void pdekit_gelu_pullback_f32(const float *x, const float *cotangent, float *y, ptrdiff_t count);
float pdekit_sum_f32(const float *x, ptrdiff_t count);
float pdekit_dot_f32(const float *x, const float *y, ptrdiff_t count);
/* y[p] = a·x[p] */
void pdekit_scale_f32(float a, const float *x, float *y, ptrdiff_t count);

#endif
