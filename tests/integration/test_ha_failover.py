"""Fault 1, short form: the PostgreSQL primary killed under load, with Patroni failing over.

etcd and two Patroni-managed PostgreSQL servers in synchronous mode (ha_postgres.py), Redis, two
psm nodes on the multi-host URL (target_session_attrs=read-write) and nginx in front. Officers
post reports through nginx without pause, retrying each unanswered one with its id, as the
officer page's outbox does; readers ask every node for a station without pause. Then SIGKILL
to the primary's postmaster. What must hold: the standby is promoted; writes pause, then resume
by themselves on the new primary (psm has no failover logic of its own: its connection finds the
new primary and a node takes the writer's lock there); every read was answered 200; every report
acknowledged (201, or 200 for a repeat) is in the new primary, none twice; every node shows the
same reports; the old primary rejoins as the synchronous standby. Then the standby killed: the
primary goes on alone after a pause (synchronous mode is not strict), nothing acknowledged is
lost, and the standby returns as the synchronous one."""

import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
import ha_postgres  # noqa: E402
import harness  # noqa: E402
from harness import queue_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
STATIONS = ["34-1", "34-2", "34-3", "35-1", "35-2"]
WRITERS = 6
# Generous bounds for this shared 2-core machine; the measured figures are printed.
MAX_FAILOVER_S = 30
MAX_WRITE_PAUSE_S = 30


class HaFailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ha = cls.redis = cls.nginx = None
        cls.nodes = []
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        cls.ha = ha_postgres.start()
        cls.ha.psql("CREATE DATABASE psm ENCODING 'UTF8'")
        cls.store = cls.ha.url("psm")
        setup = harness.Psm.__new__(harness.Psm)
        setup.binary = BINARY
        setup.dir = cls.ha.root
        setup.run_cli("import", "--store", cls.store, harness.FIXTURE)
        pins_file = os.path.join(cls.ha.root, "pins.csv")
        setup.run_cli("admin", "issue-pins", "--store", cls.store, "--out", pins_file)
        with open(pins_file) as f:
            cls.pins = dict(line.strip().split(",") for line in f.readlines()[1:])
        cls.redis = cluster.Redis()
        args = ["--trusted-proxies", "127.0.0.1/32", "--redis", cls.redis.url(),
                "--clock-origin", str(int(time.time() * 1000))]
        for _ in range(2):
            node = cluster.Node(BINARY, cls.store, cls.pins, args)
            cls.nodes.append(node)
            node.start()
        cls.nginx = cluster.Nginx([f"127.0.0.1:{n.port}" for n in cls.nodes])
        cls.front = cls.nginx.client
        cls.front.pins = cls.pins

    @classmethod
    def tearDownClass(cls):
        if cls.nginx:
            cls.nginx.close()
        for node in cls.nodes:
            node.close()
        if cls.redis:
            cls.redis.close()
        if cls.ha:
            cls.ha.stop()

    def writers(self):
        return [n for n in self.nodes if n.role() == "writer"]

    def check_stored(self, load, member):
        """Every report `load` had acknowledged is in `member`'s store, none twice; returns the
        stored ids."""
        rows = self.ha.psql("SELECT id FROM reports", db="psm", member=member).stdout.split()
        self.assertEqual(len(rows), len(set(rows)), "a report stored twice")
        missing = {rid for _, rid in load.acked} - set(rows)
        self.assertFalse(missing, f"{len(missing)} acknowledged reports are not in {member}")
        return rows

    def test_1_primary_killed_under_load(self):
        self.assertEqual(len(self.writers()), 1)
        with Load(self) as load:
            time.sleep(3)
            before = len(load.acked)
            self.assertGreater(before, 0, "no report was acknowledged before the fault")
            killed_at = time.time()
            old = self.ha.kill_primary_postmaster()
            new, failover_s = self.ha.wait_for_new_primary(old, timeout=MAX_FAILOVER_S)
            # Writes resume on their own: acknowledgements again after the promotion.
            load.wait_for_ack_after(killed_at + failover_s, 60)
            time.sleep(3)
        write_pause = load.pause_around(killed_at)
        self.assertFalse(load.never, f"{len(load.never)} reports were never accepted")
        self.assertFalse(load.failed_reads, f"reads failed: {load.failed_reads[:10]}")
        self.assertLess(write_pause, MAX_WRITE_PAUSE_S)
        rows = self.check_stored(load, new)
        self.assertEqual(len(self.writers()), 1, "not exactly one writer after the failover")

        # Every node shows every stored report (one timeline item per report).
        per_station = dict(line.split("|") for line in self.ha.psql(
            "SELECT station, count(*) FROM reports GROUP BY station", db="psm",
            member=new).stdout.split())
        for node in self.nodes:
            def has_all(n=node):
                for s, count in per_station.items():
                    _, timeline = n.get_json(f"/api/v1/stations/{s}/timeline")
                    if len(timeline.get("queue", [])) != int(count):
                        return False
                return True
            cluster.wait_for(has_all, 10, f"node {node.port} misses stored reports")

        # The old primary comes back as the synchronous standby (pg_rewind, then streaming).
        rejoin_start = time.time()
        self.ha.wait_until_replicating(90)
        self.assertIs(self.ha.standby(), old)
        print(f"primary {old} killed: {new} promoted in {failover_s:.1f} s; write pause "
              f"{write_pause:.1f} s; {len(load.acked)} reports acknowledged ({before} before the "
              f"fault), {len(rows)} stored; {load.reads} reads, 0 failed; {old} rejoined as the "
              f"synchronous standby {time.time() - rejoin_start:.1f} s later", file=sys.stderr)

    def test_2_standby_killed_under_load(self):
        # Not strict synchronous mode: without its standby the primary goes on alone once
        # Patroni has taken the standby out of synchronous_standby_names (within loop_wait);
        # until then commits wait for it.
        self.ha.wait_until_replicating(90)
        primary, standby = self.ha.primary(), self.ha.standby()
        with Load(self) as load:
            time.sleep(2)
            killed_at = time.time()
            pid = standby.postmaster_pid()
            os.kill(pid, signal.SIGKILL)
            load.wait_for_ack_after(killed_at + 0.5, 60)
            time.sleep(2)
        write_pause = load.pause_around(killed_at)
        self.assertFalse(load.never, f"{len(load.never)} reports were never accepted")
        self.assertFalse(load.failed_reads, f"reads failed: {load.failed_reads[:10]}")
        self.assertLess(write_pause, MAX_WRITE_PAUSE_S)
        self.assertIs(self.ha.primary(), primary, "the primary changed")
        self.check_stored(load, primary)
        back = time.time()
        self.ha.wait_until_replicating(90)
        print(f"standby {standby} killed: write pause {write_pause:.1f} s; "
              f"{len(load.acked)} reports acknowledged; {load.reads} reads, 0 failed; synchronous "
              f"again {time.time() - back:.1f} s after writes resumed", file=sys.stderr)


