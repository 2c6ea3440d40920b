#!/usr/bin/env bash
# `make cluster`: the demo district served by a cluster on this machine, as docs/deployment.md
# draws it — PostgreSQL as the store, Redis between the nodes, CLUSTER_NODES `psm serve` nodes
# (default 3) and nginx in front — on a scaled clock (from 06:00, 60× real time) with the
# polling-day simulator playing officers and voters through nginx. Loopback only; every file is
# under var/cluster/.
# First run: initdb a PostgreSQL 15 cluster in var/cluster/pg (run as the `postgres` system user
# when we are root: PostgreSQL refuses root), generate the district (psm demo-data, as `make run`
# does, into var/demo/district, reused when present), import it into the database psm_district,
# issue officer PINs and add an admin. Every run copies psm_district to a new database psm, so
# each starts a fresh polling day with the same district, PINs and admin. Ctrl-C stops
# everything, in order: simulator, nginx, nodes, Redis, PostgreSQL.
# With CLUSTER_HA=1 PostgreSQL has no single point of failure: etcd and two Patroni-managed
# PostgreSQL servers (a primary and a synchronous standby, var/cluster/ha; their configuration
# from deploy/patroni/render.py) replace the single server, and the nodes reach whichever is the
# primary through a multi-host URL (docs/deployment.md, "PostgreSQL failover with Patroni").
set -euo pipefail
cd "$(dirname "$0")/.."

PSM="${PSM_BIN:-build/psm}"
NODES="${CLUSTER_NODES:-3}"
HA="${CLUSTER_HA:-0}"
HTTP_PORT="${CLUSTER_PORT:-8090}"
HTTPS_PORT="${CLUSTER_TLS_PORT:-8443}"
PG_BIN="${PSM_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
SCALE="${PSM_DEMO_SCALE:-1}"
DISTRICT=var/demo/district
DATA="$PWD/var/cluster"
PG="$DATA/pg"
HA_DIR="$DATA/ha"
ETCD_BIN="${PSM_ETCD:-etcd}"
PATRONI_BIN="${PSM_PATRONI:-patroni}"
NGINX_DIR="$DATA/nginx"
REDIS_DIR="$DATA/redis"
DB=psm
TEMPLATE_DB=psm_district
TEMPLATE_MARK="psm: district, PINs and admin imported"
# The officers' PINs of the district imported into this PostgreSQL (the single server's or the
# Patroni pair's: each has its own, issued on its first run).
PINS="$DATA/pins.csv"
if [ "$HA" = 1 ]; then PINS="$HA_DIR/pins.csv"; fi

say() { echo "cluster: $*"; }
fail() {
  echo "cluster: $*" >&2
  exit 1
}

