#include "cpu_level.h"
#include "CKernels.h"
#include <stdint.h>
#include <string.h>

/* The generic vector types cross no function boundary that is not inlined (always_inline). */
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

#define SPLAT(v) ((v16f){v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v})
#define ISPLAT(v) ((v16i){v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v})

/* Φ(v) and φ(v) for 16 lanes, to a few float ulps over the whole range (the test bounds the relative
 * error against Double erfc). With s = |v|:
 *   φ(s) = e^{−s²/2}/√(2π),   Φ(−s) = φ(s)·M(s),   Φ(s) = 1 − Φ(−s),
 * where the Mills ratio M(s) = Φ(−s)/φ(s) is written M = t·Q(t), t = 1/(1 + s/4) ∈ (0, 1], and Q is a
 * degree-9 polynomial fitted by iteratively reweighted least squares to relative error 1.4·10⁻⁸ (Float
 * coefficients) for s ∈ [0, 14] (Φ(−14) is below the smallest float). The tail is thus computed without
 * the cancellation of 1 + erf. e^{−s²/2}: s is split into s_hi (12 significant bits, so s_hi² is exact)
 * and s_lo, −s²/2 = a_hi + a_lo, reduced by n ln 2 (Cody–Waite) with a_lo added after the exact part,
 * and a degree-7 Taylor polynomial on |r| ≤ ln2/2 (truncation 5·10⁻⁹); 2ⁿ from the exponent bits.
 * Where −s_hi²/2 < −87 (normal floats end) φ is flushed to 0. Branch-free, so the loops vectorize. */
static inline __attribute__((always_inline)) void cdf_pdf16(v16f v, v16f *cdf, v16f *pdf) {
    v16i bits = (v16i)v;
    v16i negative = bits >> 31;                                   /* all ones where v < 0 (or −0, −NaN) */
    v16f s = (v16f)(bits & ISPLAT(0x7fffffff));
    v16f sHi = (v16f)(((v16i)s) & ISPLAT((int32_t)0xfffff000));
    v16f sLo = s - sHi;
    v16f aHi = SPLAT(-0.5f) * sHi * sHi;
    v16i underflow = aHi < SPLAT(-87.0f);                         /* also s = ∞, where s_lo is NaN */
    v16f aLo = (v16f)(((v16i)(SPLAT(-0.5f) * sLo * (s + sHi))) & ~underflow);
    aHi = __builtin_elementwise_max(aHi, SPLAT(-87.0f));          /* NaN stays in a_lo */
    v16f k = (aHi + aLo) * SPLAT(1.44269504f) + SPLAT(12582912.0f);
    v16f n = k - SPLAT(12582912.0f);
    v16f r = (aHi - n * SPLAT(0.693145752f)) - n * SPLAT(1.42860677e-6f) + aLo;
    v16f p = SPLAT(1.0f) + r * (SPLAT(1.0f) + r * (SPLAT(0.5f) + r * (SPLAT(1.66666672e-1f) + r * (SPLAT(4.16666679e-2f)
             + r * (SPLAT(8.33333377e-3f) + r * (SPLAT(1.38888892e-3f) + r * SPLAT(1.98412701e-4f)))))));
    v16f scale = (v16f)((((v16i)k) - ISPLAT(0x4B400000) + ISPLAT(127)) << 23);
    v16f density = (v16f)(((v16i)(p * scale * SPLAT(0.398942280f))) & ~underflow);
    v16f t = SPLAT(1.0f) / (SPLAT(1.0f) + SPLAT(0.25f) * s);
    v16f q = SPLAT(2.500309348e-01f) + t * (SPLAT(2.493905425e-01f) + t * (SPLAT(2.394248843e-01f)
             + t * (SPLAT(1.804644018e-01f) + t * (SPLAT(2.172492146e-01f) + t * (SPLAT(3.180310503e-02f)
             + t * (SPLAT(7.135178149e-02f) + t * (SPLAT(1.294170320e-01f) + t * (SPLAT(-1.573721319e-01f)
             + t * SPLAT(4.155438393e-02f)))))))));
    v16f tail = density * t * q;                                  /* Φ(−s) */
    v16f upper = SPLAT(1.0f) - tail;                              /* Φ(s) */
    *cdf = (v16f)((((v16i)tail) & negative) | (((v16i)upper) & ~negative));
    *pdf = density;
}

