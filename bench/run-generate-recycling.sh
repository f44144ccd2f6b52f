#!/usr/bin/env bash
# Recycled GCRO-DR vs independent GMRES vs direct on sorted sequences, as JSON lines (one per
# problem × tolerance × preconditioner), with the SciPy peer (gmres and gcrotmk with its recycle
# space carried over, bench/peers/recycle_scipy.py) on the same Darcy systems in the same run.
# Usage: bench/run-generate-recycling.sh [systems=200] [families="darcy-lognormal darcy-fno helmholtz"]
#        (needs a release build of pdekit and bench/.venv with h5py: bench/peers/setup-venv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/openblas-env.sh
K=${1:-200}
FAMILIES=${2:-"darcy-lognormal darcy-fno helmholtz"}
PDEKIT=${PDEKIT:-.build/release/pdekit}
PY=bench/.venv/bin/python
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for fam in $FAMILIES; do
  case $fam in
    darcy-lognormal) args=(darcy --coefficient lognormal --resolution 66); peer=1 ;;
    darcy-fno)       args=(darcy --resolution 66); peer=1 ;;
    helmholtz)       args=(helmholtz --resolution 102 --wavenumber 10); peer=0 ;;
  esac
  for tol in 1e-5 1e-8; do
    for pc in none ssor ilu; do
      out=$tmp/$fam-$tol-$pc.h5
      $PDEKIT generate "${args[@]}" --samples $K --solver direct --precision float64 --tolerance $tol \
          --preconditioner $pc --compare-gmres $K --output $out --quiet | grep '^{' || true
      if [ $peer = 1 ] && [ $pc != ssor ]; then
        $PY bench/peers/recycle_scipy.py $out --systems $K --tolerance $tol --preconditioner $pc || true
      fi
      rm -f $out
    done
  done
done
