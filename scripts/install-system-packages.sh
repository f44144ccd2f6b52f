#!/usr/bin/env bash
# Installs the Debian packages PDEKit links against, if any is missing (needs root or sudo).
set -euo pipefail
# Open MPI (libopenmpi-dev, openmpi-bin: mpirun, mpif90) runs multi-process jobs and the MPI tests.
# gcc, make and gfortran build the C and Fortran embedding examples (Examples/) against libPDEKitC.so.
# libhypre-dev (BoomerAMG, ILUT for the CHypre target) is built with Open MPI (libopenmpi-dev).
packages=(libfftw3-dev libopenblas-dev liblapacke-dev libsuitesparse-dev libhdf5-dev zlib1g-dev libpng-dev pkg-config libopenmpi-dev openmpi-bin libhypre-dev gcc make gfortran)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present"
    exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "system packages: installed"
