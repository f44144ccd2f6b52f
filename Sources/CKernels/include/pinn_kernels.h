#ifndef PDEKIT_PINN_KERNELS_H
#define PDEKIT_PINN_KERNELS_H
/*
 * Float64 kernels of the PINN Taylor-jet path (PhysicsInformed.TaylorJetPropagation), compiled for
 * AVX-512, AVX2+FMA and baseline x86-64 and chosen at run time, like the kernels in CKernels.h.
 *
 *   tanh:        y = tanh(x) = e/(e + 2) with e = expm1(2|x|), sign restored; expm1 by
 *                Cody–Waite reduction 2|x| = k ln2 + r, |r| ≤ ln2/2, and a degree-13 Taylor
 *                polynomial, expm1 = 2^k expm1(r) + (2^k − 1). A few ulp of libm over the whole range.
 *   small GEMMs: row-major, for the narrow (≤ a few hundred columns) matrices of PINN layers, without
 *                OpenBLAS's packing of the tall operand and its separate β = 0 pass over C.
 *                nn: C[m×n] = A[m×k] B[k×n];  tn: C[k×n] = A[m×k]ᵀ B[m×n]  (C overwritten).
 *   jets:        the elementwise parts of one tanh layer of TaylorJetPropagation (see the Swift doc).
 *                Stacks hold blocks of `block` = points × width values: the value block, then d
 *                first-derivative blocks, then one second-derivative block per entry of `axes`.
 */
#include <stddef.h>

void pdekit_tanh_f64(const double *x, double *y, ptrdiff_t count);

void pdekit_gemm_nn_f64(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t lda,
                        const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc);
void pdekit_gemm_tn_f64(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t lda,
                        const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc);

/* Forward: from the pre-activation stack z, the activation stack a (same layout):
 * a = tanh z0;  ȧ_i = σ' ż_i;  ä_j = σ'' ż_{axes[j]}² + σ' z̈_j,  σ' = 1 − a², σ'' = −2aσ'. */
void pdekit_tanh_jet_forward_f64(const double *z, double *a, ptrdiff_t block, int directions, const int *axes, int axisCount);
/* Reverse: from ā (activation-stack cotangent), the z stack and the value block a (σ', σ'' are
 * recomputed from a: fewer bytes to store and reload than keeping them), the z̄ stack.
 * z̄0 = ā0 σ' + Σ_i ā̇_i σ'' ż_i + Σ_j ǟ_j (σ''' ż² + σ'' z̈_j);  ż̄_i = ā̇_i σ' + 2 Σ_{j: axes[j]=i} ǟ_j σ'' ż_i;
 * z̈̄_j = ǟ_j σ',  σ''' = (4a² − 2σ')σ'. */
void pdekit_tanh_jet_backward_f64(const double *abar, const double *z, const double *value, double *zbar,
                                  ptrdiff_t block, int directions, const int *axes, int axisCount);

#endif
