/* Template of the pruned 2-D real transforms for one precision; included by pruned_fft.c with
   REAL, FFTW(name) and NAME(name) defined. */

struct NAME(plan) {
    int n1, n2, m1, m2, pairs;
    FFTW(plan) rows_forward, rows_backward, columns_forward, columns_backward;
};

void *NAME(create)(int n1, int n2, int m1, int m2, unsigned flags) {
    struct NAME(plan) *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    int pairs = (n1 + 1) / 2;
    p->n1 = n1; p->n2 = n2; p->m1 = m1; p->m2 = m2; p->pairs = pairs;
    /* Planned on FFTW-allocated arrays, like the ones every execution uses (same alignment class). */
    FFTW(complex) *packed = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)pairs * (size_t)n2);
    FFTW(complex) *rows = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)pairs * (size_t)n2);
    FFTW(complex) *compact = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)n1 * (size_t)m2);
    FFTW(complex) *columns = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)n1 * (size_t)m2);
    if (packed && rows && compact && columns) {
        /* Rows: `pairs` complex transforms of length n2, contiguous, out of place. */
        p->rows_forward = FFTW(plan_many_dft)(1, &n2, pairs, packed, NULL, 1, n2, rows, NULL, 1, n2, FFTW_FORWARD, flags);
        p->rows_backward = FFTW(plan_many_dft)(1, &n2, pairs, rows, NULL, 1, n2, packed, NULL, 1, n2, FFTW_BACKWARD,
                                               flags | FFTW_DESTROY_INPUT);
        /* Columns of the compact n1 × m2 spectrum: m2 transforms of length n1, stride m2, out of place
           (FFTW's estimate plans in-place strided transforms of sizes like 72 or 96 three times slower). */
        p->columns_forward = FFTW(plan_many_dft)(1, &n1, m2, compact, NULL, m2, 1, columns, NULL, m2, 1, FFTW_FORWARD, flags);
        p->columns_backward = FFTW(plan_many_dft)(1, &n1, m2, columns, NULL, m2, 1, compact, NULL, m2, 1, FFTW_BACKWARD, flags);
    }
    FFTW(free)(packed);
    FFTW(free)(rows);
    FFTW(free)(compact);
    FFTW(free)(columns);
    if (!p->rows_forward || !p->rows_backward || !p->columns_forward || !p->columns_backward) return NULL;
    return p;
}

/* Retained rows: 0…m1−1, then n1−m1…n1−1 (index i of 2·m1). */
static inline int NAME(row)(const struct NAME(plan) *p, int i) { return i < p->m1 ? i : p->n1 - 2 * p->m1 + i; }

/* Work arrays of one call (FFTW-allocated, so aligned like the planning arrays). */
struct NAME(work) { FFTW(complex) *packed, *rows, *compact, *columns; };

static int NAME(work_allocate)(const struct NAME(plan) *p, struct NAME(work) *w) {
    w->packed = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)p->pairs * (size_t)p->n2);
    w->rows = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)p->pairs * (size_t)p->n2);
    w->compact = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)p->n1 * (size_t)p->m2);
    w->columns = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)p->n1 * (size_t)p->m2);
    return w->packed && w->rows && w->compact && w->columns;
}

static void NAME(work_free)(struct NAME(work) *w) {
    FFTW(free)(w->packed);
    FFTW(free)(w->rows);
    FFTW(free)(w->compact);
    FFTW(free)(w->columns);
}

