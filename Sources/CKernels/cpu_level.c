#include "cpu_level.h"
#include "CKernels.h"
#include <stdlib.h>

/* 2: AVX-512 (F, DQ, VL), 1: AVX2 + FMA, 0: baseline; every kernel family dispatches on this.
   PDEKIT_SIMD_LEVEL=0|1|2 caps it for the whole process, so the narrower variants run (and are
   tested: scripts/kernel-levels-check.sh) on a wider machine. A cap above the CPU's level is ignored. */
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
        const char *cap = getenv("PDEKIT_SIMD_LEVEL");
        if (cap && cap[0] >= '0' && cap[0] <= '2' && cap[1] == 0 && cap[0] - '0' < l) l = cap[0] - '0';
        cached = l;
    }
    return l;
}

int pdekit_kernels_simd_level(void) { return pdekit_cpu_simd_level(); }
