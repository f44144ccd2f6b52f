#!/usr/bin/env bash
# Side-by-side sparse benchmark: PDEKit's `bench sparse`, then the SciPy/PyAMG peer, in one run.
# Usage: [BENCH_ARGS="--repeat 3"] bench/run-sparse.sh [PROBLEMS]   (default: poisson2d-256,poisson2d-512,poisson3d-64)
# Output: JSON lines on stdout (both implementations, same fields), then a ratio table on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
problems="${1:-poisson2d-256,poisson2d-512,poisson3d-64}"
cd "$root"
swift build -c release --product pdekit >/dev/null
[ -x bench/.venv/bin/python ] || bash bench/peers/setup-venv.sh >&2
out="$(mktemp)"
.build/release/pdekit bench sparse --problems "$problems" ${BENCH_ARGS:-} | tee -a "$out"
bench/.venv/bin/python bench/peers/sparse_scipy.py --problems "$problems" ${BENCH_ARGS:-} | tee -a "$out"
python3 - "$out" >&2 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key = lambda r: (r["problem"], r["method"].split("-")[0], r["preconditioner"])
print("\nproblem            method   preconditioner   pdekit s (it)      peer s (it)        peer/pdekit time")
mine = {key(r): r for r in rows if r["implementation"] == "pdekit"}
for r in rows:
    if r["implementation"] != "scipy":
        continue
    k = key(r)
    pre = r["preconditioner"]
    if pre == "pyamg-sa":
        k = (k[0], k[1], "multigrid")
    m = mine.get(k)
    if not m:
        continue
    print(f"{r['problem']:18} {r['method']:8} {pre + ' / ' + m['preconditioner']:16} "
          f"{m['seconds']:8.3f} ({m['iterations']:5d}) {r['seconds']:8.3f} ({r['iterations']:5d})   {r['seconds'] / m['seconds']:6.2f}x")
PY
rm -f "$out"
