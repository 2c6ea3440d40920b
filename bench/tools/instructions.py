#!/usr/bin/env python3
"""User-space instructions per request of one psm read path, counted by valgrind's callgrind.

A measure that does not move with the machine's load, for changes too small for the timed bench
to tell from its noise. Serves the demo district that `make bench` made (psm started as the bench
starts it, under callgrind), warms up without counting, counts 10 s of wrk load at 8
connections, and prints the instructions per request, also without the writer thread's
re-renders and the lazily rebuilt station answers, which follow the clock, not the requests.

    bench/tools/instructions.py [stations|lookup]     (PSM_BIN and BENCH_OUT as for make bench)
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH_DIR)
from benchlib import data, servers  # noqa: E402

# Whole functions only: with debug information callgrind also lists the parts inlined from
# headers under those headers' names; without it, the file is '???'.
BACKGROUND = re.compile(
    r"(\S*src/writer/writer\.cpp|\?\?\?):psm::Writer::Run\(\)|"
    r"(\S*src/api/station_answers\.cpp|\?\?\?):psm::api::StationAnswers::Build\(")


def fail(msg):
    sys.exit(f"instructions: {msg}")


def wrk(port, script, seconds, env):
    out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-s",
                          os.path.join(BENCH_DIR, "wrk", f"{script}.lua"),
                          f"http://127.0.0.1:{port}/"], env=env, capture_output=True, text=True)
    line = next((row for row in out.stdout.splitlines() if row.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        fail(f"wrk failed: {out.stderr or out.stdout}")
    return json.loads(line[len("BENCH_JSON "):])


def main():
    script = sys.argv[1] if len(sys.argv) > 1 else "stations"
    if script not in ("stations", "lookup"):
        fail(f"unknown script '{script}' (stations or lookup)")
    repo = os.path.dirname(BENCH_DIR)
    binary = os.environ.get("PSM_BIN", os.path.join(repo, "build", "psm"))
    roll = os.path.join(os.environ.get("BENCH_OUT", os.path.join(repo, "build", "bench")),
                        "demo-data")
    for cmd in ("valgrind", "callgrind_annotate", "callgrind_control", "wrk"):
        if not shutil.which(cmd):
            fail(f"{cmd} is missing (apt-get install valgrind wrk)")
    if not os.access(binary, os.X_OK):
        fail(f"no psm binary at {binary} (make build)")
    if not os.path.exists(os.path.join(roll, "stations.csv")):
        fail(f"no demo data in {roll} (make bench first)")

    with tempfile.TemporaryDirectory(prefix="psm-instructions-") as work:
        db, _, _ = data.prepare_store(binary, roll, work)
        stations = os.path.join(work, "stations.txt")
        epics = os.path.join(work, "epics.txt")
        with open(stations, "w") as f:
            f.write("\n".join(data.station_ids(roll)) + "\n")
        with open(epics, "w") as f:
            f.write("\n".join(data.count_and_sample_epics(roll, 20000)[1]) + "\n")
        out_file = os.path.join(work, "callgrind.out")
        psm = servers.Psm(binary, db, work, "serve", wrapper=(
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={out_file}"))
        env = dict(os.environ, BENCH_LUA_DIR=os.path.join(BENCH_DIR, "wrk"),
                   BENCH_STATIONS=stations, BENCH_EPICS=epics)
        try:
            psm.start(timeout=600)
            wrk(psm.port, script, 3, env)
            subprocess.run(["callgrind_control", "-i", "on", str(psm.proc.pid)],
                           capture_output=True, check=True)
            counted = wrk(psm.port, script, 10, env)
            subprocess.run(["callgrind_control", "-i", "off", str(psm.proc.pid)],
                           capture_output=True, check=True)
        finally:
            psm.stop()
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file],
                                   capture_output=True, text=True, check=True).stdout
    total = background = 0
    for line in annotated.splitlines():
        m = re.match(r"\s*([\d,]+) \(.*?\)\s+(\S.*)", line)
        if not m:
            continue
        n, where = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in where:
            total = n
        elif BACKGROUND.match(where):
            background += n
    requests = counted["requests"]
    if not requests or not total:
        fail("nothing was counted")
    print(f"{script}: {requests:,} requests; {total // requests:,} instructions per request, "
          f"{(total - background) // requests:,} on the request path")


if __name__ == "__main__":
    main()
