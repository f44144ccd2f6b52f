#!/usr/bin/env bash
# Session 10's streaming measurements (BENCHMARKS-datasets.md): space-time FNO-3D on a time-last array and
# next-step FNO-2D on a The Well directory, each trained streamed and in memory one after the other in the
# order stream, memory, memory, stream (so a drift of the machine's load shows in both residences alike), on
# files 4x the --memory-limit; peak RSS from /usr/bin/time.
# Usage: [TASKS="spacetime well"] bench/streaming/run-stream-bench.sh DATA_DIR   (made by make_stream_data.py DATA_DIR 800 4)
# Output: one line per run (residence, seconds per epoch, wall, CPU, peak RSS), then the ratios.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$1"
pdekit="${PDEKIT:-$root/.build/release/pdekit}"
export PDEKIT_THREADS=1 OPENBLAS_NUM_THREADS=1
cd "$data"
spacetime=(train fno --task space-time --history 10 --data spacetime.h5 --train 770 --validation 20 --test 30 --epochs 2
           --preset navier-stokes --modes 4 --width 8 --layers 2 --batch-size 10 --memory-limit 16 --sample-order file --quiet)
well=(train fno --task next-step --history 4 --data well --train 816 --validation 16 --test 16 --epochs 2
      --preset navier-stokes --modes 6 --width 8 --layers 2 --batch-size 20 --memory-limit 47 --quiet)
run() {   # name residence args...
  local name="$1" residence="$2"; shift 2
  rm -rf "run-$name"
  /usr/bin/time -f "%e %U %S %M" -o "time-$name.txt" "$pdekit" "$@" --data-residence "$residence" --output "run-$name" > "summary-$name.json"
}
report() {   # name residence
  local seconds; seconds=$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["mean_epoch_seconds"])' "summary-$1.json")
  read -r wall user sys rss < "time-$1.txt"
  echo "$1 $2 s/epoch $seconds wall $wall cpu $(python3 -c "print('%.1f' % ($user + $sys))") peak_rss_MB $((rss / 1024))"
}
uptime
for task in ${TASKS:-spacetime well}; do
  declare -n args="$task"
  for run in 1-stream 2-memory 3-memory 4-stream; do
    run "$task-$run" "${run#*-}" "${args[@]}"
    report "$task-$run" "${run#*-}"
  done
  python3 - "$task" <<'PY'
import json, sys
task = sys.argv[1]
def seconds(run): return json.load(open(f"summary-{task}-{run}.json"))["mean_epoch_seconds"]
stream, memory = seconds("1-stream") + seconds("4-stream"), seconds("2-memory") + seconds("3-memory")
print(f"  {task}: throughput stream/memory {memory / stream:.2f}x (mean seconds per epoch {stream / 2:.2f} streamed, {memory / 2:.2f} in memory)")
PY
done
uptime
