#!/usr/bin/env bash
# The multi-process tests: pdekit under `mpirun --oversubscribe -np 2` (Open MPI), run by scripts/test.sh
# after the build. Checks:
#   1. allreduce / broadcast / barrier between 2 ranks give exact sums (bench scaling --allreduce-only
#      checks every result itself) over shared memory and TCP loopback;
#   2. generate with R = 1 and R = 2: inputs, solutions and sample_index bitwise equal (direct solver; also float64
#      files, R = 1 with the default threads against 1-thread ranks);
#      kill -9 of one rank mid-run, then the same command: complete, each sample_index once, bitwise equal;
#   3. train fno, train fno --task next-step and train deeponet (aligned and triplet data) with R = 2 and global batch B:
#      the loss curve and the validation errors (split across ranks) of R = 1 with batch B to 1e-6 relative (next-step:
#      1e-5); a partial run then --resume under R = 2 gives the uninterrupted R = 2 run's losses and a byte-identical checkpoint;
#   4. a rank that meets bad input: every rank exits non-zero, one `error:` line, no hang; commands that do
#      not split their work (generate antiderivative) are refused under mpirun,
#      and so is train deeponet --keep best-train-loss (it needs each step's loss on one process);
#   5. the Fortran MPI example gives the same per-sample errors on 1 and 2 ranks;
#   6. solve: one system split over 2 ranks (hypre CG + AMG, GMRES + AIR, BiCGStab + ILUT) agrees with
#      the one-process solve to the tolerance; a method that cannot run across ranks: one error line;
#   7. solve across ranks where rank 1 alone reads a bad file (a NaN in its rows, a matrix of another
#      size, a size too large for memory): every rank exits non-zero with one error line naming rank 1.
#   8. thread caps: PDEKIT_THREADS=1 generate runs one thread (no OpenMP or OpenBLAS workers); under mpirun
#      every rank starts with the load-time caps (OMP_THREAD_LIMIT, OPENBLAS_NUM_THREADS = cores / ranks).
# Usage: bash scripts/mpi-tests.sh   (after swift build -c release --build-tests)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/openblas-env.sh
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
bin="$(swift build -c release --show-bin-path)"
pdekit="$bin/pdekit"
mpirun=(mpirun --oversubscribe -np 2)
work="$(mktemp -d /tmp/pdekit-mpi-tests.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "mpi-tests: FAIL: $*" >&2; exit 1; }
# A collective that waits forever is a failure: every launch has a time limit.
limit=(timeout --kill-after=10 300)

echo "mpi-tests: 1. collectives"
for transport in shared-memory tcp-loopback; do
    options=(); [ "$transport" = tcp-loopback ] && options=(--mca btl tcp,self)
    out=$("${limit[@]}" "${mpirun[@]}" "${options[@]}" "$pdekit" bench scaling --allreduce-only --transport "$transport" \
          --allreduce-megabytes 0.001 --allreduce-megabytes 1 --repetitions 2)
    [ "$(grep -c '"allreduce"' <<<"$out")" -eq 2 ] || fail "allreduce over $transport printed: $out"
done

echo "mpi-tests: 2. sharded generation"
gen=(generate darcy --samples 160 --resolution 97 --solver direct --shard-size 2 --seed 7 --quiet)
"${limit[@]}" "$pdekit" "${gen[@]}" --output "$work/one-rank.h5" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${gen[@]}" --output "$work/two-ranks.h5" >/dev/null
# float64 keeps the last bits that threaded BLAS changes: one process with the default threads (no PDEKIT_THREADS)
# must still equal the two 1-thread ranks (CholmodBLASThreads runs these small factors on one OpenBLAS thread).
gen64=(generate darcy --samples 40 --resolution 128 --solver direct --seed 7 --quiet --precision float64)
env -u PDEKIT_THREADS "${limit[@]}" "$pdekit" "${gen64[@]}" --output "$work/one-rank-float64.h5" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${gen64[@]}" --output "$work/two-ranks-float64.h5" >/dev/null
ls "$work"/two-ranks.shard-* >/dev/null 2>&1 && fail "the parts were not removed after the merge"
# kill -9 of rank 1 once both ranks have written rows, then the same command again.
"${mpirun[@]}" "$pdekit" "${gen[@]}" --output "$work/killed-and-resumed.h5" >/dev/null 2>&1 &
launcher=$!
killed=0
for _ in $(seq 1 600); do
    part="$work/killed-and-resumed.shard-1-of-2.h5"
    if [ -f "$part" ] && [ "$(stat -c %s "$part")" -gt 40000 ]; then
        for child in $(pgrep -P "$launcher"); do
            if tr '\0' ' ' </proc/"$child"/environ 2>/dev/null | grep -q 'OMPI_COMM_WORLD_RANK=1 '; then kill -9 "$child"; killed=1; fi
        done
        [ "$killed" -eq 1 ] && break
    fi
    sleep 0.05
