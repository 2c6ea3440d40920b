#!/usr/bin/env bash
# `make bench`: the benchmark suite (bench/run.py, docs/benchmarks.md). Installs the load
# generator and the servers it compares psm with (wrk, nginx, Redis, gnuplot; the Express peer's
# npm packages from its lockfile) when missing, then runs every scenario in one sitting.
# Settings come from the environment: BENCH_DURATION, BENCH_QUICK=1, BENCH_ONLY, … (see the doc).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package for each command the bench runs.
declare -A need=(
  [wrk]=wrk [nginx]=nginx-light [redis-server]=redis-server [gnuplot]=gnuplot-nox
  [node]=nodejs [npm]=npm [cc]=gcc [python3]=python3
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: missing packages and not root; run 'sudo scripts/bench.sh' once" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian would start nginx and redis as services on install; the bench runs its own.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

peer=bench/peers/express
if [ ! -d "$peer/node_modules" ] || [ "$peer/package-lock.json" -nt "$peer/node_modules" ]; then
  echo "bench: installing the Express peer's packages (npm ci)"
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
fi

export PSM_BIN="${PSM_BIN:-$PWD/build/psm}"
exec python3 bench/run.py "$@"
