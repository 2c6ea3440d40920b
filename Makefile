# Front door: make setup | build | run | cluster | test | chaos | bench | microbench | deb | fmt
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD := build
ASAN_BUILD := build-asan
BENCH_BUILD := build-bench
# Seconds each micro-benchmark runs for in `make microbench` (Google Benchmark's min time).
MICROBENCH_MIN_TIME ?= 0.5
# More of its flags, e.g. MICROBENCH_ARGS=--benchmark_filter=Elector.
MICROBENCH_ARGS ?=
# Seconds each fuzz target runs for in `make fuzz`; `make test` gives each TEST_FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 15
.PHONY: fuzz test-fuzz

.PHONY: setup build build-asan run cluster test test-release test-asan chaos bench microbench deb fmt check-format clean

setup:
	@scripts/setup.sh

# The Release build has the micro-benchmarks too, so `make test` runs their short form.
$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPSM_BUILD_TESTS=ON -DPSM_BUILD_BENCH=ON

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPSM_SANITIZE=ON -DPSM_BUILD_TESTS=ON

build: setup $(BUILD)/build.ninja
	@grep -q '^PSM_BUILD_BENCH:BOOL=ON' $(BUILD)/CMakeCache.txt || cmake -B $(BUILD) -DPSM_BUILD_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS)

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	@scripts/run-demo.sh

# The demo district on a cluster on this machine: PostgreSQL, Redis, CLUSTER_NODES nodes (3), nginx.
cluster: build
	@scripts/run-cluster.sh

# Faults injected under load on a cluster on this machine, measured (tests/chaos/chaos.py): a table
# and build/chaos/summary.json. CHAOS_FAULTS (3,4,5,6), CHAOS_HOLD_S (60) and the rest by env.
chaos: build
	PSM_BIN=$(abspath $(BUILD))/psm python3 tests/chaos/chaos.py

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 600

# The libFuzzer targets (tests/fuzz) briefly, after every kept crash input is replayed.
test-fuzz: setup
	@FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) scripts/fuzz.sh

test: check-format test-release test-asan test-fuzz
	@echo "make test: all suites passed"

check-format: setup
	@scripts/check-format.sh

bench: build
	@scripts/bench.sh

# build/psm_<version>_<arch>.deb from the Release build, with debhelper (debian/, docs/install.md).
deb: build
	@scripts/make-deb.sh $(BUILD)

# Every libFuzzer target for FUZZ_SECONDS in build-fuzz (clang, ASan, UBSan): one line each.
fuzz: setup
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The micro-benchmarks (bench/micro) in a Release build of their own, run for figures.
microbench: setup
	cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPSM_BUILD_TESTS=OFF -DPSM_BUILD_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target psm_microbenchmarks
	@for b in elector_lookup station_render report_parse prepared_answer; do \
	  $(BENCH_BUILD)/microbench/$$b --benchmark_min_time=$(MICROBENCH_MIN_TIME) $(MICROBENCH_ARGS) || exit 1; \
	done

fmt:
	@git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD)
