#!/usr/bin/env bash
# `make bench`: the benchmark suite (bench/). The load scenarios against nginx and the Express
# peer are not written yet; until then this says so and fails, rather than printing numbers.
set -euo pipefail
echo "bench: no benchmark scenarios yet (see docs/benchmarks.md when they land)" >&2
exit 1
