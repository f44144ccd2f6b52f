#!/usr/bin/env bash
# Side-by-side FNO-2D benchmark: PDEKit's `bench fno`, then the PyTorch/neuraloperator peer, one process
# per (size, mode) so that each peak-memory figure (getrusage maxrss) belongs to that case alone.
# Usage: [REPEAT=10] bench/run-fno.sh [SIZES]   (default: 64,128)
# Output: JSON lines on stdout (same fields for both), then a ratio table on stderr: wall-time speed-up
# (PyTorch median ÷ PDEKit median; the goal is ≥ 1.5x for train, ≥ 2x for inference) and, beside it, the
# ratio of CPU time per step (steadier on a shared machine), and each side's peak resident memory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sizes="${1:-64,128}"
repeat="${REPEAT:-10}"
cd "$root"
source scripts/openblas-env.sh
swift build -c release --product pdekit >/dev/null
[ -x bench/.venv-torch/bin/python ] || bash bench/peers/setup-torch-venv.sh >&2
out="$(mktemp)"
for size in ${sizes//,/ }; do
  for mode in train inference; do
    .build/release/pdekit bench fno --sizes "$size" --mode "$mode" --repetitions "$repeat" | tee -a "$out"
    bench/.venv-torch/bin/python bench/peers/fno_torch.py --size "$size" --mode "$mode" --repeat "$repeat" --threads 2 | tee -a "$out"
  done
done
python3 - "$out" >&2 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["implementation"], r["size"], r["mode"]): r for r in rows}
print("\nsize  mode        pdekit s (cpu s)     pytorch s (cpu s)    speed-up (wall)  (cpu)  pdekit MB  pytorch MB")
for (impl, size, mode), r in sorted(by.items()):
    if impl != "pdekit" or ("pytorch", size, mode) not in by:
        continue
    p = by[("pytorch", size, mode)]
    print(f"{size:4d}  {mode:10s}  {r['seconds_median']:7.3f} ({r['cpu_seconds_median']:6.3f})   "
          f"{p['seconds_median']:7.3f} ({p['cpu_seconds_median']:6.3f})   {p['seconds_median'] / r['seconds_median']:8.2f}x  "
          f"{p['cpu_seconds_median'] / r['cpu_seconds_median']:6.2f}x  {r['peak_rss_mb']:9.1f}  {p['peak_rss_mb']:10.1f}")
PY
rm -f "$out"
