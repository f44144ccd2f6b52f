#!/bin/sh
# Makes the old-checkpoint fixtures with the pre-engine binary (PDEKit before the TrainingLoop change,
# /work/baseline/pdekit): tiny FNO, MgNO and DeepONet runs and the numbers that binary reports for them.
# Usage: make-fixtures.sh PDEKIT_BINARY   (run from this directory; writes here)
set -eu
B=${1:?path to the pre-change pdekit binary}
rm -rf fno mgno deeponet darcy17.h5 anti.npz expected.jsonl
"$B" generate darcy --samples 40 --resolution 17 --output darcy17.h5 >/dev/null 2>&1
"$B" generate antiderivative --samples 24 --test-samples 8 --sensors 20 --output anti.npz >/dev/null 2>&1
"$B" train fno --data darcy17.h5 --train 30 --test 10 --epochs 2 --modes 4 --width 8 --layers 2 --batch-size 10 --output fno --quiet >/dev/null 2>&1
"$B" train mgno --data darcy17.h5 --train 30 --test 10 --epochs 2 --channels 4 --layers 2 --batch-size 10 --output mgno --quiet >/dev/null 2>&1
"$B" train deeponet --data anti.npz --branch 20,16,16 --trunk 1,16,16 --iterations 30 --log-every 10 --output deeponet >/dev/null 2>&1
# What the old binary's `evaluate` reports on the last 10 samples (sampled order) of darcy17.h5.
for run in fno mgno; do
  for file in checkpoint best; do
    "$B" evaluate "$run/$file.safetensors" --data darcy17.h5 --samples 10 --plots /tmp/pdekit-fixture-plots 2>/dev/null >> expected.jsonl
  done
done
rm -f fno/*.png mgno/*.png deeponet/*.png
rm -rf /tmp/pdekit-fixture-plots
