#!/usr/bin/env bash
# PINN benchmark: PDEKit (`pdekit pinn`) and DeepXDE (PyTorch, bench/.venv-pinn) on the same
# problems, networks, point counts and iteration counts, run back to back. One JSON line per run.
#   bench/peers/setup-venv-pinn.sh && swift build -c release --product pdekit && bench/run-pinn.sh [problems…]
# Environment: ADAM (Adam iterations), LBFGS (L-BFGS iterations), THREADS (torch threads, default 1).
# PDEKit runs its defaults beyond these (burgers: residual-based refinement, RAR); the DeepXDE peer runs
# DeepXDE's plain Burgers example (no RAR). PINN_FLAGS: extra pdekit options (e.g. "--resampling none").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/openblas-env.sh"
pdekit="$root/.build/release/pdekit"
python="$root/bench/.venv-pinn/bin/python"
reference="${REFERENCE:-$root/../shared/data/external/Burgers.npz}"
threads="${THREADS:-1}"
out="$(mktemp -d)"
problems=("${@:-poisson1d poisson2d burgers}")
for problem in ${problems[@]}; do
  case "$problem" in
    poisson1d) adam="${ADAM:-10000}"; lbfgs="${LBFGS:-1000}"; width=50 ;;
    poisson2d) adam="${ADAM:-5000}";  lbfgs="${LBFGS:-1000}"; width=50 ;;
    burgers)   adam="${ADAM:-15000}"; lbfgs="${LBFGS:-15000}"; width=20 ;;   # DeepXDE's Burgers example
  esac
  extra=(); [ "$problem" = burgers ] && extra=(--reference "$reference")
  "$pdekit" pinn "$problem" --iterations "$adam" --lbfgs-iterations "$lbfgs" --width "$width" --output "$out/$problem" \
    --no-plots --log-every 1000 --constraints "${CONSTRAINTS:-soft}" "${extra[@]}" ${PINN_FLAGS:-} >/dev/null 2>&1
  "$python" -c "import json,sys; s=json.load(open(sys.argv[1])); s['peer']='pdekit'; print(json.dumps(s, sort_keys=True))" "$out/$problem/summary.json"
  "$python" "$root/bench/peers/pinn_deepxde.py" "$problem" --iterations "$adam" --lbfgs-iterations "$lbfgs" --width "$width" \
    --threads "$threads" "${extra[@]}" 2>/dev/null | tail -1
done
rm -rf "$out"
