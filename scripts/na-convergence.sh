#!/usr/bin/env bash
# Convergence study of the DFT settings used to label the sodium data set
# (data/na-hp/README.md, section "Convergence"). Labels a 2-atom bcc Na cell
# (atom 2 moved 0.1 Å along [111], so forces are non-zero while the cell keeps
# its 3m symmetry and few k-points) at two volumes, ~0 GPa (a = 4.23 Å) and
# ~100 GPa (V1, default 10.7 Å^3/atom), with `nacre label --code abinit`, varying:
#   ecut 16 20 24 30 40 Ha (pawecutdg = 2 ecut) at k-spacing 0.25 1/Å;
#   pawecutdg 4 ecut at 24 and 30 Ha;  k-spacing 0.35, 0.18 and 0.12 1/Å at
#   24 Ha; 30 Ha with k-spacing 0.18 1/Å (the candidate 1 meV/atom setting).
#   toldfe 1e-11 Ha (default 1e-8) at 24 and 30 Ha, to separate SCF noise;
#   Methfessel-Paxton width 0.005 and 0.02 Ha (default 0.01) at k-spacing 0.25
#   and 0.12 1/Å.
# 34 ABINIT runs of ~10-60 s each, one at a time. Prints one table line per
# setting: E(100 GPa) - E(0 GPa) per atom (eV), pressure (GPa) and max |F|
# (eV/Å) at each volume, wall time (s).
#
#   scripts/na-convergence.sh            run (resumes) and print the table
# Environment: NACRE [build/release/nacre], WORK [build/na-convergence-vV1],
#   V1 compressed volume in Å^3/atom [10.7; 9.5 gives ~143 GPa],
#   ONLY space-separated setting names to run (e.g. "e24 k012") [all]
set -euo pipefail
cd "$(dirname "$0")/.."
nacre=${NACRE:-build/release/nacre}
v1=${V1:-10.7}
work=${WORK:-build/na-convergence-v$v1}

mkdir -p "$work"
command -v abinit >/dev/null || { echo "na-convergence: abinit not found (apt-get install abinit abinit-data)" >&2; exit 1; }

# Two frames: bcc a = 4.23 Å and a = (2 V1)^(1/3) Å; atom 2 at the body
# centre + 0.1 Å along [111].
input="$work/na2-bcc.xyz"
awk -v v1="$v1" 'BEGIN {
  d = 0.1 / sqrt(3)
  n = split("4.23 " (2 * v1) ^ (1 / 3), a, " ")
  for (i = 1; i <= n; i++) {
    printf "2\nLattice=\"%.6f 0 0 0 %.6f 0 0 0 %.6f\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n", a[i], a[i], a[i]
    printf "Na 0.000000 0.000000 0.000000\n"
    h = a[i] / 2 + d
    printf "Na %.6f %.6f %.6f\n", h, h, h
  }
}' > "$input"

ha=27.211386246   # eV per Ha
# name  ecut(Ha)  dens-factor  kspacing(1/Å)  toldfe(Ha)  tsmear(Ha)
settings="
e16   16 2 0.25 1e-8 0.01
e20   20 2 0.25 1e-8 0.01
e24   24 2 0.25 1e-8 0.01
e30   30 2 0.25 1e-8 0.01
e24d4 24 4 0.25 1e-8 0.01
k035  24 2 0.35 1e-8 0.01
k018  24 2 0.18 1e-8 0.01
k012  24 2 0.12 1e-8 0.01
e30k018 30 2 0.18 1e-8 0.01
e24t  24 2 0.25 1e-11 0.01
e30t  30 2 0.25 1e-11 0.01
e30d4 30 4 0.25 1e-8 0.01
e40   40 2 0.25 1e-8 0.01
s005  24 2 0.25 1e-8 0.005
s020  24 2 0.25 1e-8 0.02
k012s005 24 2 0.12 1e-8 0.005
k012s020 24 2 0.12 1e-8 0.02
"
printf "%-8s %5s %4s %5s %6s %6s %12s %8s %8s %9s %9s %7s\n" name ecut dens k toldfe tsmear "dE/atom(eV)" "P0(GPa)" "P1(GPa)" "Fmax0" "Fmax1" "wall_s"
while read -r name ecut dens k tol smear; do
  [[ -z $name ]] && continue
  [[ -n ${ONLY:-} && " $ONLY " != *" $name "* ]] && continue
  out="$work/$name.xyz"
  ev=$(awk -v e="$ecut" -v h="$ha" 'BEGIN { printf "%.6f", e * h }')
  tev=$(awk -v t="$tol" -v h="$ha" 'BEGIN { printf "%.4g", t * h }')
  sev=$(awk -v t="$smear" -v h="$ha" 'BEGIN { printf "%.6g", t * h }')
  "$nacre" label -q "$input" --code abinit -o "$out" --ecut "$ev" --dens-factor "$dens" \
    --kspacing "$k" --scf-tol "$tev" --smearing "$sev" --workdir "$work" >/dev/null
  # energy (eV), pressure = -tr(stress)/3 (GPa), max |F| (eV/Å), wall (s) per frame
  awk -v name="$name" -v ecut="$ecut" -v dens="$dens" -v k="$k" -v tol="$tol" -v smear="$smear" '
    /^[0-9]+$/ { n = $1; i = 0; f++; next }
    /energy=/ {
      match($0, / energy=[-0-9.eE+]+/); E[f] = substr($0, RSTART + 8, RLENGTH - 8)
      match($0, /stress="[^"]*"/); split(substr($0, RSTART + 8, RLENGTH - 9), s, " ")
      P[f] = -(s[1] + s[5] + s[9]) / 3 * 160.21766
      match($0, /label_wall_s=[0-9.]+/); W += substr($0, RSTART + 13, RLENGTH - 13)
      N[f] = n; next
    }
    NF >= 7 { fm = sqrt($5 ^ 2 + $6 ^ 2 + $7 ^ 2); if (fm > F[f]) F[f] = fm }
    END {
      printf "%-8s %5d %4d %5.2f %6s %6s %12.5f %8.2f %8.2f %9.4f %9.4f %7.1f\n", name, ecut, dens, k, tol, smear,
        E[2] / N[2] - E[1] / N[1], P[1], P[2], F[1], F[2], W
    }' "$out"
done <<<"$settings"
