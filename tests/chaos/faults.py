"""The faults `make chaos` injects, one class each, in a registry by the issue's numbers.

A fault is injected, held for the run's hold time, undone, and then `recovered` is polled until
the cluster is whole again. `checks` names what must hold for the fault beyond the common ones
(no acknowledged report lost or duplicated; no failed read where `zero_failed_reads`). To add a
fault (1 and 2: PostgreSQL under Patroni; 7: the SQLite store's disk full; 8: a node down for 10
minutes), write a class here and put it in FAULTS; the runner needs nothing else."""

import http.client
import json
import os
import signal
import subprocess
import time

import cluster
import harness
from load import Client, EventWatcher

# The station only the staleness probes write to, so its timeline counts them.
PROBE_STATION = "35-6"


def node_get(node, path, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def timeline_length(node, station):
    try:
        status, data = node_get(node, f"/api/v1/stations/{station}/timeline")
    except (OSError, http.client.HTTPException):
        return None
    return len(json.loads(data)["queue"]) if status == 200 else None


def kill_node(node):
    """SIGKILL: the node gets no chance to close anything."""
    node.proc.send_signal(signal.SIGKILL)
    node.proc.wait()
    node.proc = None
    if node.log:
        node.log.close()
        node.log = None


def restart_node(node, port):
    """Starts a killed node again on its old port, the one nginx's configuration names."""
    free_port = harness.free_port
    harness.free_port = lambda: port
    try:
        node.start()
    finally:
        harness.free_port = free_port


def node_ready(node):
    try:
        return node.proc is not None and node_get(node, "/readyz")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


class Fault:
    number = None
    title = ""
    zero_failed_reads = False  # the issue asks for every read to be served

    def __init__(self, run):
        self.run = run  # the Chaos runner: .cluster, .load, .hold_s, .log()
        self.extra = {}

    def inject(self):
        pass

    def hold(self, seconds):
        time.sleep(seconds)

    def undo(self):
        pass

    def recovered(self):
        return True

    def checks(self, row):
        """Failures (strings) of what this fault promises, given its measured row."""
        return []


class RedisKilled(Fault):
    """3: Redis killed for the hold time; the nodes fall back to polling the store."""
    number = 3
    title = "Redis killed"
    zero_failed_reads = True

    def __init__(self, run):
        super().__init__(run)
        self.client = Client(run.cluster.nginx.port)
        self.probes = []  # seconds from a probe's acknowledgement until every node showed it

    def inject(self):
        self.run.cluster.redis.proc.send_signal(signal.SIGKILL)
        self.run.cluster.redis.proc.wait()

    def probe(self):
        """Posts a report to the probe station and measures how long each node takes to show
        it, on the node's own port: the staleness of the slowest node."""
        nodes = [n for n in self.run.cluster.nodes if n.proc]
        expected = (timeline_length(nodes[0], PROBE_STATION) or 0) + 1
        if self.run.load.post_report(self.client, PROBE_STATION, give_up_after=30) is None:
            return
        acked = time.time()
        pending = set(range(len(nodes)))
        while pending and time.time() - acked < 10:
            for i in list(pending):
                length = timeline_length(nodes[i], PROBE_STATION)
                if length is not None and length >= expected:
                    pending.discard(i)
            time.sleep(0.02)
        self.probes.append(time.time() - acked)

    def hold(self, seconds):
        end = time.time() + seconds
        while time.time() < end - 1:
            self.probe()
            time.sleep(min(1.0, max(0.0, end - time.time())))
        time.sleep(max(0.0, end - time.time()))

    def undo(self):
        self.run.cluster.redis.start()

    def recovered(self):
        return all(n.metric("psm_redis_up") == 1 for n in self.run.cluster.nodes if n.proc)

    def checks(self, row):
        self.client.close()
        self.extra["staleness_probes"] = len(self.probes)
        self.extra["staleness_max_s"] = round(max(self.probes), 3) if self.probes else None
        limit = self.run.staleness_limit_s
        out = []
        if not self.probes:
            out.append("no staleness probe was acknowledged")
        elif max(self.probes) > limit:
            out.append(f"a node was {max(self.probes):.2f} s behind (limit {limit} s)")
        return out


class WriterKilled(Fault):
    """4: the writer node killed with SIGKILL; another takes the writer's lock."""
    number = 4
    title = "writer node SIGKILL"
    takeover_limit_s = 5.0

    def inject(self):
        c = self.run.cluster
        self.victim = c.writer()
        if self.victim is None:
            raise AssertionError("no single writer before the fault")
        self.port = self.victim.port
        kill_node(self.victim)
        self.killed_at = time.time()
        deadline = self.killed_at + 30
        self.takeover_s = None
        while time.time() < deadline:
            if c.writer() is not None:
                self.takeover_s = time.time() - self.killed_at
                break
            time.sleep(0.05)

    def undo(self):
        restart_node(self.victim, self.port)

    def recovered(self):
        return node_ready(self.victim) and self.run.cluster.writer() is not None

    def checks(self, row):
        acks = [a[0] for a in self.run.load.acked if a[0] > self.killed_at]
        first = min(acks) - self.killed_at if acks else None
        self.extra["takeover_s"] = round(self.takeover_s, 3) if self.takeover_s else None
        self.extra["first_write_after_kill_s"] = round(first, 3) if first is not None else None
        out = []
        if self.takeover_s is None or self.takeover_s > self.takeover_limit_s:
            out.append(f"no new writer within {self.takeover_limit_s} s")
        if first is None or first > self.takeover_limit_s:
            out.append(f"no report acknowledged within {self.takeover_limit_s} s of the kill")
        return out


class ReaderKilled(Fault):
    """5: a reader node killed with SIGKILL while event streams through nginx are open on it.

    A node's hub gives every subscriber the same events, but two nodes may group the same
    reports into different events (a reader applies what it polled or heard in one go), so a
    stream is compared with a reference stream opened directly on the node it was on: each
    connection of a stream through nginx must get exactly the reference's events of one node
    over the same ids, and after a reconnect with `Last-Event-ID: L`, every event of that node
    after L, none twice, and no `reset`."""
    number = 5
    title = "reader node SIGKILL"
    zero_failed_reads = True
    station = "34-1"
    streams = 4

    def inject(self):
        c = self.run.cluster
        writer = c.writer()
        self.references = []
        for node in c.nodes:
            ref = EventWatcher(None, self.station, host_port=node.port)
            ref.start()
            self.references.append(ref)
        time.sleep(0.5)
        self.watchers = []
        readers = [n for n in c.nodes if n.proc and n is not writer]
        self.victim = None
        for _ in range(3):  # until a reader holds one of the streams through nginx
            for _ in range(self.streams):
                w = EventWatcher(c.nginx.port, self.station)
                w.start()
                self.watchers.append(w)
            time.sleep(1.0)
            # Each reader counts the reference stream on its own port too.
            counts = [((n.metric("psm_sse_subscribers") or 0) - 1, n) for n in readers]
            best = max(counts, key=lambda x: x[0])
            if best[0] > 0:
                self.victim = best[1]
                break
        self.victim = self.victim or readers[0]
        time.sleep(1.0)  # some events on every stream first
        self.port = self.victim.port
        kill_node(self.victim)

    def undo(self):
        restart_node(self.victim, self.port)

    def recovered(self):
        return node_ready(self.victim)

    def segment_ok(self, segment, after):
        """Whether `segment` (one connection's ids) is exactly some node's events in
        (after, last of segment]."""
        if not segment:
            return True
        low = after if after is not None else segment[0] - 1
        for ref in self.references:
            if [i for i in ref.ids if low < i <= segment[-1]] == segment:
                return True
        return False

    def checks(self, row):
        time.sleep(2.0)  # the last events reach every stream
        for w in self.watchers + self.references:
            w.stop()
        bad, reconnected, detail = 0, 0, []
        for w in self.watchers:
            reconnected += w.reconnects > 0
            after, wrong = None, []
            for n, segment in enumerate(w.segments):
                if not self.segment_ok(segment, after):
                    wrong.append({"connection": n, "after": after, "ids": segment[:20]})
                after = segment[-1] if segment else after
            repeated = len(w.ids) - len(set(w.ids))
            if not w.ids or wrong or repeated or w.resets:
                bad += 1
                detail.append({"wrong": wrong[:2], "repeated": repeated, "resets": w.resets,
                               "errors": w.errors[:3]})
        self.extra.update({"sse_streams": len(self.watchers), "sse_reconnected": reconnected,
                           "sse_events": sum(len(w.ids) for w in self.watchers),
                           "sse_streams_with_gaps": bad})
        if detail:
            self.extra["sse_detail"] = detail
        out = []
        if bad:
            out.append(f"{bad} event streams missed, repeated or were told to reset")
        if not reconnected:
            out.append("no event stream was on the killed node")
        return out


class NginxReloaded(Fault):
    """6: nginx's configuration changed and reloaded (`nginx -s reload`), every 2 s of the hold."""
    number = 6
    title = "nginx reload"
    zero_failed_reads = True

    def inject(self):
        ng = self.run.cluster.nginx
        self.conf = os.path.join(ng.dir, "conf", "psm.conf")
        with open(self.conf) as f:
            self.original = f.read()
        self.reloads = 0

    def reload(self, text):
        with open(self.conf, "w") as f:
            f.write(text)
        ng = self.run.cluster.nginx
        subprocess.run([cluster.NGINX, "-p", ng.dir, "-c", self.conf, "-e",
                        os.path.join(ng.dir, "logs", "startup.log"), "-s", "reload"],
                       capture_output=True, check=True, timeout=30)
        self.reloads += 1

    def hold(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            # A changed configuration each time: a comment and a response header.
            self.reload(self.original.replace(
                "server_tokens off;",
                f"server_tokens off;\n    # reload {self.reloads}\n"
                f"    add_header X-Psm-Config-Generation {self.reloads} always;", 1))
            time.sleep(min(2.0, max(0.0, end - time.time())))

    def undo(self):
        self.reload(self.original)

    def recovered(self):
        try:
            return node_get(self.run.cluster.nginx, "/healthz")[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    def checks(self, row):
        self.extra["reloads"] = self.reloads
        if row["writes_failed"]:
            return [f"{row['writes_failed']} report posts failed during the reloads"]
        return []


# By the numbers. 1, 2 (PostgreSQL with Patroni), 7 (tests/integration/test_disk_full.py
# on the SQLite store) and 8 (a node down for 10 minutes) are not here yet.
FAULTS = {f.number: f for f in (RedisKilled, WriterKilled, ReaderKilled, NginxReloaded)}
