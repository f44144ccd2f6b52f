/* Template of the direct-convolution kernels for one precision and one instruction set; included by
   convolution.c with REAL, VEC (a GCC vector of REAL), LANES (its length), MAXACC (accumulator vectors
   the register file holds with room to spare), ATTR (target attribute) and FN(name) defined.
   See CKernelsConvolution.h for what the kernels compute. */

static inline __attribute__((always_inline)) VEC FN(load)(const REAL *p) { VEC v; memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void FN(store)(REAL *p, VEC v) { memcpy(p, &v, sizeof v); }
static inline __attribute__((always_inline)) REAL FN(hsum)(VEC v) {
    REAL s = 0;
    for (int i = 0; i < LANES; i++) s += v[i];
    return s;
}

/* Position blocks per output-channel block: OB·NX accumulators. */
#define FN_NX(OB) ((MAXACC) / (OB) < 1 ? 1 : ((MAXACC) / (OB) > 6 ? 6 : (MAXACC) / (OB)))

/* One block of OB output channels over all positions; wp = packed weights [cin][taps][OB]. */
static inline __attribute__((always_inline)) void FN(corr_tile)(const REAL *in, ptrdiff_t ics, int cin, const ptrdiff_t *off,
                                                                 int taps, const REAL *wp, REAL *out, ptrdiff_t ocs,
                                                                 ptrdiff_t length, const int OB, const int NX) {
    ptrdiff_t m = 0;
    const ptrdiff_t step = (ptrdiff_t)NX * LANES;
    for (; m + step <= length; m += step) {
        VEC acc[8][6];   /* fixed sizes (not VLAs) so that the used entries live in registers */
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
            for (int j = 0; j < NX; j++) acc[o][j] = (VEC){0};
        const REAL *wq = wp;
        for (int b = 0; b < cin; b++) {
            const REAL *src = in + (ptrdiff_t)b * ics + m;
            for (int t = 0; t < taps; t++, wq += OB) {
                const REAL *s = src + off[t];
                VEC v[6];
#pragma clang loop unroll(full)
                for (int j = 0; j < NX; j++) v[j] = FN(load)(s + j * LANES);
#pragma clang loop unroll(full)
                for (int o = 0; o < OB; o++) {
                    VEC wv = wq[o] - (VEC){0};
#pragma clang loop unroll(full)
                    for (int j = 0; j < NX; j++) acc[o][j] += wv * v[j];
                }
            }
        }
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
            for (int j = 0; j < NX; j++) FN(store)(out + (ptrdiff_t)o * ocs + m + j * LANES, acc[o][j]);
    }
    for (; m < length; m += LANES) {
        VEC acc[8];
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++) acc[o] = (VEC){0};
        const REAL *wq = wp;
        for (int b = 0; b < cin; b++) {
            const REAL *src = in + (ptrdiff_t)b * ics + m;
            for (int t = 0; t < taps; t++, wq += OB) {
                VEC v = FN(load)(src + off[t]);
#pragma clang loop unroll(full)
                for (int o = 0; o < OB; o++) acc[o] += (wq[o] - (VEC){0}) * v;
            }
        }
        ptrdiff_t rest = length - m < LANES ? length - m : LANES;
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++) {
            if (rest == LANES) FN(store)(out + (ptrdiff_t)o * ocs + m, acc[o]);
            else for (ptrdiff_t i = 0; i < rest; i++) out[(ptrdiff_t)o * ocs + m + i] = acc[o][i];
        }
    }
}

static inline __attribute__((always_inline)) void FN(corr_run)(const REAL *in, ptrdiff_t ics, int cin, const ptrdiff_t *off,
                                                                int taps, const REAL *w, ptrdiff_t wsOut, ptrdiff_t wsIn,
                                                                const ptrdiff_t *wtap, REAL *out, ptrdiff_t ocs, int cout,
                                                                ptrdiff_t length, REAL *wp, const int OB) {
    /* Blocks of OB channels; the last one is shifted back to end at cout (it recomputes, and rewrites
       with identical values, up to OB − 1 channels of the previous block). */
    for (int a0 = 0; a0 < cout; a0 += OB) {
        int first = a0 + OB <= cout ? a0 : cout - OB;
        REAL *q = wp;
        for (int b = 0; b < cin; b++)
            for (int t = 0; t < taps; t++)
                for (int o = 0; o < OB; o++) *q++ = w[(ptrdiff_t)(first + o) * wsOut + (ptrdiff_t)b * wsIn + wtap[t]];
        FN(corr_tile)(in, ics, cin, off, taps, wp, out + (ptrdiff_t)first * ocs, ocs, length, OB, FN_NX(OB));
    }
}

