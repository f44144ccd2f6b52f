#include "cpu_level.h"
#include "pinn_kernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Float64 kernels of the PINN jet path; see pinn_kernels.h. Written once with 8-lane generic vectors
 * (one AVX-512 register, two AVX2 registers, four SSE2 registers) and compiled per instruction set. */
#pragma clang diagnostic ignored "-Wpsabi"

typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));

#define AI static inline __attribute__((always_inline))
#define DSPLAT(v) ((v8d){v, v, v, v, v, v, v, v})
#define LSPLAT(v) ((v8l){v, v, v, v, v, v, v, v})

AI v8d ld8(const double *p) { v8d v; memcpy(&v, p, sizeof v); return v; }
AI void st8(double *p, v8d v) { memcpy(p, &v, sizeof v); }
/* `count` ≤ 8 lanes; lanes past `count` read as zero and are not written. */
AI v8d ldn(const double *p, ptrdiff_t count) {
    if (count == 8) return ld8(p);
    v8d v = DSPLAT(0.0);
    for (ptrdiff_t l = 0; l < count; l++) v[l] = p[l];
    return v;
}
AI void stn(double *p, v8d v, ptrdiff_t count) {
    if (count == 8) { st8(p, v); return; }
    for (ptrdiff_t l = 0; l < count; l++) p[l] = v[l];
}

/* tanh for 8 lanes. expm1(y), y = 2|x| clamped to 44 (tanh = 1 in Float64 beyond |x| ≈ 19.06):
 * y = k ln2 + r with k = round(y/ln2) (fdlibm's split ln2 = hi + lo, hi with trailing zero bits so
 * k·hi is exact), expm1(r) by its Taylor polynomial to r¹³ (|r| ≤ 0.347: truncation < 1e-17
 * relative), expm1(y) = 2^k expm1(r) + (2^k − 1). Then tanh|x| = e/(e + 2): no cancellation at any
 * |x|, so tiny arguments keep full relative accuracy. NaN is passed through. */
AI v8d tanh8(v8d x) {
    v8l bits = (v8l)x;
    v8l sign = bits & LSPLAT((int64_t)0x8000000000000000ULL);
    v8d ax = (v8d)(bits & LSPLAT(0x7fffffffffffffffLL));
    v8d y = __builtin_elementwise_min(ax + ax, DSPLAT(44.0));
    const double shifter = 6755399441055744.0;   /* 1.5 · 2^52: adding it rounds to an integer */
    v8d t = y * DSPLAT(1.44269504088896338700e+00) + DSPLAT(shifter);
    v8d k = t - DSPLAT(shifter);
    v8l ki = (v8l)t - (v8l)DSPLAT(shifter);
    v8d r = (y - k * DSPLAT(6.93147180369123816490e-01)) - k * DSPLAT(1.90821492927058770002e-10);
    v8d p = DSPLAT(1.0 / 6227020800.0);                    /* 1/13! */
    p = p * r + DSPLAT(1.0 / 479001600.0);
    p = p * r + DSPLAT(1.0 / 39916800.0);
    p = p * r + DSPLAT(1.0 / 3628800.0);
    p = p * r + DSPLAT(1.0 / 362880.0);
    p = p * r + DSPLAT(1.0 / 40320.0);
    p = p * r + DSPLAT(1.0 / 5040.0);
    p = p * r + DSPLAT(1.0 / 720.0);
    p = p * r + DSPLAT(1.0 / 120.0);
    p = p * r + DSPLAT(1.0 / 24.0);
    p = p * r + DSPLAT(1.0 / 6.0);
    p = p * r + DSPLAT(0.5);
    v8d em1 = r + (r * r) * p;                              /* expm1(r) */
    v8d scale = (v8d)((ki + LSPLAT(1023)) << 52);          /* 2^k, 0 ≤ k ≤ 64 */
    v8d e = scale * em1 + (scale - DSPLAT(1.0));
    v8d th = e / (e + DSPLAT(2.0));
    v8l result = (v8l)th | sign;
    v8l isNaN = (v8l)(x != x);
    return (v8d)((result & ~isNaN) | ((v8l)x & isNaN));
}

AI void tanh_body(const double *x, double *y, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i += 8) {
        ptrdiff_t c = count - i < 8 ? count - i : 8;
        stn(y + i, tanh8(ldn(x + i, c)), c);
    }
}

/* C = A B (row-major, C overwritten). B is copied once with its columns padded to a multiple of 8;
 * C is computed in 4-row × 16-column register tiles (8 columns for a last odd tile), A is read in place. */
