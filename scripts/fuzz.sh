#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) in build-fuzz with clang, ASan and UBSan, replays
# every kept regression input, then fuzzes each target and prints one line per target.
#   FUZZ_SECONDS  seconds per target (60); 0 replays the regressions only
#   FUZZ_RUNS     stop a target after this many executions instead (0: no limit)
#   FUZZ_TARGETS  which targets, space-separated (all of tests/fuzz/*.cpp)
# The corpus grows in a temporary folder; the seeds in tests/fuzz/corpus are only read. A
# crash's input is kept in build-fuzz/artifacts/<target>/ and the script exits non-zero.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
runs="${FUZZ_RUNS:-0}"
fuzz_dir="$root/tests/fuzz"
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in "$fuzz_dir"/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; run 'make setup'" >&2
  exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DPSM_FUZZ=ON -DPSM_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target psm_fuzzers | grep -v '^\[' || true
test -x "$build/tests/fuzz/fuzz_${targets[0]}" || { echo "fuzz: build failed" >&2; exit 1; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$artifacts"
  # Every kept crash input first: each must now pass.
  regressions=("$fuzz_dir/regressions/$t"/*)
  if [ -e "${regressions[0]}" ]; then
    if "$bin" -runs=1 "${regressions[@]}" >"$work/$t.replay.log" 2>&1; then
      echo "fuzz_$t: ${#regressions[@]} regression inputs pass"
    else
      echo "fuzz_$t: a regression input fails again:" >&2
      tail -n 30 "$work/$t.replay.log" >&2
      failed=1
      continue
    fi
  fi
  [ "$seconds" = 0 ] && [ "$runs" = 0 ] && continue

  mkdir -p "$work/corpus/$t"
  limit=(-max_total_time="$seconds")
  [ "$runs" != 0 ] && limit=(-runs="$runs")
  before=$(find "$artifacts" -type f | wc -l)
  status=0
  "$bin" "${limit[@]}" -dict="$fuzz_dir/$t.dict" -artifact_prefix="$artifacts/" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work/corpus/$t" "$fuzz_dir/corpus/$t" >"$work/$t.log" 2>&1 || status=$?
  if grep -q '^ParseDictionaryFile: error' "$work/$t.log"; then
    echo "fuzz_$t: $(grep -A1 '^ParseDictionaryFile' "$work/$t.log" | tr -s '\t\n' ' ')" >&2
    failed=1
    continue
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$work/$t.log" | tail -n 1 || true)
  crashes=$(($(find "$artifacts" -type f | wc -l) - before))
  echo "fuzz_$t: ${execs:-?} execs (${rate:-?}/s), ${cov:-cov: ?}, crashes: $crashes"
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$t: exited $status; input kept in $artifacts:" >&2
    grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ 0x' "$work/$t.log" | head -n 30 >&2 || true
    failed=1
  fi
done
exit "$failed"
