# Convenience entry points; the build itself is CMake (see CMakePresets.json).
#   make demo    install dependencies, build, run the shipped demo
#   make check   install dependencies, build and run all tests (release and
#                AddressSanitizer+UBSan configurations)
#   make bench   build and run the benchmarks
#   make install PREFIX=DIR   install the nacre program, libnacre (shared and
#                static), the headers, pkg-config and CMake files (DESTDIR
#                is honoured for staged installs)
#   make install-python PREFIX=DIR   also the Python package `nacre` (with
#                its ASE calculator) for PYTHON, offline, into PYTHON_SITE
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
# Debian's interpreter sees Debian's numpy/ASE/phonopy; another python3 may
# come first on PATH.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
PYTHON_SITE ?= $(PREFIX)/lib/$(shell $(PYTHON) -c 'import sys, sysconfig; \
  print("python%d.%d/%s" % (sys.version_info[:2] + ("dist-packages" if "posix_local" \
  in sysconfig.get_scheme_names() else "site-packages",)))')

.PHONY: all deps build demo check test test-sanitize bench clean install \
  install-python

all: build

deps:
	@if [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null; then \
	  bash scripts/install-deps.sh; else echo "make: not root; skipping install-deps"; fi

build:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

demo: deps build
	bash examples/demo.sh build/release/nacre

test: build
	ctest --preset release -j $(JOBS)

test-sanitize:
	cmake --preset sanitize >/dev/null
	cmake --build --preset sanitize -j $(JOBS)
	ctest --preset sanitize -j $(JOBS)

check: deps
	$(MAKE) test
	$(MAKE) test-sanitize

install: build
	cmake --install build/release --prefix "$(PREFIX)"

# The package records where libnacre was installed (nacre/_config.py).
install-python: install
	NACRE_LIBRARY="$$(cmake -LA -N build/release 2>/dev/null | \
	  sed -n 's|^CMAKE_INSTALL_LIBDIR:PATH=||p' | sed 's|^|$(abspath $(PREFIX))/|')/libnacre.so.0" \
	  $(PYTHON) -m pip install --no-index --no-deps --upgrade --quiet \
	  --target "$(DESTDIR)$(PYTHON_SITE)" ./python
	@echo "nacre Python package installed in $(DESTDIR)$(PYTHON_SITE) for $(PYTHON)"

bench: build
	bash bench/run.sh build/release

clean:
	rm -rf build
