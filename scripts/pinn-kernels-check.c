/* Checks CKernels/pinn_kernels.c at every SIMD level: tanh vs libm (ulps), GEMMs vs a triple loop.
 * Run by scripts/pinn-kernels-check.sh (AddressSanitizer on). */
#include "pinn_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
static int64_t ord(double x){int64_t i; memcpy(&i,&x,8); return i<0? (int64_t)0x8000000000000000ULL - i : i;}
int main(){
  int n=2000000; double *x=malloc(n*8),*y=malloc(n*8); 
  srand(1);
  for(int i=0;i<n;i++){ double u=rand()/(double)RAND_MAX; double mag = pow(10, -320+ 322*u); if(i%3==0) mag = 40*u; if (i%5==0) mag = 3*u; x[i]= (i&1)? -mag: mag;}
  x[0]=0; x[1]=-0.0; x[2]=INFINITY; x[3]=-INFINITY; x[4]=NAN; x[5]=19.06; x[6]=0.35; x[7]=0.3465735902799727; x[8]=5e-324; x[9]=1e-8;
  pdekit_tanh_f64(x,y,n);
  int64_t worst=0; double wx=0;
  for(int i=0;i<n;i++){ double r=tanh(x[i]); if(isnan(r)){ if(!isnan(y[i])) printf("nan mismatch\n"); continue;} int64_t d=llabs(ord(r)-ord(y[i])); if(d>worst){worst=d;wx=x[i];}}
  printf("tanh: max %lld ulp from libm (at x = %.17g)\n",(long long)worst,wx); if (worst > 4 || !signbit(y[1]) || y[2] != 1 || y[3] != -1 || !isnan(y[4])) { printf("FAIL\n"); return 1; }
  // gemm
  for (int trial=0; trial<40; trial++){
    int m=1+rand()%300, nn=1+rand()%70, k=1+rand()%70;
    double *a=malloc(m*k*8),*b=malloc(k*nn*8),*c=malloc(m*nn*8),*b2=malloc(m*nn*8),*c2=malloc(k*nn*8);
    for(int i=0;i<m*k;i++)a[i]=rand()/(double)RAND_MAX-0.5; for(int i=0;i<k*nn;i++)b[i]=rand()/(double)RAND_MAX-0.5; for(int i=0;i<m*nn;i++)b2[i]=rand()/(double)RAND_MAX-0.5;
    pdekit_gemm_nn_f64(m,nn,k,a,k,b,nn,c,nn);
    double err=0; for(int i=0;i<m;i++)for(int j=0;j<nn;j++){double s=0; for(int q=0;q<k;q++)s+=a[i*k+q]*b[q*nn+j]; err=fmax(err,fabs(s-c[i*nn+j]));}
    pdekit_gemm_tn_f64(m,nn,k,a,k,b2,nn,c2,nn);
    double err2=0; for(int i=0;i<k;i++)for(int j=0;j<nn;j++){double s=0; for(int q=0;q<m;q++)s+=a[q*k+i]*b2[q*nn+j]; err2=fmax(err2,fabs(s-c2[i*nn+j]));}
    if(err>1e-12||err2>1e-12) { printf("FAIL trial %d m%d n%d k%d err %g %g\n",trial,m,nn,k,err,err2); return 1; }
    free(a);free(b);free(c);free(b2);free(c2);
  }
  printf("gemm nn/tn: 40 random shapes match the triple loop\n"); return 0;
}
