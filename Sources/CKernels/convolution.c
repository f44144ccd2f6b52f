/* Direct convolution kernels (see include/CKernelsConvolution.h): a multi-offset correlation with a
 * register tile of (output channels × positions) and a weight-gradient reduction with a register tile
 * of (output channels × taps), for Float and Double, compiled for AVX-512, AVX2+FMA and baseline x86-64
 * and chosen at run time from the CPU. */
#include "cpu_level.h"
#include "CKernelsConvolution.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#pragma clang diagnostic ignored "-Wpsabi"

typedef float cv16f __attribute__((vector_size(64)));
typedef float cv8f __attribute__((vector_size(32)));
typedef float cv4f __attribute__((vector_size(16)));
typedef double cv8d __attribute__((vector_size(64)));
typedef double cv4d __attribute__((vector_size(32)));
typedef double cv2d __attribute__((vector_size(16)));

#if defined(__x86_64__)
#define CONV_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,fma,avx2")))
#define CONV_AVX2 __attribute__((target("avx2,fma")))

#define REAL float
#define VEC cv16f
#define LANES 16
#define MAXACC 24
#define ATTR CONV_AVX512
#define FN(name) conv_##name##_f32_avx512
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef ATTR
#undef FN
#define VEC cv8f
#define LANES 8
#define MAXACC 12
#define ATTR CONV_AVX2
#define FN(name) conv_##name##_f32_avx2
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef ATTR
#undef FN
#undef REAL

#define REAL double
#define VEC cv8d
#define LANES 8
#define MAXACC 24
#define ATTR CONV_AVX512
#define FN(name) conv_##name##_f64_avx512
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef ATTR
#undef FN
#define VEC cv4d
#define LANES 4
#define MAXACC 12
#define ATTR CONV_AVX2
#define FN(name) conv_##name##_f64_avx2
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef ATTR
#undef FN
#undef REAL
#endif

#define ATTR
#define REAL float
#define VEC cv4f
#define LANES 4
#define MAXACC 12
#define FN(name) conv_##name##_f32_generic
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef FN
#undef REAL
#define REAL double
#define VEC cv2d
#define LANES 2
#define MAXACC 12
#define FN(name) conv_##name##_f64_generic
#include "convolution_impl.h"
#undef VEC
#undef LANES
#undef MAXACC
#undef FN
#undef REAL
#undef ATTR

/* 2: AVX-512, 1: AVX2+FMA, 0: baseline. PDEKIT_CONVOLUTION_ISA=0|1|2 caps the level (to test the
   narrower variants on a wider machine). */
static int conv_level(void) {
    static int cached = -1;
    int l = cached;
    if (l < 0) {
        l = pdekit_cpu_simd_level();
        const char *cap = getenv("PDEKIT_CONVOLUTION_ISA");
        if (cap && cap[0] >= '0' && cap[0] <= '2' && cap[0] - '0' < l) l = cap[0] - '0';
        cached = l;
    }
    return l;
}

static int conv_maxacc(void) { return conv_level() == 2 ? 24 : 12; }

/* Output-channel block of the correlation: 1…8 channels, fewest computed channels, then the largest. */
static int conv_choose_ob(int cout) {
    int best = 1, bestWork = cout;
    for (int ob = 1; ob <= 8 && ob <= cout; ob++) {
        int work = (cout + ob - 1) / ob * ob;
        if (work <= bestWork) { best = ob; bestWork = work; }
    }
    return best;
}

/* Output-channel block of the weight gradient for tb taps, from {1, 2, 3, 4, 6}. */
static int conv_choose_oa(int cout, int tb) {
    int limit = conv_maxacc() / tb;
    if (limit > 6) limit = 6;
    if (limit < 1) limit = 1;
    static const int options[5] = {1, 2, 3, 4, 6};
    int best = 1, bestWork = cout;
    for (int i = 0; i < 5; i++) {
        int oa = options[i];
        if (oa > limit || oa > cout) break;
        int work = (cout + oa - 1) / oa * oa;
        if (work <= bestWork) { best = oa; bestWork = work; }
    }
    return best;
}

/* Tap block for the weight gradient: 9 or 8 when they divide the tap count, else the largest of
   {9, 8, 4, 3, 2, 1} that fits in what remains. */
static int conv_choose_tb(int taps, int remaining) {
    if (taps % 9 == 0) return 9;
    if (taps % 8 == 0) return 8;
    static const int options[6] = {9, 8, 4, 3, 2, 1};
    for (int i = 0; i < 6; i++) if (options[i] <= remaining) return options[i];
    return 1;
}

#define CONV_DISPATCH(SUFFIX, REALT)                                                                                      \
void pdekit_conv_corr_##SUFFIX(const REALT *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,                   \
                               const REALT *w, ptrdiff_t wsOut, ptrdiff_t wsIn, const ptrdiff_t *wtap,                    \
                               REALT *out, ptrdiff_t ocs, int cout, ptrdiff_t length) {                                   \
    if (cout <= 0 || length <= 0) return;                                                                                 \
    int ob = conv_choose_ob(cout);                                                                                        \
    REALT *wp = malloc(sizeof(REALT) * (size_t)(cin > 0 ? cin : 1) * (size_t)(taps > 0 ? taps : 1) * (size_t)ob);          \
    if (!wp) abort();                                                                                                     \
    switch (conv_level()) {                                                                                               \
    case 2: CONV_X86(conv_corr_##SUFFIX##_avx512(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, ob)); break; \
    case 1: CONV_X86(conv_corr_##SUFFIX##_avx2(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, ob)); break;   \
    default: conv_corr_##SUFFIX##_generic(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, ob); break;         \
    }                                                                                                                     \
    free(wp);                                                                                                             \
}                                                                                                                         \
void pdekit_conv_wgrad_##SUFFIX(const REALT *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,                  \
                                const REALT *g, ptrdiff_t gcs, int cout, ptrdiff_t length, REALT *wg) {                   \
    if (cout <= 0 || length <= 0) return;                                                                                 \
    ptrdiff_t n = (length + 15) / 16 * 16;                                                                                \
    int level = conv_level();                                                                                             \
    for (int t0 = 0; t0 < taps;) {                                                                                        \
        int tb = conv_choose_tb(taps, taps - t0);                                                                         \
        int oa = conv_choose_oa(cout, tb);                                                                                \
        switch (level) {                                                                                                  \
        case 2: CONV_X86(conv_wgrad_##SUFFIX##_avx512(in, ics, cin, off, taps, t0, tb, oa, g, gcs, cout, n, wg)); break;  \
        case 1: CONV_X86(conv_wgrad_##SUFFIX##_avx2(in, ics, cin, off, taps, t0, tb, oa, g, gcs, cout, n, wg)); break;    \
        default: conv_wgrad_##SUFFIX##_generic(in, ics, cin, off, taps, t0, tb, oa, g, gcs, cout, n, wg); break;          \
        }                                                                                                                 \
        t0 += tb;                                                                                                         \
    }                                                                                                                     \
}

#if defined(__x86_64__)
#define CONV_X86(call) call
#else
#define CONV_X86(call) ((void)0)
#endif
CONV_DISPATCH(f32, float)
CONV_DISPATCH(f64, double)

#define REAL float
#define LNAME(name) pdekit_conv_##name##_f32
#include "convolution_layout_impl.h"
#undef REAL
#undef LNAME
#define REAL double
#define LNAME(name) pdekit_conv_##name##_f64
#include "convolution_layout_impl.h"
#undef REAL
#undef LNAME
