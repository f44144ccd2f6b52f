/* Template of the layout helpers of the direct convolution for one precision; included by convolution.c
   with REAL and LNAME(name) defined. See CKernelsConvolution.h. */

void LNAME(phase_pack)(const REAL *x, const ptrdiff_t *size, const ptrdiff_t *padding, const ptrdiff_t *stride,
                       const ptrdiff_t *q, REAL *xq, ptrdiff_t ics, int c0, int c1) {
    const ptrdiff_t Sz = size[0], Sy = size[1], Sx = size[2];
    const ptrdiff_t pz = padding[0], py = padding[1], px = padding[2];
    const ptrdiff_t sz = stride[0], sy = stride[1], sx = stride[2];
    const ptrdiff_t Zq = q[0], Yq = q[1], Xq = q[2], image = Zq * Yq * Xq;
    for (int c = c0; c < c1; c++) {
        const REAL *xc = x + (ptrdiff_t)c * Sz * Sy * Sx;
        REAL *dc = xq + (ptrdiff_t)c * ics;
        REAL *d = dc;
        for (ptrdiff_t rz = 0; rz < sz; rz++) for (ptrdiff_t ry = 0; ry < sy; ry++) for (ptrdiff_t rx = 0; rx < sx; rx++) {
            /* Valid mx: 0 ≤ sx·mx + rx − px < Sx. */
            ptrdiff_t lo = px - rx <= 0 ? 0 : (px - rx + sx - 1) / sx;
            ptrdiff_t hi = Sx + px - rx <= 0 ? 0 : (Sx + px - rx + sx - 1) / sx;   /* first invalid */
            if (hi > Xq) hi = Xq;
            if (lo > hi) lo = hi;
            for (ptrdiff_t mz = 0; mz < Zq; mz++) {
                ptrdiff_t iz = sz * mz + rz - pz;
                for (ptrdiff_t my = 0; my < Yq; my++, d += Xq) {
                    ptrdiff_t iy = sy * my + ry - py;
                    if (iz < 0 || iz >= Sz || iy < 0 || iy >= Sy) { memset(d, 0, sizeof(REAL) * (size_t)Xq); continue; }
                    const REAL *row = xc + (iz * Sy + iy) * Sx;
                    for (ptrdiff_t mx = 0; mx < lo; mx++) d[mx] = 0;
                    if (sx == 1) memcpy(d + lo, row + lo + rx - px, sizeof(REAL) * (size_t)(hi - lo));
                    else for (ptrdiff_t mx = lo; mx < hi; mx++) d[mx] = row[sx * mx + rx - px];
                    for (ptrdiff_t mx = hi; mx < Xq; mx++) d[mx] = 0;
                }
            }
        }
        ptrdiff_t written = d - dc;
        if (written < ics) memset(d, 0, sizeof(REAL) * (size_t)(ics - written));
        (void)image;
    }
}

void LNAME(embed)(const REAL *src, const ptrdiff_t *source, const ptrdiff_t *count, const ptrdiff_t *offset,
                  const ptrdiff_t *dims, REAL *dst, ptrdiff_t dcs, int c0, int c1) {
    const ptrdiff_t dy = dims[1], dx = dims[2];
    const ptrdiff_t volume = source[0] * source[1] * source[2];
    for (int c = c0; c < c1; c++) {
        REAL *dc = dst + (ptrdiff_t)c * dcs;
        const REAL *sc = src + (ptrdiff_t)c * volume;
        memset(dc, 0, sizeof(REAL) * (size_t)dcs);
        for (ptrdiff_t z = 0; z < count[0]; z++)
            for (ptrdiff_t y = 0; y < count[1]; y++)
                memcpy(dc + ((z + offset[0]) * dy + (y + offset[1])) * dx + offset[2],
                       sc + (z * source[1] + y) * source[2], sizeof(REAL) * (size_t)count[2]);
    }
}

void LNAME(extract)(const REAL *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *count, REAL *dst, int c0, int c1) {
    const ptrdiff_t volume = count[0] * count[1] * count[2];
    for (int c = c0; c < c1; c++) {
        const REAL *sc = src + (ptrdiff_t)c * scs;
        REAL *dc = dst + (ptrdiff_t)c * volume;
        for (ptrdiff_t z = 0; z < count[0]; z++)
            for (ptrdiff_t y = 0; y < count[1]; y++)
                memcpy(dc + (z * count[1] + y) * count[2], sc + (z * pitch[1] + y) * pitch[2], sizeof(REAL) * (size_t)count[2]);
    }
}

void LNAME(scatter)(const REAL *src, ptrdiff_t scs, const ptrdiff_t *pitch, const ptrdiff_t *m, const ptrdiff_t *r,
                    const ptrdiff_t *stride, const ptrdiff_t *padding, const ptrdiff_t *size, REAL *dst, int c0, int c1) {
    const ptrdiff_t volume = size[0] * size[1] * size[2];
    const ptrdiff_t sx = stride[2], rx = r[2], px = padding[2], Sx = size[2];
    ptrdiff_t lo = px - rx <= 0 ? 0 : (px - rx + sx - 1) / sx;
    ptrdiff_t hi = Sx + px - rx <= 0 ? 0 : (Sx + px - rx + sx - 1) / sx;
    if (hi > m[2]) hi = m[2];
    if (lo > hi) lo = hi;
    for (int c = c0; c < c1; c++) {
        REAL *dc = dst + (ptrdiff_t)c * volume;
        const REAL *sc = src ? src + (ptrdiff_t)c * scs : NULL;
        for (ptrdiff_t mz = 0; mz < m[0]; mz++) {
            ptrdiff_t iz = stride[0] * mz + r[0] - padding[0];
            if (iz < 0 || iz >= size[0]) continue;
            for (ptrdiff_t my = 0; my < m[1]; my++) {
                ptrdiff_t iy = stride[1] * my + r[1] - padding[1];
                if (iy < 0 || iy >= size[1]) continue;
                REAL *row = dc + (iz * size[1] + iy) * Sx;
                const ptrdiff_t shift = rx - px;
                if (!sc) { for (ptrdiff_t mx = lo; mx < hi; mx++) row[sx * mx + shift] = 0; continue; }
                const REAL *s = sc + (mz * pitch[1] + my) * pitch[2];
                if (sx == 1) memcpy(row + lo + shift, s + lo, sizeof(REAL) * (size_t)(hi - lo));
                else for (ptrdiff_t mx = lo; mx < hi; mx++) row[sx * mx + shift] = s[mx];
            }
        }
    }
}