done
set +e; wait "$launcher"; status=$?; set -e
[ "$killed" -eq 1 ] || fail "rank 1 finished before it could be killed (make the run longer)"
[ "$status" -ne 0 ] || fail "mpirun exited 0 after a rank was killed"
[ -f "$work/killed-and-resumed.h5" ] && fail "the killed run left a merged file"
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${gen[@]}" --output "$work/killed-and-resumed.h5" >/dev/null
PDEKIT_MPI_ARTIFACTS="$work" swift test -c release --skip-build --filter MPIGenerationArtifactTests 2>&1 | tail -n 3 \
    | tee "$work/artifact-tests.txt"
grep -q "passed" "$work/artifact-tests.txt" && ! grep -qi "failed" "$work/artifact-tests.txt" || fail "generation artifacts differ"

echo "mpi-tests: 3. data-parallel training"
train=(train fno --data "$work/one-rank.h5" --train 24 --validation 4 --test 4 --epochs 3 --batch-size 6 --width 8 --modes 4
       --layers 2 --subsample 4 --seed 3 --quiet)
"${limit[@]}" "$pdekit" "${train[@]}" --output "$work/fno-1" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${train[@]}" --output "$work/fno-2" >/dev/null
partial=("${train[@]}"); partial[11]=2   # --epochs 2
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${partial[@]}" --output "$work/fno-2r" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${train[@]}" --output "$work/fno-2r" --resume >/dev/null
python3 - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
def curve(name, key):
    return [json.loads(line)[key] for line in open(f"{work}/{name}/metrics.jsonl")]
for key in ["trainLoss", "validationRelativeL2"]:
    one, two, resumed = curve("fno-1", key), curve("fno-2", key), curve("fno-2r", key)
    assert len(one) == 3 and len(two) == 3 and len(resumed) == 3, (key, one, two, resumed)
    for a, b in zip(one, two):
        assert math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-6 * abs(a), f"{key}: R=1 {one} vs R=2 {two}"
    assert resumed == two, f"{key}: resumed {resumed} vs uninterrupted {two}"
    print(f"mpi-tests:   fno {key}: R=1 {one}; R=2 {two}; max relative difference {max(abs(a-b)/abs(a) for a, b in zip(one, two)):.2e}")
PY
cmp -s "$work/fno-2/checkpoint.safetensors" "$work/fno-2r/checkpoint.safetensors" || fail "resumed R=2 checkpoint differs from the uninterrupted one"
# Next-step FNO on Navier-Stokes trajectories (8 of 7 snapshots; history 2: 5 windows each): 20 training windows in
# global batches of 6 (3 per rank), the 2 validation trajectories' rollouts split across the ranks.
"${limit[@]}" "$pdekit" generate navier-stokes --samples 8 --resolution 16 --final-time 0.6 --record-interval 0.1 --time-step 0.01 \
    --seed 2 --output "$work/ns.h5" --quiet >/dev/null
nextstep=(train fno --task next-step --history 2 --data "$work/ns.h5" --train 6 --validation 2 --test 2 --modes 4 --width 8 --layers 2
          --batch-size 6 --seed 3 --quiet --epochs 3)
