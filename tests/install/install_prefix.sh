#!/usr/bin/env bash
# install_prefix.sh BUILD_DIR SOURCE_DIR — `cmake --install` into a temporary
# prefix gives a usable nacre:
#  - the files of doc/c-api.md's table are there; the soname carries
#    NACRE_ABI_VERSION of include/nacre/version.h;
#  - libnacre.so and libnacre.a define no global symbol outside nacre_*, and
#    every function and variable the public headers declare is defined in
#    both (nothing a user can call is missing);
#  - every public header compiles on its own, as C11 and as C++;
#  - the program of doc/c-api.md builds against the installed copy with
#    pkg-config (shared) and with find_package(nacre) (nacre::nacre and
#    nacre::static), runs from outside the build tree, and prints the energy
#    and pressure that the installed `nacre eval` prints for the same
#    structure and potential (to 1e-9 eV and 1e-6 GPa: the program prints 12
#    and 9 decimals).
set -uo pipefail
build=${1:?usage: install_prefix.sh BUILD_DIR SOURCE_DIR}
src=$(cd "${2:?usage: install_prefix.sh BUILD_DIR SOURCE_DIR}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nacre-install.XXXXXX")
trap '[ -n "${NACRE_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0
passed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
pass() { passed=$((passed + 1)); }

for tool in cc pkg-config nm readelf; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done

if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  echo "FAIL: cmake --install $build --prefix $prefix"
  exit 1
fi
abi=$(sed -n 's/^#define NACRE_ABI_VERSION \([0-9]*\).*/\1/p' "$src/include/nacre/version.h")
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
libdir=${libdir%/}
for f in bin/nacre include/nacre/core.h include/nacre/pot.h include/nacre/version.h; do
  [ -e "$prefix/$f" ] && pass || fail "$f not installed"
done
for f in libnacre.so "libnacre.so.$abi" libnacre.a pkgconfig/nacre.pc cmake/nacre/nacreConfig.cmake \
  cmake/nacre/nacreConfigVersion.cmake; do
  [ -e "$libdir/$f" ] && pass || fail "$libdir/$f not installed"
done
soname=$(readelf -d "$libdir/libnacre.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libnacre.so.$abi" ] && pass || fail "soname '$soname', expected libnacre.so.$abi"

# Exported symbols.
nm -D --defined-only "$libdir/libnacre.so" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/shared.syms"
nm -g --defined-only "$libdir/libnacre.a" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/static.syms"
for lib in shared static; do
  leaks=$(grep -v '^nacre_' "$tmp/$lib.syms" | tr '\n' ' ')
  [ -z "$leaks" ] && pass || fail "$lib library exports non-nacre_ symbols: $leaks"
