#!/usr/bin/env python3
"""Two psm builds, one read load, in alternating runs: is the second as fast as the first?

    bench/tools/ab.py OLD_BINARY NEW_BINARY [SCRIPT] [CONNECTIONS] [TURNS]

Both serve private copies of the same imported district (imported by NEW_BINARY) with the limits
off, and wrk runs SCRIPT (default stations.lua) at CONNECTIONS (256) against one, then the other (the
order swapped every turn), TURNS times (5) for 4 s each. This machine's speed drifts by ±20 % over minutes, so a single
sitting per build says little; the median of adjacent runs' ratios says far more. Prints each
turn and the median NEW/OLD ratio of requests/s and of server CPU per request.
"""

import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchlib import data, load, servers  # noqa: E402


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    old, new = (os.path.abspath(p) for p in sys.argv[1:3])
    script = sys.argv[3] if len(sys.argv) > 3 else "stations.lua"
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    turns = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    work = tempfile.mkdtemp(prefix="psm-ab-")
    out = os.path.join(work, "out")
    started = []
    try:
        roll, _ = data.roll_dir(new, "auto", out, print)
        stations = data.station_ids(roll)
        _, epics = data.count_and_sample_epics(roll, 20000)
        env = {}
        for key, lines in (("BENCH_STATIONS", stations), ("BENCH_EPICS", epics)):
            path = os.path.join(work, key.lower() + ".txt")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            env[key] = path
        db, _, _ = data.prepare_store(new, roll, work)
        a = servers.Psm(old, db, work, "old")
        b = servers.Psm(new, db, work, "new")
        for s in (a, b):
            started.append(s)
            s.start()
        ratios, cpu = [], []
        for turn in range(turns):
            # Each turn swaps which build goes first, so neither gains from the order.
            if turn % 2 == 0:
                ra = load.measure("old", a, script, conns, "4s", env)
                rb = load.measure("new", b, script, conns, "4s", env)
            else:
                rb = load.measure("new", b, script, conns, "4s", env)
                ra = load.measure("old", a, script, conns, "4s", env)
            ratios.append(rb["requests_per_s"] / ra["requests_per_s"])
            cpu.append(rb["server_cpu_us_per_request"] / ra["server_cpu_us_per_request"])
            print(f"turn {turn + 1}: old {ra['requests_per_s']:,.0f} req/s "
                  f"({ra['server_cpu_us_per_request']} µs/req), new {rb['requests_per_s']:,.0f} "
                  f"req/s ({rb['server_cpu_us_per_request']} µs/req), errors "
                  f"{ra['error_total']}/{rb['error_total']}", flush=True)
        print(f"{script} c{conns}: new/old requests/s median {statistics.median(ratios):.3f} "
              f"(turns {', '.join(f'{r:.2f}' for r in ratios)}); server CPU per request "
              f"median {statistics.median(cpu):.3f}")
        return 0
    finally:
        for s in started:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
