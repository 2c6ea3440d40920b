#!/usr/bin/env bash
# `make run`: the demo Jalandhar district on a scaled clock (07:00, 60× real time) with the
# polling-day simulator playing officers and voters against it.
# First run: generates the district (psm demo-data, scale 1), imports it into var/demo, issues
# officer PINs and creates a demo admin. Later runs reuse that data. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

PSM="${PSM_BIN:-build/psm}"
DATA=var/demo
STORE="sqlite:$DATA/psm.db"
LISTEN="${PSM_LISTEN:-0.0.0.0:8080}"
PORT="${LISTEN##*:}"
DISTRICT="$DATA/district"
SCALE="${PSM_DEMO_SCALE:-1}"

mkdir -p "$DATA"
if [ ! -f "$DATA/psm.db" ]; then
  echo "run: first run — generating the demo district (scale $SCALE) and importing it"
  "$PSM" demo-data --out "$DISTRICT" --seed 1 --scale "$SCALE"
  "$PSM" import --store "$STORE" "$DISTRICT"
  "$PSM" admin issue-pins --store "$STORE" --out "$DATA/pins.csv"
  head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$DATA/admin-password"
  "$PSM" admin add-user --store "$STORE" --user admin --role admin < "$DATA/admin-password"
fi

"$PSM" serve --listen "$LISTEN" --store "$STORE" --clock-start 07:00 --clock-speed 60 \
  > "$DATA/serve.log" 2>&1 &
SERVER=$!
SIMULATOR=""
stop() {
  trap - INT TERM EXIT
  if [ -n "$SIMULATOR" ]; then
    kill -TERM "$SIMULATOR" 2>/dev/null || true
    wait "$SIMULATOR" 2>/dev/null || true
  fi
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  echo "run: stopped"
}
trap stop INT TERM EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "run: psm serve failed to start; see $DATA/serve.log" >&2
    tail -5 "$DATA/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done

"$PSM" simulate --url "http://127.0.0.1:$PORT" --pins "$DATA/pins.csv" --speed 60 --seed 1 --lookups-per-s 4 \
  --epics "$DISTRICT/electors.csv" > "$DATA/simulate.log" 2>&1 &
SIMULATOR=$!

PIN_LINE=$(sed -n 2p "$DATA/pins.csv")
cat <<MSG

  Polling Station Monitor — demo (clock starts at 07:00, runs 60× real time)

  API             http://127.0.0.1:$PORT/api/v1/district
  Stations        http://127.0.0.1:$PORT/api/v1/stations
  Live events     http://127.0.0.1:$PORT/api/v1/events
  OpenAPI         http://127.0.0.1:$PORT/api/v1/openapi.yaml
  Metrics         http://127.0.0.1:$PORT/metrics

  Officer login   station ${PIN_LINE%%,*}, PIN ${PIN_LINE##*,}   (all PINs: $DATA/pins.csv)
  Admin login     user admin, password $(cat "$DATA/admin-password")
  Voter page      http://127.0.0.1:$PORT/
  Officer page    http://127.0.0.1:$PORT/officer
  Control room    http://127.0.0.1:$PORT/control
  Server log      $DATA/serve.log
  Simulator log   $DATA/simulate.log   (officers and voters played by psm simulate)

  Ctrl-C stops everything.
MSG
wait "$SERVER"