static ATTR void FN(corr)(const REAL *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps, const REAL *w,
                          ptrdiff_t wsOut, ptrdiff_t wsIn, const ptrdiff_t *wtap, REAL *out, ptrdiff_t ocs, int cout,
                          ptrdiff_t length, REAL *wp, int ob) {
    switch (ob) {
    case 1: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 1); break;
    case 2: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 2); break;
    case 3: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 3); break;
    case 4: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 4); break;
    case 5: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 5); break;
    case 6: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 6); break;
    case 7: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 7); break;
    default: FN(corr_run)(in, ics, cin, off, taps, w, wsOut, wsIn, wtap, out, ocs, cout, length, wp, 8); break;
    }
}

/* res[a][t] = Σ_{m<n} g[a·gcs + m] · in[off[t] + m] for OA channels and TB taps; n a multiple of LANES. */
static inline __attribute__((always_inline)) void FN(wgrad_tile)(const REAL *in, const ptrdiff_t *off, const REAL *g,
                                                                  ptrdiff_t gcs, ptrdiff_t n, REAL *res,
                                                                  const int OA, const int TB) {
    VEC acc[6][9];
    const REAL *p[9];
#pragma clang loop unroll(full)
    for (int t = 0; t < TB; t++) p[t] = in + off[t];
#pragma clang loop unroll(full)
    for (int a = 0; a < OA; a++)
#pragma clang loop unroll(full)
        for (int t = 0; t < TB; t++) acc[a][t] = (VEC){0};
    for (ptrdiff_t m = 0; m < n; m += LANES) {
        VEC gv[6];
#pragma clang loop unroll(full)
        for (int a = 0; a < OA; a++) gv[a] = FN(load)(g + (ptrdiff_t)a * gcs + m);
#pragma clang loop unroll(full)
        for (int t = 0; t < TB; t++) {
            VEC xv = FN(load)(p[t] + m);
#pragma clang loop unroll(full)
            for (int a = 0; a < OA; a++) acc[a][t] += gv[a] * xv;
        }
    }
#pragma clang loop unroll(full)
    for (int a = 0; a < OA; a++)
#pragma clang loop unroll(full)
        for (int t = 0; t < TB; t++) res[a * TB + t] = FN(hsum)(acc[a][t]);
}

/* All channel blocks (OA, shifted last block whose repeated channels are skipped) for taps t0…t0+TB−1. */
static inline __attribute__((always_inline)) void FN(wgrad_run)(const REAL *in, ptrdiff_t ics, int cin, const ptrdiff_t *off,
                                                                 int taps, int t0, const REAL *g, ptrdiff_t gcs, int cout,
                                                                 ptrdiff_t n, REAL *wg, const int OA, const int TB) {
    REAL res[54];
    for (int b = 0; b < cin; b++) {
        for (int a0 = 0; a0 < cout; a0 += OA) {
            int first = a0 + OA <= cout ? a0 : cout - OA;
            FN(wgrad_tile)(in + (ptrdiff_t)b * ics, off + t0, g + (ptrdiff_t)first * gcs, gcs, n, res, OA, TB);
            for (int a = a0 - first; a < OA; a++)
                for (int t = 0; t < TB; t++) wg[((ptrdiff_t)(first + a) * cin + b) * taps + t0 + t] += res[a * TB + t];
        }
    }
}

#define FN_WG_CASE(TBV, OAV) case (TBV) * 8 + (OAV): \
    FN(wgrad_run)(in, ics, cin, off, taps, t0, g, gcs, cout, n, wg, OAV, TBV); break;

static ATTR void FN(wgrad)(const REAL *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps, int t0, int tb, int oa,
                           const REAL *g, ptrdiff_t gcs, int cout, ptrdiff_t n, REAL *wg) {
    switch (tb * 8 + oa) {
    FN_WG_CASE(9, 1) FN_WG_CASE(9, 2)
    FN_WG_CASE(8, 1) FN_WG_CASE(8, 2) FN_WG_CASE(8, 3)
    FN_WG_CASE(4, 1) FN_WG_CASE(4, 2) FN_WG_CASE(4, 3) FN_WG_CASE(4, 4) FN_WG_CASE(4, 6)
    FN_WG_CASE(3, 1) FN_WG_CASE(3, 2) FN_WG_CASE(3, 3) FN_WG_CASE(3, 4) FN_WG_CASE(3, 6)
    FN_WG_CASE(2, 1) FN_WG_CASE(2, 2) FN_WG_CASE(2, 3) FN_WG_CASE(2, 4) FN_WG_CASE(2, 6)
    FN_WG_CASE(1, 1) FN_WG_CASE(1, 2) FN_WG_CASE(1, 3) FN_WG_CASE(1, 4) FN_WG_CASE(1, 6)
    default: break;
    }
}
#undef FN_WG_CASE
#undef FN_NX
