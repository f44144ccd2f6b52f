#include "cpu_level.h"

int pdekit_cpu_simd_level(void) {
    static int cached = -1;
    int l = cached;
    if (l < 0) {
        l = 0;
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) l = 2;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) l = 1;
#endif
        cached = l;
    }
    return l;
}
