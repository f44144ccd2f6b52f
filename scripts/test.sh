#!/usr/bin/env bash
# The test suite: install system packages if missing, then build and run every test in release
# mode (numeric tests are 10-100x slower in debug builds). Tests use PDEKit's public API only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
source scripts/openblas-env.sh
swift build -c release 2>&1 | tail -n 1   # the CLI, libPDEKitC.so and the examples the tests run
python3 scripts/check-dependencies.py   # Package.swift dependencies equal the imports
swift test -c release --skip 'CommunicatorTests|HypreWithoutMPITests' "$@"
# In a process of their own, where nothing initializes MPI: they check that the single-rank path and
# hypre without MPI leave it uninitialized (the hypre tests of the main run start MPI as its host).
swift test -c release --skip-build --filter 'CommunicatorTests|HypreWithoutMPITests' | tail -n 1
bash scripts/mpi-tests.sh   # pdekit under mpirun -np 2: collectives, sharded generation (kill -9 and resume), data-parallel training, abort
bash scripts/kernel-levels-check.sh   # the C kernels at every lower SIMD level, and pinn-kernels-check.sh
python3 scripts/fuzz.py --runs 400 --seed "${PDEKIT_FUZZ_SEED:-1}" | tail -n 2   # mutated files through every reader; fails on a crash or hang
bash scripts/fuzz-hdf5/ci-slice.sh   # 270 checksum-correct HDF5 mutants (new-style groups, every chunk index kind; ~30 s); fails on a crash or hang
python3 scripts/fuzz.py --mode flags --flag-sample 40 --flag-timeout 10 --seed "${PDEKIT_FUZZ_SEED:-1}" | tail -n 2   # bad values of numeric flags (~1 min); fails on a crash or hang
