#!/usr/bin/env bash
# Builds (or resumes) the sodium 0-150 GPa data set with ABINIT (PAW PBE,
# PseudoDojo JTH Na, converged defaults of `nacre label`). See
# data/na-hp/README.md. Safe to kill and run again: finished labels are kept
# and skipped, at most the structures being computed are lost.
#
#   scripts/make-na-dataset.sh            label (resume) and pack
#   scripts/make-na-dataset.sh stats      table of time per structure vs
#                                         atoms, pressure and kind
#   scripts/make-na-dataset.sh pack       compress the labels so far into
#                                         the committed .xyz.gz (safe while
#                                         a run is going)
#   scripts/make-na-dataset.sh all [pack|stats]
#                                         the three sets of data/na-hp side
#                                         by side: 1-2 atoms (COUNT_SMALL
#                                         [2000]), 3-6 atoms (COUNT_MID
#                                         [100]) and 8 atoms (COUNT_LARGE
#                                         [500]); Ctrl-C or SIGTERM stops
#                                         all three, which pack (a run
#                                         started in the background with
#                                         `&` ignores SIGINT: kill -TERM)
#
# Environment (defaults in brackets):
#   NACRE      nacre binary [build/release/nacre]
#   SEED       generator seed [2027]     COUNT  structures [2000]
#   MIN_ATOMS  smallest cell [1]         MAX_ATOMS  largest cell [2]
#   JOBS       labels at a time [1]
#   NICE       niceness [19]             COMMAND DFT command [abinit]
#   TIMEOUT    wall-clock limit per label in s [3600; 14400 with 8 atoms:
#              at nice 19 on a busy machine an 8-atom label can take an hour]
#   OUT        output folder [data/na-hp]
set -euo pipefail
cd "$(dirname "$0")/.."
nacre=${NACRE:-build/release/nacre}
seed=${SEED:-2027}
count=${COUNT:-2000}
min_atoms=${MIN_ATOMS:-1}
max_atoms=${MAX_ATOMS:-2}
jobs=${JOBS:-1}
timeout=${TIMEOUT:-$(( max_atoms > 4 ? 14400 : 3600 ))}
out=${OUT:-data/na-hp}
if [[ $seed == 2026 && ${1:-} != stats && ${1:-} != pack ]]; then
  # na-hp-seed2026-max2 came from the first generator (git 697b037), whose
  # kinds and equation of state differ: new structures must not join it.
  echo "make-na-dataset: seed 2026 belongs to the first generator; relabel that file with" >&2
  echo "  nacre label data/na-hp/na-hp-seed2026-max2.xyz.gz --code abinit --cell input -o OUT.xyz" >&2
  exit 2
fi
tag="seed$seed-max$max_atoms"
(( min_atoms > 1 )) && tag="seed$seed-min$min_atoms-max$max_atoms"
start="$out/start-$tag.xyz"
labelled="$out/na-hp-$tag.xyz"

stats() {
  # Two tables: time per structure by atoms and pressure (P = -tr(stress)/3
  # in GPa, 25 GPa bins), and by kind (the frame's kind key, or the start
  # file's through the index k of label_id = k-hash). cpu s is ABINIT's own
  # rank-0 CPU time.
  for f in "$labelled" "$labelled.gz"; do [[ -f $f ]] && break; done
  [[ -f $f ]] || { echo "make-na-dataset: no labels yet ($labelled)" >&2; return 1; }
  local kinds=/dev/null
  [[ -f $start ]] && kinds=$start
  { [[ $f == *.gz ]] && zcat "$f" || cat "$f"; } | awk -v kinds="$kinds" '
    BEGIN {
      nk = 0
      while ((getline line < kinds) > 0)
        if (match(line, /kind=[^ ]+/)) kind[nk++] = substr(line, RSTART + 5, RLENGTH - 5)
    }
    function val(key,   r) {
      if (!match($0, key "=[-0-9.e+]+")) return ""
      return substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
    }
    /^[0-9]+$/ { n = $1; next }
    /label_wall_s=/ {
      match($0, /stress="[^"]*"/); split(substr($0, RSTART + 8, RLENGTH - 9), s, " ")
      p = -(s[1] + s[5] + s[9]) / 3 * 160.21766
      t = val("label_wall_s"); c = val("label_cpu_s")
      match($0, /label_id=[0-9]+/); k = substr($0, RSTART + 9, RLENGTH - 9)
      kd = (k in kind) ? kind[k] : "?"
      if (match($0, / kind=[^ ]+/)) kd = substr($0, RSTART + 6, RLENGTH - 6)
      kd = kd " " n
      b = int(p / 25) * 25; if (p < 0) b -= 25; key = n " " b
      cnt[key]++; wsum[key] += t; tot++; all += t
      if (c != "") { ccnt[key]++; csum[key] += c; call += c; nc++ }
      kc[kd]++; kp[kd] += p
      if (c != "") { kcc[kd]++; kcs[kd] += c }
      if (tot == 1 || p < pmin) pmin = p
      if (tot == 1 || p > pmax) pmax = p
    }
    function cpu(c, s) { return c ? sprintf("%10.1f", s / c) : sprintf("%10s", "-") }
    END {
      printf "%6s %12s %6s %10s %10s\n", "atoms", "P (GPa)", "count", "wall s", "cpu s"
      for (key in cnt) {
        split(key, a, " ")
        printf "%6d %5d-%-6d %6d %10.1f %s\n", a[1], a[2], a[2] + 25, cnt[key],
               wsum[key] / cnt[key], cpu(ccnt[key], csum[key]) | "sort -n -k1,1 -k2,2"
      }
      close("sort -n -k1,1 -k2,2")
      printf "\n%-10s %6s %6s %10s %10s\n", "kind", "atoms", "count", "mean P", "cpu s"
      for (kd in kc) {
        split(kd, a, " ")
        printf "%-10s %6d %6d %10.1f %s\n", a[1], a[2], kc[kd], kp[kd] / kc[kd],
               cpu(kcc[kd], kcs[kd]) | "sort -k2,2n -k1,1"
      }
      close("sort -k2,2n -k1,1")
      if (tot)
        printf "\nall: %d structures, %.1f to %.1f GPa, %.1f s wall and %s s cpu each on average\n",
               tot, pmin, pmax, all / tot, nc ? sprintf("%.1f", call / nc) : "-"
    }'
}

