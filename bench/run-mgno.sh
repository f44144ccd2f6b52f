#!/usr/bin/env bash
# MgNO side by side, one process per size and mode: PDEKit (`pdekit bench mgno`, the paper's rough-Darcy
# network, and optionally the earlier residual-restriction one) and the official PyTorch model
# (bench/peers/mgno_official.py) eager and under torch.compile. Batch 8, 2 threads, JSON lines on stdout.
# Usage: [TORCH_THREADS=1] [COMPILE=0] [CYCLES="paper residualRestriction"] bench/run-mgno.sh [sizes…]
#   (default 64 96 128; needs a release build and the torch venv)
set -euo pipefail
cd "$(dirname "$0")/.."
PDEKIT=${PDEKIT:-.build/release/pdekit}
PYTHON=${PYTHON:-/work/main/bench/.venv-torch/bin/python}
CYCLES=${CYCLES:-paper}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(64 96 128)
for n in "${sizes[@]}"; do
  for cycle in $CYCLES; do
    "$PDEKIT" bench mgno --size "$n" --batch 8 --repetitions "${REPETITIONS:-3}" --cycle "$cycle"
  done
  for mode in forward train; do
    "$PYTHON" bench/peers/mgno_official.py bench --size "$n" --mode "$mode" --batch 8 --repeat "${REPETITIONS:-3}" --threads "${TORCH_THREADS:-2}"
    if [ "${COMPILE:-1}" = 1 ]; then
      "$PYTHON" bench/peers/mgno_official.py bench --size "$n" --mode "$mode" --batch 8 --repeat "${REPETITIONS:-3}" --threads "${TORCH_THREADS:-2}" --compile
    fi
  done
done