done
# What the headers declare: preprocess them (no comments, macros expanded),
# take each `nacre_name(` not written as a function-pointer typedef, and each
# `extern ... nacre_name;`, minus static inline functions
{
  for h in "$prefix"/include/nacre/*.h; do echo "#include <nacre/$(basename "$h")>"; done
} >"$tmp/all.c"
cc -std=c11 -E -P -I"$prefix/include" "$tmp/all.c" | tr '\n' ' ' | sed 's/;/;\n/g; s/{/{\n/g' >"$tmp/decls"
{
  grep -v 'static' "$tmp/decls" | sed 's/(\*nacre_[A-Za-z0-9_]*)//g' |
    grep -oE '(^|[^A-Za-z0-9_])nacre_[A-Za-z0-9_]+ *\([^*]' | grep -oE 'nacre_[A-Za-z0-9_]+'
  grep -E '^ *extern ' "$tmp/decls" | grep -oE 'nacre_[A-Za-z0-9_]+ *;' | grep -oE 'nacre_[A-Za-z0-9_]+'
} | sort -u >"$tmp/names"
# ... which are not type names (`typedef nacre_status (*fn)(...)`).
grep -oE '(^ *typedef .*|\}) *nacre_[A-Za-z0-9_]+ *;' "$tmp/decls" | grep -oE 'nacre_[A-Za-z0-9_]+ *;' |
  grep -oE 'nacre_[A-Za-z0-9_]+' | sort -u >"$tmp/types"
comm -23 "$tmp/names" "$tmp/types" >"$tmp/declared"
ndecl=$(wc -l <"$tmp/declared")
[ "$ndecl" -gt 100 ] && pass || fail "found only $ndecl declarations in the public headers"
for lib in shared static; do
  missing=$(comm -23 "$tmp/declared" "$tmp/$lib.syms" | tr '\n' ' ')
  [ -z "$missing" ] && pass || fail "declared in include/nacre but not defined in the $lib library: $missing"
done

# Each header on its own, in C and C++.
for h in "$prefix"/include/nacre/*.h; do
  name=$(basename "$h")
  printf '#include <nacre/%s>\nint nacre_header_check;\n' "$name" >"$tmp/one.c"
  cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$prefix/include" "$tmp/one.c" 2>"$tmp/err" &&
    pass || { cat "$tmp/err"; fail "nacre/$name does not compile alone as C11"; }
  if command -v c++ >/dev/null; then
    c++ -x c++ -std=c++17 -fsyntax-only -I"$prefix/include" "$tmp/one.c" 2>"$tmp/err" &&
      pass || { cat "$tmp/err"; fail "nacre/$name does not compile as C++"; }
  fi
done

# The program of doc/c-api.md.
mkdir -p "$tmp/consumer"
awk '/^```c$/ {on = 1; next} /^```$/ {if (on) exit} on' "$src/doc/c-api.md" >"$tmp/consumer/energy.c"
grep -q 'int main' "$tmp/consumer/energy.c" && pass || fail "no C program found in doc/c-api.md"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pcdir=$(pkg-config --variable=libdir nacre)
[ "$(cd "$pcdir" && pwd -P)" = "$(cd "$libdir" && pwd -P)" ] && pass ||
  fail "pkg-config libdir $pcdir is not the installed $libdir"
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Wextra -Werror "$tmp/consumer/energy.c" -o "$tmp/energy-pc" \
  $(pkg-config --cflags --libs nacre) -Wl,-rpath,"$pcdir" -lm 2>"$tmp/err"; then
  pass
else
  cat "$tmp/err"
  fail "doc/c-api.md's program does not build with pkg-config"
fi
cat >"$tmp/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.21)
project(energy C)
find_package(nacre 0.1 REQUIRED)
add_executable(energy-shared energy.c)
target_link_libraries(energy-shared PRIVATE nacre::nacre m)
add_executable(energy-static energy.c)
target_link_libraries(energy-static PRIVATE nacre::static m)
EOF
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 &&
  cmake --build "$tmp/consumer/build" >>"$tmp/cmake.log" 2>&1; then
  pass
else
  cat "$tmp/cmake.log"
  fail "doc/c-api.md's program does not build with find_package(nacre)"
fi
if [ -x "$tmp/consumer/build/energy-static" ]; then
  readelf -d "$tmp/consumer/build/energy-static" | grep -q 'libnacre\.so' &&
    fail "the nacre::static program loads libnacre.so" || pass
fi

# Run them from outside the build tree and compare with the installed nacre.
check_run() { # PROGRAM STRUCTURE SPEC
  local prog=$1 structure=$2 spec=$3
  [ -x "$prog" ] || return
  if ! (cd "$tmp" && env -u LD_LIBRARY_PATH "$prog" "$structure" "$spec") >"$tmp/out" 2>&1; then
    cat "$tmp/out"
    fail "$(basename "$prog") $structure '$spec' failed"
    return
  fi
  grep -q "^nacre .* (ABI $abi)" "$tmp/out" && pass || fail "$(basename "$prog") reports $(head -n 1 "$tmp/out")"
  local e p re rp
  e=$(awk '$1 == "energy_ev" {print $2}' "$tmp/out")
  p=$(awk '$1 == "pressure_gpa" {print $2}' "$tmp/out")
  "$prefix/bin/nacre" eval "$structure" --potential "$spec" --json >"$tmp/eval.json" ||
    { fail "installed nacre eval failed"; return; }
  re=$(tr -d ' \t\n' <"$tmp/eval.json" | grep -oE '"energy(_ev)?":[^,}]*' | head -n 1 | cut -d: -f2)
  rp=$(tr -d ' \t\n' <"$tmp/eval.json" | grep -oE '"pressure_gpa":[^,}]*' | cut -d: -f2)
  if awk -v a="$e" -v b="$re" -v c="$p" -v d="$rp" 'BEGIN {
      de = a - b; dp = c - d; if (de < 0) de = -de; if (dp < 0) dp = -dp
      exit !(a != "" && b != "" && de <= 1e-9 && dp <= 1e-6) }'; then
    pass
  else
    fail "$(basename "$prog"): energy $e eV, pressure $p GPa; nacre eval: $re eV, $rp GPa"
  fi
}
lj='lj:epsilon=0.2047,sigma=2.330,cutoff=6.0,shift=1'
for prog in "$tmp/energy-pc" "$tmp/consumer/build/energy-shared" "$tmp/consumer/build/energy-static"; do
  check_run "$prog" "$src/examples/Cu32.poscar" "$lj"
done
nn=$src/../shared/data/maise/models/nn_Na_d3_v0
fixture=$src/../shared/data/maise/fixtures/nn_Na_d3_v0.extxyz
if [ -r "$nn" ] && [ -r "$fixture" ]; then
  check_run "$tmp/energy-pc" "$fixture@0" "$nn"
  check_run "$tmp/consumer/build/energy-static" "$fixture@-1" "$nn"
else
  echo "note: ../shared/data/maise absent; the network model is not checked"
fi
"$prefix/bin/nacre" --help >/dev/null 2>&1 && pass || fail "installed nacre --help fails"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
