#!/usr/bin/env bash
# Learning curve of the sodium data set (data/na-hp/README.md, "A first
# potential"): how well a MAISE-style network trained on part of the set
# reproduces held-out labels, as the training set grows, and whether cells
# of 1-2 atoms teach the larger (3-8-atom) cells.
#
# The labelled files are merged and split once (by label_id, seed 1) into a
# pool and a fixed test set: 10 % of the 1-2-atom cells and 25 % of the larger (3-8
# atoms) ones. For each fraction f of the pool, a network
# is trained on that part (its own 90/10 train/validation split) and
# evaluated on the test set, separately for the 1-2-atom and the larger
# test cells. A last line trains on the 1-2-atom part of the pool only and
# tests on all larger cells.
# Prints one line per training set: its size, then on each test subset the
# RMSE of energy (meV/atom, mean ± standard deviation over SEEDS), forces
# (meV/Å) and stress (GPa), means over SEEDS; wall time of the trainings;
# then the errors of the whole-pool models (f=1) by class (generator kind):
# energy mean ± sd and forces mean over SEEDS, and with WEIGHT the energy
# RMSE of all test cells outside the weighted class.
#
#   scripts/na-learning-curve.sh
# Environment: NACRE [build/release/nacre], WORK [build/na-learning-curve],
#   FRACTIONS pool fractions [0.125 0.25 0.5 1], EPOCHS [20000],
#   PATIENCE [5000], HIDDEN [10,10], THREADS [1], SEEDS training seeds
#   (split and initial weights) whose errors are averaged [1 2 3],
#   WEIGHT loss weight on one class of training cells, CLASS=W (e.g.
#   random=4; nacre data weight) [none]
set -euo pipefail
cd "$(dirname "$0")/.."
nacre=${NACRE:-build/release/nacre}
work=${WORK:-build/na-learning-curve}
fractions=${FRACTIONS:-0.125 0.25 0.5 1}
epochs=${EPOCHS:-20000}
patience=${PATIENCE:-5000}
hidden=${HIDDEN:-10,10}
threads=${THREADS:-1}
seeds=${SEEDS:-1 2 3}
weight=${WEIGHT:-}
[[ -z $weight || $weight == ?*=?* ]] || { echo "na-learning-curve: WEIGHT is CLASS=W, got '$weight'" >&2; exit 2; }
mkdir -p "$work"

