#!/usr/bin/env bash
# demo.sh NACRE — evaluates the shipped 32-atom fcc Cu cell (rattled and
# strained) with the Foiles Cu EAM potential from Debian's lammps-data, or
# with a Lennard-Jones potential when that file is absent.
set -euo pipefail
nacre=${1:?usage: demo.sh PATH/TO/nacre}
here=$(cd "$(dirname "$0")" && pwd)
structure="$here/Cu32.poscar"
eam=/usr/share/lammps/potentials/Cu_u3.eam
if [ -r "$eam" ]; then
  potential=$eam
  echo "== nacre eval with EAM $eam (Foiles et al., PRB 33, 7983 (1986))"
else
  # Cu 12-6 Lennard-Jones, epsilon 4.72 kcal/mol, sigma 2.330 Å (Heinz et al.,
  # J. Phys. Chem. C 112, 1281 (2008))
  potential="lj:epsilon=0.2047,sigma=2.330,cutoff=6.0,shift=1"
  echo "== $eam absent (Debian package lammps-data); using $potential"
fi
"$nacre" eval "$structure" --potential "$potential"
echo
echo "== the same as JSON (first lines)"
"$nacre" eval "$structure" --potential "$potential" --json | head -n 6
