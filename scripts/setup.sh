#!/usr/bin/env bash
# Installs what psm needs to build and test on Debian 12, skipping what is already there.
# Idempotent; needs root for apt-get.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config make git
  libboost1.74-dev libsqlite3-dev libsodium-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev
  clang-format python3 sqlite3 curl ccache
)

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
apt-get install -y -qq --no-install-recommends "${missing[@]}"