int NAME(forward)(const void *plan, const REAL *x, REAL *modes, ptrdiff_t first, ptrdiff_t last) {
    const struct NAME(plan) *p = plan;
    const int n1 = p->n1, n2 = p->n2, m2 = p->m2;
    const size_t count = (size_t)n1 * (size_t)n2, k = (size_t)(2 * p->m1) * (size_t)m2;
    struct NAME(work) w;
    if (!NAME(work_allocate)(p, &w)) { NAME(work_free)(&w); return -1; }
    for (ptrdiff_t item = first; item < last; item++) {
        const REAL *field = x + (size_t)item * count;
        /* z_p = x_{2p} + i x_{2p+1} (a zero imaginary row after an odd last row). */
        for (int pair = 0; pair < p->pairs; pair++) {
            const REAL *a = field + (size_t)(2 * pair) * (size_t)n2;
            const REAL *b = 2 * pair + 1 < n1 ? a + n2 : NULL;
            FFTW(complex) *z = w.packed + (size_t)pair * (size_t)n2;
            if (b) { for (int j = 0; j < n2; j++) { z[j][0] = a[j]; z[j][1] = b[j]; } }
            else { for (int j = 0; j < n2; j++) { z[j][0] = a[j]; z[j][1] = 0; } }
        }
        FFTW(execute_dft)(p->rows_forward, w.packed, w.rows);
        /* A[k] = (Z[k] + conj Z[−k]) / 2,  B[k] = (Z[k] − conj Z[−k]) / 2i  for the kept columns k < m2. */
        for (int pair = 0; pair < p->pairs; pair++) {
            const FFTW(complex) *z = w.rows + (size_t)pair * (size_t)n2;
            FFTW(complex) *a = w.compact + (size_t)(2 * pair) * (size_t)m2;
            FFTW(complex) *b = 2 * pair + 1 < n1 ? a + m2 : NULL;
            for (int c = 0; c < m2; c++) {
                const int mirror = c == 0 ? 0 : n2 - c;
                const REAL zr = z[c][0], zi = z[c][1], yr = z[mirror][0], yi = -z[mirror][1];
                a[c][0] = (REAL)0.5 * (zr + yr);
                a[c][1] = (REAL)0.5 * (zi + yi);
                if (b) {
                    b[c][0] = (REAL)0.5 * (zi - yi);
                    b[c][1] = (REAL)0.5 * (yr - zr);
                }
            }
        }
        FFTW(execute_dft)(p->columns_forward, w.compact, w.columns);
        REAL *out = modes + 2 * (size_t)item * k;
        for (int i = 0; i < 2 * p->m1; i++) {
            memcpy(out + 2 * (size_t)i * (size_t)m2, w.columns + (size_t)NAME(row)(p, i) * (size_t)m2,
                   sizeof(FFTW(complex)) * (size_t)m2);
        }
    }
    NAME(work_free)(&w);
    return 0;
}

int NAME(inverse)(const void *plan, const REAL *modes, REAL *x, ptrdiff_t first, ptrdiff_t last) {
    const struct NAME(plan) *p = plan;
    const int n1 = p->n1, n2 = p->n2, m2 = p->m2;
    const size_t count = (size_t)n1 * (size_t)n2, k = (size_t)(2 * p->m1) * (size_t)m2;
    struct NAME(work) w;
    if (!NAME(work_allocate)(p, &w)) { NAME(work_free)(&w); return -1; }
    for (ptrdiff_t item = first; item < last; item++) {
        memset(w.columns, 0, sizeof(FFTW(complex)) * (size_t)n1 * (size_t)m2);
        const REAL *in = modes + 2 * (size_t)item * k;
        for (int i = 0; i < 2 * p->m1; i++) {
            memcpy(w.columns + (size_t)NAME(row)(p, i) * (size_t)m2, in + 2 * (size_t)i * (size_t)m2,
                   sizeof(FFTW(complex)) * (size_t)m2);
        }
        FFTW(execute_dft)(p->columns_backward, w.columns, w.compact);
        /* Z = Â + i B̂ with Â, B̂ the Hermitian extensions of rows 2p and 2p+1: Z[k] = A[k] + i B[k],
           Z[−k] = conj A[k] + i conj B[k]; the imaginary parts of the k = 0 and k = n2/2 bins are
           dropped (their Hermitian part), and the other bins are zero. */
        memset(w.rows, 0, sizeof(FFTW(complex)) * (size_t)p->pairs * (size_t)n2);
        for (int pair = 0; pair < p->pairs; pair++) {
            FFTW(complex) *z = w.rows + (size_t)pair * (size_t)n2;
            const FFTW(complex) *a = w.compact + (size_t)(2 * pair) * (size_t)m2;
            const FFTW(complex) *b = 2 * pair + 1 < n1 ? a + m2 : NULL;
            for (int c = 0; c < m2; c++) {
                const REAL ar = a[c][0], ai = a[c][1], br = b ? b[c][0] : 0, bi = b ? b[c][1] : 0;
                if (c == 0 || 2 * c == n2) {
                    z[c][0] = ar;
                    z[c][1] = br;
                } else {
                    z[c][0] = ar - bi;
                    z[c][1] = ai + br;
                    z[n2 - c][0] = ar + bi;
                    z[n2 - c][1] = br - ai;
                }
            }
        }
        FFTW(execute_dft)(p->rows_backward, w.rows, w.packed);
        REAL *field = x + (size_t)item * count;
        for (int pair = 0; pair < p->pairs; pair++) {
            const FFTW(complex) *z = w.packed + (size_t)pair * (size_t)n2;
            REAL *a = field + (size_t)(2 * pair) * (size_t)n2;
            for (int j = 0; j < n2; j++) a[j] = z[j][0];
            if (2 * pair + 1 < n1) {
                REAL *b = a + n2;
                for (int j = 0; j < n2; j++) b[j] = z[j][1];
            }
        }
    }
    NAME(work_free)(&w);
    return 0;
}
