"""PyAMG Ruge-Stuben + CG on one Matrix Market file (b = ones, 1e-8), printing the process CPU and wall seconds of
set-up + solve and the iterations as JSON: the CPU-time peer of `hypre_amg_sweep.c`'s `cpu` figure on a loaded
machine (run both with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1; BENCHMARKS-amg.md, session 11 run 5).
Usage: /work/venvs/amg/bin/python bench/peers/amg_pyamg_cpu.py DIR/anisotropic.mtx"""
import sys,time,scipy.io,numpy as np,pyamg,json
a=scipy.io.mmread(sys.argv[1]).tocsr(); b=np.ones(a.shape[0])
c0=time.process_time(); t0=time.perf_counter(); ml=pyamg.ruge_stuben_solver(a)
res=[]; x=ml.solve(b,tol=1e-8,accel='cg',maxiter=500,residuals=res)
print(json.dumps(dict(cpu=time.process_time()-c0, wall=time.perf_counter()-t0, it=len(res)-1)))
