#!/bin/bash
# Run by boot-systemd.sh inside a booted copy of this machine with the package installed: the
# life of psm.service under systemd, sandbox and all, as docs/install.md describes it.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  journalctl -u 'psm*' -b --no-pager -n 40 >&2 || true
  exit 1
}
step() { echo "== $*"; }
main_pid() { systemctl show -p MainPID --value "$1"; }
wait_ready() {
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$1/readyz" && return 0
    sleep 0.1
  done
  fail "nothing ready on port $1"
}
store=sqlite:/var/lib/psm/psm.db

step "enabled on install; before the roll is in, psm refuses to serve and says why"
[ "$(systemctl is-enabled psm.service)" = enabled ] || fail "psm.service is not enabled"
for _ in $(seq 100); do
  journalctl -u psm -b --no-pager | grep -q "load a roll first" && break
  sleep 0.1
done
journalctl -u psm -b --no-pager | grep -q "load a roll first" || fail "no 'load a roll first'"
systemctl stop psm
systemctl reset-failed psm 2>/dev/null || true

step "the roll, PINs and an open poll (a scaled clock), as docs/install.md has them made"
psm demo-data --out /tmp/roll --scale 0.01 >/dev/null
install -d -o psm -g psm -m 0750 /var/lib/psm/roll
install -o psm -g psm -m 0640 /tmp/roll/*.csv /var/lib/psm/roll/
runuser -u psm -- psm import /var/lib/psm/roll --store "$store" >/dev/null
runuser -u psm -- psm admin issue-pins --store "$store" --out /var/lib/psm/pins.csv >/dev/null
sed -i 's|^#PSM_CLOCK_START=.*|PSM_CLOCK_START=10:00|' /etc/psm/psm.env

step "systemctl start psm: ready, sandboxed, serving"
systemctl start psm
wait_ready 8080
[ "$(systemctl is-active psm)" = active ] || fail "psm is not active"
pid="$(main_pid psm)"
[ "$(ps -o user= -p "$pid")" = psm ] || fail "psm runs as $(ps -o user= -p "$pid")"
grep -Eq '^NoNewPrivs:\s+1$' "/proc/$pid/status" || fail "no NoNewPrivs"
grep -Eq '^Seccomp:\s+2$' "/proc/$pid/status" || fail "no system call filter"
grep -Eq '^CapEff:\s+0+$' "/proc/$pid/status" || fail "psm holds capabilities"
journalctl -u psm -b --no-pager | grep -q "web files from /usr/share/psm/web" ||
  fail "the pages were not loaded from /usr/share/psm/web"
for path in /api/v1/district /api/v1/stations/30-1 / /control /metrics; do
  curl -fs -o /dev/null "http://127.0.0.1:8080$path" || fail "GET $path"
done

step "an officer's report is stored; SIGTERM drains and exits 0"
IFS=, read -r station pin < <(sed -n 2p /var/lib/psm/pins.csv)
token="$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"station\":\"$station\",\"pin\":\"$pin\"}" http://127.0.0.1:8080/api/v1/sessions |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
now="$(curl -fsS http://127.0.0.1:8080/api/v1/district | sed -n 's/.*"now":"\([^"]*\)".*/\1/p')"
id="$(cat /proc/sys/kernel/random/uuid)"
code="$(curl -s -o /tmp/answer -w '%{http_code}' -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d "{\"id\":\"$id\",\"kind\":\"queue\",\"observed_at\":\"$now\",\"queue\":{\"men\":3,\"women\":2,\"others\":0}}" \
  "http://127.0.0.1:8080/api/v1/stations/$station/reports")"
[ "$code" = 201 ] || fail "report answered $code: $(cat /tmp/answer)"
systemctl stop psm
[ "$(systemctl show -p Result --value psm)" = success ] || fail "stop: $(systemctl show -p Result --value psm)"
[ "$(systemctl show -p ExecMainStatus --value psm)" = 0 ] || fail "psm exited non-zero"
journalctl -u psm -b --no-pager | grep -q "stopped cleanly" || fail "no 'stopped cleanly'"
[ "$(sqlite3 /var/lib/psm/psm.db "SELECT count(*) FROM reports WHERE id = '$id'")" = 1 ] ||
  fail "the acknowledged report is not in the store"

step "Restart=on-failure: killed, it comes back"
systemctl start psm
wait_ready 8080
old="$(main_pid psm)"
kill -9 "$old"
for _ in $(seq 100); do
  new="$(main_pid psm)"
  [ "$new" != 0 ] && [ "$new" != "$old" ] && curl -fs -o /dev/null http://127.0.0.1:8080/readyz && break
  sleep 0.1
done
[ "$(systemctl show -p NRestarts --value psm)" -ge 1 ] || fail "psm was not restarted"
wait_ready 8080

step "psm@8081: the same program and sandbox on a port of its own"
systemctl stop psm
systemctl start psm@8081
wait_ready 8081
pid="$(main_pid psm@8081)"
grep -Eq '^Seccomp:\s+2$' "/proc/$pid/status" || fail "psm@8081 has no system call filter"
systemctl stop psm@8081
[ "$(systemctl show -p Result --value psm@8081)" = success ] || fail "psm@8081 did not stop cleanly"

step "systemd-analyze security (booted): $(systemd-analyze security psm.service --no-pager | tail -1)"

step "an upgrade restarts a running psm; removing the package stops it and keeps the store"
systemctl start psm
wait_ready 8080
old="$(main_pid psm)"
package="$(ls /root/package/*.deb)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$package" >/tmp/apt.log 2>&1 ||
  fail "upgrade: $(cat /tmp/apt.log)"
wait_ready 8080
[ "$(main_pid psm)" != "$old" ] || fail "the upgrade did not restart psm"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q psm >/tmp/apt.log 2>&1 ||
  fail "removal: $(cat /tmp/apt.log)"
[ "$(systemctl is-active psm 2>/dev/null || true)" != active ] || fail "psm still runs after removal"
[ -f /var/lib/psm/psm.db ] || fail "removal deleted the store"

echo "in-systemd: all steps passed"
