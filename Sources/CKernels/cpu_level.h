/* Run-time SIMD level shared by every kernel file of CKernels (internal header). */
#ifndef PDEKIT_CKERNELS_CPU_LEVEL_H
#define PDEKIT_CKERNELS_CPU_LEVEL_H

/* 2: AVX-512 (F, DQ, VL), 1: AVX2 + FMA, 0: baseline. Detected once and cached. */
int pdekit_cpu_simd_level(void);

#endif