"${limit[@]}" "$pdekit" "${nextstep[@]}" --output "$work/ns-1" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${nextstep[@]}" --output "$work/ns-2" >/dev/null
partial=("${nextstep[@]}"); partial[${#partial[@]}-1]=2   # --epochs 2
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${partial[@]}" --output "$work/ns-2r" >/dev/null
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${nextstep[@]}" --output "$work/ns-2r" --resume >/dev/null
python3 - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
def curve(name, key):
    return [json.loads(line)[key] for line in open(f"{work}/{name}/metrics.jsonl")]
for key in ["trainLoss", "validationRelativeL2"]:
    one, two, resumed = curve("ns-1", key), curve("ns-2", key), curve("ns-2r", key)
    assert len(one) == 3 and len(two) == 3 and len(resumed) == 3, (key, one, two, resumed)
    for a, b in zip(one, two):
        assert math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-5 * abs(a), f"{key}: R=1 {one} vs R=2 {two}"
    assert resumed == two, f"{key}: resumed {resumed} vs uninterrupted {two}"
    print(f"mpi-tests:   next-step {key}: R=1 {one}; R=2 {two}; max relative difference {max(abs(a-b)/abs(a) for a, b in zip(one, two)):.2e}")
one, two = (json.load(open(f"{work}/{name}/rollout.json")) for name in ("ns-1", "ns-2"))
assert math.isfinite(one["relative_l2"]) and abs(one["relative_l2"] - two["relative_l2"]) <= 1e-5 * one["relative_l2"], (one, two)
PY
cmp -s "$work/ns-2/checkpoint.safetensors" "$work/ns-2r/checkpoint.safetensors" || fail "resumed R=2 next-step checkpoint differs from the uninterrupted one"
# DeepONet: 40 training functions, the last 10 held out (5 per rank), mini-batches of 8 (4 per rank),
# an evaluation every epoch (4 steps); the partial run stops after 2 of the 3 epochs.
"${limit[@]}" "$pdekit" generate antiderivative --samples 40 --test-samples 8 --sensors 20 --seed 5 --output "$work/ad.npz" >/dev/null
deeponet=(train deeponet --data "$work/ad.npz" --validation 10 --batch-size 8 --log-every 4 --branch 20,16,16 --trunk 1,16,16
          --seed 3 --iterations 12)
"${limit[@]}" "$pdekit" "${deeponet[@]}" --output "$work/don-1" >/dev/null 2>&1
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${deeponet[@]}" --output "$work/don-2" >/dev/null 2>&1
partial=("${deeponet[@]}"); partial[${#partial[@]}-1]=8
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${partial[@]}" --output "$work/don-2r" >/dev/null 2>&1
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${deeponet[@]}" --output "$work/don-2r" --resume >/dev/null 2>&1
python3 - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
def curve(name, key):
    return [json.loads(line)[key] for line in open(f"{work}/{name}/metrics.jsonl")]
for key in ["trainLoss", "validationRelativeL2"]:
    one, two, resumed = curve("don-1", key), curve("don-2", key), curve("don-2r", key)
    assert len(one) == 3 and len(two) == 3 and len(resumed) == 3, (key, one, two, resumed)
    for a, b in zip(one, two):
        assert math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-6 * abs(a), f"{key}: R=1 {one} vs R=2 {two}"
    assert resumed == two, f"{key}: resumed {resumed} vs uninterrupted {two}"
    print(f"mpi-tests:   deeponet {key}: R=1 {one}; R=2 {two}; max relative difference {max(abs(a-b)/abs(a) for a, b in zip(one, two)):.2e}")
one, two = (json.load(open(f"{work}/{name}/summary.json")) for name in ("don-1", "don-2"))
assert one["ranks"] == 1 and two["ranks"] == 2 and one["kept"] == two["kept"] == "best-validation", (one, two)
assert one["kept_step"] == two["kept_step"], (one["kept_step"], two["kept_step"])
for key in ["best_validation_relative_l2", "test_relative_l2"]:
    assert abs(one[key] - two[key]) <= 1e-6 * abs(one[key]), f"{key}: R=1 {one[key]} vs R=2 {two[key]}"
PY
cmp -s "$work/don-2/checkpoint.safetensors" "$work/don-2r/checkpoint.safetensors" || fail "resumed R=2 DeepONet checkpoint differs from the uninterrupted one"
# Unaligned triplets (y is [N, 1]): validation reduces Σ error² and Σ target² over the ranks. The NPZ is
# written with the standard library (float64 .npy members: magic, header, little-endian data).
python3 - "$work/triplets.npz" <<'PY'
import math, random, struct, sys, zipfile
def npy(rows, columns, values):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, columns)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%dd" % len(values), *values)
random.seed(11)
def triplets(n):
    branch, trunk, target = [], [], []
    for _ in range(n):
        a, b, y = random.uniform(-1, 1), random.uniform(-1, 1), random.random()
        branch += [a * math.sin(math.pi * k / 7) + b * math.cos(math.pi * k / 7) for k in range(8)]
        trunk.append(y)
        target.append(a * y + b * y * y + 0.5)
    return npy(n, 8, branch), npy(n, 1, trunk), npy(n, 1, target)
with zipfile.ZipFile(sys.argv[1], "w") as archive:
    for prefix, n in (("train", 60), ("test", 12)):
        for name, data in zip(("X_%s0" % prefix, "X_%s1" % prefix, "y_%s" % prefix), triplets(n)):
            archive.writestr(name + ".npy", data)
PY
triplet=(train deeponet --data "$work/triplets.npz" --validation 10 --batch-size 10 --log-every 5 --branch 8,12,12 --trunk 1,12,12
         --seed 4 --iterations 10)
"${limit[@]}" "$pdekit" "${triplet[@]}" --output "$work/tri-1" >/dev/null 2>&1
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${triplet[@]}" --output "$work/tri-2" >/dev/null 2>&1
python3 - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
one, two = ([json.loads(line) for line in open(f"{work}/{name}/metrics.jsonl")] for name in ("tri-1", "tri-2"))
assert len(one) == len(two) == 2, (one, two)
for a, b in zip(one, two):
    for key in ["trainLoss", "validationRelativeL2"]:
        assert math.isfinite(a[key]) and abs(a[key] - b[key]) <= 1e-6 * abs(a[key]), f"triplets {key}: R=1 {a[key]} vs R=2 {b[key]}"
summary = json.load(open(f"{work}/tri-2/summary.json"))
assert summary["layout"] == "triplet" and summary["ranks"] == 2 and summary["validation_samples"] == 10, summary
print(f"mpi-tests:   deeponet triplets validationRelativeL2: R=1 {[a['validationRelativeL2'] for a in one]}; R=2 {[b['validationRelativeL2'] for b in two]}")
PY

echo "mpi-tests: 4. a rank meeting bad input"
# Rank 1's part file is not an HDF5 file: rank 1 fails alone while rank 0 solves on and then waits.
printf 'not an HDF5 file' > "$work/bad.shard-1-of-2.h5"
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" "${gen[@]}" --output "$work/bad.h5" >/dev/null 2>"$work/bad.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "bad part: exit status $status (124/137: a hang)"
[ "$(grep -c '^error:' "$work/bad.err")" -eq 1 ] || fail "bad part: expected one error: line, got: $(cat "$work/bad.err")"
grep -q '^error:.*rank 1 of 2' "$work/bad.err" || fail "bad part: the error line does not name rank 1"
# Every rank meets the same bad input (a missing data file): still one line.
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" train fno --data "$work/missing.h5" --epochs 1 --output "$work/fno-bad" >/dev/null 2>"$work/bad2.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "missing data: exit status $status"
[ "$(grep -c '^error:' "$work/bad2.err")" -eq 1 ] || fail "missing data: expected one error: line, got: $(cat "$work/bad2.err")"
# A command that does not split its work is refused (R copies would write the same file); --version is not an error.
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" generate antiderivative --samples 10 --test-samples 5 --sensors 12 \
    --output "$work/a.npz" >/dev/null 2>"$work/bad3.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$(grep -c '^error:.*runs as one process' "$work/bad3.err")" -eq 1 ] && [ ! -f "$work/a.npz" ] \
    || fail "generate antiderivative under mpirun: status $status, $(cat "$work/bad3.err")"
[ "$("${limit[@]}" "${mpirun[@]}" "$pdekit" --version | wc -l)" -eq 1 ] || fail "--version under mpirun"
# train fno --task next-step on a file without trajectories: every rank fails alike, one error line, no hang.
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" train fno --task next-step --data "$work/one-rank.h5" --trajectory-key nothing --epochs 1 \
    --output "$work/next-step" >/dev/null 2>"$work/bad4.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$(grep -c '^error:' "$work/bad4.err")" -eq 1 ] \
    || fail "train fno --task next-step on bad data under mpirun: status $status, $(cat "$work/bad4.err")"
# train deeponet's default without validation rows keeps the lowest training loss of every step: refused.
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" train deeponet --data "$work/ad.npz" --validation 0 --iterations 2 \
    --output "$work/don-bad" >/dev/null 2>"$work/bad5.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$(grep -c '^error:.*best-train-loss' "$work/bad5.err")" -eq 1 ] \
    || fail "train deeponet --keep best-train-loss under mpirun: status $status, $(cat "$work/bad5.err")"
echo "mpi-tests: 5. Fortran MPI example (each rank applies its own operator handle; rank 0 gathers)"
if command -v mpif90 >/dev/null && command -v make >/dev/null; then
    make -s -C Examples/fortran-mpi BUILD_DIR="$bin" OUT_DIR="$work/examples" >/dev/null
    two=$("${limit[@]}" "${mpirun[@]}" "$work/examples/pdekit-fortran-mpi-example" "$work/fno-1" 2)
    one=$("${limit[@]}" mpirun --oversubscribe -np 1 "$work/examples/pdekit-fortran-mpi-example" "$work/fno-1" 4)
    grep -q "fortran mpi example: ok" <<<"$two" || fail "fortran mpi example: $two"
    [ "$(grep -c '^sample ' <<<"$two")" -eq 4 ] || fail "fortran mpi example gathered: $two"
    # The same 4 samples on 1 and on 2 ranks: the same errors, digit for digit.
    [ "$(grep '^sample ' <<<"$two")" = "$(grep '^sample ' <<<"$one")" ] || fail "fortran mpi example: 2 ranks $two vs 1 rank $one"
else
    echo "mpi-tests:   skipped (no mpif90 or make)"
fi
echo "mpi-tests: 6. one system across ranks (solve)"
python3 - "$work" <<'PY'
import sys
# 5-point Poisson (symmetric) and first-order upwind convection-diffusion (velocity +x, cell Peclet
# number 2: nonsymmetric) on a 120 x 120 grid.
n, work = 120, sys.argv[1]
for name, c in [("poisson", 0.0), ("convection", 2.0)]:
    entries = []
    for j in range(n):
        for i in range(n):
            row = j * n + i + 1
            entries.append((row, row, 4.0 + c))
            if i > 0: entries.append((row, row - 1, -1.0 - c))
            if i + 1 < n: entries.append((row, row + 1, -1.0))
            if j > 0: entries.append((row, row - n, -1.0))
            if j + 1 < n: entries.append((row, row + n, -1.0))
    with open(f"{work}/{name}.mtx", "w") as f:
        f.write(f"%%MatrixMarket matrix coordinate real general\n{n * n} {n * n} {len(entries)}\n")
        f.writelines(f"{r} {c} {v!r}\n" for r, c, v in entries)
PY
for setup in "poisson cg amg classical" "convection gmres amg air" "convection bicgstab ilut classical"; do
    read -r matrix method preconditioner variant <<<"$setup"
    flags=(solve "$work/$matrix.mtx" --method "$method" --preconditioner "$preconditioner" --amg-variant "$variant"
           --relative-tolerance 1e-10 --max-iterations 2000)
    "${limit[@]}" "$pdekit" "${flags[@]}" --solution "$work/x1.mtx" >/dev/null || fail "solve $setup on one process"
    out=$("${limit[@]}" "${mpirun[@]}" "$pdekit" "${flags[@]}" --solution "$work/x2.mtx") || fail "solve $setup on 2 ranks: $out"
    grep -q "across 2 ranks" <<<"$out" || fail "solve $setup on 2 ranks did not split the system: $out"
    python3 - "$work/x1.mtx" "$work/x2.mtx" "$setup" <<'PY'
import math, sys
def vector(path):
    lines = [l for l in open(path) if not l.startswith("%")]
    return [float(l.split()[-1]) for l in lines[1:] if l.strip()]
one, two = vector(sys.argv[1]), vector(sys.argv[2])
assert len(one) == len(two) == 14400, (len(one), len(two))
difference = math.sqrt(sum((a - b) ** 2 for a, b in zip(one, two))) / math.sqrt(sum(a * a for a in one))
assert difference < 1e-7, f"{sys.argv[3]}: 2 ranks differ from 1 process by {difference}"   # NaN fails too
print(f"mpi-tests:   {sys.argv[3]}: 2 ranks vs 1 process, relative difference {difference:.1e}")
PY
done
set +e
"${limit[@]}" "${mpirun[@]}" "$pdekit" solve "$work/poisson.mtx" --method direct >/dev/null 2>"$work/bad5.err"; status=$?
set -e
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$(grep -c '^error:.*runs as one process' "$work/bad5.err")" -eq 1 ] \
    || fail "solve --method direct under mpirun: status $status, $(cat "$work/bad5.err")"
echo "mpi-tests: 7. solve across ranks: one rank's input fails (every rank exits non-zero, one error line, no hang)"
# Each rank reads its own copy of the files ($work/rank-R/…): rank 0 a good matrix, rank 1 a bad one.
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
good = open(f"{work}/poisson.mtx").read().splitlines(keepends=True)
body = len(good) - 2
nan = good[:]; nan[2 + body * 3 // 4] = nan[2 + body * 3 // 4].rsplit(" ", 1)[0] + " nan\n"   # in rank 1's rows
smaller = [f"%%MatrixMarket matrix coordinate real general\n", "3 3 3\n", "1 1 1.0\n", "2 2 1.0\n", "3 3 1.0\n"]
huge = ["%%MatrixMarket matrix coordinate real general\n", "3000000000 3000000000 90000000000\n", "1 1 1.0\n"]
for case, bad in [("nan", nan), ("size", smaller), ("memory", huge)]:
    for rank, lines in [(0, good), (1, bad)]:
        os.makedirs(f"{work}/{case}-{rank}", exist_ok=True)
        open(f"{work}/{case}-{rank}/a.mtx", "w").writelines(lines)
PY
for case in nan size memory; do
    set +e
    "${limit[@]}" "${mpirun[@]}" sh -c 'exec "$0" solve "$1-$OMPI_COMM_WORLD_RANK/a.mtx" --method cg --preconditioner amg' \
        "$pdekit" "$work/$case" >/dev/null 2>"$work/rank-$case.err"; status=$?
    set -e
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$(grep -c '^error:' "$work/rank-$case.err")" -eq 1 ] \
        && grep -q '^error:.*rank 1' "$work/rank-$case.err" \
        || fail "solve across ranks with a bad file on rank 1 ($case): status $status, $(cat "$work/rank-$case.err")"
    echo "mpi-tests:   $case on rank 1: $(grep '^error:' "$work/rank-$case.err")"
done
echo "mpi-tests: 8. thread caps reach every pool"
# CHOLMOD asks OpenMP for 4 threads per region of its supernodal factorization and OpenBLAS starts a pool per core;
# only the load-time variables (OMP_THREAD_LIMIT, OPENBLAS_NUM_THREADS) cap those, so a capped pdekit re-executes
# itself once with them. A 1-thread generate samples its /proc/PID/task while it factorizes: one thread throughout.
PDEKIT_THREADS=1 "${limit[@]}" "$pdekit" generate darcy --samples 48 --resolution 128 --solver direct --quiet --seed 1 \
    --output "$work/threads.h5" >/dev/null &
pid=$!
most=0
while kill -0 "$pid" 2>/dev/null; do
    count=$( (ls /proc/"$pid"/task 2>/dev/null || true) | wc -l)   # the process may end between the test and the listing
    [ "$count" -gt "$most" ] && most=$count
    sleep 0.01
done
wait "$pid" || fail "PDEKIT_THREADS=1 generate failed"
[ "$most" -eq 1 ] || fail "PDEKIT_THREADS=1 generate ran $most threads at once (expected 1)"
echo "mpi-tests:   PDEKIT_THREADS=1 generate darcy: at most $most thread"
# Under mpirun without PDEKIT_THREADS each of the 2 ranks on this machine gets cores / 2 threads in its load-time environment.
expected=$(( $(nproc) / 2 )); [ "$expected" -ge 1 ] || expected=1
"${mpirun[@]}" "$pdekit" generate darcy --samples 400 --resolution 128 --solver direct --quiet --seed 1 --output "$work/threads-2.h5" \
    >/dev/null 2>&1 &
launcher=$!
seen=0
for _ in $(seq 1 400); do
    for child in $(pgrep -P "$launcher"); do
        environment=$(tr '\0' '\n' </proc/"$child"/environ 2>/dev/null || true)
        if grep -q '^OMPI_COMM_WORLD_RANK=' <<<"$environment" && grep -q "^PDEKIT_REEXECUTED_PID=$child\$" <<<"$environment"; then
            grep -qx "OMP_THREAD_LIMIT=$expected" <<<"$environment" && grep -qx "OPENBLAS_NUM_THREADS=$expected" <<<"$environment" \
                || fail "rank process $child: $(grep -E '^(OMP|OPENBLAS)_' <<<"$environment" | tr '\n' ' ')"
            seen=$((seen + 1))
        fi
    done
    [ "$seen" -ge 2 ] && break
    sleep 0.05
done
wait "$launcher" || fail "mpirun generate (thread caps) failed"
[ "$seen" -ge 2 ] || fail "no rank process with the load-time caps was seen"
echo "mpi-tests:   mpirun -np 2: each rank started with OMP_THREAD_LIMIT=OPENBLAS_NUM_THREADS=$expected"
echo "mpi-tests: all passed"
