#!/usr/bin/env bash
# Creates bench/.venv-deepxde with DeepXDE and a CPU-only PyTorch (the DeepONet peer).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-deepxde"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The CPU-only wheel index first (small); PyPI's torch (with CUDA libraries, large) when it is unreachable.
"$venv/bin/python" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
  || "$venv/bin/python" -m pip install --quiet torch
"$venv/bin/python" -m pip install --quiet deepxde numpy
DDE_BACKEND=pytorch "$venv/bin/python" -c "import torch, deepxde; print('torch', torch.__version__, 'deepxde', deepxde.__version__)"
