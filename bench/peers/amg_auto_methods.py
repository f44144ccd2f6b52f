"""Every pdekit solve method on the bench matrices, for calibrating `--method auto` (BENCHMARKS-amg.md, session 9).

Usage: python3 bench/peers/amg_auto_methods.py PDEKIT DIR PROBLEM[,PROBLEM...] [REPETITIONS]
(DIR from `bench/peers/amg_scipy_pyamg.py write DIR`). Prints one line per method: best set-up + solve
(wall, from --format json) over the repetitions and the process CPU time (user + system) of that run.
SKIPSLOW=1 leaves out methods that were 3x slower than the best in an earlier run.
"""
import json, subprocess, sys, time, resource, os
pdekit = sys.argv[1]; d = sys.argv[2]; problems = sys.argv[3].split(","); reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
def configs(p):
    if p == "convection":
        return {"direct": ["--method","direct"], "gmres+air": ["--method","gmres","--preconditioner","amg","--amg-variant","air"],
                "bicgstab+air": ["--method","bicgstab","--preconditioner","amg","--amg-variant","air"],
                "bicgstab+ilut": ["--method","bicgstab","--preconditioner","ilut","--ilu-drop-tolerance","1e-4","--ilu-fill","10"],
                "gmres+ilut": ["--method","gmres","--preconditioner","ilut","--ilu-drop-tolerance","1e-4","--ilu-fill","10"],
                "auto": ["--method","auto"]}
    c = {"direct": ["--method","direct"], "cg+amg": ["--method","cg","--preconditioner","amg"],
         "cg+amg.5": ["--method","cg","--preconditioner","amg","--amg-strength","0.5"],
         "cg+agg": ["--method","cg","--preconditioner","amg","--amg-variant","aggregation"],
         "cg+agg.5": ["--method","cg","--preconditioner","amg","--amg-variant","aggregation","--amg-strength","0.5"],
         "cg+ic0": ["--method","cg","--preconditioner","ic0"], "auto": ["--method","auto"]}
    if p == "elasticity2d":
        c["cg+amg-d2"] = ["--method","cg","--preconditioner","amg","--unknowns-per-node","2"]
        c["cg+agg-d2"] = ["--method","cg","--preconditioner","amg","--amg-variant","aggregation","--unknowns-per-node","2"]
    return c
only = os.environ.get("ONLY")
skip = {("poisson2d-500","cg+ic0"),("poisson3d-60","direct"),("unstructured","cg+ic0"),("elasticity2d","cg+amg"),("elasticity2d","cg+agg"),("elasticity2d","cg+amg.5"),("elasticity2d","cg+ic0"),("poisson2d-500","cg+amg.5"),("anisotropic","cg+agg"),("unstructured","cg+amg")} if os.environ.get("SKIPSLOW") else set()
for p in problems:
    for name, flags in configs(p).items():
        if only and name not in only.split(","): continue
        if (p, name) in skip: continue
        best = None
        for _ in range(reps):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter()
            run = subprocess.run([pdekit, "solve", f"{d}/{p}.mtx", "--format", "json", "--max-iterations", "2000"] + flags, capture_output=True, text=True)
            wall = time.perf_counter() - t; r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            line = next((l for l in run.stdout.splitlines() if l.startswith("{")), None)
            if line is None: print(p, name, "ERROR", run.stderr.strip()[:200], flush=True); break
            j = json.loads(line); ss = j["setupSeconds"] + j["solveSeconds"]
            row = (ss, j["setupSeconds"], j["solveSeconds"], j["readSeconds"], wall, cpu, j["iterations"], j["outcome"], j["method"], j.get("choice"))
            if best is None or ss < best[0]: best = row
        if best: print(f"{p:14s} {name:14s} s+s {best[0]:6.2f} (setup {best[1]:5.2f} solve {best[2]:5.2f}) read {best[3]:4.2f} wall {best[4]:5.2f} cpu {best[5]:5.2f} it {best[6]:4d} {best[7]} {best[8]} {best[9] or ''}", flush=True)
