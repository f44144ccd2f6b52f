#!/usr/bin/env bash
# Builds scripts/pinn-kernels-check.c against Sources/CKernels/pinn_kernels.c with AddressSanitizer and
# runs it at each dispatch level (PDEKIT_PINN_KERNELS caps it): the Swift tests only reach the CPU's own level.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$(mktemp)"
clang -O2 -fsanitize=address -I"$root/Sources/CKernels/include" "$root/scripts/pinn-kernels-check.c" \
    "$root/Sources/CKernels/pinn_kernels.c" "$root/Sources/CKernels/cpu_level.c" -lm -o "$binary" 2>/dev/null
for level in native avx2 generic; do
    echo "level $level:"
    ASAN_OPTIONS=detect_leaks=0 PDEKIT_PINN_KERNELS="$level" "$binary"
done
rm -f "$binary"
