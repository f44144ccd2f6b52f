#!/usr/bin/env bash
# Per-sample time of `pdekit generate darcy` vs the SciPy peer (same Darcy data, side by side), and
# recycled vs independent GMRES vs direct on sorted Darcy 64² and Helmholtz 100² sequences.
# Usage: bench/run-generate.sh [samples=200] [compare=50]   (needs a release build and bench/.venv)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/openblas-env.sh
N=${1:-200}; K=${2:-50}
PDEKIT=.build/release/pdekit
PY=bench/.venv/bin/python
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "## generate darcy s=85, $N samples"
for round in 1 2; do
  /usr/bin/time -f "pdekit auto wall %e s" $PDEKIT generate darcy --samples $N --resolution 85 --output $tmp/d$round.h5 --quiet
  /usr/bin/time -f "pdekit direct wall %e s" $PDEKIT generate darcy --samples $N --resolution 85 --solver direct --output $tmp/e$round.h5 --quiet
  $PY bench/peers/generate_scipy.py --samples $N --resolution 85 --solver spsolve
  $PY bench/peers/generate_scipy.py --samples $N --resolution 85 --solver cholmod
done
for tol in 1e-5 1e-8; do
  echo "## Darcy 64² (lognormal a = exp(GRF), sigma 1), first $K sorted systems, tol $tol, ILU(0)"
  $PDEKIT generate darcy --coefficient lognormal --samples $K --resolution 66 --solver direct --tolerance $tol \
      --compare-gmres $K --output $tmp/l$tol.h5 --quiet | tail -2
  echo "## Darcy 64² (FNO 12/3), first $K sorted systems, tol $tol, ILU(0)"
  $PDEKIT generate darcy --samples $K --resolution 66 --solver direct --tolerance $tol \
      --compare-gmres $K --output $tmp/f$tol.h5 --quiet | tail -2
  echo "## Helmholtz 100² (k = 10, a = exp(GRF)), first $K sorted systems, tol $tol, ILU(0)"
  $PDEKIT generate helmholtz --samples $K --resolution 102 --wavenumber 10 --solver direct --tolerance $tol \
      --compare-gmres $K --output $tmp/h$tol.h5 --quiet | tail -2
done