static inline __attribute__((always_inline)) v16f load16(const float *p) { v16f v; memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void store16(float *p, v16f v) { memcpy(p, &v, sizeof v); }

/* Lanes past the end are computed on zero-padded copies. */
static inline __attribute__((always_inline)) void gelu_body(const float *x, const float *g, float *y, ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) {
        v16f v = load16(x + i), cdf, pdf;
        cdf_pdf16(v, &cdf, &pdf);
        store16(y + i, g ? load16(g + i) * (cdf + v * pdf) : v * cdf);
    }
    if (i < count) {
        float xs[16] = {0}, gs[16] = {0}, ys[16];
        ptrdiff_t rest = count - i;
        memcpy(xs, x + i, (size_t)rest * sizeof(float));
        if (g) memcpy(gs, g + i, (size_t)rest * sizeof(float));
        v16f v = load16(xs), cdf, pdf;
        cdf_pdf16(v, &cdf, &pdf);
        store16(ys, g ? load16(gs) * (cdf + v * pdf) : v * cdf);
        memcpy(y + i, ys, (size_t)rest * sizeof(float));
    }
}

static inline __attribute__((always_inline)) float sum_body(const float *x, const float *y, ptrdiff_t count) {
    v16f acc0 = SPLAT(0.0f), acc1 = SPLAT(0.0f);
    ptrdiff_t i = 0;
    for (; i + 32 <= count; i += 32) {
        if (y) {
            acc0 += load16(x + i) * load16(y + i);
            acc1 += load16(x + i + 16) * load16(y + i + 16);
        } else {
            acc0 += load16(x + i);
            acc1 += load16(x + i + 16);
        }
    }
    acc0 += acc1;
    float s = 0;
    for (int l = 0; l < 16; l++) s += acc0[l];
    for (; i < count; i++) s += y ? x[i] * y[i] : x[i];
    return s;
}

static inline __attribute__((always_inline)) void scale_body(float a, const float *x, float *y, ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) store16(y + i, SPLAT(a) * load16(x + i));
    for (; i < count; i++) y[i] = a * x[i];
}

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma,avx2")))
#define AVX2 __attribute__((target("avx2,fma")))
static AVX512 void gelu_avx512(const float *x, const float *g, float *y, ptrdiff_t n) { gelu_body(x, g, y, n); }
static AVX2 void gelu_avx2(const float *x, const float *g, float *y, ptrdiff_t n) { gelu_body(x, g, y, n); }
static AVX512 float sum_avx512(const float *x, const float *y, ptrdiff_t n) { return sum_body(x, y, n); }
static AVX2 float sum_avx2(const float *x, const float *y, ptrdiff_t n) { return sum_body(x, y, n); }
static AVX512 void scale_avx512(float a, const float *x, float *y, ptrdiff_t n) { scale_body(a, x, y, n); }
static AVX2 void scale_avx2(float a, const float *x, float *y, ptrdiff_t n) { scale_body(a, x, y, n); }
#endif
static void gelu_generic(const float *x, const float *g, float *y, ptrdiff_t n) { gelu_body(x, g, y, n); }
static float sum_generic(const float *x, const float *y, ptrdiff_t n) { return sum_body(x, y, n); }
static void scale_generic(float a, const float *x, float *y, ptrdiff_t n) { scale_body(a, x, y, n); }

/* 2: AVX-512, 1: AVX2+FMA, 0: baseline (cpu_level.c). */
static int level(void) { return pdekit_cpu_simd_level(); }

static void gelu_dispatch(const float *x, const float *g, float *y, ptrdiff_t n) {
#if defined(__x86_64__)
    switch (level()) {
    case 2: gelu_avx512(x, g, y, n); return;
    case 1: gelu_avx2(x, g, y, n); return;
    }
#endif
    gelu_generic(x, g, y, n);
}

void pdekit_gelu_f32(const float *x, float *y, ptrdiff_t count) { gelu_dispatch(x, NULL, y, count); }
void pdekit_gelu_pullback_f32(const float *x, const float *cotangent, float *y, ptrdiff_t count) { gelu_dispatch(x, cotangent, y, count); }

static float sum_dispatch(const float *x, const float *y, ptrdiff_t n) {
#if defined(__x86_64__)
    switch (level()) {
    case 2: return sum_avx512(x, y, n);
    case 1: return sum_avx2(x, y, n);
    }
#endif
    return sum_generic(x, y, n);
}
float pdekit_sum_f32(const float *x, ptrdiff_t count) { return sum_dispatch(x, NULL, count); }
float pdekit_dot_f32(const float *x, const float *y, ptrdiff_t count) { return sum_dispatch(x, y, count); }

void pdekit_scale_f32(float a, const float *x, float *y, ptrdiff_t count) {
#if defined(__x86_64__)
    switch (level()) {
    case 2: scale_avx512(a, x, y, count); return;
    case 1: scale_avx2(a, x, y, count); return;
    }
#endif
    scale_generic(a, x, y, count);
}
