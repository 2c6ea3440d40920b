#!/usr/bin/env bash
# `make run`: a demo district served on a scaled clock (07:00, 60× real time).
# First run: imports the small fixture district into var/demo, issues officer PINs and creates a
# demo admin. Later runs reuse that data. Ctrl-C stops the server cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

PSM=build/psm
DATA=var/demo
STORE="sqlite:$DATA/psm.db"
LISTEN="${PSM_LISTEN:-0.0.0.0:8080}"
PORT="${LISTEN##*:}"
DISTRICT="${PSM_DEMO_DISTRICT:-tests/fixtures/small-district}"

mkdir -p "$DATA"
if [ ! -f "$DATA/psm.db" ]; then
  echo "run: first run — importing $DISTRICT into $DATA"
  "$PSM" import --store "$STORE" "$DISTRICT"
  "$PSM" admin issue-pins --store "$STORE" --out "$DATA/pins.csv"
  head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$DATA/admin-password"
  "$PSM" admin add-user --store "$STORE" --user admin --role admin < "$DATA/admin-password"
fi

"$PSM" serve --listen "$LISTEN" --store "$STORE" --clock-start 07:00 --clock-speed 60 \
  > "$DATA/serve.log" 2>&1 &
SERVER=$!
stop() {
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
  Server log      $DATA/serve.log

  Ctrl-C stops everything.
MSG
wait "$SERVER"
