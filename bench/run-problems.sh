#!/usr/bin/env bash
# Verification problems (datasets/problems/*.json): `pdekit pinn --problem` and DeepXDE on the same
# problem, network, point counts and iterations, both scored against the same independent reference
# by bench/peers/problems_deepxde.py. One JSON line per run.
#   swift build -c release --product pdekit && bench/run-problems.sh [problems…]
# Environment: ADAM, LBFGS (iterations; default 3000 and 1000), PYTHON (default /work/venvs/problem/bin/python).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/openblas-env.sh"
pdekit="$root/.build/release/pdekit"
python="${PYTHON:-/work/venvs/problem/bin/python}"
adam="${ADAM:-3000}"; lbfgs="${LBFGS:-1000}"
out="$(mktemp -d)"
problems=("${@:-lshape-poisson heat2d robin-disk inverse-diffusion}")
for problem in ${problems[@]}; do
  "$pdekit" pinn --problem "$root/datasets/problems/$problem.json" --iterations "$adam" --lbfgs-iterations "$lbfgs" \
    --output "$out/$problem" --no-plots --log-every 1000 >/dev/null 2>&1
  "$python" "$root/bench/peers/problems_deepxde.py" "$problem" --pdekit "$out/$problem" 2>/dev/null | tail -1
  "$python" "$root/bench/peers/problems_deepxde.py" "$problem" --iterations "$adam" --lbfgs-iterations "$lbfgs" 2>/dev/null | tail -1
done
rm -rf "$out"
