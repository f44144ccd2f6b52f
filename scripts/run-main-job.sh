#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install system packages, build in release mode,
# run the demo (FFT round trip + MLP fit) and the core benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
source scripts/openblas-env.sh
echo "building (release)…"
swift build -c release 2>&1 | tail -n 1
.build/release/pdekit --version
.build/release/pdekit demo
echo "core benchmarks (JSON lines):"
.build/release/pdekit bench core --repetitions 3
