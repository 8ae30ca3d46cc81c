#!/usr/bin/env bash
# varcomp_lisn.sh BUILD_DIR [NATOMS] [FIXED_BUDGET] [RANGE_BUDGET] [SEED]
#
# One variable-composition search of Li-Sn at 0 GPa with nn_LiSn_d3_v0
# (nacre search --composition-range Li,Sn --natoms 1:NATOMS) against
# separate fixed-composition searches: one per reduced composition of the
# range, in the largest cell of at most NATOMS atoms, FIXED_BUDGET
# relaxations each. Prints both hulls (the stable phases and their formation
# enthalpies), the relaxations and the CPU time each way (VARCOMP_JOBS=N
# runs N fixed-composition searches at a time). Defaults: 8 atoms,
# 100 per composition, 1500 for the range, seed 1. VARCOMP_SATURATION=N
# also stops the range search after N relaxations without a new minimum
# within 50 meV/atom of its hull (--saturation); VARCOMP_RANGE_FROM=DIR
# takes the range run from DIR instead (range.db, range/, range.txt,
# range.time). Work files go to a
# temporary folder (kept when VARCOMP_KEEP=1).
set -u
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
build=${1:?usage: bench/varcomp_lisn.sh BUILD_DIR [NATOMS] [FIXED_BUDGET] [RANGE_BUDGET] [SEED]}
natoms=${2:-8}
fixed_budget=${3:-100}
range_budget=${4:-1500}
seed=${5:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
model=$here/../shared/data/maise/models/nn_LiSn_d3_v0
nacre=$(cd "$build" && pwd)/nacre
if [ ! -e "$model" ]; then
  echo "varcomp_lisn: $model absent (../shared/data)"; exit 77
fi
work=$(mktemp -d /tmp/varcomp_lisn.XXXXXX)
cd "$work" || exit 1
echo "Li-Sn at 0 GPa, nn_LiSn_d3_v0, cells of 1..$natoms atoms, seed $seed"
echo "load: $(uptime | sed 's/.*load average/load average/')"

# every reduced composition Li_a Sn_b with a + b <= natoms, in its largest
# cell, VARCOMP_JOBS (default 1) searches at a time
for ((t = 1; t <= natoms; t++)); do
  for ((a = 0; a <= t; a++)); do
    b=$((t - a)); g=$a; h=$b
    while ((h)); do r=$((g % h)); g=$h; h=$r; done
    ((g == 1)) || continue
    m=$((natoms / t)); f=""
    ((a)) && f="${f}Li$((m * a))"
    ((b)) && f="${f}Sn$((m * b))"
    echo $f
  done
done >fixed.list
export nacre model fixed_budget seed
t0=$(date +%s)
/usr/bin/time -f "%U %S" -o fixed.time xargs -P "${VARCOMP_JOBS:-1}" -I{} bash -c '
  "$nacre" search --composition {} -p "$model" --budget "$fixed_budget" --seed "$seed" \
    --db fixed_{}.db -o fixed_{} -q --json >/dev/null 2>fixed_{}.err ||
    echo "fixed {} failed: $(tail -1 fixed_{}.err)"' <fixed.list
t1=$(date +%s)
nfixed=$(wc -l <fixed.list)
fixed_total=$((nfixed * fixed_budget))
"$nacre" hull fixed_*.db --top 1 >fixed_hull.txt 2>&1
if [ -n "${VARCOMP_RANGE_FROM:-}" ]; then
  # a range run made before with these settings (its range.db, range/,
  # range.txt and range.time, the CPU time as "user system")
  cp -r "$VARCOMP_RANGE_FROM"/range.db "$VARCOMP_RANGE_FROM"/range \
    "$VARCOMP_RANGE_FROM"/range.txt "$VARCOMP_RANGE_FROM"/range.time . || exit 1
else
  /usr/bin/time -f "%U %S" -o range.time "$nacre" search --composition-range Li,Sn \
    --natoms 1:"$natoms" -p "$model" --budget "$range_budget" --seed "$seed" \
    ${VARCOMP_SATURATION:+--saturation "$VARCOMP_SATURATION"} --db range.db -o range -q \
    >range.txt 2>range.err
fi
t2=$(date +%s)

echo
echo "== separate fixed-composition searches: $nfixed compositions x $fixed_budget = $fixed_total relaxations," \
     "CPU $(awk '{print $1 + $2}' fixed.time) s, wall $((t1 - t0)) s"
grep -E "^hull| stable$" fixed_hull.txt
echo
nrange=$(sqlite3 range.db "select count(*) from candidates where status != 'pending'" 2>/dev/null ||
  echo "$range_budget")
echo "== one search over the range: $nrange relaxations (budget $range_budget), stop: $(grep -i -m1 'stop' range.txt)," \
     "CPU $(awk '{print $1 + $2}' range.time) s, wall $((t2 - t1)) s"
grep -E "^hull| stable$" range.txt
echo
"$nacre" hull fixed_*.db --top 1 --csv fixed_hull.csv >/dev/null 2>&1
python3 - fixed_hull.csv range/hull.csv <<'EOF'
import csv, re, sys
from fractions import Fraction
def stable(path):
    out = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["stable"] == "1":
                # x(Sn) as an exact fraction from the formula's counts
                c = dict((e, int(n or 1)) for e, n in re.findall(r"([A-Z][a-z]?)(\d*)", row["formula"]))
                x = Fraction(c.get("Sn", 0), c.get("Li", 0) + c.get("Sn", 0))
                out[x] = (row["formula"], float(row["formation_energy_per_atom_ev"]))
    return out
a, b = stable(sys.argv[1]), stable(sys.argv[2])
print("x(Sn)     separate searches              one range search")
for x in sorted(set(a) | set(b)):
    fa = "%-10s %9.4f" % a[x] if x in a else "%-20s" % "-"
    fb = "%-10s %9.4f" % b[x] if x in b else "%-20s" % "-"
    print("%-8s  %-30s %s" % (x, fa, fb))
same = set(a) == set(b)
dmax = max((abs(a[x][1] - b[x][1]) for x in a if x in b), default=0)
print("same stable compositions: %s; largest difference of their formation enthalpies: %.1f meV/atom"
      % ("yes" if same else "no", 1000 * dmax))
EOF
python3 - "$work" <<'EOF'
# relaxations until each final hull phase (within 1 meV/atom) was first found
import csv, glob, os, re, sqlite3, sys
from fractions import Fraction
def comps(db):
    out = []
    for i, txt, h, n, st in sqlite3.connect(db).execute("select id, relaxed, enthalpy, natoms, status from candidates order by id"):
        if st != 'done': continue
        lines = txt.strip().split('\n')
        zs = [int(l.split()[0]) for l in lines[4:4 + n]]
        out.append((i, Fraction(zs.count(50), n), h / n))
    return out
work = sys.argv[1]
rng = comps(os.path.join(work, 'range.db'))
best = {}
for i, x, h in rng: best[x] = min(best.get(x, 1e9), h)
fixed = {}
for db in glob.glob(os.path.join(work, 'fixed_*.db')):
    c = comps(db)
    if c: fixed[c[0][1]] = c
# hull phases from the range search's hull.csv
ph = []
for row in csv.DictReader(open(os.path.join(work, 'range', 'hull.csv'))):
    if row['stable'] == '1':
        cnt = dict((e, int(n or 1)) for e, n in re.findall(r"([A-Z][a-z]?)(\d*)", row['formula']))
        ph.append(Fraction(cnt.get('Sn', 0), sum(cnt.values())))
last = 0; tot_fixed = 0
for x in sorted(ph):
    r = min(i for i, xx, h in rng if xx == x and h <= best[x] + 1e-3)
    fbest = min(h for _, _, h in fixed[x])
    f = min(i for i, _, h in fixed[x] if h <= fbest + 1e-3)
    last = max(last, r); tot_fixed += f + 1
    print("x(Sn) %-5s range search: found at relaxation %4d; its fixed search: at %3d" % (x, r + 1, f + 1))
print("range search: whole hull after %d relaxations; separate searches: first hits on the hull compositions %d in all" % (last + 1, tot_fixed))
EOF
[ "${VARCOMP_KEEP:-0}" = 1 ] && echo "work files: $work" || rm -rf "$work"
