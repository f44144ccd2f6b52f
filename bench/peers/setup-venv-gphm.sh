#!/usr/bin/env bash
# Creates bench/.venv-gphm with the GP-HM peer's dependencies (the official JAX code of Fang et al.,
# ICLR 2024, github.com/xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE), CPU only.
# Versions follow that repository's requirements.txt (JAX 0.4.8) except JAX itself: 0.4.13 is the
# oldest jaxlib on PyPI for Python 3.11. The code itself is not vendored:
# bench/peers/gphm_official.sh runs it from a checkout given on its command line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-gphm"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "jax[cpu]==0.4.13" "jaxlib==0.4.13" "optax==0.1.4" "numpy==1.23.4" \
  "scipy<1.12" "fire==0.5.0" "PyYAML==6.0.1" "tqdm" "pandas==2.0.2" "matplotlib==3.6.2"
"$venv/bin/python" -c "import jax, optax, numpy; print('jax', jax.__version__, 'optax', optax.__version__, 'numpy', numpy.__version__)"
