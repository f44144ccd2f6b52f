/* BoomerAMG settings sweep: hypre's PCG + BoomerAMG on a Matrix Market file (b = ones, relative tolerance 1e-8),
   printing the IJ assembly, set-up and solve seconds, the iterations and the process CPU seconds of set-up + solve (steadier than wall time on a loaded machine) (BENCHMARKS-amg.md, session 10 run 4).
   Settings from the environment (hypre's numbers): CO coarsening (10 HMIS, 8 PMIS), IN interpolation (6 extended+i,
   13 FF1, 14 extended, 17/18 extended variants), PM P max elements, TH strong threshold, RT relax type, DOWN/UP
   relax types of the down/up cycle, KEEPT keep P transposed, RAP2 coarse operator as two products, AGG aggressive levels (AIT its interpolation), TRUNC truncation factor; for Chebyshev (RT 16) CHE eigenvalue-estimate
   iterations, CHO order, CHF fraction, CHV variant, CHS scaling.
   Build: mpicc -O2 -I/usr/include/hypre bench/peers/hypre_amg_sweep.c -o /tmp/hypre_amg_sweep -lHYPRE -lm
   Run:   CO=10 IN=13 /tmp/hypre_amg_sweep DIR/poisson2d-500.mtx   (the reading is untimed and slow: fscanf) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mpi.h>
#include <HYPRE.h>
#include <HYPRE_parcsr_ls.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double cpu(void){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static HYPRE_Int noop(HYPRE_Solver s,HYPRE_ParCSRMatrix a,HYPRE_ParVector b,HYPRE_ParVector x){return 0;}
static int geti(const char*k,int d){const char*v=getenv(k);return v?atoi(v):d;}
static double getd(const char*k,double d){const char*v=getenv(k);return v?atof(v):d;}
typedef struct {int i,j;double v;} T;
static int cmp(const void*a,const void*b){const T*x=a,*y=b;return x->i!=y->i?x->i-y->i:x->j-y->j;}
int main(int argc,char**argv){
  MPI_Init(&argc,&argv); HYPRE_Init();
  FILE*f=fopen(argv[1],"r"); char line[1024]; int sym=0;
  fgets(line,sizeof line,f); sym=strstr(line,"symmetric")!=NULL;
  do fgets(line,sizeof line,f); while(line[0]=='%');
  int n,m; long nnz; sscanf(line,"%d %d %ld",&n,&m,&nnz);
  T*t=malloc(sizeof(T)*nnz*2); long c=0;
  for(long k=0;k<nnz;k++){int i,j;double v;fscanf(f,"%d %d %lf",&i,&j,&v);t[c++]=(T){i-1,j-1,v}; if(sym&&i!=j)t[c++]=(T){j-1,i-1,v};}
  qsort(t,c,sizeof(T),cmp);
  int*rl=calloc(n,sizeof(int)),*rows=malloc(n*sizeof(int)),*cols=malloc(c*sizeof(int)); double*vals=malloc(c*sizeof(double));
  for(long k=0;k<c;k++){rl[t[k].i]++;cols[k]=t[k].j;vals[k]=t[k].v;}
  for(int i=0;i<n;i++)rows[i]=i;
  double t0=now();
  HYPRE_IJMatrix A; HYPRE_IJMatrixCreate(MPI_COMM_WORLD,0,n-1,0,n-1,&A); HYPRE_IJMatrixSetObjectType(A,HYPRE_PARCSR);
  HYPRE_IJMatrixSetRowSizes(A,rl); HYPRE_IJMatrixInitialize(A); HYPRE_IJMatrixSetValues(A,n,rl,rows,cols,vals); HYPRE_IJMatrixAssemble(A);
  HYPRE_ParCSRMatrix pA; HYPRE_IJMatrixGetObject(A,(void**)&pA);
  HYPRE_IJVector B,X; HYPRE_IJVectorCreate(MPI_COMM_WORLD,0,n-1,&B);HYPRE_IJVectorSetObjectType(B,HYPRE_PARCSR);HYPRE_IJVectorInitialize(B);
  HYPRE_IJVectorCreate(MPI_COMM_WORLD,0,n-1,&X);HYPRE_IJVectorSetObjectType(X,HYPRE_PARCSR);HYPRE_IJVectorInitialize(X);
  double*ones=malloc(n*sizeof(double)),*zeros=calloc(n,sizeof(double)); for(int i=0;i<n;i++)ones[i]=1;
  HYPRE_IJVectorSetValues(B,n,rows,ones);HYPRE_IJVectorSetValues(X,n,rows,zeros);HYPRE_IJVectorAssemble(B);HYPRE_IJVectorAssemble(X);
  HYPRE_ParVector pB,pX; HYPRE_IJVectorGetObject(B,(void**)&pB);HYPRE_IJVectorGetObject(X,(void**)&pX);
  double t1=now(), c1=cpu();
  HYPRE_Solver amg,pcg; HYPRE_BoomerAMGCreate(&amg);
  HYPRE_BoomerAMGSetPrintLevel(amg,geti("PL",0));HYPRE_BoomerAMGSetMaxIter(amg,1);HYPRE_BoomerAMGSetTol(amg,0);
  HYPRE_BoomerAMGSetStrongThreshold(amg,getd("TH",0.25));HYPRE_BoomerAMGSetMaxCoarseSize(amg,geti("MCS",20));
  HYPRE_BoomerAMGSetCoarsenType(amg,geti("CO",10));HYPRE_BoomerAMGSetInterpType(amg,geti("IN",6));HYPRE_BoomerAMGSetPMaxElmts(amg,geti("PM",4));
  HYPRE_BoomerAMGSetRelaxOrder(amg,geti("RO",0));HYPRE_BoomerAMGSetRelaxType(amg,geti("RT",6));HYPRE_BoomerAMGSetCycleRelaxType(amg,9,3);
  HYPRE_BoomerAMGSetNumSweeps(amg,geti("NS",1));
  if(geti("AGG",0)){HYPRE_BoomerAMGSetAggNumLevels(amg,geti("AGG",0));HYPRE_BoomerAMGSetAggInterpType(amg,geti("AIT",4));HYPRE_BoomerAMGSetNumPaths(amg,geti("NP",1));}
  if(geti("KEEPT",0))HYPRE_BoomerAMGSetKeepTranspose(amg,1);
  if(geti("RAP2",0))HYPRE_BoomerAMGSetRAP2(amg,1);
  if(getenv("TRUNC"))HYPRE_BoomerAMGSetTruncFactor(amg,getd("TRUNC",0));
  if(getenv("NG"))HYPRE_BoomerAMGSetNonGalerkinTol(amg,getd("NG",0));
  if(getenv("DOWN")){HYPRE_BoomerAMGSetCycleRelaxType(amg,geti("DOWN",13),1);HYPRE_BoomerAMGSetCycleRelaxType(amg,geti("UP",14),2);}
  if(getenv("CNS")){HYPRE_BoomerAMGSetCycleNumSweeps(amg,geti("CNS",1),1);HYPRE_BoomerAMGSetCycleNumSweeps(amg,geti("CNS",1),2);}
  if(getenv("W"))HYPRE_BoomerAMGSetRelaxWt(amg,getd("W",1));
  if(getenv("CHE"))HYPRE_BoomerAMGSetChebyEigEst(amg,geti("CHE",10));
  if(getenv("CHO"))HYPRE_BoomerAMGSetChebyOrder(amg,geti("CHO",2));
  if(getenv("CHF"))HYPRE_BoomerAMGSetChebyFraction(amg,getd("CHF",0.3));
  if(getenv("CHV"))HYPRE_BoomerAMGSetChebyVariant(amg,geti("CHV",0));
  if(getenv("CHS"))HYPRE_BoomerAMGSetChebyScale(amg,geti("CHS",1));
  HYPRE_BoomerAMGSetup(amg,pA,pB,pX);
  double t2=now();
  HYPRE_ParCSRPCGCreate(MPI_COMM_WORLD,&pcg);HYPRE_PCGSetTol(pcg,1e-8);HYPRE_PCGSetMaxIter(pcg,500);HYPRE_PCGSetTwoNorm(pcg,1);
  HYPRE_PCGSetPrecond(pcg,(HYPRE_PtrToSolverFcn)HYPRE_BoomerAMGSolve,(HYPRE_PtrToSolverFcn)noop,amg);
  HYPRE_ParCSRPCGSetup(pcg,pA,pB,pX);
  double t3a=now();
  HYPRE_ParCSRPCGSolve(pcg,pA,pB,pX);
  double t3=now(), c3=cpu(); int it; double rr; HYPRE_PCGGetNumIterations(pcg,&it);HYPRE_PCGGetFinalRelativeResidualNorm(pcg,&rr);
  printf("ij %.3f setup %.3f solve %.3f sum %.3f it %d rr %.1e cpu %.3f\n",t1-t0,t2-t1,t3-t3a,t2-t1+t3-t3a,it,rr,c3-c1);
  MPI_Finalize(); return 0;}
