# Convenience entry points; the build itself is CMake (see CMakePresets.json).
#   make demo    install dependencies, build, run the shipped demo
#   make check   install dependencies, build and run all tests (release and
#                AddressSanitizer+UBSan configurations)
#   make bench   build and run the benchmarks
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo check test test-sanitize bench clean

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

bench: build
	bash bench/run.sh build/release

clean:
	rm -rf build
