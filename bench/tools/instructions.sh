#!/usr/bin/env bash
# User-space instructions per request of one psm read path, counted by valgrind's callgrind:
# a measure that does not move with the machine's load, for changes too small for the timed
# bench to tell from its noise. Serves the demo district that `make bench` made, warms up
# without counting, counts 10 s of wrk load at 8 connections, and prints the instructions per
# request, also without the writer thread's re-renders and the lazily rebuilt station answers,
# which depend on the clock rather than on the request path.
#   bench/tools/instructions.sh [stations|lookup]       (PSM_BIN, BENCH_OUT as for make bench)
set -euo pipefail
cd "$(dirname "$0")/../.."

script="${1:-stations}"
case "$script" in stations | lookup) ;; *)
  echo "instructions: unknown script '$script' (stations or lookup)" >&2
  exit 2
  ;;
esac
bin="${PSM_BIN:-$PWD/build/psm}"
roll="${BENCH_OUT:-build/bench}/demo-data"
for cmd in valgrind callgrind_annotate callgrind_control wrk curl python3; do
  command -v "$cmd" >/dev/null || {
    echo "instructions: $cmd is missing (apt-get install valgrind wrk curl python3)" >&2
    exit 1
  }
done
[ -x "$bin" ] || { echo "instructions: no psm binary at $bin (make build)" >&2; exit 1; }
[ -f "$roll/stations.csv" ] || { echo "instructions: no demo data in $roll (make bench first)" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" import --store "sqlite:$work/psm.db" "$roll" >"$work/import.log" 2>&1 ||
  { echo "instructions: psm import failed, see below" >&2; cat "$work/import.log" >&2; exit 1; }
tail -n +2 "$roll/stations.csv" | cut -d, -f1 >"$work/stations.txt"
tail -n +2 "$roll/electors.csv" | cut -d, -f1 | awk 'NR % 83 == 1' >"$work/epics.txt"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
today="$(TZ=Asia/Kolkata date +%F)"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.out" \
  "$bin" serve --listen "127.0.0.1:$port" --store "sqlite:$work/psm.db" --poll-date "$today" \
  --clock-start 10:00 --clock-speed 1 --threads 2 --rate-limits off --log-level warn \
  >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
  kill -0 "$server" 2>/dev/null || { echo "instructions: psm serve exited" >&2; cat "$work/serve.log" >&2; exit 1; }
  sleep 0.5
done

load() {
  BENCH_LUA_DIR="$PWD/bench/wrk" BENCH_STATIONS="$work/stations.txt" BENCH_EPICS="$work/epics.txt" \
    wrk -t1 -c8 -d"$1" -s "bench/wrk/$script.lua" "http://127.0.0.1:$port/"
}
load 3s >/dev/null
callgrind_control -i on "$server" >/dev/null 2>&1
load 10s >"$work/wrk.out"
callgrind_control -i off "$server" >/dev/null 2>&1
kill -INT "$server"
wait "$server" || true
server=""

requests="$(grep -o '"requests":[0-9]*' "$work/wrk.out" | cut -d: -f2)"
callgrind_annotate --inclusive=yes "$work"/callgrind.out* 2>/dev/null | python3 -c "
import re, sys
total = background = 0
for line in sys.stdin:
    m = re.match(r'\s*([\d,]+) \(.*?\)\s+(\S.*)', line)
    if not m:
        continue
    n, where = int(m.group(1).replace(',', '')), m.group(2)
    if 'PROGRAM TOTALS' in where:
        total = n
    # Whole functions only: with debug information callgrind also lists the parts inlined
    # from headers under those headers' names; without it, the file is '???'.
    elif re.match(r'(\S*src/board/writer\.cpp|\?\?\?):psm::Writer::Run\(\)|'
                  r'(\S*src/api/station_answers\.cpp|\?\?\?):psm::api::StationAnswers::Build\(',
                  where):
        background += n
requests = $requests
print(f'$script: {requests:,} requests; {total // requests:,} instructions per request, '
      f'{(total - background) // requests:,} on the request path')
"
