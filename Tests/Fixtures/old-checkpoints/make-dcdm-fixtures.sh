#!/bin/sh
# Makes the DCDM pre-engine fixture with a binary from before `dcdm train` moved onto the TrainingLoop
# (its resume state is <output>.trainer.safetensors; made with /work/main's release build of 6 Dec 2026 23:46,
# whose DCDM arithmetic the engine reproduces bit for bit): 10 of 20 steps (dcdm/model.safetensors and
# dcdm/model.trainer.safetensors) and what that binary's --resume to 20 steps wrote (dcdm/resumed-20.safetensors).
# Usage: make-dcdm-fixtures.sh PDEKIT_BINARY   (run from this directory; writes dcdm/)
set -eu
B=${1:?path to a pdekit binary from before the DCDM engine change}
D="dcdm train --grid 8 --dimensions 2 --krylov-dimension 12 --batch-size 3 --channels 2 --coarse-channels 3 --levels 2 --learning-rate 3e-3 --seed 4 --checkpoint-every 5"
T=$(mktemp -d)
rm -rf dcdm && mkdir dcdm
"$B" $D --steps 10 --output dcdm/model.safetensors >/dev/null 2>&1
cp dcdm/model.safetensors dcdm/model.trainer.safetensors "$T"/
"$B" $D --steps 20 --resume --output "$T"/model.safetensors >/dev/null 2>&1
cp "$T"/model.safetensors dcdm/resumed-20.safetensors
rm -rf "$T"
