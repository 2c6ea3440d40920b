#!/usr/bin/env bash
# `make run`: the demo Jalandhar district on a scaled clock (from 06:00, 60× real time) with the
# polling-day simulator playing officers and voters against it. The clock starts an hour before
# the poll, as the polling parties' day does: the 1,951 officers log in (half a minute of PIN
# hashing) and send party_arrived and mock_poll_done before the poll opens at 07:00.
# First run: generates the district (psm demo-data, scale 1) into var/demo/district/, imports it,
# issues officer PINs, creates a demo admin and keeps that store as var/demo/district.db. Every
# run copies district.db to var/demo/psm.db, so each starts a fresh polling day: the district,
# PINs and admin are kept, no reports, alerts, sessions or audit of earlier runs are. Ctrl-C
# stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

PSM="${PSM_BIN:-build/psm}"
DATA=var/demo
DB="$DATA/psm.db"
SNAPSHOT="$DATA/district.db"
STORE="sqlite:$DB"
LISTEN="${PSM_LISTEN:-0.0.0.0:8080}"
PORT="${LISTEN##*:}"
DISTRICT="$DATA/district"
SCALE="${PSM_DEMO_SCALE:-1}"

# Removes an SQLite file with its WAL and shared-memory companions.
remove_db() {
  rm -f "$1" "$1-wal" "$1-shm"
}

mkdir -p "$DATA"
if [ ! -f "$SNAPSHOT" ] || [ ! -f "$DATA/pins.csv" ] || [ ! -s "$DATA/admin-password" ]; then
  if [ -f "$DISTRICT/constituencies.csv" ] && [ -f "$DISTRICT/stations.csv" ] &&
    [ -f "$DISTRICT/electors.csv" ]; then
    # A var/demo from before district.db: its psm.db holds earlier days' reports, so the district
    # is imported afresh (new PINs; the admin password is kept).
    echo "run: $DISTRICT found without $SNAPSHOT — importing it into a fresh store"
  else
    echo "run: first run — generating the demo district (scale $SCALE) and importing it"
    # Into a side folder first, so an interrupted generation is never taken for a district.
    rm -rf "$DISTRICT.partial"
    "$PSM" demo-data --out "$DISTRICT.partial" --seed 1 --scale "$SCALE"
    rm -rf "$DISTRICT"
    mv "$DISTRICT.partial" "$DISTRICT"
  fi
  BUILD="$DATA/district-build.db"
  remove_db "$BUILD"
  "$PSM" import --store "sqlite:$BUILD" "$DISTRICT"
  "$PSM" admin issue-pins --store "sqlite:$BUILD" --out "$DATA/pins.csv"
  if [ ! -s "$DATA/admin-password" ]; then
    head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$DATA/admin-password"
  fi
  "$PSM" admin add-user --store "sqlite:$BUILD" --user admin --role admin < "$DATA/admin-password"
  remove_db "$SNAPSHOT.partial"
  sqlite3 "$BUILD" "VACUUM INTO '$SNAPSHOT.partial'"
  mv "$SNAPSHOT.partial" "$SNAPSHOT"
  remove_db "$BUILD"
  echo "run: kept the district, officer PINs and admin user in $SNAPSHOT"
fi
# Never replace a store that a server is serving (psm serve holds a flock on it; see
# docs/security.md): a second `make run` stops here instead of pulling the first one's day away.
if [ -f "$DB.serve-lock" ] && ! flock -n "$DB.serve-lock" true; then
  echo "run: $DB is being served by psm (pid $(cat "$DB.serve-lock")); stop that run first" >&2
  exit 1
fi
remove_db "$DB"
cp "$SNAPSHOT" "$DB"
echo "run: a fresh polling day — $DB copied from $SNAPSHOT (district, PINs and admin kept;" \
  "no reports, alerts, sessions or audit from earlier runs)"

"$PSM" serve --listen "$LISTEN" --store "$STORE" --clock-start 06:00 --clock-speed 60 \
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

# Officers and voters connect from many addresses of 127.1.0.0/16 (--source-range's default for a
# loopback server), as a district's phones would, so per-address limits see many clients.
"$PSM" simulate --url "http://127.0.0.1:$PORT" --pins "$DATA/pins.csv" --speed 60 --seed 1 --lookups-per-s 4 \
  --epics "$DISTRICT/electors.csv" > "$DATA/simulate.log" 2>&1 &
SIMULATOR=$!

PIN_LINE=$(sed -n 2p "$DATA/pins.csv")
cat <<MSG

  Polling Station Monitor — demo (clock starts at 06:00, runs 60× real time; polls open at 07:00)

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
  Simulator log   $DATA/simulate.log   (officers and voters played by psm simulate, from
                  addresses in 127.1.0.0/16; its "silent" lines name the stations it leaves
                  without a queue report long enough for a no_report alert)

  Ctrl-C stops everything.
MSG
wait "$SERVER"
