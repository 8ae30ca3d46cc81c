#!/usr/bin/env bash
# demo.sh NACRE — nacre's main job on a shipped default: a short structure
# search for 8 copper atoms at 0 GPa with the Foiles Cu EAM potential from
# Debian's lammps-data (a Lennard-Jones Cu when that file is absent). The
# ranked minima should put fcc (Fm-3m, cF4) first. Then the best structure is
# evaluated and the symmetry of its file checked (the table's group). Output goes to demo-out/.
set -euo pipefail
nacre=${1:?usage: demo.sh PATH/TO/nacre}
out=${2:-demo-out}
eam=/usr/share/lammps/potentials/Cu_u3.eam
if [ -r "$eam" ]; then
  potential=$eam
  echo "== potential: EAM $eam (Foiles et al., PRB 33, 7983 (1986))"
else
  # Cu 12-6 Lennard-Jones, epsilon 4.72 kcal/mol, sigma 2.330 Å (Heinz et al.,
  # J. Phys. Chem. C 112, 1281 (2008))
  potential="lj:epsilon=0.2047,sigma=2.330,cutoff=6.0,shift=1"
  echo "== $eam absent (Debian package lammps-data); using $potential"
fi
rm -rf "$out"
mkdir -p "$out"
echo "== nacre search --composition Cu8 --budget 40 --jobs 2"
"$nacre" search --composition Cu8 --potential "$potential" --budget 40 \
  --population 10 --jobs 2 --seed 7 --db "$out/run.db" -o "$out" --top 5
echo
echo "== nacre eval $out/rank01.POSCAR"
"$nacre" eval "$out/rank01.POSCAR" --potential "$potential" | head -n 8
echo
echo "== nacre symmetry $out/rank01.cif"
"$nacre" symmetry "$out/rank01.cif"
