#!/usr/bin/env bash
# Times the official GP-HM JAX code (Fang et al., ICLR 2024) for a fixed number of epochs on one of
# its own problems, CPU only. The code is not vendored: pass the path of a git checkout (or bare
# mirror) of github.com/xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE; it is exported to a
# temporary directory and run there with the repository's own config for the equation.
#
#   bench/peers/gphm_official.sh CHECKOUT [EQUATION] [KERNEL] [EPOCHS]
#   e.g. bench/peers/gphm_official.sh ~/gphm poisson_1d-single_sin SE_Cos_1d 200
#
# For poisson_1d-single_sin it times the jitted epochs only, through bench/peers/gphm_epochs.py
# (GPHM_MODE=script runs the repository's own driver instead, which also evaluates 20 times).
# The script mode prints one JSON line: equation, kernel, epochs, wall and user CPU seconds of the whole process, the
# training time the script itself logs (`used_time`, includes JIT compilation and its 20 error
# evaluations), and the final relative L2 error it logs (`err_mean`, the best over those evaluations).
# Per-epoch cost: run twice with different EPOCHS and difference the `used_time` values.
set -euo pipefail
checkout="$1"; equation="${2:-poisson_1d-single_sin}"; kernel="${3:-SE_Cos_1d}"; epochs="${4:-200}"
here="$(cd "$(dirname "$0")/.." && pwd)"
python="$here/.venv-gphm/bin/python"
[ -x "$python" ] || { echo "run bench/peers/setup-venv-gphm.sh first" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
git -C "$checkout" archive HEAD code | tar -x -C "$work"
case "$equation" in poisson_2d*|allencahn_2d*) script=model_GP_solver_2d.py ;; *) script=model_GP_solver_1d.py ;; esac
cd "$work/code"
rm -rf result_log   # the repository ships example logs; keep only this run's
export JAX_ENABLE_X64=True JAX_PLATFORMS=cpu MPLBACKEND=Agg
if [ "${GPHM_MODE:-epochs}" = epochs ] && [ "$equation" = poisson_1d-single_sin ]; then
  # Per-epoch timing of the jitted step only (see gphm_epochs.py).
  "$python" "$here/peers/gphm_epochs.py" "$work/code" "$epochs" "$kernel"; exit
fi
/usr/bin/time -f "%e %U" -o "$work/time.txt" "$python" "$script" -equation="$equation" -kernel="$kernel" -nepoch="$epochs" \
  > "$work/stdout.txt" 2> "$work/stderr.txt" || { tail -20 "$work/stderr.txt" >&2; exit 1; }
log="$(find result_log -name log.txt | head -1)"
read -r wall user < "$work/time.txt"
used=$(grep -o 'used_time: [0-9.]*' "$log" | tail -1 | cut -d' ' -f2)
err=$(grep -o 'err_mean: [0-9.e+-]*' "$log" | tail -1 | cut -d' ' -f2)
printf '{"peer":"gphm-jax","equation":"%s","kernel":"%s","epochs":%s,"wall_seconds":%s,"user_seconds":%s,"used_time":%s,"err_mean":%s}\n' \
  "$equation" "$kernel" "$epochs" "$wall" "$user" "${used:-null}" "${err:-null}"
