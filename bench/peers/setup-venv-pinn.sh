#!/usr/bin/env bash
# Creates bench/.venv-pinn with the PINN peer: DeepXDE on the PyTorch backend (CPU).
# The PyTorch CPU index (download.pytorch.org) may be unreachable; plain PyPI `torch` works but also
# pulls the CUDA wheels' dependencies (large). Try the CPU index first, then fall back to PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-pinn"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --retries 0 --timeout 10 torch --index-url https://download.pytorch.org/whl/cpu \
    || "$venv/bin/python" -m pip install --quiet torch
fi
"$venv/bin/python" -m pip install --quiet numpy scipy deepxde
"$venv/bin/python" -c "import torch, deepxde, numpy; print('torch', torch.__version__, 'deepxde', deepxde.__version__, 'numpy', numpy.__version__)"
