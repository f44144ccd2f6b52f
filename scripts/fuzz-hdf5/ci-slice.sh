#!/usr/bin/env bash
# A fixed slice of the checksum-correct HDF5 mutant fuzz, run by scripts/test.sh: libhdf5 checks the
# checksums of new-format structures, so byte flips (scripts/fuzz.py) never reach the code that walks them;
# these mutants recompute each checksum, so libhdf5 follows the hostile value unless PDEKit's structure
# check refuses it first. Seeds: new-style groups (a two-level link index, dense attributes, a deflated
# heap) and every chunk index kind of a new-format dataset. Fixed mutation seeds, so the same binary
# gives the same outcomes; fails on any crash, hang or multi-line error (about 30 s).
# Usage: bash scripts/fuzz-hdf5/ci-slice.sh [PDEKIT] [RUNS per seed file, default 30]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pdekit="$(realpath "${1:-$root/.build/release/pdekit}")"
runs="${2:-30}"
work="$(mktemp -d /tmp/pdekit-hdf5-slice.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
h5cc -o new_style_groups "$root/scripts/fuzz-hdf5/new_style_groups.c" 2>/dev/null
h5cc -o chunk_indexes "$root/scripts/fuzz-hdf5/chunk_indexes.c" 2>/dev/null
./new_style_groups wide.h5 order 200
./new_style_groups attributes.h5 plain 0 40
./new_style_groups filtered.h5 plain 200 0 deflate
for kind in fixed extensible btree2 single implicit; do ./chunk_indexes "$kind.h5" "$kind" 4; done
./chunk_indexes fixed-paged.h5 fixed 2000 deflate
failed=0; seed=200; total=0
for file in wide attributes filtered fixed extensible btree2 single implicit fixed-paged; do
    seed=$((seed + 1)); total=$((total + runs))
    layout=""; case "$file" in wide|attributes|filtered) ;; *) layout=1 ;; esac
    if ! LAYOUT="$layout" python3 "$root/scripts/fuzz-hdf5/checksum_mutants.py" "$pdekit" "$file.h5" "$runs" "$seed" \
            > "$file.log" 2>/dev/null; then
        failed=1; echo "hdf5 slice: FAIL on $file.h5 (seed $seed):"; grep -v "^{" "$file.log" | head -n 5
    fi
done
[ "$failed" -eq 0 ] || exit 1
echo "hdf5 slice: $total checksum-correct mutants of 9 seed files, no crash, hang or unclear error"
