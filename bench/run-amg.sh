#!/usr/bin/env bash
# Algebraic multigrid, threshold ILU and Matrix Market reading, side by side with SciPy and PyAMG in one run.
# Usage: bench/run-amg.sh [DIR] [PROBLEM...]   (DIR default /tmp/pdekit-amg-bench; problems: see bench/peers/amg_scipy_pyamg.py)
# Needs the peer venv: python3 -m venv /work/venvs/amg && /work/venvs/amg/bin/pip install scipy pyamg
# (PEER_PYTHON overrides its interpreter). Output: JSON lines on stdout (both sides), a table on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/pdekit-amg-bench}"; shift || true
python="${PEER_PYTHON:-/work/venvs/amg/bin/python}"
cd "$root"
source scripts/openblas-env.sh
[ -n "${SKIP_BUILD:-}" ] || swift build -c release --product pdekit >/dev/null
[ -f "$dir/convection.mtx" ] || "$python" bench/peers/amg_scipy_pyamg.py write "$dir" >&2
out="$(mktemp)"
"$python" bench/peers/amg_scipy_pyamg.py run "$dir" "$@" | tee -a "$out"
python3 - "$root/.build/release/pdekit" "$dir" "$out" "$@" <<'PY' | tee -a "$out"
import json, subprocess, sys, time
pdekit, directory, out = sys.argv[1:4]
problems = sys.argv[4:] or ["poisson2d-500", "poisson3d-60", "elasticity2d", "anisotropic", "convection", "unstructured"]
def configurations(problem):
    symmetric = problem != "convection"
    strength = ["--amg-strength", "0.5"] if problem in ("poisson3d-60", "unstructured") else []
    if symmetric:
        yield "direct", ["--method", "direct"]
        yield "cg+amg", ["--method", "cg", "--preconditioner", "amg"] + strength
        yield "cg+amg-aggregation", ["--method", "cg", "--preconditioner", "amg", "--amg-variant", "aggregation"] + strength
        yield "cg+ic0", ["--method", "cg", "--preconditioner", "ic0"]
        if problem == "elasticity2d":
            yield "cg+amg-systems", ["--method", "cg", "--preconditioner", "amg", "--unknowns-per-node", "2"]
            yield "cg+amg-rbm", ["--method", "cg", "--preconditioner", "amg", "--unknowns-per-node", "2",
                                 "--near-nullspace", "vectors", "--near-nullspace-vectors", f"{directory}/elasticity2d-rotation.mtx"]
    else:
        yield "direct", ["--method", "direct"]
        yield "gmres+air", ["--method", "gmres", "--preconditioner", "amg", "--amg-variant", "air"]
        yield "bicgstab+air", ["--method", "bicgstab", "--preconditioner", "amg", "--amg-variant", "air"]
        yield "gmres+ilut", ["--method", "gmres", "--preconditioner", "ilut", "--ilu-drop-tolerance", "1e-4", "--ilu-fill", "10"]
        yield "bicgstab+ilut", ["--method", "bicgstab", "--preconditioner", "ilut", "--ilu-drop-tolerance", "1e-4", "--ilu-fill", "10"]
        yield "bicgstab+ilu0", ["--method", "bicgstab", "--preconditioner", "ilu0"]
    yield "auto", ["--method", "auto"]
for problem in problems:
    for name, flags in configurations(problem):
        start = time.perf_counter()
        run = subprocess.run([pdekit, "solve", f"{directory}/{problem}.mtx", "--format", "json", "--max-iterations", "2000"] + flags,
                             capture_output=True, text=True)
        wall = time.perf_counter() - start
        line = next((l for l in run.stdout.splitlines() if l.startswith("{")), None)
        if line is None:
            print(json.dumps(dict(implementation="pdekit", problem=problem, method=name, error=run.stderr.strip()[:200])), flush=True)
            continue
        r = json.loads(line)
        print(json.dumps(dict(implementation="pdekit", problem=problem, method=name, solver=r["method"], read_seconds=r.get("readSeconds"),
                              setup_seconds=r["setupSeconds"], solve_seconds=r["solveSeconds"], process_seconds=wall,
                              iterations=r["iterations"], relative_residual=r["relativeResidual"], outcome=r["outcome"],
                              choice=r.get("choice"))), flush=True)
PY
python3 - "$out" >&2 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows:
    by.setdefault(r["problem"], []).append(r)
for problem, rs in by.items():
    peers = [r for r in rs if r["implementation"] != "pdekit" and r.get("relative_residual", 1) <= 1e-7]
    mine = [r for r in rs if r["implementation"] == "pdekit" and r.get("outcome") == "converged"]
    print(f"\n{problem}")
    for r in rs:
        if r["implementation"] == "pdekit":
            if "error" in r: print(f"  pdekit {r['method']:22} error: {r['error']}"); continue
            print(f"  pdekit {r['method']:22} read {r['read_seconds']:.3f}  setup+solve {r['setup_seconds'] + r['solve_seconds']:.3f}  process {r['process_seconds']:.3f}  it {r['iterations']:5d}  {r['outcome']}  {r['solver']}")
        else:
            print(f"  peer   {r['method']:22} read {r['read_seconds']:.3f}  setup+solve {r['setup_seconds'] + r['solve_seconds']:.3f}  total {r['total_seconds']:.3f}  it {r['iterations']:5d}  relres {r['relative_residual']:.1e}")
    if peers and mine:
        bp = min(peers, key=lambda r: r["setup_seconds"] + r["solve_seconds"])
        bm = min(mine, key=lambda r: r["setup_seconds"] + r["solve_seconds"])
        bpt = min(peers, key=lambda r: r["total_seconds"])
        bmt = min(mine, key=lambda r: r["process_seconds"])
        print(f"  best setup+solve: pdekit {bm['method']} {bm['setup_seconds'] + bm['solve_seconds']:.3f} s vs peer {bp['method']} {bp['setup_seconds'] + bp['solve_seconds']:.3f} s"
              f" -> {(bm['setup_seconds'] + bm['solve_seconds']) / (bp['setup_seconds'] + bp['solve_seconds']):.2f}x (goal <= 0.7x)")
        print(f"  best whole process: pdekit {bmt['method']} {bmt['process_seconds']:.3f} s vs peer read+setup+solve {bpt['method']} {bpt['total_seconds']:.3f} s"
              f" -> {bmt['process_seconds'] / bpt['total_seconds']:.2f}x (goal <= 1.2x)")
    # AMG iterations: PDEKit's fewest (converged AMG/AIR methods) against PyAMG's fewest (true relative
    # residual <= 1e-6: PyAMG's AIR stops on its own estimate, e.g. at 1.3e-7).
    amg = [r for r in mine if "amg" in r["method"] or "air" in r["method"]]
    pyamg = [r for r in rs if r["implementation"] != "pdekit" and r["method"].startswith("pyamg") and r.get("relative_residual", 1) <= 1e-6]
    if amg and pyamg:
        a = min(amg, key=lambda r: r["iterations"]); b = min(pyamg, key=lambda r: r["iterations"])
        print(f"  AMG iterations: pdekit {a['method']} {a['iterations']} vs pyamg {b['method']} {b['iterations']}"
              f" -> {a['iterations'] / max(b['iterations'], 1):.2f}x (goal <= 1.5x)")
PY
rm -f "$out"