AI void gemm_nn_body(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t lda,
                     const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    ptrdiff_t tiles = (n + 7) / 8, np = 8 * tiles;
    double local[4096];
    double *bp = k * np <= 4096 ? local : (double *)malloc((size_t)(k * np) * sizeof(double));
    for (ptrdiff_t q = 0; q < k; q++) {
        memcpy(bp + q * np, b + q * ldb, (size_t)n * sizeof(double));
        for (ptrdiff_t j = n; j < np; j++) bp[q * np + j] = 0;
    }
    for (ptrdiff_t i = 0; i < m; i += 4) {
        ptrdiff_t rows = m - i < 4 ? m - i : 4;
        const double *a0 = a + i * lda;
        const double *a1 = a + (i + (rows > 1 ? 1 : 0)) * lda;
        const double *a2 = a + (i + (rows > 2 ? 2 : 0)) * lda;
        const double *a3 = a + (i + (rows > 3 ? 3 : 0)) * lda;
        for (ptrdiff_t t = 0; t < tiles; t += 2) {
            ptrdiff_t j = 8 * t;
            if (t + 1 < tiles) {
                v8d c00 = DSPLAT(0.0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                for (ptrdiff_t q = 0; q < k; q++) {
                    v8d b0 = ld8(bp + q * np + j), b1 = ld8(bp + q * np + j + 8);
                    v8d x0 = DSPLAT(a0[q]), x1 = DSPLAT(a1[q]), x2 = DSPLAT(a2[q]), x3 = DSPLAT(a3[q]);
                    c00 += x0 * b0; c01 += x0 * b1; c10 += x1 * b0; c11 += x1 * b1;
                    c20 += x2 * b0; c21 += x2 * b1; c30 += x3 * b0; c31 += x3 * b1;
                }
                ptrdiff_t w1 = n - j - 8 < 8 ? n - j - 8 : 8;
                st8(c + i * ldc + j, c00); stn(c + i * ldc + j + 8, c01, w1);
                if (rows > 1) { st8(c + (i + 1) * ldc + j, c10); stn(c + (i + 1) * ldc + j + 8, c11, w1); }
                if (rows > 2) { st8(c + (i + 2) * ldc + j, c20); stn(c + (i + 2) * ldc + j + 8, c21, w1); }
                if (rows > 3) { st8(c + (i + 3) * ldc + j, c30); stn(c + (i + 3) * ldc + j + 8, c31, w1); }
            } else {
                v8d c00 = DSPLAT(0.0), c10 = c00, c20 = c00, c30 = c00;
                for (ptrdiff_t q = 0; q < k; q++) {
                    v8d b0 = ld8(bp + q * np + j);
                    c00 += DSPLAT(a0[q]) * b0; c10 += DSPLAT(a1[q]) * b0;
                    c20 += DSPLAT(a2[q]) * b0; c30 += DSPLAT(a3[q]) * b0;
                }
                ptrdiff_t w0 = n - j < 8 ? n - j : 8;
                stn(c + i * ldc + j, c00, w0);
                if (rows > 1) stn(c + (i + 1) * ldc + j, c10, w0);
                if (rows > 2) stn(c + (i + 2) * ldc + j, c20, w0);
                if (rows > 3) stn(c + (i + 3) * ldc + j, c30, w0);
            }
        }
    }
    if (bp != local) free(bp);
}

/* C[k×n] = Aᵀ B with A [m×k], B [m×n] (row-major, C overwritten): rows of A and B are taken in chunks
 * of 128 and C accumulates in a padded buffer in 4 × 16 register tiles. B is read in place: a last
 * partial tile of a row reads past column n into the following rows (those lanes only reach C's
 * padding columns); the last ⌈np/ldb⌉ rows are copied into a padded buffer so nothing past B's end
 * is read. */
AI void gemm_tn_body(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t lda,
                     const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc) {
    if (k <= 0 || n <= 0) return;
    enum { CHUNK = 128 };
    ptrdiff_t tiles = (n + 7) / 8, np = 8 * tiles;
    ptrdiff_t tailRows = (np + ldb - 1) / ldb;
    if (tailRows > m) tailRows = m;
    ptrdiff_t safe = m - tailRows;   /* rows r < safe can be read in place */
    double *cp = (double *)malloc((size_t)(k * np + tailRows * np) * sizeof(double));
    double *tail = cp + k * np;
    memset(cp, 0, (size_t)(k * np + tailRows * np) * sizeof(double));
    for (ptrdiff_t r = 0; r < tailRows; r++) memcpy(tail + r * np, b + (safe + r) * ldb, (size_t)n * sizeof(double));
    for (ptrdiff_t r0 = 0; r0 < m; r0 += CHUNK) {
        ptrdiff_t rc = m - r0 < CHUNK ? m - r0 : CHUNK;
        const double *bp = b + r0 * ldb;
        const double *ac = a + r0 * lda;
        ptrdiff_t rcFull = safe - r0 < rc ? (safe - r0 > 0 ? safe - r0 : 0) : rc;   /* rows read in place */
        for (ptrdiff_t i = 0; i < k; i += 4) {
            ptrdiff_t rows = k - i < 4 ? k - i : 4;
            ptrdiff_t i1 = i + (rows > 1 ? 1 : 0), i2 = i + (rows > 2 ? 2 : 0), i3 = i + (rows > 3 ? 3 : 0);
            for (ptrdiff_t t = 0; t < tiles; t += 2) {
                ptrdiff_t j = 8 * t;
                if (t + 1 < tiles) {
                    v8d c00 = DSPLAT(0.0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                    for (ptrdiff_t r = 0; r < rc; r++) {
                        const double *ar = ac + r * lda;
                        const double *br = r < rcFull ? bp + r * ldb : tail + (r0 + r - safe) * np;
                        v8d b0 = ld8(br + j), b1 = ld8(br + j + 8);
                        v8d x0 = DSPLAT(ar[i]), x1 = DSPLAT(ar[i1]), x2 = DSPLAT(ar[i2]), x3 = DSPLAT(ar[i3]);
                        c00 += x0 * b0; c01 += x0 * b1; c10 += x1 * b0; c11 += x1 * b1;
                        c20 += x2 * b0; c21 += x2 * b1; c30 += x3 * b0; c31 += x3 * b1;
                    }
                    double *p = cp + i * np + j;
                    st8(p, ld8(p) + c00); st8(p + 8, ld8(p + 8) + c01);
                    if (rows > 1) { p = cp + (i + 1) * np + j; st8(p, ld8(p) + c10); st8(p + 8, ld8(p + 8) + c11); }
                    if (rows > 2) { p = cp + (i + 2) * np + j; st8(p, ld8(p) + c20); st8(p + 8, ld8(p + 8) + c21); }
                    if (rows > 3) { p = cp + (i + 3) * np + j; st8(p, ld8(p) + c30); st8(p + 8, ld8(p + 8) + c31); }
                } else {
                    v8d c00 = DSPLAT(0.0), c10 = c00, c20 = c00, c30 = c00;
                    for (ptrdiff_t r = 0; r < rc; r++) {
                        const double *ar = ac + r * lda;
                        const double *br = r < rcFull ? bp + r * ldb : tail + (r0 + r - safe) * np;
                        v8d b0 = ld8(br + j);
                        c00 += DSPLAT(ar[i]) * b0; c10 += DSPLAT(ar[i1]) * b0;
                        c20 += DSPLAT(ar[i2]) * b0; c30 += DSPLAT(ar[i3]) * b0;
                    }
                    double *p = cp + i * np + j;
                    st8(p, ld8(p) + c00);
                    if (rows > 1) { p = cp + (i + 1) * np + j; st8(p, ld8(p) + c10); }
                    if (rows > 2) { p = cp + (i + 2) * np + j; st8(p, ld8(p) + c20); }
                    if (rows > 3) { p = cp + (i + 3) * np + j; st8(p, ld8(p) + c30); }
                }
            }
        }
    }
    for (ptrdiff_t i = 0; i < k; i++) memcpy(c + i * ldc, cp + i * np, (size_t)n * sizeof(double));
    free(cp);
}

AI void jet_forward_body(const double *z, double *a, ptrdiff_t block, int d, const int *axes, int s) {
    for (ptrdiff_t e = 0; e < block; e += 8) {
        ptrdiff_t c = block - e < 8 ? block - e : 8;
        v8d v = tanh8(ldn(z + e, c));
        v8d s1 = DSPLAT(1.0) - v * v;
        v8d s2 = DSPLAT(-2.0) * v * s1;
        stn(a + e, v, c);
        for (int i = 0; i < d; i++) {
            ptrdiff_t o = (1 + (ptrdiff_t)i) * block + e;
            stn(a + o, s1 * ldn(z + o, c), c);
        }
        for (int j = 0; j < s; j++) {
            ptrdiff_t o1 = (1 + (ptrdiff_t)axes[j]) * block + e, o2 = (1 + (ptrdiff_t)d + j) * block + e;
            v8d zd = ldn(z + o1, c);
            stn(a + o2, s2 * zd * zd + s1 * ldn(z + o2, c), c);
        }
    }
}

AI void jet_backward_body(const double *abar, const double *z, const double *value, double *zbar,
                          ptrdiff_t block, int d, const int *axes, int s) {
    for (ptrdiff_t e = 0; e < block; e += 8) {
        ptrdiff_t c = block - e < 8 ? block - e : 8;
        v8d v = ldn(value + e, c);
        v8d s1 = DSPLAT(1.0) - v * v, s2 = DSPLAT(-2.0) * v * s1;   /* σ', σ'' from a = tanh z */
        v8d g0 = ldn(abar + e, c) * s1;
        for (int i = 0; i < d; i++) {
            ptrdiff_t o = (1 + (ptrdiff_t)i) * block + e;
            v8d ai = ldn(abar + o, c);
            g0 += ai * s2 * ldn(z + o, c);
            stn(zbar + o, ai * s1, c);
        }
        if (s > 0) {
            v8d third = (DSPLAT(4.0) * v * v - DSPLAT(2.0) * s1) * s1;
            for (int j = 0; j < s; j++) {
                ptrdiff_t o1 = (1 + (ptrdiff_t)axes[j]) * block + e, o2 = (1 + (ptrdiff_t)d + j) * block + e;
                v8d as = ldn(abar + o2, c), zd = ldn(z + o1, c), zdd = ldn(z + o2, c);
                g0 += as * (third * zd * zd + s2 * zdd);
                stn(zbar + o1, ldn(zbar + o1, c) + DSPLAT(2.0) * as * s2 * zd, c);
                stn(zbar + o2, as * s1, c);
            }
        }
        stn(zbar + e, g0, c);
    }
}

#define TANH_ARGS const double *x, double *y, ptrdiff_t count
#define GEMM_ARGS ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc
#define FWD_ARGS const double *z, double *a, ptrdiff_t block, int d, const int *axes, int s
#define BWD_ARGS const double *abar, const double *z, const double *value, double *zbar, ptrdiff_t block, int d, const int *axes, int s

#define VARIANTS(suffix, attr) \
    static attr void tanh_##suffix(TANH_ARGS) { tanh_body(x, y, count); } \
    static attr void nn_##suffix(GEMM_ARGS) { gemm_nn_body(m, n, k, a, lda, b, ldb, c, ldc); } \
    static attr void tn_##suffix(GEMM_ARGS) { gemm_tn_body(m, n, k, a, lda, b, ldb, c, ldc); } \
    static attr void fwd_##suffix(FWD_ARGS) { jet_forward_body(z, a, block, d, axes, s); } \
    static attr void bwd_##suffix(BWD_ARGS) { jet_backward_body(abar, z, value, zbar, block, d, axes, s); }

#if defined(__x86_64__)
VARIANTS(avx512, __attribute__((target("avx512f,avx512dq,avx512vl,fma,avx2"))))
VARIANTS(avx2, __attribute__((target("avx2,fma"))))
#endif
VARIANTS(generic, )

/* 2: AVX-512, 1: AVX2+FMA, 0: baseline. PDEKIT_PINN_KERNELS=generic|avx2 caps the level (for tests). */
static int pinn_level(void) {
    static int cached = -1;
    int l = cached;
    if (l < 0) {
        l = pdekit_cpu_simd_level();
        const char *cap = getenv("PDEKIT_PINN_KERNELS");
        if (cap && strcmp(cap, "generic") == 0) l = 0;
        else if (cap && strcmp(cap, "avx2") == 0 && l > 1) l = 1;
        cached = l;
    }
    return l;
}

#if defined(__x86_64__)
#define DISPATCH(name, ...) do { switch (pinn_level()) { \
    case 2: name##_avx512(__VA_ARGS__); return; \
    case 1: name##_avx2(__VA_ARGS__); return; } \
    name##_generic(__VA_ARGS__); } while (0)
#else
#define DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

void pdekit_tanh_f64(TANH_ARGS) { DISPATCH(tanh, x, y, count); }
void pdekit_gemm_nn_f64(GEMM_ARGS) { DISPATCH(nn, m, n, k, a, lda, b, ldb, c, ldc); }
void pdekit_gemm_tn_f64(GEMM_ARGS) { DISPATCH(tn, m, n, k, a, lda, b, ldb, c, ldc); }
void pdekit_tanh_jet_forward_f64(const double *z, double *a, ptrdiff_t block, int directions, const int *axes, int axisCount) {
    DISPATCH(fwd, z, a, block, directions, axes, axisCount);
}
void pdekit_tanh_jet_backward_f64(const double *abar, const double *z, const double *value, double *zbar,
                                  ptrdiff_t block, int directions, const int *axes, int axisCount) {
    DISPATCH(bwd, abar, z, value, zbar, block, directions, axes, axisCount);
}