class Load:
    """Officers posting reports through nginx without pause (each retried with its id until
    accepted, as the officer page's outbox does) and readers asking every node for a station."""

    def __init__(self, test):
        self.test = test
        self.front = test.front
        self.tokens = {s: self.front.login(s) for s in STATIONS}
        self.lock = threading.Lock()
        self.acked = []  # (time, id) of every report answered 201 or 200 (a repeat)
        self.never = []  # ids no retry got accepted within a minute
        self.reads = 0
        self.failed_reads = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.officer, args=(i,)) for i in range(WRITERS)]
        self.threads += [threading.Thread(target=self.reader, args=(n,)) for n in test.nodes]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def officer(self, i):
        station = STATIONS[i % len(STATIONS)]
        n = 0
        while not self.stop.is_set():
            n += 1
            report = queue_report(self.front.now(), men=n % 90, women=i)
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    status, _, _ = self.front.request(
                        "POST", f"/api/v1/stations/{station}/reports", report,
                        token=self.tokens[station])
                except OSError:
                    status = None
                if status in (200, 201):
                    with self.lock:
                        self.acked.append((time.time(), report["id"]))
                    break
                time.sleep(0.1)
            else:
                with self.lock:
                    self.never.append(report["id"])

    def reader(self, node):
        i = 0
        while not self.stop.is_set():
            station = STATIONS[i % len(STATIONS)]
            i += 1
            try:
                status, _, _ = node.request("GET", f"/api/v1/stations/{station}")
            except OSError as e:
                status = repr(e)
            with self.lock:
                if status == 200:
                    self.reads += 1
                else:
                    self.failed_reads.append((node.port, status))
            time.sleep(0.01)

    def wait_for_ack_after(self, moment, timeout):
        ha_postgres.poll(lambda: any(t > moment for t, _ in list(self.acked)), timeout,
                         "writes did not resume")

    def pause_around(self, moment):
        """The longest time without an acknowledgement from the last one before `moment` on
        (answers already on their way when the fault came do not end the pause early: the
        longest gap counts)."""
        times = sorted(t for t, _ in self.acked)
        times = times[max(0, max(i for i, t in enumerate(times) if t <= moment)):]
        return max(b - a for a, b in zip(times, times[1:]))


if __name__ == "__main__":
    unittest.main()
