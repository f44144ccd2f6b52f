#!/usr/bin/env bash
# Side-by-side PDE-family timings: `pdekit bench pdes` and the NumPy/SciPy peer, one run.
# Usage: bench/run-pdes.sh [darcy sizes, default 64,128,256]. Uses bench/.venv (bench/peers/setup-venv.sh)
# when present, else the system python3 (needs numpy and scipy).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/openblas-env.sh"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
sizes="${1:-64,128,256}"
python="$here/bench/.venv/bin/python"
[ -x "$python" ] || python=python3
(cd "$here" && swift build -c release --product pdekit >/dev/null)
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"
"$here/.build/release/pdekit" bench pdes --darcy "$sizes"
"$python" "$here/bench/peers/pdes_numpy.py" "$sizes"
