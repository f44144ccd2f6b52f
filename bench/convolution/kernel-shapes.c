/* Single-thread CPU throughput of three formulations of a 3×3 (2-D) / 3×3×3 (3-D) stride-1 convolution
 * with C → C channels on an n^d grid (useful flops 2·C²·K·n^d per call):
 *   direct      pdekit_conv_corr_f32 (CKernels/convolution.c) on the zero-padded buffer
 *   shift-GEMM  one sgemm per tap, C_out×C_in times a shifted view of the padded buffer (ldb = channel stride)
 *   im2col+GEMM memcpy-based im2col from the padded buffer (a lower bound on the old path's im2col) + one sgemm
 * Build and run: see BENCHMARKS-mgno.md, Session 5. */
#include "CKernelsConvolution.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double cpu(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int C=atoi(argv[1]), D=atoi(argv[2]), n=atoi(argv[3]), reps=atoi(argv[4]); int taps = D==2?9:27;
  ptrdiff_t P=n+2, ics = D==2? P*P : P*P*P;
  ptrdiff_t L = D==2 ? (n-1)*P + n : ((n-1)*P+n-1)*P + n;
  ptrdiff_t N = D==2 ? (ptrdiff_t)n*n : (ptrdiff_t)n*n*n;
  float *in=calloc(C*ics+256,4),*out=calloc(C*ics+256,4),*w=malloc(4*C*C*taps),*wt=malloc(4*C*C*taps);
  float *col=malloc(4*(size_t)C*taps*N), *y=malloc(4*(size_t)C*N);
  for(long i=0;i<C*ics;i++) in[i]=(i%7)*0.1f; for(int i=0;i<C*C*taps;i++) w[i]=0.01f*(i%5);
  ptrdiff_t off[27], wtap[27]; int t=0;
  for(int kz=0;kz<(D==3?3:1);kz++) for(int ky=0;ky<3;ky++) for(int kx=0;kx<3;kx++){ off[t]=D==2? ky*P+kx : (kz*P+ky)*P+kx; wtap[t]=t; t++;}
  for(int t=0;t<taps;t++) for(int o=0;o<C;o++) for(int c=0;c<C;c++) wt[(t*C+o)*C+c]=w[(o*C+c)*taps+t];
  double c0=cpu(); for(int r=0;r<reps;r++) pdekit_conv_corr_f32(in,ics,C,off,taps,w,C*taps,taps,wtap,out,ics,C,L);
  double c1=cpu();
  for(int r=0;r<reps;r++){ memset(out,0,4*C*ics); for(int t=0;t<taps;t++) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,C,L,C,1,wt+t*C*C,C,in+off[t],ics,1,out,ics); }
  double c2=cpu();
  /* im2col (from the padded buffer, no bounds checks: a lower bound on the old path) + one GEMM */
  for(int r=0;r<reps;r++){
    for(int c=0;c<C;c++) for(int t=0;t<taps;t++){ float *dst=col+((size_t)c*taps+t)*N; const float *src=in+c*ics+off[t];
      if(D==2){ for(int yy=0;yy<n;yy++) memcpy(dst+yy*n, src+yy*P, 4*n);} else { for(int zz=0;zz<n;zz++) for(int yy=0;yy<n;yy++) memcpy(dst+((size_t)zz*n+yy)*n, src+((size_t)zz*P+yy)*P, 4*n);} }
    cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,C,N,C*taps,1,w,C*taps,col,N,0,y,N);
  }
  double c3=cpu();
  double flops=2.0*C*C*taps*N*reps;
  printf("C=%d D=%d n=%d  direct %.1f GF/s   shift-GEMM %.1f GF/s   im2col(memcpy)+GEMM %.1f GF/s (useful flops, 1 thread)\n",C,D,n,flops/(c1-c0)/1e9,flops/(c2-c1)/1e9,flops/(c3-c2)/1e9);
}
