"""A cluster for real: PostgreSQL, Redis, three psm nodes and nginx, all on loopback.

What it shows: exactly one node is the writer; a report posted through nginx is on every node's
own port within a second, and an SSE client on another node gets it within a second, with the
same event id on every node; a session started through nginx works on every node; the EPIC
look-up budget is shared (three nodes do not triple it); with Redis stopped the nodes still
catch up within a second, and nothing is duplicated or lost when it returns; the writer killed
with SIGKILL while eight clients post through nginx: another node writes within 5 s, every
acknowledged report is in PostgreSQL exactly once and on every node, and the clients' retries
succeed."""

import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
import harness  # noqa: E402
from harness import new_id, queue_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
STATIONS = ["34-1", "34-2", "34-3", "35-1", "35-2"]


def queue_total(node, station):
    status, body = node.get_json(f"/api/v1/stations/{station}")
    queue = body["status"].get("queue") if status == 200 else None
    return queue["total"] if queue else None


def men_in(event):
    """The men in the queue an SSE status event shows."""
    return ((event[2].get("status") or {}).get("queue") or {}).get("men")


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = cluster.Cluster(BINARY, nodes=3, redis=True)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def post(self, station, token, men):
        report = queue_report(self.c.front.now(), men=men, women=0)
        status, _, data = self.c.front.request("POST", f"/api/v1/stations/{station}/reports",
                                               report, token=token)
        self.assertEqual(status, 201, data)
        return report["id"]

    def wait_everywhere(self, station, men, within):
        start = time.time()
        for node in self.c.nodes:
            if not node.proc:
                continue
            cluster.wait_for(lambda n=node: queue_total(n, station) == men,
                             max(0.05, within - (time.time() - start)),
                             f"node {node.port} did not show {men} at {station}")
        return time.time() - start

    def test_01_exactly_one_writer_and_reads_on_every_node(self):
        roles = sorted(n.role() for n in self.c.nodes)
        self.assertEqual(roles, ["reader", "reader", "writer"])
        for node in self.c.nodes:
            self.assertEqual(node.get_json("/readyz")[0], 200)
            self.assertEqual(node.metric("psm_store_up"), 1)

    def test_02_a_report_reaches_every_node_and_every_stream_within_a_second(self):
        token = self.c.front.login("34-1")
        readers = [n for n in self.c.nodes if n.role() == "reader"]
        self.assertEqual(len(readers), 2)
        streams = {}

        def listen(node):
            streams[node.port] = cluster.events(
                node, "/api/v1/events?station=34-1&types=status",
                lambda evs: any(men_in(e) == 41 for e in evs), 5)

        listeners = [threading.Thread(target=listen, args=(n,)) for n in self.c.nodes]
        for t in listeners:
            t.start()
        time.sleep(0.5)  # the streams are open
        sent = time.time()
        self.post("34-1", token, 41)
        took = self.wait_everywhere("34-1", 41, 1.0)
        for t in listeners:
            t.join()
        self.assertLess(took, 1.0)
        self.assertLess(time.time() - sent, 5)
        ids = set()
        for node in self.c.nodes:
            got = [e for e in streams[node.port] if men_in(e) == 41]
            self.assertEqual(len(got), 1, f"node {node.port}: {streams[node.port]}")
            ids.add(got[0][0])
        self.assertEqual(len(ids), 1, "the same event has the same id on every node")
        # A phone that saw that event on one node and reconnects to another with its id gets
        # what came after it there, and nothing before.
        self.post("34-1", token, 42)
        self.wait_everywhere("34-1", 42, 1.0)
        replay = cluster.events(readers[-1], "/api/v1/events?station=34-1&types=status",
                                lambda evs: len(evs) >= 1, 3, last_event_id=ids.pop())
        self.assertEqual([men_in(e) for e in replay], [42])

    def test_03_a_session_started_through_nginx_works_on_every_node(self):
        token = self.c.front.admin_login()
        for node in self.c.nodes:
            cluster.wait_for(
                lambda n=node: n.request("GET", "/api/v1/alerts", token=token)[0] == 200, 1.0,
                f"the session did not reach node {node.port}")
        # A logout takes effect on every node within a second.
        status, _, _ = self.c.front.request("DELETE", "/api/v1/sessions/current", token=token)
        self.assertEqual(status, 204)
        for node in self.c.nodes:
            cluster.wait_for(
                lambda n=node: n.request("GET", "/api/v1/alerts", token=token)[0] == 401, 1.0,
                f"the logout did not reach node {node.port}")

    def test_04_the_lookup_budget_is_shared_by_the_nodes(self):
        # One client (127.0.0.1, each node's own port) spreads look-ups over the three nodes for
        # three seconds: alone each node would allow its burst (20) and 5 a second, 105 in all.
        allowed = limited = 0
        start = time.time()
        i = 0
        while time.time() - start < 3:
            node = self.c.nodes[i % 3]
            status, _, _ = node.request("GET", f"/api/v1/lookup?epic=JLW{i:07d}")
            if status == 429:
                limited += 1
            else:
                allowed += 1
            i += 1
            time.sleep(0.03)
        print(f"look-ups: {allowed} allowed, {limited} limited in 3 s over 3 nodes",
              file=sys.stderr)
        self.assertGreater(limited, 0)
        self.assertLessEqual(allowed, 55, "three nodes multiplied the look-up budget")

    def test_05_without_redis_changes_still_arrive_and_nothing_doubles_when_it_returns(self):
        token = self.c.front.login("35-1")
        self.c.redis.stop()
        for node in self.c.nodes:
            cluster.wait_for(lambda n=node: n.metric("psm_redis_up") == 0, 5,
                             f"node {node.port} did not notice Redis was gone")
        self.post("35-1", token, 51)
        self.assertLess(self.wait_everywhere("35-1", 51, 1.0), 1.0)
        self.c.redis.start()
        for node in self.c.nodes:
            cluster.wait_for(lambda n=node: n.metric("psm_redis_up") == 1, 5,
                             f"node {node.port} did not subscribe again")
        self.post("35-1", token, 52)
        self.assertLess(self.wait_everywhere("35-1", 52, 1.0), 1.0)
        stored = self.c.report_ids_in_store()
        self.assertEqual(len(stored), len(set(stored)))
        count = int(self.c.pg.psql("SELECT count(*) FROM reports WHERE station = '35-1'",
                                   db="psm").stdout)
        for node in self.c.nodes:
            cluster.wait_for(
                lambda n=node: len(n.get_json("/api/v1/stations/35-1/timeline")[1]["queue"]) ==
                count, 2, f"node {node.port} shows a different day at 35-1")

    def test_09_writer_killed_while_eight_clients_post(self):
        tokens = {s: self.c.front.login(s) for s in STATIONS}
        acked, unanswered, lock = [], [], threading.Lock()
        stop = threading.Event()

        def client(i):
            station = STATIONS[i % len(STATIONS)]
            n = 0
            while not stop.is_set():
                n += 1
                report = queue_report(self.c.front.now(), men=n % 90, women=i)
                for attempt in range(200):  # the client's retries of an unanswered report
                    try:
                        status, _, _ = self.c.front.request(
                            "POST", f"/api/v1/stations/{station}/reports", report,
                            token=tokens[station])
                    except OSError:
                        status = None
                    if status in (200, 201):
                        with lock:
                            acked.append(report["id"])
                        break
                    if attempt == 0:
                        with lock:
                            unanswered.append(report["id"])
                    time.sleep(0.1)
                else:
                    with lock:
                        unanswered.append(("never", report["id"]))

        clients = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in clients:
            t.start()
        time.sleep(2)
        old = self.c.writer()
        self.assertIsNotNone(old)
        old.proc.send_signal(signal.SIGKILL)
        old.proc.wait()
        old.proc = None
        killed = time.time()
        cluster.wait_for(lambda: self.c.writer() is not None, 5, "no new writer")
        took_over = time.time() - killed
        time.sleep(2)  # writes flow again through the new writer
        stop.set()
        for t in clients:
            t.join()
        self.assertLess(took_over, 5)
        self.assertFalse([u for u in unanswered if isinstance(u, tuple)],
                         "some reports were never accepted")
        stored = self.c.report_ids_in_store()
        self.assertEqual(len(stored), len(set(stored)), "a report stored twice")
        missing = set(acked) - set(stored)
        self.assertFalse(missing, f"{len(missing)} acknowledged reports are not stored")
        # Every remaining node shows every stored report (a station's timeline has one item
        # per report, and a node cannot show a report the store does not have).
        per_station = dict(
            line.split("|") for line in self.c.pg.psql(
                "SELECT station, count(*) FROM reports GROUP BY station", db="psm").stdout.split())
        for node in self.c.nodes:
            if not node.proc:
                continue

            def has_all(n=node):
                for s, count in per_station.items():
                    _, timeline = n.get_json(f"/api/v1/stations/{s}/timeline")
                    if len(timeline.get("queue", [])) != int(count):
                        return False
                return True
            cluster.wait_for(has_all, 10, f"node {node.port} misses stored reports")
        print(f"writer killed: new writer in {took_over:.2f} s; {len(acked)} reports "
              f"acknowledged, {len(unanswered)} retried", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
