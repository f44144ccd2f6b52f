#!/usr/bin/env bash
# Creates bench/.venv with the Python peers of the sparse benchmark: numpy, scipy, pyamg, and
# (optionally) scikit-sparse for CHOLMOD from Python. scikit-sparse needs libsuitesparse-dev and a
# compiler; if it fails to build, the peer falls back to SciPy's SuperLU and says so in its output.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet numpy scipy pyamg h5py
if ! "$venv/bin/python" -c "import sksparse.cholmod" 2>/dev/null; then
  # The newest scikit-sparse needs SuiteSparse 7; older releases build against Debian's 5.12.
  log="$here/.venv/scikit-sparse-build.log"
  for spec in scikit-sparse "scikit-sparse==0.4.15" "scikit-sparse==0.4.14" "scikit-sparse==0.4.13"; do
    if "$venv/bin/python" -m pip install --quiet "$spec" >"$log" 2>&1; then break; fi
  done
  "$venv/bin/python" -c "import sksparse.cholmod" 2>/dev/null \
    || echo "setup-venv: scikit-sparse did not install (see $log); the peer will use SciPy SuperLU for the direct solve" >&2
fi
"$venv/bin/python" -c "import numpy, scipy, pyamg; print('numpy', numpy.__version__, 'scipy', scipy.__version__, 'pyamg', pyamg.__version__)"
"$venv/bin/python" -c "import sksparse.cholmod; print('scikit-sparse available')" 2>/dev/null || echo "scikit-sparse not available"
