#!/usr/bin/env bash
# Lints docs/openapi.yaml with the pinned linters of this folder (package-lock.json): redocly's
# recommended rules (redocly.yaml) and spectral's spectral:oas ruleset (.spectral.yaml). Fails on
# any error; warnings are printed only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
doc="$here/../../docs/openapi.yaml"
bin="$here/node_modules/.bin"
if [ ! -x "$bin/redocly" ] || [ ! -x "$bin/spectral" ]; then
  echo "contract lint: $here/node_modules is missing; run 'make setup'" >&2
  exit 1
fi
# No usage reports or update checks: the lint must not depend on the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

echo "== redocly lint (recommended)"
"$bin/redocly" lint --config "$here/redocly.yaml" --format stylish "$doc"
echo "== spectral lint (spectral:oas)"
"$bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity error "$doc"
echo "contract lint: no errors"