# A port the kernel just found free on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port_in_use() {
  (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# PostgreSQL's programs run as `postgres` when we are root (setpriv execs in place, so a
# background one's $! is the program itself).
AS_POSTGRES=()
if [ "$(id -u)" -eq 0 ]; then
  AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

[[ "$NODES" =~ ^[1-9][0-9]?$ ]] || fail "CLUSTER_NODES must be 1 to 99, not '$NODES'"
[[ "$HA" =~ ^[01]$ ]] || fail "CLUSTER_HA must be 0 or 1, not '$HA'"
if [ "$HA" = 1 ]; then
  command -v "$ETCD_BIN" > /dev/null || fail "etcd not found (make setup installs etcd-server)"
  command -v "$PATRONI_BIN" > /dev/null || fail "patroni not found (make setup installs patroni)"
fi
for tool in "$PG_BIN/initdb" "$PG_BIN/postgres" "$PG_BIN/psql"; do
  [ -x "$tool" ] || fail "$tool not found: PostgreSQL 15 is needed (make setup installs postgresql-15)"
done
for tool in nginx openssl python3 curl; do
  command -v "$tool" > /dev/null || fail "$tool not found (make setup installs it)"
done
if [ "$(id -u)" -eq 0 ] && ! id postgres > /dev/null 2>&1; then
  fail "running as root, and PostgreSQL refuses root, but there is no postgres user (make setup installs postgresql-15, which adds it)"
fi

# One cluster at a time: the lock is held for as long as this script, or anything it started,
# runs (they inherit it).
mkdir -p "$DATA"
exec 9>> "$DATA/lock"
if ! flock -n 9; then
  fail "a cluster is already running from var/cluster (pids: $(tr '\n' ' ' < "$DATA/pids")); stop it first (Ctrl-C where it runs)"
fi
: > "$DATA/pids"

# nginx's ports must be free: say so now, not after the import.
for port in "$HTTP_PORT" "$HTTPS_PORT"; do
  if port_in_use "$port"; then
    fail "port $port is in use; choose others with CLUSTER_PORT=… CLUSTER_TLS_PORT=… make cluster"
  fi
done

# --- what stops everything ----------------------------------------------------------------------
SIMULATOR="" NGINX="" REDIS="" POSTGRES="" ETCD=""
NODE_PIDS=()
# CLUSTER_HA=1: Patroni member i (1, 2) has PATRONI_PIDS[i-1], PostgreSQL's port PG_PORTS[i-1]
# and its REST API on REST_PORTS[i-1].
PATRONI_PIDS=() PG_PORTS=() REST_PORTS=()
# Signals PID and waits up to 20 s for it, then kills it.
stop_pid() {
  local name=$1 pid=$2 sig=$3
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2> /dev/null || return 0
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    say "$name (pid $pid) did not stop within 20 s; killing it"
    kill -KILL "$pid" 2> /dev/null || true
  fi
  wait "$pid" 2> /dev/null || true
}
stop() {
  trap - INT TERM EXIT
  stop_pid simulator "$SIMULATOR" TERM
  stop_pid nginx "$NGINX" TERM # fast: the open event streams end now
  for pid in "${NODE_PIDS[@]}"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2> /dev/null || true; fi
  done
  for pid in "${NODE_PIDS[@]}"; do stop_pid node "$pid" TERM; done
  stop_pid redis "$REDIS" TERM
  stop_pid postgres "$POSTGRES" INT # fast shutdown: ends the sessions, checkpoints, exits
  # The standby first, so the primary's Patroni finds nobody to hand its role to; each Patroni
  # stops its PostgreSQL (fast shutdown) before it exits.
  local i
  for i in "${!PATRONI_PIDS[@]}"; do
    if [ -n "${PATRONI_PIDS[i]}" ] && ! is_primary "${REST_PORTS[i]}"; then
      stop_pid "patroni pg$((i + 1))" "${PATRONI_PIDS[i]}" TERM
      PATRONI_PIDS[i]=""
    fi
  done
  for i in "${!PATRONI_PIDS[@]}"; do stop_pid "patroni pg$((i + 1))" "${PATRONI_PIDS[i]}" TERM; done
  # A PostgreSQL left behind by a Patroni that had to be killed: fast shutdown, by its PID.
  for i in "${!PG_PORTS[@]}"; do
    local pid_file="$HA_DIR/pg$((i + 1))/data/postmaster.pid" pid
    pid=$(head -1 "$pid_file" 2> /dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2> /dev/null; then
      say "PostgreSQL pg$((i + 1)) outlived its Patroni; stopping it"
      kill -INT "$pid" 2> /dev/null || true
      for _ in $(seq 1 200); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
      done
    fi
  done
  stop_pid etcd "$ETCD" TERM
  say "stopped"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Every server runs in its own session (setsid), so a Ctrl-C reaches this script alone and the
# servers stop in the order above, PostgreSQL last.
started() {
  echo "$1 $2" >> "$DATA/pids"
}

# --- PostgreSQL ---------------------------------------------------------------------------------
# Patroni's REST API: 200 on /primary from the primary, on /sync from the synchronous standby.
rest_ok() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1$2" 2> /dev/null; }
is_primary() { rest_ok "$1" /primary; }
# The member (1 or 2) that is the primary now; empty when none is.
primary_member() {
  local i
  for i in "${!REST_PORTS[@]}"; do
    if is_primary "${REST_PORTS[i]}"; then
      echo $((i + 1))
      return
    fi
  done
}

start_ha() {
  # etcd, Patroni's consensus store (v3 API), with its data kept between runs like the
  # PostgreSQL servers' (Patroni keeps the cluster's identity and leader in it).
  mkdir -p "$HA_DIR/etcd"
  local etcd_port peer_port i
  etcd_port=$(free_port)
  peer_port=$(free_port)
  setsid "$ETCD_BIN" --name psm-etcd --data-dir "$HA_DIR/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "psm-etcd=http://127.0.0.1:$peer_port" \
    >> "$HA_DIR/etcd/etcd.log" 2>&1 < /dev/null &
  ETCD=$!
  started etcd "$ETCD"
  for _ in $(seq 1 300); do
    if curl -fsS --max-time 2 "http://127.0.0.1:$etcd_port/health" 2> /dev/null |
      grep -q '"health":"true"'; then break; fi
    kill -0 "$ETCD" 2> /dev/null || fail "etcd failed to start; see var/cluster/ha/etcd/etcd.log"
    sleep 0.1
  done
  # Two members; the first run bootstraps pg1 (initdb) and copies it to pg2 (pg_basebackup).
  # Loopback only, so trust; the password is what initdb and Patroni's files need.
  for i in 1 2; do
    local dir="$HA_DIR/pg$i"
    mkdir -p "$dir/sock"
    PG_PORTS+=("$(free_port)")
    REST_PORTS+=("$(free_port)")
    deploy/patroni/render.py --name "pg$i" --scope psm --namespace /psm-cluster/ \
      --etcd "127.0.0.1:$etcd_port" --listen "127.0.0.1:${PG_PORTS[i - 1]}" \
      --rest-listen "127.0.0.1:${REST_PORTS[i - 1]}" --data-dir "$dir/data" \
      --socket-dir "$dir/sock" --bin-dir "$PG_BIN" --auth trust --password psm-cluster \
      --out "$dir/patroni.yml"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$HA_DIR" "$dir" "$dir/sock" "$dir/patroni.yml"; fi
    setsid "${AS_POSTGRES[@]}" "$PATRONI_BIN" "$dir/patroni.yml" >> "$dir/patroni.log" 2>&1 \
      < /dev/null &
    PATRONI_PIDS+=($!)
    started "patroni-pg$i" "$!"
    if [ "$i" = 1 ] && [ ! -f "$dir/data/PG_VERSION" ]; then
      say "first run — Patroni bootstraps PostgreSQL in var/cluster/ha/pg1, then copies it to pg2"
      # pg2 copies pg1 once pg1 leads: starting them together makes them race for the bootstrap.
      for _ in $(seq 1 1200); do
        is_primary "${REST_PORTS[0]}" && break
        kill -0 "${PATRONI_PIDS[0]}" 2> /dev/null ||
          fail "Patroni pg1 failed to start; see var/cluster/ha/pg1/patroni.log"
        sleep 0.1
      done
    fi
  done
  # Ready when one member is the primary and the other is the synchronous standby in Patroni's
  # view (only then would it fail over to it).
  say "waiting for a primary and its synchronous standby (Patroni, etcd)"
  local ready=0
  for _ in $(seq 1 1800); do
    for i in 1 2; do
      kill -0 "${PATRONI_PIDS[i - 1]}" 2> /dev/null ||
        fail "Patroni pg$i exited; see var/cluster/ha/pg$i/patroni.log"
    done
    if [ -n "$(primary_member)" ] &&
      { rest_ok "${REST_PORTS[0]}" /sync || rest_ok "${REST_PORTS[1]}" /sync; }; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [ "$ready" = 1 ] || fail "no primary with a synchronous standby within 3 minutes; see var/cluster/ha/pg*/patroni.log"
  PG_PORT=${PG_PORTS[$(($(primary_member) - 1))]}
}

if [ "$HA" = 1 ]; then
  start_ha
  PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
  # libpq tries each host in turn and keeps the one that accepts writes: after a failover the
  # nodes' next connection finds the new primary.
  pg_url() {
    echo "postgresql://postgres@127.0.0.1:${PG_PORTS[0]},127.0.0.1:${PG_PORTS[1]}/$1?target_session_attrs=read-write"
  }
else
  mkdir -p "$PG/sock"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG" "$PG/sock"; fi
  if [ ! -f "$PG/data/PG_VERSION" ]; then
    say "first run — initdb of a PostgreSQL 15 cluster in var/cluster/pg"
    rm -rf "$PG/data"
    "${AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$PG/data" -U postgres -A trust -E UTF8 --locale=C \
      --no-instructions > "$PG/initdb.log" 2>&1 || {
      tail -5 "$PG/initdb.log" >&2
      fail "initdb failed; see var/cluster/pg/initdb.log"
    }
  fi
  PG_PORT=$(free_port)
  setsid "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$PG/data" -p "$PG_PORT" -k "$PG/sock" \
    -c listen_addresses=127.0.0.1 -c logging_collector=off >> "$PG/postgres.log" 2>&1 < /dev/null &
  POSTGRES=$!
  started postgres "$POSTGRES"
  PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
  for _ in $(seq 1 600); do
    if "${PSQL[@]}" -d postgres -c 'SELECT 1' > /dev/null 2>&1; then break; fi
    if ! kill -0 "$POSTGRES" 2> /dev/null; then
      tail -5 "$PG/postgres.log" >&2
      fail "PostgreSQL failed to start; see var/cluster/pg/postgres.log"
    fi
    sleep 0.1
  done
  pg_url() { echo "postgresql://postgres@127.0.0.1:$PG_PORT/$1"; }
fi

# --- the district, once: database psm_district ---------------------------------------------------
template_mark=$("${PSQL[@]}" -d postgres -At -c \
  "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$TEMPLATE_DB'")
if [ "$template_mark" != "$TEMPLATE_MARK" ] || [ ! -s "$PINS" ] ||
  [ ! -s "$DATA/admin-password" ]; then
  if [ -f "$DISTRICT/constituencies.csv" ] && [ -f "$DISTRICT/stations.csv" ] &&
    [ -f "$DISTRICT/electors.csv" ]; then
    say "importing $DISTRICT into PostgreSQL (database $TEMPLATE_DB, kept for later runs)"
  else
    say "generating the demo district (scale $SCALE) into $DISTRICT"
    # Into a side folder first, so an interrupted generation is never taken for a district.
    rm -rf "$DISTRICT.partial"
    "$PSM" demo-data --out "$DISTRICT.partial" --seed 1 --scale "$SCALE"
    rm -rf "$DISTRICT"
    mv "$DISTRICT.partial" "$DISTRICT"
  fi
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $TEMPLATE_DB WITH (FORCE)"
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $TEMPLATE_DB ENCODING 'UTF8'"
  "$PSM" import --store "$(pg_url "$TEMPLATE_DB")" "$DISTRICT"
  "$PSM" admin issue-pins --store "$(pg_url "$TEMPLATE_DB")" --out "$PINS.partial"
  mv "$PINS.partial" "$PINS"
  if [ ! -s "$DATA/admin-password" ]; then
    head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$DATA/admin-password"
  fi
  "$PSM" admin add-user --store "$(pg_url "$TEMPLATE_DB")" --user admin --role admin \
    < "$DATA/admin-password"
  "${PSQL[@]}" -d postgres -c "COMMENT ON DATABASE $TEMPLATE_DB IS '$TEMPLATE_MARK'"
  say "kept the district, officer PINs and admin user in database $TEMPLATE_DB"
fi
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB TEMPLATE $TEMPLATE_DB"
say "a fresh polling day — database $DB copied from $TEMPLATE_DB (district, PINs and admin" \
  "kept; no reports, alerts, sessions or audit from earlier runs)"
STORE=$(pg_url "$DB")

# --- Redis --------------------------------------------------------------------------------------
REDIS_PORT=""
if command -v redis-server > /dev/null; then
  mkdir -p "$REDIS_DIR"
  REDIS_PORT=$(free_port)
  # Change notifications only: nothing to keep, so no snapshots and no append-only file.
  setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save "" \
    --appendonly no --daemonize no > "$REDIS_DIR/redis.log" 2>&1 < /dev/null &
  REDIS=$!
  started redis "$REDIS"
fi
NODE_ARGS=()
# (The help is read whole first: grep -q may stop reading early, and pipefail would count that.)
serve_help=$("$PSM" serve --help)
if grep -q -- '--redis' <<< "$serve_help"; then
  [ -n "$REDIS_PORT" ] || fail "psm serve takes --redis but redis-server is missing (make setup installs it)"
  NODE_ARGS+=(--redis "redis://127.0.0.1:$REDIS_PORT")
fi

# --- the nodes ----------------------------------------------------------------------------------
# One scaled clock for every node: each reads 06:00 at the same real moment, however far apart
# they start.
CLOCK_ORIGIN=$(date +%s%3N)
NODE_PORTS=()
for i in $(seq 1 "$NODES"); do
  port=$(free_port)
  setsid "$PSM" serve --listen "127.0.0.1:$port" --store "$STORE" "${NODE_ARGS[@]}" \
    --trusted-proxies 127.0.0.1/32 --clock-start 06:00 --clock-speed 60 \
    --clock-origin "$CLOCK_ORIGIN" \
    > "$DATA/node$i.log" 2>&1 < /dev/null &
  NODE_PIDS+=($!)
  NODE_PORTS+=("$port")
  started "node$i" "$!"
done

# --- nginx --------------------------------------------------------------------------------------
mkdir -p "$NGINX_DIR/tls" "$NGINX_DIR/logs" "$NGINX_DIR/temp" "$NGINX_DIR/acme"
if [ ! -s "$NGINX_DIR/tls/cert.pem" ] || [ ! -s "$NGINX_DIR/tls/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$NGINX_DIR/tls/key.pem" -out "$NGINX_DIR/tls/cert.pem" 2> /dev/null
fi
upstreams=""
for port in "${NODE_PORTS[@]}"; do upstreams+="${upstreams:+,}127.0.0.1:$port"; done
# Plain HTTP serves the site as well (the simulator speaks HTTP only); HTTPS with the
# self-signed certificate.
deploy/nginx/render.py --nodes "$upstreams" --plain-http serve \
  --http-listen "127.0.0.1:$HTTP_PORT" --https-listen "127.0.0.1:$HTTPS_PORT" \
  --cert "$NGINX_DIR/tls/cert.pem" --key "$NGINX_DIR/tls/key.pem" --user "$(id -un)" \
  --pid-file "$NGINX_DIR/nginx.pid" --log-dir "$NGINX_DIR/logs" --temp-dir "$NGINX_DIR/temp" \
  --acme-root "$NGINX_DIR/acme" --out "$NGINX_DIR/conf"
NGINX_ARGS=(nginx -p "$NGINX_DIR" -c "$NGINX_DIR/conf/psm.conf" -e "$NGINX_DIR/logs/error.log")
"${NGINX_ARGS[@]}" -t -q || fail "nginx -t failed on var/cluster/nginx/conf/psm.conf"
setsid "${NGINX_ARGS[@]}" -g 'daemon off;' > "$NGINX_DIR/nginx.out" 2>&1 < /dev/null &
NGINX=$!
started nginx "$NGINX"

# --- ready? -------------------------------------------------------------------------------------
# A node loads the district (1.65 million electors) from PostgreSQL before it answers.
for i in $(seq 1 "$NODES"); do
  port=${NODE_PORTS[$((i - 1))]}
  pid=${NODE_PIDS[$((i - 1))]}
  for _ in $(seq 1 1200); do
    if curl -fsS "http://127.0.0.1:$port/readyz" > /dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2> /dev/null; then
      tail -5 "$DATA/node$i.log" >&2
      fail "node $i (psm serve) failed to start; see var/cluster/node$i.log"
    fi
    sleep 0.1
  done
done
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$NGINX" 2> /dev/null; then
    tail -5 "$NGINX_DIR/logs/error.log" >&2
    fail "nginx failed to start; see var/cluster/nginx/logs/error.log"
  fi
  sleep 0.1
done

# Each node's role from /healthz ("writer" or "reader"); a node that does not say is a writer.
role_of() {
  local role
  role=$(curl -fsS "http://127.0.0.1:$1/healthz" 2> /dev/null |
    sed -n 's/.*"role" *: *"\([a-z]*\)".*/\1/p')
  echo "${role:-writer}"
}
# With roles, one node takes the writer's lease within seconds of starting.
for _ in $(seq 1 100); do
  has_writer=0
  for port in "${NODE_PORTS[@]}"; do
    if [ "$(role_of "$port")" = writer ]; then has_writer=1; fi
  done
  [ "$has_writer" = 1 ] && break
  sleep 0.1
done

# Officers and voters connect through nginx from many addresses of 127.1.0.0/16 (--source-range's
# default for a loopback server), as a district's phones would; nginx hands each node the address
# in X-Forwarded-For.
setsid "$PSM" simulate --url "http://127.0.0.1:$HTTP_PORT" --pins "$PINS" --speed 60 \
  --seed 1 --lookups-per-s 4 --epics "$DISTRICT/electors.csv" \
  > "$DATA/simulate.log" 2>&1 < /dev/null &
SIMULATOR=$!
started simulator "$SIMULATOR"

URL="http://127.0.0.1:$HTTP_PORT"
if [ -z "$REDIS_PORT" ]; then
  REDIS_LINE="not installed (make setup installs redis-server)"
elif [ ${#NODE_ARGS[@]} -eq 0 ]; then
  REDIS_LINE="redis://127.0.0.1:$REDIS_PORT   (this psm serve has no --redis: the nodes do not use it)"
else
  REDIS_LINE="redis://127.0.0.1:$REDIS_PORT"
fi
PIN_LINE=$(sed -n 2p "$PINS")
PG_LOG_LINE=var/cluster/pg/postgres.log
if [ "$HA" = 1 ]; then
  PG_LOG_LINE="var/cluster/ha/pg1/patroni.log, pg2/patroni.log (Patroni's and PostgreSQL's)"
fi
cat << MSG

Polling Station Monitor — a cluster of $NODES nodes behind nginx (clock starts at 06:00, runs 60×
real time; polls open at 07:00)

nginx           $URL   (and https://127.0.0.1:$HTTPS_PORT, a self-signed certificate)
MSG
for i in $(seq 1 "$NODES"); do
  port=${NODE_PORTS[$((i - 1))]}
  echo "node $i  http://127.0.0.1:$port  $(role_of "$port")"
done
if [ "$HA" = 1 ]; then
  primary=$(primary_member)
  cat << MSG
PostgreSQL      $STORE
                (Patroni: pg1 on port ${PG_PORTS[0]}, pg2 on ${PG_PORTS[1]}; pg$primary is the
                primary, the other its synchronous standby; var/cluster/ha)
Patroni         http://127.0.0.1:${REST_PORTS[0]}/cluster   (pg1's REST API; pg2's on port ${REST_PORTS[1]})
Fail over       kill -KILL \$(head -1 var/cluster/ha/pg$primary/data/postmaster.pid)   (the primary's
                postmaster: the standby takes over within seconds, the nodes follow by themselves)
MSG
else
  echo "PostgreSQL      $STORE   (var/cluster/pg)"
fi
cat << MSG
Redis           $REDIS_LINE

API             $URL/api/v1/district
Stations        $URL/api/v1/stations
Live events     $URL/api/v1/events
OpenAPI         $URL/api/v1/openapi.yaml
Metrics         http://127.0.0.1:${NODE_PORTS[0]}/metrics   (each node's own, at its address)

Officer login   station ${PIN_LINE%%,*}, PIN ${PIN_LINE##*,}   (all PINs: ${PINS#"$PWD"/})
Admin login     user admin, password $(cat "$DATA/admin-password")
Voter page      $URL/
Officer page    $URL/officer
Control room    $URL/control
Node logs       var/cluster/node1.log … node$NODES.log
nginx logs      var/cluster/nginx/logs/access.log (each request's node: upstream=…), error.log
PostgreSQL log  $PG_LOG_LINE
Redis log       var/cluster/redis/redis.log
Simulator log   var/cluster/simulate.log   (officers and voters played by psm simulate through
                nginx, from addresses in 127.1.0.0/16; its "silent" lines name the stations it
                leaves without a queue report long enough for a no_report alert)

Ctrl-C stops everything.
MSG

# Until Ctrl-C. A node, Redis or PostgreSQL that stops is reported and the rest keep running, as
# they would in a real cluster (kill a node's PID from var/cluster/pids to watch nginx send its
# requests to the others); without nginx or without any node, everything stops.
nodes_left=$NODES
while true; do
  exited="" rc=0
  wait -n -p exited || rc=$?
  [ "$rc" -eq 127 ] && fail "nothing it started is running any more"
  [ -n "$exited" ] || continue
  case "$exited" in
    "$SIMULATOR")
      say "the simulator finished (var/cluster/simulate.log); the cluster keeps running"
      SIMULATOR=""
      ;;
    "$NGINX")
      NGINX=""
      fail "nginx exited (status $rc); see var/cluster/nginx/logs/error.log"
      ;;
    "$REDIS")
      say "redis-server exited (status $rc; var/cluster/redis/redis.log); the nodes keep running"
      REDIS=""
      ;;
    "$POSTGRES")
      say "PostgreSQL exited (status $rc; var/cluster/pg/postgres.log); reads go on, writes fail"
      POSTGRES=""
      ;;
    "$ETCD")
      say "etcd exited (status $rc; var/cluster/ha/etcd/etcd.log); Patroni keeps the primary while it reaches every member (failsafe mode)"
      ETCD=""
      ;;
    *)
      for i in "${!PATRONI_PIDS[@]}"; do
        if [ "$exited" = "${PATRONI_PIDS[i]}" ]; then
          PATRONI_PIDS[i]=""
          say "Patroni pg$((i + 1)) exited (status $rc; var/cluster/ha/pg$((i + 1))/patroni.log)"
        fi
      done
      for i in $(seq 1 "$NODES"); do
        if [ "$exited" = "${NODE_PIDS[$((i - 1))]}" ]; then
          NODE_PIDS[i - 1]="" # reaped: its PID may be another process's now
          nodes_left=$((nodes_left - 1))
          say "node $i exited (status $rc; var/cluster/node$i.log); $nodes_left left"
        fi
      done
      [ "$nodes_left" -gt 0 ] || fail "no node is left"
      ;;
  esac
done
