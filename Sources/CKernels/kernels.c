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

/* Φ(v) and φ(v) for 16 lanes; the same operations as the scalar Swift kernel (geluFloat). */
static inline __attribute__((always_inline)) void cdf_pdf16(v16f v, v16f *cdf, v16f *pdf) {
    v16i bits = (v16i)v;
    v16i sign = bits & ISPLAT((int32_t)0x80000000);
    v16f z = (v16f)(bits & ISPLAT(0x7fffffff)) * SPLAT(0.70710678f);
    v16f t = SPLAT(1.0f) / (SPLAT(1.0f) + SPLAT(0.3275911f) * z);
    v16f poly = t * (SPLAT(0.254829592f) + t * (SPLAT(-0.284496736f) + t * (SPLAT(1.421413741f)
                + t * (SPLAT(-1.453152027f) + t * SPLAT(1.061405429f)))));
    v16f a = __builtin_elementwise_max(-z * z, SPLAT(-87.0f));
    v16f k = a * SPLAT(1.44269504f) + SPLAT(12582912.0f);
    v16f n = k - SPLAT(12582912.0f);
    v16f r = a - n * SPLAT(0.693145752f) - n * SPLAT(1.42860677e-6f);
    v16f p = SPLAT(1.0f) + r * (SPLAT(1.0f) + r * (SPLAT(0.5f) + r * (SPLAT(0.166666672f) + r * (SPLAT(0.0416666418f)
             + r * (SPLAT(0.00833336823f) + r * SPLAT(0.00138889f))))));
    v16f scale = (v16f)((((v16i)k) - ISPLAT(0x4B400000) + ISPLAT(127)) << 23);
    v16f gaussian = p * scale;
    v16f erfAbs = SPLAT(1.0f) - poly * gaussian;
    v16f erf = (v16f)(((v16i)erfAbs) ^ sign);
    *cdf = (SPLAT(1.0f) + erf) * SPLAT(0.5f);
    *pdf = gaussian * SPLAT(0.39894228f);
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
