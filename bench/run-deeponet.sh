#!/usr/bin/env bash
# DeepONet antiderivative (aligned) benchmark: `pdekit deeponet` against DeepXDE (PyTorch backend),
# same data, same architecture (branch [100,40,40], trunk [1,40,40], ReLU), Adam 1e-3, full batch,
# same iteration count, one run. Needs bench/.venv-deepxde (bench/peers/setup-deepxde-venv.sh).
# Usage: bench/run-deeponet.sh [iterations, default 10000]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/openblas-env.sh"
iterations="${1:-10000}"
data="${DEEPXDE_DATA:-$here/../shared/data/external}"
train="$data/antiderivative_aligned_train.npz"
test="$data/antiderivative_aligned_test.npz"
python="$here/bench/.venv-deepxde/bin/python"
[ -x "$python" ] || { echo "run bench/peers/setup-deepxde-venv.sh first" >&2; exit 1; }
(cd "$here" && swift build -c release --product pdekit >/dev/null)
out="$(mktemp -d)"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg), iterations=$iterations, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}"
ours=$("$here/.build/release/pdekit" train deeponet --data "$train" --test-data "$test" --branch 100,40,40 --trunk 1,40,40 \
        --activation relu --iterations "$iterations" --learning-rate 1e-3 --output "$out/pdekit" 2>/dev/null)
echo "$ours"
theirs=$(DDE_BACKEND=pytorch "$python" "$here/bench/peers/deeponet_deepxde.py" "$train" "$test" "$iterations" 2>/dev/null | tail -1)
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"benchmark": "deeponet-antiderivative-aligned",
                  "pdekit_seconds": a["train_seconds"], "deepxde_seconds": b["train_seconds"],
                  "speedup": round(b["train_seconds"] / a["train_seconds"], 2),
                  "pdekit_test_relative_l2": a["test_relative_l2"], "deepxde_test_relative_l2": b["test_relative_l2"]}))
PY
rm -rf "$out"
