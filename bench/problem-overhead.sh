#!/usr/bin/env bash
# Cost of a problem file against the hand-written residual on the same problem: `pdekit pinn NAME`
# and `pdekit pinn --problem datasets/problems/NAME.json`, alternated REPEATS times in one run,
# Adam steps only (no L-BFGS, no resampling). Prints CPU milliseconds per step (getrusage, the
# summary's cpu_seconds) for each run; wall times on a shared machine swing too much to compare.
#   swift build -c release --product pdekit && bench/problem-overhead.sh [burgers poisson2d …]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/openblas-env.sh"
pdekit="$root/.build/release/pdekit"
steps="${STEPS:-1000}"; repeats="${REPEATS:-3}"
reference="${REFERENCE:-$root/../shared/data/external/Burgers.npz}"
out="$(mktemp -d)"
for problem in ${@:-burgers poisson2d}; do
  flags=(--iterations "$steps" --lbfgs-iterations 0 --resampling none --no-plots --log-every "$steps")
  [ "$problem" = burgers ] && flags+=(--width 20 --reference "$reference")
  for r in $(seq "$repeats"); do
    "$pdekit" pinn "$problem" "${flags[@]}" --output "$out/b" >/dev/null 2>&1
    "$pdekit" pinn --problem "$root/datasets/problems/$problem.json" "${flags[@]}" --output "$out/f" >/dev/null 2>&1
    python3 - "$out" "$problem" "$steps" <<'PY'
import json, sys
out, problem, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
b, f = (json.load(open(f"{out}/{k}/summary.json")) for k in "bf")
print(json.dumps({"problem": problem, "bundled_cpu_ms_per_step": round(1000 * b["cpu_seconds"] / steps, 4),
                  "file_cpu_ms_per_step": round(1000 * f["cpu_seconds"] / steps, 4),
                  "file_over_bundled": round(f["cpu_seconds"] / b["cpu_seconds"], 4),
                  "same_final_loss": b["final_loss"] == f["final_loss"]}))
PY
  done
done
rm -rf "$out"