shopt -s nullglob
files=(data/na-hp/na-hp-*.xyz.gz)
(( ${#files[@]} )) || { echo "na-learning-curve: no data/na-hp/na-hp-*.xyz.gz" >&2; exit 1; }
log="$work/log"
: > "$log"
quiet() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }; }
# Test sets: 10 % of the 1-2-atom cells and 25 % of the larger ones (few).
quiet "$nacre" data merge "${files[@]}" -o "$work/all.xyz"
quiet "$nacre" data filter "$work/all.xyz" --max-atoms 2 -o "$work/small.xyz"
quiet "$nacre" data filter "$work/all.xyz" --min-atoms 3 -o "$work/large.xyz"
# Split by label_id, not by a shuffle: a structure stays where it is when
# the set grows, so the test sets of later runs contain those of earlier ones
# and the pool fractions are nested.
quiet "$nacre" data split "$work/small.xyz" --fractions 0.9,0,0.1 --by label_id --seed 1 -o "$work/small"
quiet "$nacre" data split "$work/large.xyz" --fractions 0.75,0,0.25 --by label_id --seed 1 -o "$work/large"
quiet "$nacre" data merge "$work/small.train.xyz" "$work/large.train.xyz" -o "$work/pool.xyz"

weigh() {  # FILE: the WEIGHT class of FILE gets its loss weight, in place
  [[ -z $weight ]] || quiet "$nacre" data weight "$1" --class "${weight%%=*}" --weight "${weight#*=}" -o "$1"
}
count() { grep -c -E '^[0-9]+[[:space:]]*$' "$1" || true; }
rmse() {  # MODEL DATA -> "E F S" RMSE from nacre test --json
  # the first occurrence of each key is the whole set's (by_class follows)
  "$nacre" test "$1" "$2" --jobs "$threads" --json | tr -d ' \t,' | awk -F: '
    $1 == "\"energy_rmse_mev_atom\"" && e == "" { e = $2 }
    $1 == "\"force_rmse_mev_a\"" && f == "" { f = $2 }
    $1 == "\"stress_rmse_gpa\"" && s == "" { s = $2 }
    END { printf "%7.2f %7.1f %6.3f", e, f, s }'
}
run() {  # NAME TRAINFILE [LARGE-TEST-FILE]: mean over the training seeds
  local name=$1 data=$2 large=${3:-$work/large.test.xyz} t0 t1 seed rows=""
  t0=$(date +%s.%N)
  for seed in $seeds; do
    "$nacre" train "$data" -o "$work/$name.$seed.json" --hidden "$hidden" \
      --weights e=1,f=0.1,s=0.001 --epochs "$epochs" --patience "$patience" \
      --fractions 0.9,0.1 --seed "$seed" --jobs "$threads" --print-every 1000000 >/dev/null
    rows+="$(rmse "$work/$name.$seed.json" "$work/small.test.xyz") $(rmse "$work/$name.$seed.json" "$large")"$'\n'
  done
  t1=$(date +%s.%N)
  printf "%-12s %6d  %s  %6.1f\n" "$name" "$(count "$data")" \
    "$(printf "%s" "$rows" | awk '
      { for (i = 1; i <= 6; i++) { m[i] += $i; q[i] += $i * $i } n++ }
      END {
        for (i = 1; i <= 6; i++) m[i] /= n
        printf "%6.2f±%-5.2f %6.1f %6.3f   %6.2f±%-5.2f %6.1f %6.3f",
          m[1], sqrt(q[1] / n - m[1] ^ 2 > 0 ? q[1] / n - m[1] ^ 2 : 0), m[2], m[3],
          m[4], sqrt(q[4] / n - m[4] ^ 2 > 0 ? q[4] / n - m[4] ^ 2 : 0), m[5], m[6]
      }')" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

echo "pool: $(count "$work/pool.xyz") structures; test: $(count "$work/small.test.xyz") cells of 1-2 atoms, $(count "$work/large.test.xyz") of more"
printf "%-12s %6s  %-27s   %-27s  %6s\n" run train "1-2 atoms: E±sd F S" "3-8 atoms: E±sd F S" wall_s
for f in $fractions; do
  sub="$work/pool-$f.xyz"
  if [[ $f == 1 ]]; then
    cp "$work/pool.xyz" "$sub"
  else
    quiet "$nacre" data split "$work/pool.xyz" --by label_id --fractions "$f,0,$(awk -v f="$f" 'BEGIN { print 1 - f }')" \
      --seed 2 -o "$work/pool-$f"
    mv "$work/pool-$f.train.xyz" "$sub"
  fi
  weigh "$sub"
  run "f=$f" "$sub"
done
# cells of 1-2 atoms only, tested on every larger cell (none was seen)
cp "$work/small.train.xyz" "$work/small-only.xyz"
weigh "$work/small-only.xyz"
run "small-only" "$work/small-only.xyz" "$work/large.xyz"
# which structures the errors come from: the whole-pool models on both
# test sets, by class (the first occurrences of "structures" and the RMSEs
# are the whole set's; by_class follows)
[[ " $fractions " == *" 1 "* ]] || exit 0
echo
echo "f=1 on both test sets by class, over seeds $seeds${weight:+ (training weight $weight)}:"
for seed in $seeds; do
  "$nacre" test "$work/f=1.$seed.json" "$work/small.test.xyz" "$work/large.test.xyz" \
    --jobs "$threads" --worst 0 --json
done | tr -d ' \t,"' | awk -F: -v wclass="${weight%%=*}" '
  $1 == "potential" { m++; inbc = 0 }
  $1 == "by_class" { inbc = 1 }
  $1 == "worst" { inbc = 0 }
  !inbc { next }
  $1 == "class" { c = $2; if (!(c in seen)) { seen[c] = 1; order[++nc] = c } }
  $1 == "structures" { n[c] = $2 }
  $1 == "energy_rmse_mev_atom" {
    se[c] += $2; qe[c] += $2 * $2
    if (wclass != "" && c != wclass) { oe[m] += $2 * $2 * n[c]; on[m] += n[c] }
  }
  $1 == "force_rmse_mev_a" { sf[c] += $2 }
  function sd(s, q, k) { return sqrt(q / k - (s / k) ^ 2 > 0 ? q / k - (s / k) ^ 2 : 0) }
  END {
    printf "%-12s %5s  %-17s %8s\n", "class", "cells", "E (meV/atom)", "F (meV/A)"
    for (i = 1; i <= nc; i++) {
      c = order[i]
      printf "%-12s %5d  %7.2f ± %-7.2f %8.1f\n", c, n[c], se[c] / m, sd(se[c], qe[c], m), sf[c] / m
    }
    if (wclass != "") {
      for (k = 1; k <= m; k++) { e = sqrt(oe[k] / on[k]); s += e; q += e * e }
      printf "%-12s %5d  %7.2f ± %-7.2f\n", "not " wclass, on[1], s / m, sd(s, q, m)
    }
  }'
