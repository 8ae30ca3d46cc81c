#!/usr/bin/env bash
# Builds (or resumes) the sodium 0-150 GPa data set with ABINIT (PAW PBE,
# PseudoDojo JTH Na, converged defaults of `nacre label`). See
# data/na-hp/README.md. Safe to kill and run again: finished labels are kept
# and skipped, at most the structures being computed are lost.
#
#   scripts/make-na-dataset.sh            label (resume) and pack
#   scripts/make-na-dataset.sh stats      table of time per structure vs
#                                         atoms and pressure
#
# Environment (defaults in brackets):
#   NACRE      nacre binary [build/release/nacre]
#   SEED       generator seed [2027]     COUNT  structures [2000]
#   MIN_ATOMS  smallest cell [1]         MAX_ATOMS  largest cell [2]
#   JOBS       labels at a time [1]
#   NICE       niceness [19]             COMMAND DFT command [abinit]
#   OUT        output folder [data/na-hp]
set -euo pipefail
cd "$(dirname "$0")/.."
nacre=${NACRE:-build/release/nacre}
seed=${SEED:-2027}
count=${COUNT:-2000}
min_atoms=${MIN_ATOMS:-1}
max_atoms=${MAX_ATOMS:-2}
jobs=${JOBS:-1}
out=${OUT:-data/na-hp}
if [[ $seed == 2026 && ${1:-} != stats ]]; then
  # na-hp-seed2026-max2 came from the first generator (git 697b037), whose
  # kinds and equation of state differ: new structures must not join it.
  echo "make-na-dataset: seed 2026 belongs to the first generator; relabel that file with" >&2
  echo "  nacre label data/na-hp/na-hp-seed2026-max2.xyz.gz --code abinit -o OUT.xyz" >&2
  exit 2
fi
tag="seed$seed-max$max_atoms"
(( min_atoms > 1 )) && tag="seed$seed-min$min_atoms-max$max_atoms"
start="$out/start-$tag.xyz"
labelled="$out/na-hp-$tag.xyz"

stats() {
  # natoms, pressure (GPa) = -tr(stress)/3 * 160.21766, wall time (s)
  for f in "$labelled" "$labelled.gz"; do [[ -f $f ]] && break; done
  local table
  table=$({ [[ $f == *.gz ]] && zcat "$f" || cat "$f"; } | awk '
    /^[0-9]+$/ { n = $1; next }
    /label_wall_s=/ {
      match($0, /stress="[^"]*"/); split(substr($0, RSTART + 8, RLENGTH - 9), s, " ")
      p = -(s[1] + s[5] + s[9]) / 3 * 160.21766
      match($0, /label_wall_s=[0-9.]+/); t = substr($0, RSTART + 13, RLENGTH - 13)
      c = ""
      if (match($0, /label_cpu_s=[0-9.]+/)) c = substr($0, RSTART + 12, RLENGTH - 12)
      b = int(p / 25) * 25; if (p < 0) b -= 25; key = n " " b
      cnt[key]++; sum[key] += t; tot++; all += t
      if (c != "") { ccnt[key]++; csum[key] += c }
    }
    END {
      printf "%6s %12s %6s %10s %10s\n", "atoms", "P (GPa)", "count", "wall s", "cpu s"
      for (k in cnt) {
        split(k, a, " ")
        cpu = ccnt[k] ? sprintf("%10.1f", csum[k] / ccnt[k]) : sprintf("%10s", "-")
        printf "%6d %5d-%-6d %6d %10.1f %s\n", a[1], a[2], a[2] + 25, cnt[k], sum[k] / cnt[k], cpu
      }
      if (tot) printf "all: %d structures, %.1f s each on average\n", tot, all / tot
    }')
  head -1 <<<"$table"
  tail -n +2 <<<"$table" | grep -v '^all:' | sort -n -k1,1 -k2,2
  grep '^all:' <<<"$table" || true
}

if [[ ${1:-} == stats ]]; then stats; exit 0; fi

command -v abinit >/dev/null || { echo "make-na-dataset: abinit not found (apt-get install abinit abinit-data)" >&2; exit 1; }
[[ -x $nacre ]] || { echo "make-na-dataset: build nacre first ($nacre missing)" >&2; exit 1; }
mkdir -p "$out/work"
# The same seed always gives the same structures (a larger COUNT only adds).
"$nacre" generate --recipe na-hp --seed "$seed" --count "$count" \
  --min-atoms "$min_atoms" --max-atoms "$max_atoms" --pressure 0,150 -o "$start"
# An earlier pack holds labels the working file may lack (fresh checkout).
if [[ ! -s $labelled && -s $labelled.gz ]]; then zcat "$labelled.gz" > "$labelled"; fi
set +e
nice -n "${NICE:-19}" "$nacre" label "$start" --code abinit \
  ${COMMAND:+--command "$COMMAND"} --jobs "$jobs" --timeout 3600 \
  --workdir "$out/work" -o "$labelled"
rc=$?
set -e
gzip -9 -c "$labelled" > "$labelled.gz.tmp" && mv "$labelled.gz.tmp" "$labelled.gz"
stats
exit $rc
