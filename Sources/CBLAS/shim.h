/* OpenBLAS CBLAS and LAPACKE.
   C99 `float _Complex` does not import into Swift: these two defines make LAPACKE use
   struct complex types (`_lapack_complex_float`, `_lapack_complex_double`). */
#define HAVE_LAPACK_CONFIG_H 1
#define LAPACK_COMPLEX_STRUCTURE 1
#include <cblas.h>
#include <lapacke.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here for clarity of intent). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
