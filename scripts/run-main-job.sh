#!/usr/bin/env bash
# The main job, end to end on a fresh machine (a few minutes on 2 cores):
#   install system packages → release build → generate Darcy datasets (SKR pipeline, HDF5)
#   → train an FNO → evaluate it (also zero-shot at twice the resolution) → PNG plots
#   → embed the trained FNO and a recycling solver in a C program (and a Fortran one) via libPDEKitC.so.
# Everything it writes goes to runs/main/ (git-ignored); it starts from scratch each time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
source scripts/openblas-env.sh
echo "== building (release)"
swift build -c release 2>&1 | tail -n 1   # the CLI, libPDEKitC.so and the examples
pdekit=.build/release/pdekit
$pdekit --version
out=runs/main
rm -rf "$out"
mkdir -p "$out"

echo "== generating Darcy data (FNO recipe: a = 12/3 thresholded GRF, f = 1, zero Dirichlet)"
$pdekit generate darcy --samples 300 --resolution 33 --seed 0 --output "$out/darcy-train.h5" --quiet
$pdekit generate darcy --samples 50 --resolution 33 --seed 1 --output "$out/darcy-test.h5" --quiet
$pdekit generate darcy --samples 50 --resolution 65 --seed 2 --output "$out/darcy-test-65.h5" --quiet
$pdekit inspect "$out/darcy-train.h5" --no-stats | head -n 12

echo "== training an FNO (modes 8, width 24, 4 layers; 300 train / 50 test samples, 30 epochs)"
$pdekit train fno --data "$out/darcy-train.h5" --test-data "$out/darcy-test.h5" --train 300 --test 50 \
    --epochs 30 --modes 8 --width 24 --step-size 10 --output "$out/fno" --quiet

echo "== evaluating on held-out data, at the training grid and at twice its resolution"
$pdekit evaluate "$out/fno" --data "$out/darcy-test.h5" --samples 50
$pdekit evaluate "$out/fno" --data "$out/darcy-test-65.h5" --samples 50 --resolution 2x --plots "$out/fno-65"

echo "== embedding the trained FNO from C (Examples/c-embedding, via libPDEKitC.so and pdekit.h)"
make -s -C Examples/c-embedding
.build/release/examples/pdekit-c-example "$out/fno"
if command -v gfortran >/dev/null; then
    echo "== and from Fortran (Examples/fortran-embedding, iso_c_binding)"
    make -s -C Examples/fortran-embedding
    .build/release/examples/pdekit-fortran-example "$out/fno"
    echo "== a PyTorch-trained neuraloperator FNO (pdekit import neuraloperator) from Fortran (Examples/fortran-import)"
    make -s -C Examples/fortran-import run RUN_DIR="$PWD/$out/fno2d-padded-import"
fi

echo "== done: plots in $out/fno/fields.png, $out/fno/loss.png and $out/fno-65/fields-2x.png"