pack() {
  # A frame is appended with one write(), so a copy holds whole frames, except
  # in the rare case of a read racing a write; a run resumed from the .gz
  # cuts such a partial last frame.
  [[ -s $labelled ]] || return 0
  gzip -9 -c "$labelled" > "$labelled.gz.tmp" && mv "$labelled.gz.tmp" "$labelled.gz"
}

if [[ ${1:-} == all || ${1:-} == both ]]; then
  shift
  sets=("MIN_ATOMS=1 MAX_ATOMS=2 COUNT=${COUNT_SMALL:-2000}"
        "MIN_ATOMS=3 MAX_ATOMS=6 COUNT=${COUNT_MID:-100}"
        "MIN_ATOMS=8 MAX_ATOMS=8 COUNT=${COUNT_LARGE:-500}")
  if [[ -n ${1:-} ]]; then
    for set in "${sets[@]}"; do
      # shellcheck disable=SC2086 # the set is a list of words
      env $set "$0" "$@" || [[ $1 == stats ]]
    done
    exit 0
  fi
  pids=()
  for set in "${sets[@]}"; do
    # shellcheck disable=SC2086
    env $set "$0" & pids+=($!)
  done
  # nacre label stops at the end of its current labels on SIGINT; the
  # scripts then pack and print their tables
  list=$(IFS=,; echo "${pids[*]}")
  trap 'pkill -INT -P "$list" 2>/dev/null' INT TERM
  rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  # a trapped signal interrupts wait: wait again for the packs
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  exit $rc
fi
if [[ ${1:-} == stats ]]; then stats; exit 0; fi
if [[ ${1:-} == pack ]]; then pack; exit 0; fi

run=${COMMAND:-abinit}
command -v "${run%% *}" >/dev/null || { echo "make-na-dataset: ${run%% *} not found (apt-get install abinit abinit-data)" >&2; exit 1; }
[[ -x $nacre ]] || { echo "make-na-dataset: build nacre first ($nacre missing)" >&2; exit 1; }
mkdir -p "$out/work"
# The same seed always gives the same structures (a larger COUNT only adds).
"$nacre" generate --recipe na-hp --seed "$seed" --count "$count" \
  --min-atoms "$min_atoms" --max-atoms "$max_atoms" --pressure 0,150 -o "$start"
# An earlier pack holds labels the working file may lack (fresh checkout).
if [[ ! -s $labelled && -s $labelled.gz ]]; then zcat "$labelled.gz" > "$labelled"; fi
set +e
# --cell input: the labels of these files were begun before nacre label
# chose the Niggli-reduced cell for skewed ones; every label keeps the
# generator's cell so that one rule fixes the k-point grid of the whole set
# (the generator's grids are on average 2-5 % larger than the reduced cells').
nice -n "${NICE:-19}" "$nacre" label "$start" --code abinit --cell input \
  ${COMMAND:+--command "$COMMAND"} --jobs "$jobs" --timeout "$timeout" \
  --workdir "$out/work" -o "$labelled"
rc=$?
set -e
pack
stats
exit $rc
