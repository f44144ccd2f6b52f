#!/usr/bin/env bash
# DeepONet antiderivative (aligned) benchmark: `pdekit train deeponet` against DeepXDE (PyTorch backend),
# same data (DeepXDE's antiderivative_aligned files), same architecture (branch [100,40,40], trunk [1,40,40],
# ReLU, Glorot normal), Adam 1e-3, full batch, same iteration count, one run per seed.
# PDEKit runs twice: its defaults (standardised inputs/targets) and --no-normalize (DeepXDE's raw data).
# Needs bench/.venv-deepxde (bench/peers/setup-deepxde-venv.sh).
# DeepXDE runs with OMP_NUM_THREADS=${DEEPXDE_THREADS:-1}: on a loaded machine PyTorch's OpenMP threads spin at
# barriers while descheduled (session 4: 2 threads took 97x PDEKit's CPU time), and PDEKit is single-threaded too.
# Usage: bench/run-deeponet.sh [iterations, default 10000] [seeds, default "0"]
# --validation 0: like DeepXDE, train on every training function and keep the step with the lowest training loss.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/openblas-env.sh"
iterations="${1:-10000}"
seeds="${2:-0}"
data="${DEEPXDE_DATA:-$here/../shared/data/external}"
train="$data/antiderivative_aligned_train.npz"
test="$data/antiderivative_aligned_test.npz"
python="$here/bench/.venv-deepxde/bin/python"
[ -x "$python" ] || { echo "run bench/peers/setup-deepxde-venv.sh first" >&2; exit 1; }
(cd "$here" && swift build -c release --product pdekit >/dev/null)
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg), iterations=$iterations, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}"
for seed in $seeds; do
  ours=$("$here/.build/release/pdekit" train deeponet --data "$train" --test-data "$test" --branch 100,40,40 --trunk 1,40,40 \
          --activation relu --iterations "$iterations" --learning-rate 1e-3 --validation 0 --seed "$seed" 2>/dev/null)
  raw=$("$here/.build/release/pdekit" train deeponet --data "$train" --test-data "$test" --branch 100,40,40 --trunk 1,40,40 \
          --activation relu --iterations "$iterations" --learning-rate 1e-3 --validation 0 --seed "$seed" --no-normalize 2>/dev/null)
  theirs=$(OMP_NUM_THREADS="${DEEPXDE_THREADS:-1}" DDE_BACKEND=pytorch "$python" "$here/bench/peers/deeponet_deepxde.py" "$train" "$test" "$iterations" "$seed" 2>/dev/null | tail -1)
  echo "$ours"; echo "$raw"; echo "$theirs"
  python3 - "$ours" "$raw" "$theirs" <<'PY'
import json, sys
a, r, b = (json.loads(x) for x in sys.argv[1:4])
print(json.dumps({"benchmark": "deeponet-antiderivative-aligned", "seed": a["seed"],
                  "pdekit_seconds": a["train_seconds"], "pdekit_cpu_seconds": a["train_cpu_seconds"],
                  "deepxde_seconds": b["train_seconds"], "deepxde_cpu_seconds": b["train_cpu_seconds"],
                  "wall_speedup": round(b["train_seconds"] / a["train_seconds"], 2),
                  "cpu_speedup": round(b["train_cpu_seconds"] / a["train_cpu_seconds"], 2),
                  "pdekit_test_relative_l2": a["test_relative_l2"],
                  "pdekit_no_normalize_test_relative_l2": r["test_relative_l2"],
                  "deepxde_test_relative_l2": b["test_relative_l2"],
                  "deepxde_best_model_test_relative_l2": b["best_test_relative_l2"]}))
PY
done
