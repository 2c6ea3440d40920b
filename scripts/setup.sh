#!/usr/bin/env bash
# Installs what psm needs to build and test on Debian 12, skipping what is already there.
# Idempotent; needs root for apt-get.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config make git
  libboost1.74-dev libsqlite3-dev libsodium-dev nlohmann-json3-dev zlib1g-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang-format python3 sqlite3 curl ccache
)
# The PostgreSQL store: libpq to build; the server, which the store tests start themselves in a
# temporary folder (the package's own cluster is not used).
packages+=(libpq-dev postgresql-15)
# Redis for a cluster's live updates and shared limits: hiredis to build; the server, which the
# redis tests start themselves on a free port (the package's own service is not used).
packages+=(libhiredis-dev redis-server)
# PostgreSQL without a single point of failure (`make cluster CLUSTER_HA=1`, the failover test):
# Patroni manages a primary and a synchronous standby on etcd, each started in a folder of its
# own (etcd's own service is not used; patroni's starts nothing until configured).
packages+=(patroni etcd-server etcd-client)
# Browser tests of the web pages (web/test) drive Debian's chromium with playwright-core.
packages+=(chromium)
# `make cluster` and the nginx test: nginx in front of the nodes (deploy/nginx), started in a
# folder of its own (the package's own service is not used).
packages+=(nginx)
# `make fuzz` and the fuzz run of `make test`: clang's libFuzzer with ASan and UBSan (tests/fuzz).
packages+=(clang)
# The integration tests check every answer against docs/openapi.yaml (tests/integration/contract.py).
packages+=(python3-yaml python3-jsonschema)
# The firewall test loads deploy/nftables/psm.nft into network namespaces with nft.
packages+=(nftables)
# `make deb` and its test: debhelper builds the package, lintian checks it, man-db checks the
# man page, systemd-analyze rates the unit, and docs/install.md's steps use openssl and sqlite3.
packages+=(debhelper lintian man-db systemd openssl)
# The monitoring test checks deploy/prometheus and psm's /metrics with promtool (its server, a
# service Debian would start, is kept from starting like PostgreSQL's below).
packages+=(prometheus)

# Pinned npm packages, each folder with its package-lock.json: the web pages' libraries (chart,
# map) and playwright-core in web/, the OpenAPI linters (redocly, spectral) in tests/contract/.
# npm comes with the machine's Node.js; `npm ci` runs only when the lock file changed since the
# last install (a copy of it is kept in node_modules as the stamp).
root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for npm_dir in "$root_dir/web" "$root_dir/tests/contract"; do
  [ -f "$npm_dir/package-lock.json" ] || continue
  name="${npm_dir#"$root_dir"/}"
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; install Node.js (18 or newer) with npm for $name/" >&2
    exit 1
  fi
  if ! cmp -s "$npm_dir/package-lock.json" "$npm_dir/node_modules/.psm-installed-lock.json"; then
    echo "setup: npm ci in $name/"
    (cd "$npm_dir" && npm ci --no-audit --no-fund)
    cp "$npm_dir/package-lock.json" "$npm_dir/node_modules/.psm-installed-lock.json"
  else
    echo "setup: $name/node_modules up to date"
  fi
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages and not root; run 'sudo make setup'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian would start PostgreSQL's own cluster, redis-server and etcd as services on install; the
# tests start their own servers in temporary folders, so no service may start (policy-rc.d's exit
# 101 is obeyed by invoke-rc.d and deb-systemd-invoke, which these packages' scripts call).
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
