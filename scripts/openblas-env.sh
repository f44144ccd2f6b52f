# Sourced by the other scripts. Debian's OpenBLAS 0.3.21 picks generic SSE3 kernels ("Prescott")
# on some virtual Xeon CPUs; OpenBLAS reads OPENBLAS_CORETYPE only when it loads, so choose the
# kernel family from the CPU flags here (the pdekit CLI does the same for itself).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    if echo "$flags" | grep -qw avx512f && echo "$flags" | grep -qw avx512bw \
        && echo "$flags" | grep -qw avx512vl && echo "$flags" | grep -qw avx512dq; then
        export OPENBLAS_CORETYPE=SkylakeX
    elif echo "$flags" | grep -qw avx2 && echo "$flags" | grep -qw fma; then
        export OPENBLAS_CORETYPE=Haswell
    fi
fi
