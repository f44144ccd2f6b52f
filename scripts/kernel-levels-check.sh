#!/usr/bin/env bash
# Runs the C-kernel test suites (TensorCore, AutoDiff convolution pullbacks, PINN narrow-layer
# kernels) once per SIMD level below this machine's (PDEKIT_SIMD_LEVEL caps the run-time dispatch:
# Sources/CKernels/cpu_level.c), then the PINN kernels under AddressSanitizer at every level
# (scripts/pinn-kernels-check.sh). `swift test` runs the machine's own level. Needs a release build
# of the tests (scripts/test.sh runs it after the suite).
set -euo pipefail
cd "$(dirname "$0")/.."
flags="$(grep -m1 '^flags' /proc/cpuinfo || true)"
has() { [[ " $flags " == *" $1 "* ]]; }
machine=0
if has avx512f && has avx512dq && has avx512vl; then machine=2; elif has avx2 && has fma; then machine=1; fi
suites='TensorCoreTests|DirectConvolutionTests|DirectConvolutionPullbackTests|NarrowLayerKernelTests|KernelDispatchTests'
for ((level = 0; level < machine; level++)); do
    echo "kernel suites at PDEKIT_SIMD_LEVEL=$level (machine level $machine)"
    if ! PDEKIT_SIMD_LEVEL=$level swift test -c release --skip-build --filter "$suites" > /tmp/pdekit-kernel-levels.$$.log 2>&1; then
        grep -E "✘|error" /tmp/pdekit-kernel-levels.$$.log >&2 || true
        echo "kernel suites failed at PDEKIT_SIMD_LEVEL=$level (log /tmp/pdekit-kernel-levels.$$.log)" >&2; exit 1
    fi
    grep -E "Test run with" /tmp/pdekit-kernel-levels.$$.log | tail -n 1; rm -f /tmp/pdekit-kernel-levels.$$.log
done
bash scripts/pinn-kernels-check.sh
