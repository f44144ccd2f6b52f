/* glibc's malloc tuning interface (mallopt), for AllocatorTuning in TensorCore. */
#include <malloc.h>
