/* Template of the pruned 2-D real transforms for one precision; included by pruned_fft.c with
   REAL, FFTW(name) and NAME(name) defined. */

struct NAME(plan) {
    int n1, n2, m1, m2, nc;
    FFTW(plan) rows_forward, columns_forward, columns_backward, rows_backward;
};

void *NAME(create)(int n1, int n2, int m1, int m2, unsigned flags) {
    struct NAME(plan) *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    int nc = n2 / 2 + 1;
    p->n1 = n1; p->n2 = n2; p->m1 = m1; p->m2 = m2; p->nc = nc;
    REAL *real = FFTW(malloc)(sizeof(REAL) * (size_t)n1 * (size_t)n2);
    FFTW(complex) *spectrum = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)n1 * (size_t)nc);
    /* Rows: n1 transforms of length n2, r2c and c2r. */
    p->rows_forward = FFTW(plan_many_dft_r2c)(1, &n2, n1, real, NULL, 1, n2, spectrum, NULL, 1, nc, flags);
    p->rows_backward = FFTW(plan_many_dft_c2r)(1, &n2, n1, spectrum, NULL, 1, nc, real, NULL, 1, n2, flags | FFTW_DESTROY_INPUT);
    /* Columns 0…m2−1 of the half spectrum: m2 transforms of length n1, stride nc, in place. */
    p->columns_forward = FFTW(plan_many_dft)(1, &n1, m2, spectrum, NULL, nc, 1, spectrum, NULL, nc, 1, FFTW_FORWARD, flags);
    p->columns_backward = FFTW(plan_many_dft)(1, &n1, m2, spectrum, NULL, nc, 1, spectrum, NULL, nc, 1, FFTW_BACKWARD, flags);
    FFTW(free)(real);
    FFTW(free)(spectrum);
    if (!p->rows_forward || !p->rows_backward || !p->columns_forward || !p->columns_backward) return NULL;
    return p;
}

/* Retained rows: 0…m1−1, then n1−m1…n1−1 (index i of 2·m1). */
static inline int NAME(row)(const struct NAME(plan) *p, int i) { return i < p->m1 ? i : p->n1 - 2 * p->m1 + i; }

void NAME(forward)(const void *plan, const REAL *x, REAL *modes, ptrdiff_t first, ptrdiff_t last) {
    const struct NAME(plan) *p = plan;
    size_t count = (size_t)p->n1 * (size_t)p->n2, k = (size_t)(2 * p->m1) * (size_t)p->m2;
    REAL *real = FFTW(malloc)(sizeof(REAL) * count);
    FFTW(complex) *spectrum = FFTW(malloc)(sizeof(FFTW(complex)) * (size_t)p->n1 * (size_t)p->nc);
    for (ptrdiff_t item = first; item < last; item++) {
        memcpy(real, x + (size_t)item * count, sizeof(REAL) * count);
        FFTW(execute_dft_r2c)(p->rows_forward, real, spectrum);
        FFTW(execute_dft)(p->columns_forward, spectrum, spectrum);
        REAL *out = modes + 2 * (size_t)item * k;
        for (int i = 0; i < 2 * p->m1; i++) {
            const FFTW(complex) *source = spectrum + (size_t)NAME(row)(p, i) * (size_t)p->nc;
            memcpy(out + 2 * (size_t)i * (size_t)p->m2, source, sizeof(FFTW(complex)) * (size_t)p->m2);
        }
    }
    FFTW(free)(real);
    FFTW(free)(spectrum);
}

void NAME(inverse)(const void *plan, const REAL *modes, REAL *x, ptrdiff_t first, ptrdiff_t last) {
    const struct NAME(plan) *p = plan;
    size_t count = (size_t)p->n1 * (size_t)p->n2, k = (size_t)(2 * p->m1) * (size_t)p->m2;
    size_t spectral = (size_t)p->n1 * (size_t)p->nc;
    REAL *real = FFTW(malloc)(sizeof(REAL) * count);
    FFTW(complex) *spectrum = FFTW(malloc)(sizeof(FFTW(complex)) * spectral);
    for (ptrdiff_t item = first; item < last; item++) {
        memset(spectrum, 0, sizeof(FFTW(complex)) * spectral);
        const REAL *in = modes + 2 * (size_t)item * k;
        for (int i = 0; i < 2 * p->m1; i++) {
            FFTW(complex) *destination = spectrum + (size_t)NAME(row)(p, i) * (size_t)p->nc;
            memcpy(destination, in + 2 * (size_t)i * (size_t)p->m2, sizeof(FFTW(complex)) * (size_t)p->m2);
        }
        FFTW(execute_dft)(p->columns_backward, spectrum, spectrum);
        FFTW(execute_dft_c2r)(p->rows_backward, spectrum, real);
        memcpy(x + (size_t)item * count, real, sizeof(REAL) * count);
    }
    FFTW(free)(real);
    FFTW(free)(spectrum);
}
