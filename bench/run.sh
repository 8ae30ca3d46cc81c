#!/usr/bin/env bash
# run.sh BUILD_DIR — runs every bench_* executable of a build directory in
# turn. A benchmark that lacks its data exits with 77 and is reported as
# skipped. Timings depend on the machine and its load.
set -u
dir=${1:?usage: bench/run.sh BUILD_DIR (e.g. build/release)}
status=0
found=0
for b in "$dir"/bench_*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  found=1
  name=$(basename "$b")
  # Benchmarks that take a case get a short default one here; their usage
  # line lists the others (see bench/README.md for the full studies).
  case $name in
    bench_search) args=(lj13 --seeds 5 --budget 100) ;;
    bench_train) args=(cuag --minutes 2) ;;
    bench_fit) args=(space --seconds 30) ;;
    *) args=() ;;
  esac
  echo "== $name ${args[*]}"
  "$b" "${args[@]}"
  rc=$?
  if [ $rc -eq 77 ]; then
    echo "   (skipped: data absent)"
  elif [ $rc -ne 0 ]; then
    echo "   (failed with exit code $rc)"
    status=1
  fi
  echo
done
[ $found -eq 1 ] || { echo "no bench_* executables in $dir"; exit 1; }
exit $status
