"""`make chaos`: what polling day survives, measured.

Starts a cluster on loopback (PostgreSQL, Redis, three psm nodes, nginx; tests/integration/
cluster.py), keeps a load of officers' reports and voters' reads on it through nginx for the whole
run (load.py), and injects, holds and undoes each fault of faults.py in turn. At the end every
report id psm acknowledged is looked up in PostgreSQL (exactly once) and on every node (its
station's timeline), a table is printed and build/chaos/summary.json written: one object per
fault. Exits 1 when a fault lost or duplicated an acknowledged report, failed a read where every
read must be served, or broke its own promise (faults.py `checks`).

Settings (environment):
  CHAOS_FAULTS      faults to run, in order (default 3,4,5,6)
  CHAOS_HOLD_S      seconds each fault is held (default 60)
  CHAOS_READ_RATE   station reads/s through nginx (default 200)
  CHAOS_WRITE_RATE  reports/s through nginx (default 30)
  CHAOS_SETTLE_S    seconds of plain load between faults (default 5)
  CHAOS_STALENESS_LIMIT_S  how far behind a node may be without Redis (default 1)
  CHAOS_OUT         the summary file (default build/chaos/summary.json)
  PSM_BIN           the psm binary (default build/psm)"""

import collections
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import cluster  # noqa: E402
import harness  # noqa: E402
from faults import FAULTS, PROBE_STATION  # noqa: E402
from load import Load, parse_rfc3339  # noqa: E402

FIELDS = ["fault", "held_s", "reads", "reads_failed", "reports_acked", "reports_lost",
          "reports_duplicated", "write_pause_s", "recovery_s"]


def env_float(name, default):
    return float(os.environ.get(name, default))


