#!/usr/bin/env bash
# Side-by-side HDF5 throughput: PDEKit's `bench datasets`, then the h5py peer, in one run.
# Usage: [BENCH_ARGS="--samples 1000 --size 128"] bench/run-datasets.sh
# Output: JSON lines on stdout (both implementations, same keys), then a ratio table on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product pdekit >/dev/null
venv="$root/bench/.venv-datasets"
if ! "$venv/bin/python" -c "import h5py, numpy" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet numpy h5py >&2
fi
out="$(mktemp)"
.build/release/pdekit bench datasets ${BENCH_ARGS:-} | tee -a "$out"
"$venv/bin/python" bench/peers/datasets_h5py.py ${BENCH_ARGS:-} | tee -a "$out"
python3 - "$out" >&2 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
mine = {r["benchmark"]: r for r in rows if r["implementation"] == "pdekit"}
print("\nbenchmark                      pdekit MB/s   h5py MB/s   pdekit/h5py")
for r in rows:
    if r["implementation"] != "h5py" or r["benchmark"] not in mine:
        continue
    m = mine[r["benchmark"]]
    print(f"{r['benchmark']:30} {m['megabytes_per_second']:11.0f} {r['megabytes_per_second']:11.0f} {m['megabytes_per_second'] / r['megabytes_per_second']:12.2f}")
PY
