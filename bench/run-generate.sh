#!/usr/bin/env bash
# Per-sample time of `pdekit generate darcy` vs the SciPy peer (same Darcy data, side by side), and
# recycled vs independent GMRES vs direct on sorted Darcy 64² and Helmholtz 100² sequences.
# Usage: bench/run-generate.sh [samples=200] [compare=200]   (needs a release build and bench/.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/openblas-env.sh
N=${1:-200}; K=${2:-200}
PDEKIT=${PDEKIT:-.build/release/pdekit}
PY=bench/.venv/bin/python
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "## generate darcy s=85, $N samples"
for round in 1 2; do
  /usr/bin/time -f "pdekit auto wall %e s" $PDEKIT generate darcy --samples $N --resolution 85 --output $tmp/d$round.h5 --quiet
  /usr/bin/time -f "pdekit direct wall %e s" $PDEKIT generate darcy --samples $N --resolution 85 --solver direct --output $tmp/e$round.h5 --quiet
  $PY bench/peers/generate_scipy.py --samples $N --resolution 85 --solver spsolve
  $PY bench/peers/generate_scipy.py --samples $N --resolution 85 --solver cholmod
done
echo "## recycling vs GMRES vs direct on the first $K sorted systems (JSON lines; SciPy peer alongside)"
bash bench/run-generate-recycling.sh $K
