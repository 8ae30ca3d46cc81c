#!/usr/bin/env bash
# run_pytest.sh BUILD_DIR SOURCE_DIR — the Python package's tests
# (python/tests) with Debian's interpreter against the libnacre and the
# nacre program of BUILD_DIR. Skips (exit 77) with a message when python3,
# numpy, ASE or pytest is absent; tests that need phonopy or pip skip
# themselves.
set -uo pipefail
build=$(cd "${1:?usage: run_pytest.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: run_pytest.sh BUILD_DIR SOURCE_DIR}" && pwd)
py=${NACRE_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ]; then
  echo "SKIP: no python3 (Debian package python3)"
  exit 77
fi
for mod in numpy ase pytest; do
  if ! "$py" -c "import $mod" 2>/dev/null; then
    echo "SKIP: $py cannot import $mod (Debian packages python3-numpy python3-ase python3-pytest)"
    exit 77
  fi
done
export NACRE_LIBRARY=$build/libnacre.so.0
export NACRE_CLI=$build/nacre
export PYTHONPATH=$src/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
# Tests run side by side under ctest -j: one OpenMP thread each.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
cd "$build" || exit 1
exec "$py" -m pytest -q -rs -p no:cacheprovider "$src/python/tests"
