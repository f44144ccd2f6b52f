#!/usr/bin/env bash
# Creates bench/.venv-torch with the PyTorch peer of the FNO benchmark: torch (CPU wheel when the
# PyTorch index is reachable, otherwise the default PyPI wheel, which pulls CUDA libraries that stay
# unused on CPU) and the `neuraloperator` package.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-torch"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
if ! "$py" -c "import torch" 2>/dev/null; then
  "$py" -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
    || "$py" -m pip install --quiet torch
fi
"$py" -m pip install --quiet neuraloperator numpy
"$py" -c "import torch, neuralop; print('torch', torch.__version__, 'neuraloperator', getattr(neuralop, '__version__', '?'))"