def log(msg):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Chaos:
    def __init__(self):
        self.binary = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
        self.faults = [int(f) for f in os.environ.get("CHAOS_FAULTS", "3,4,5,6").split(",") if f]
        unknown = [f for f in self.faults if f not in FAULTS]
        if unknown:
            raise SystemExit(f"no such fault: {unknown} (known: {sorted(FAULTS)})")
        self.hold_s = env_float("CHAOS_HOLD_S", 60)
        self.settle_s = env_float("CHAOS_SETTLE_S", 5)
        self.staleness_limit_s = env_float("CHAOS_STALENESS_LIMIT_S", 1.0)
        self.out = os.environ.get("CHAOS_OUT",
                                  os.path.join(harness.ROOT, "build", "chaos", "summary.json"))
        self.cluster = self.load = None
        self.rows, self.failures = [], []

    def log(self, msg):
        log(msg)

    def run(self):
        log(f"starting the cluster ({self.binary})")
        self.cluster = cluster.Cluster(self.binary, nodes=3, redis=True)
        try:
            front = self.cluster.front
            offset = parse_rfc3339(front.now()) - time.time()
            tokens = {s: front.login(s) for s in sorted(self.cluster.pins)}
            load_tokens = {s: t for s, t in tokens.items() if s != PROBE_STATION}
            self.load = Load(self.cluster.nginx.port, load_tokens, offset,
                             env_float("CHAOS_READ_RATE", 200), env_float("CHAOS_WRITE_RATE", 30))
            self.load.tokens[PROBE_STATION] = tokens[PROBE_STATION]
            self.load.serial[PROBE_STATION] = 0
            self.load.start()
            log(f"load on: {self.load.read_rate:g} reads/s, {self.load.write_rate:g} reports/s")
            time.sleep(self.settle_s)
            for number in self.faults:
                self.run_fault(FAULTS[number](self))
                time.sleep(self.settle_s)
            log("stopping the load")
            self.load.stop()
            self.verify()
        finally:
            if self.load:
                self.load.stop_event.set()
            self.cluster.close()
        self.report()
        return 1 if self.failures else 0

    def run_fault(self, fault):
        log(f"fault {fault.number} ({fault.title}): inject, hold {self.hold_s:g} s")
        start = time.time()
        fault.inject()
        fault.hold(max(0.0, self.hold_s - (time.time() - start)))
        held = time.time() - start
        undo = time.time()
        fault.undo()
        log(f"fault {fault.number}: undone after {held:.1f} s; waiting for recovery")
        recovery = None
        deadline = undo + 120
        while time.time() < deadline:
            if fault.recovered():
                # ... and the load is served again: a report acknowledged and reads answered
                # after the cluster was whole.
                whole = time.time()
                while time.time() < deadline:
                    w = self.load.window(whole, time.time())
                    if w["acked"] and w["reads"] > w["reads_failed"]:
                        break
                    time.sleep(0.05)
                recovery = time.time() - undo
                break
            time.sleep(0.1)
        end = time.time()
        w = self.load.window(start, end)
        row = {"fault": fault.number, "held_s": round(held, 1), "reads": w["reads"],
               "reads_failed": w["reads_failed"], "reports_acked": len(w["acked"]),
               "reports_lost": None, "reports_duplicated": None,
               "write_pause_s": round(w["write_pause_s"], 3),
               "recovery_s": round(recovery, 3) if recovery is not None else None,
               "title": fault.title, "writes_failed": w["write_errors"],
               "write_failures": w["write_failures"],
               "stale_connection_retries": w["stale_retries"],
               "window": [start, end]}
        problems = []
        if recovery is None:
            problems.append("the cluster did not recover within 120 s")
        if fault.zero_failed_reads and w["reads_failed"]:
            problems.append(f"{w['reads_failed']} reads failed: {w['read_failures']}")
        problems += fault.checks(row)
        row.update(fault.extra)
        row["problems"] = problems
        self.rows.append(row)
        log(f"fault {fault.number}: {len(w['acked'])} reports acknowledged, "
            f"{w['reads']} reads ({w['reads_failed']} failed), recovery {row['recovery_s']} s"
            + (f"; PROBLEMS: {problems}" if problems else ""))

    def verify(self):
        """Every acknowledged id in PostgreSQL exactly once and on every node."""
        pg = self.cluster.pg
        stored = {}
        dup_ids = set()
        lines = pg.psql("SELECT id, station, men, women, others FROM reports WHERE kind = 'queue'",
                        db="psm").stdout.split()
        by_station = {}
        for line in lines:
            rid, station, men, women, others = line.split("|")
            if rid in stored:
                dup_ids.add(rid)
            counts = (int(men), int(women), int(others))
            stored[rid] = (station, counts)
            by_station.setdefault(station, []).append(counts)
        # Every report of a station the load made has counts of its own: the same counts stored
        # twice are one report stored twice (under another id).
        dup_counts = set()
        for station, counts in by_station.items():
            seen = set()
            for c in counts:
                if c in seen:
                    dup_counts.add((station, c))
                seen.add(c)
        acked = self.load.acked
        lost = {a[1] for a in acked if a[1] not in stored}
        duplicated = {a[1] for a in acked if a[1] in dup_ids or (a[2], a[3]) in dup_counts}
        # One id acknowledged twice would be one report the generator sent twice as new.
        duplicated |= {i for i, n in collections.Counter(a[1] for a in acked).items() if n > 1}

        # Every node: each station's timeline holds exactly the stored reports' counts.
        expected = {s: sorted(c) for s, c in by_station.items()}
        missing_on_nodes, extra_on_nodes = set(), 0
        for node in self.cluster.nodes:
            if not node.proc:
                continue
            deadline = time.time() + 15
            while True:
                shown = {}
                for station in sorted(self.cluster.pins):
                    _, tl = node.get_json(f"/api/v1/stations/{station}/timeline")
                    shown[station] = sorted((p["men"], p["women"], p["others"])
                                            for p in tl["queue"])
                if all(shown.get(s, []) == expected.get(s, []) for s in self.cluster.pins) \
                        or time.time() > deadline:
                    break
                time.sleep(0.5)
            for station in self.cluster.pins:
                have = shown.get(station, [])
                extra_on_nodes += max(0, len(have) - len(set(have)))
                extra_on_nodes += len(set(have) - set(expected.get(station, [])))
                for a in acked:
                    if a[2] == station and a[3] not in set(have):
                        missing_on_nodes.add(a[1])
        self.totals = {"reports_acked": len(acked), "reports_lost": len(lost),
                       "reports_duplicated": len(duplicated),
                       "missing_on_a_node": len(missing_on_nodes),
                       "extra_on_a_node": extra_on_nodes, "reads": len(self.load.reads_ok) +
                       len(self.load.reads_failed), "reads_failed": len(self.load.reads_failed),
                       "stale_connection_retries": len(self.load.stale_retries)}
        for row in self.rows:
            start, end = row["window"]
            ids = {a[1] for a in acked if start <= a[0] <= end}
            row["reports_lost"] = len(ids & lost)
            row["reports_duplicated"] = len(ids & duplicated)
            row["missing_on_a_node"] = len(ids & missing_on_nodes)
            if row["reports_lost"] or row["reports_duplicated"] or row["missing_on_a_node"]:
                row["problems"].append("acknowledged reports lost, duplicated or missing on a "
                                       "node")
        if lost or duplicated or missing_on_nodes or extra_on_nodes:
            self.failures.append(f"over the whole run: {self.totals}")
        for row in self.rows:
            if row["problems"]:
                self.failures.append(f"fault {row['fault']}: {row['problems']}")

    def report(self):
        os.makedirs(os.path.dirname(self.out), exist_ok=True)
        rows = []
        for row in self.rows:
            row = dict(row)
            row.pop("window", None)
            rows.append(row)
        with open(self.out, "w") as f:
            json.dump(rows, f, indent=2)
            f.write("\n")
        widths = [max(len(k), 8) for k in FIELDS]
        print("  ".join(k.rjust(w) for k, w in zip(FIELDS, widths)))
        for row in rows:
            print("  ".join(str(row[k]).rjust(w) for k, w in zip(FIELDS, widths)))
        for row in rows:
            extra = {k: v for k, v in row.items() if k not in FIELDS and k != "problems"}
            print(f"fault {row['fault']}: {json.dumps(extra)}")
        print(f"whole run: {json.dumps(getattr(self, 'totals', {}))}")
        print(f"summary: {self.out}")
        for f in self.failures:
            print(f"FAILED: {f}")
        print("chaos: FAILED" if self.failures else "chaos: every fault survived")


if __name__ == "__main__":
    sys.exit(Chaos().run())
