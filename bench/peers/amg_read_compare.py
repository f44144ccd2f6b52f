"""Matrix Market reading side by side: scipy.io.mmread against `pdekit solve`'s readSeconds, alternating.

Usage: /work/venvs/amg/bin/python bench/peers/amg_read_compare.py PDEKIT[,PDEKIT...] FILE[,FILE...] REPETITIONS
Prints min and median seconds per reader and the ratios to SciPy (BENCHMARKS-amg.md, sessions 9-10),
with the load average before and after.
"""
import json, subprocess, sys, time, os
import scipy.io
bins = sys.argv[1].split(","); files = sys.argv[2].split(","); reps = int(sys.argv[3])
def pd(b, f):
    r = subprocess.run([b, "solve", f, "--method", "cg", "--max-iterations", "1", "--format", "json"], capture_output=True, text=True)
    return json.loads(next(l for l in r.stdout.splitlines() if l.startswith("{")))["readSeconds"]
print("before:", open("/proc/loadavg").read().strip(), flush=True)
for f in files:
    t = {"scipy": []}; [t.setdefault(b, []) for b in bins]
    for _ in range(reps):
        s = time.perf_counter(); a = scipy.io.mmread(f); t["scipy"].append(time.perf_counter() - s); del a
        for b in bins: t[b].append(pd(b, f))
    med = lambda v: sorted(v)[len(v) // 2]
    line = f"{os.path.basename(f):18s} {os.path.getsize(f)/1e6:5.1f} MB  scipy min {min(t['scipy']):.3f} med {med(t['scipy']):.3f}"
    for b in bins: line += f" | {os.path.basename(b)} min {min(t[b]):.3f} med {med(t[b]):.3f} ratio min {min(t[b])/min(t['scipy']):.2f} med {med(t[b])/med(t['scipy']):.2f}"
    print(line, flush=True)
print("after: ", open("/proc/loadavg").read().strip(), flush=True)
