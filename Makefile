# Makefile - a thin wrapper over Meson. The commands of the README:
#   make run    install what is missing, build, start the API and the agent (root)
#   make test   install what is missing, build with ASan/UBSan, run every test
#   make demo   install what is missing, build, run the network demo (root)
#   make bench  the benchmarks with their baselines, results in bench/results/ (root)

STATE_DIR ?= state
LISTEN ?= 127.0.0.1:8773
FUZZ_SECONDS ?= 20
PYTHON ?= /usr/bin/python3

.PHONY: all build deps run demo test unit api-test e2e-test golden-nft fuzz fuzz-build check-banned clean

all: build

deps:
	./scripts/install-deps.sh

build/build.ninja:
	meson setup build

build: build/build.ninja
	ninja -C build bulkhead

run: deps build
	./build/bulkhead serve --state-dir $(STATE_DIR) --listen $(LISTEN) --agent

# The README's scenario with real packets, in a temporary state directory;
# fails unless every flow passes or is blocked as the security groups say.
demo: deps build
	./scripts/demo.sh

build-asan/build.ninja:
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

build-fuzz/build.ninja:
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debug

check-banned:
	./scripts/check-banned.sh

unit: build-asan/build.ninja
	ninja -C build-asan
	meson test -C build-asan --print-errorlogs

api-test: build-asan/build.ninja
	ninja -C build-asan bulkhead
	BULKHEAD_BIN=$(CURDIR)/build-asan/bulkhead $(PYTHON) -m pytest -q tests/api

# The data-plane tests: real namespaces, veths, nftables and packets (root;
# skipped otherwise), one `bulkhead serve --agent` for the whole run.
e2e-test: build-asan/build.ninja
	ninja -C build-asan bulkhead
	BULKHEAD_BIN=$(CURDIR)/build-asan/bulkhead $(PYTHON) -m pytest -q tests/e2e

# Differential testing, many seeds (root; `scripts/sandbox.sh make diff-test`):
# random topologies, the kernel against `bulkhead reach`, on the -O2 build.
# SEEDS=1-200, SEEDS=3,17 or SEEDS=random:50 (tests/e2e/README.md).
SEEDS ?= 1-50
.PHONY: diff-test
diff-test: build
	BULKHEAD_BIN=$(CURDIR)/build/bulkhead BH_DIFF_SEEDS=$(SEEDS) $(PYTHON) -m pytest -q tests/e2e/test_differential.py

# The golden corpus loaded into the real nftables, with the transactions
# between every pair of cases (root; exit 77 without root counts as skipped).
golden-nft: build-asan/build.ninja
	ninja -C build-asan tests/unit/test_compile
	./tests/golden/check-nft.sh build-asan || [ $$? -eq 77 ]

fuzz-build: build-fuzz/build.ninja
	ninja -C build-fuzz tests/fuzz/fuzz_query tests/fuzz/fuzz_sigv4 tests/fuzz/fuzz_cidr

# Each harness runs briefly from its seed corpus; `make fuzz FUZZ_SECONDS=600` runs longer.
fuzz: fuzz-build
	./scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

test: deps check-banned build unit api-test e2e-test golden-nft fuzz

# Benchmarks (root; not part of `make test` nor CI's verdict): every
# bench/*.py in its own scripts/sandbox.sh against the -O2 build in build/;
# tables and plots in bench/results/ (README.md there combines them).
# `make bench BENCH_ARGS=--quick` for small sizes.
.PHONY: bench bench-deps
BENCH_ARGS ?=

bench-deps:
	./scripts/install-deps.sh bench

bench: deps bench-deps build
	BULKHEAD_BIN=$(CURDIR)/build/bulkhead $(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build build-asan build-fuzz
