#!/usr/bin/env bash
# Install every build and test dependency of nacre from Debian packages.
# Idempotent: packages already present are skipped by apt-get. Runs as root
# on a fresh Debian 12 machine (uses sudo when not root and sudo exists).
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  libsymspg-dev libopenblas-dev liblapacke-dev
  libsqlite3-dev libqhull-dev libcjson-dev zlib1g-dev
  libsvm-dev liblinear-dev
)
# Reference tools used only by tests (never linked into the library).
test_pkgs=(
  lammps lammps-data
  python3-numpy python3-ase python3-spglib
  # the Python package's tests (python/tests): pytest, phonopy through ASE,
  # pip for the offline `pip install ./python`
  python3-pytest python3-phonopy python3-pip
  # svm-train/svm-predict: the fit layer's SVC checked against libsvm's tools
  libsvm-tools
  # LAMMPS through KIM (nacre kim, kim.lammps_kim, bench_kim): the KIM API and
  # its collections tool, MPI for LAMMPS' domain decomposition
  libkim-api-dev openmpi-bin
)
# DFT codes for the labelling drivers and their tests.
dft_pkgs=(abinit abinit-data quantum-espresso quantum-espresso-data openmpi-bin)
# MPI for `mpirun -np N nacre search` (cmake -DNACRE_MPI=ON); optional, off
# by default so that CI stays lean: NACRE_WITH_MPI=1 installs it.
mpi_pkgs=(libopenmpi-dev openmpi-bin)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${NACRE_WITH_DFT:-1}" == 1 ]]; then want+=("${dft_pkgs[@]}"); fi
if [[ "${NACRE_WITH_MPI:-0}" == 1 ]]; then want+=("${mpi_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null && SUDO=sudo || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
