#ifndef PDEKIT_CKERNELS_CONVOLUTION_H
#define PDEKIT_CKERNELS_CONVOLUTION_H
/*
 * Direct (im2col-free) convolution kernels for small channel counts, Float and Double, runtime-dispatched
 * (AVX-512 / AVX2+FMA / baseline) like the elementwise kernels in CKernels.h.
 *
 * TensorCore lays every convolution out so that it becomes a stride-1 "multi-offset correlation" over a
 * flattened, zero-padded (and, for strided axes, phase-split) buffer; positions m are contiguous:
 *
 *   corr:   out[a·ocs + m]  = Σ_{b<cin} Σ_{t<taps} w[a·wsOut + b·wsIn + wtap[t]] · in[b·ics + off[t] + m],
 *           a < cout, 0 ≤ m < length
 *   wgrad:  wg[(a·cin + b)·taps + t] += Σ_{0 ≤ m < ⌈length⌉₁₆} g[a·gcs + m] · in[b·ics + off[t] + m]
 *
 * Contracts (the caller's buffers, nothing is checked):
 *   corr:  in must be readable for every index b·ics + off[t] + m with m < ⌈length⌉₁₆ (values past
 *          `length` only reach discarded lanes); out[a·ocs + m] is written for m < length only.
 *   wgrad: g and in readable up to m < ⌈length⌉₁₆, g zero for length ≤ m < ⌈length⌉₁₆ (the lanes past
 *          the end must contribute nothing); wg is accumulated into (+=).
 * Registers: corr keeps an (output-channel block × position block) tile of accumulators; wgrad keeps an
 * (output-channel block × tap block) tile and streams the positions.
 *
 * Layout helpers (one sample, all channels c0 ≤ c < c1; sizes are z, y, x with leading 1s for 1-D/2-D):
 *   phase_pack:  xq[c·ics + ((rz·sy + ry)·sx + rx)·I + (mz·Yq + my)·Xq + mx] = x[c, s·m + r − p]
 *                (zero outside x), I = Zq·Yq·Xq, 0 ≤ r < s, m < (Zq, Yq, Xq); every element of
 *                xq[c·ics …(c+1)·ics) is written.
 *   embed:       dst[c·dcs + ((z+oz)·dy + (y+oy))·dx + (x+ox)] = src[c, z, y, x] for z,y,x < count,
 *                with src of extent `source`; every other element of dst[c·dcs …(c+1)·dcs) is zero.
 *   extract:     dst[c, z, y, x] = src[c·scs + (z·sy + y)·sx + x] for z,y,x < count (dst dense, extent count).
 *   scatter:     dst[c, s·m + r − p] = src[c·scs + (mz·sy + my)·sx + mx] where that index is inside
 *                dst's extent `size`; src == NULL writes zeros there.
 */
#include <stddef.h>

void pdekit_conv_corr_f32(const float *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,
                          const float *w, ptrdiff_t wsOut, ptrdiff_t wsIn, const ptrdiff_t *wtap,
                          float *out, ptrdiff_t ocs, int cout, ptrdiff_t length);
void pdekit_conv_corr_f64(const double *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,
                          const double *w, ptrdiff_t wsOut, ptrdiff_t wsIn, const ptrdiff_t *wtap,
                          double *out, ptrdiff_t ocs, int cout, ptrdiff_t length);
void pdekit_conv_wgrad_f32(const float *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,
                           const float *g, ptrdiff_t gcs, int cout, ptrdiff_t length, float *wg);
void pdekit_conv_wgrad_f64(const double *in, ptrdiff_t ics, int cin, const ptrdiff_t *off, int taps,
                           const double *g, ptrdiff_t gcs, int cout, ptrdiff_t length, double *wg);

/* size, padding, stride: [3] (z, y, x) of the unpadded input; q: [3] = (Zq, Yq, Xq). */
void pdekit_conv_phase_pack_f32(const float *x, const ptrdiff_t *size, const ptrdiff_t *padding, const ptrdiff_t *stride,
                                const ptrdiff_t *q, float *xq, ptrdiff_t ics, int c0, int c1);
void pdekit_conv_phase_pack_f64(const double *x, const ptrdiff_t *size, const ptrdiff_t *padding, const ptrdiff_t *stride,
                                const ptrdiff_t *q, double *xq, ptrdiff_t ics, int c0, int c1);
/* source, count, offset, dims: [3]. */
void pdekit_conv_embed_f32(const float *src, const ptrdiff_t *source, const ptrdiff_t *count, const ptrdiff_t *offset,
                           const ptrdiff_t *dims, float *dst, ptrdiff_t dcs, int c0, int c1);
void pdekit_conv_embed_f64(const double *src, const ptrdiff_t *source, const ptrdiff_t *count, const ptrdiff_t *offset,
                           const ptrdiff_t *dims, double *dst, ptrdiff_t dcs, int c0, int c1);
/* pitch: [3] = (unused, sy, sx) row pitches of src; count: [3]. */
void pdekit_conv_extract_f32(const float *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *count,
                             float *dst, int c0, int c1);
void pdekit_conv_extract_f64(const double *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *count,
                             double *dst, int c0, int c1);
/* m: [3] phase extents, phase r: [3], stride, padding, size: [3] of dst. */
void pdekit_conv_scatter_f32(const float *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *m,
                             const ptrdiff_t *r, const ptrdiff_t *stride, const ptrdiff_t *padding,
                             const ptrdiff_t *size, float *dst, int c0, int c1);
void pdekit_conv_scatter_f64(const double *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *m,
                             const ptrdiff_t *r, const ptrdiff_t *stride, const ptrdiff_t *padding,
                             const ptrdiff_t *size, double *dst, int c0, int c1);

#endif
