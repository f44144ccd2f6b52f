"""PyAMG Ruge-Stuben + CG, one pdekit binary's `cg+amg` and another's `cg+amg` and `auto`, alternated in fresh processes.

Usage: python3 bench/peers/amg_alternate_rs.py OLD_PDEKIT NEW_PDEKIT DIR REPETITIONS PROBLEM...
(DIR from `amg_scipy_pyamg.py write DIR`; the peer runs in /work/venvs/amg, see bench/run-amg.sh). Prints, per
binary, the min and median of set-up + solve seconds (b = ones, tolerance 1e-8), the iterations and the ratio
to PyAMG; BENCHMARKS-amg.md, session 10 run 4."""
import json, subprocess, sys, time, statistics
old, new, directory, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
peer = r'''
import sys,time,scipy.io,numpy as np,pyamg,json
a=scipy.io.mmread(sys.argv[1]).tocsr(); b=np.ones(a.shape[0])
t=time.perf_counter(); ml=pyamg.ruge_stuben_solver(a); s=time.perf_counter()-t
res=[]; t=time.perf_counter(); x=ml.solve(b,tol=1e-8,accel='cg',maxiter=500,residuals=res); v=time.perf_counter()-t
print(json.dumps([s+v,len(res)-1]))
'''
for m in sys.argv[5:]:
    f = f"{directory}/{m}.mtx"; rows = {}
    for rep in range(n):
        r = subprocess.run(["/work/venvs/amg/bin/python", "-c", peer, f], capture_output=True, text=True)
        s, it = json.loads(r.stdout.strip().splitlines()[-1]); rows.setdefault("pyamg-rs", []).append((s, it))
        for label, exe, flags in [("old cg+amg", old, ["--method", "cg", "--preconditioner", "amg"]), ("new cg+amg", new, ["--method", "cg", "--preconditioner", "amg"]),
                                  ("new auto", new, ["--method", "auto"])]:
            t = time.perf_counter()
            out = subprocess.run([exe, "solve", f, "--format", "json"] + flags, capture_output=True, text=True).stdout
            wall = time.perf_counter() - t
            j = json.loads([l for l in out.splitlines() if l.startswith("{")][0])
            rows.setdefault(label, []).append((j["setupSeconds"] + j["solveSeconds"], j["iterations"], wall))
    p = statistics.median(x[0] for x in rows["pyamg-rs"]); pm = min(x[0] for x in rows["pyamg-rs"])
    for k, v in rows.items():
        med = statistics.median(x[0] for x in v); mn = min(x[0] for x in v)
        extra = f" process median {statistics.median(x[2] for x in v):.3f}" if len(v[0]) > 2 else ""
        print(f"{m:14} {k:11} setup+solve min {mn:.3f} median {med:.3f} it {v[0][1]}  / pyamg: min {mn/pm:.2f}x median {med/p:.2f}x{extra}")
