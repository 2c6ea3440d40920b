"""The load `make chaos` keeps on the cluster for its whole run, through nginx: officers' queue
reports (writer threads) and voters' station reads (reader threads), each answer recorded with
its time so any window of the run can be measured afterwards.

The writers keep every report id psm acknowledged (201 or 200) themselves, with the report's
counts, so the end check does not take psm's word for what it stored. Each report of a station
carries counts no other report of that station has (a per-station serial number spread over
men and women), so a node's timeline shows whether it holds a given report."""

import datetime
import http.client
import json
import random
import threading
import time

import harness

# Connection errors a keep-alive client meets when the server closed the connection while it
# sat idle (nginx's old workers do that on a reload). HTTP clients (browsers, urllib3) send an
# idempotent request again on a fresh connection when nothing of the answer came back; so does
# this one, once, and counts it apart: it is not a failed read.
STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.BadStatusLine)


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def parse_rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Client:
    """One keep-alive HTTP/1.1 connection to nginx, reopened when it breaks."""

    def __init__(self, port, timeout=15, stale=None):
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.stale = stale if stale is not None else []  # times of the requests sent again

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes); raises OSError / http.client.HTTPException on failure."""
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except STALE_CONNECTION:
                self.close()
                if fresh or attempt == 1:
                    raise
                self.stale.append(time.time())
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Load:
    """Readers and writers through nginx at `read_rate` GETs/s and `write_rate` reports/s."""

    def __init__(self, port, tokens, clock_offset, read_rate, write_rate, readers=4, writers=4):
        self.port = port
        self.tokens = tokens  # station -> officer token
        self.stations = sorted(tokens)
        self.clock_offset = clock_offset  # the district clock minus this machine's
        self.read_rate = read_rate
        self.write_rate = write_rate
        self.n_readers = readers
        self.n_writers = writers
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads = []
        self.reads_ok = []  # times of reads answered 200/304
        self.reads_failed = []  # (time, what)
        self.acked = []  # (time, id, station, (men, women, others))
        self.write_errors = []  # (time, what): answers before the report was acknowledged
        self.serial = {s: 0 for s in tokens}
        self.stale_retries = []  # times a request was sent again on a fresh connection

    # --- reports ------------------------------------------------------------------------------
    def next_counts(self, station):
        with self.lock:
            self.serial[station] += 1
            n = self.serial[station]
        return (1 + n % 300, n // 300, 0)

    def post_report(self, client, station, counts=None, give_up_after=120.0):
        """Posts one new report and retries the same id until psm acknowledges it (an officer's
        offline queue); returns its id, or None when `give_up_after` seconds pass."""
        counts = counts or self.next_counts(station)
        rid = harness.new_id()
        body = json.dumps({"id": rid, "kind": "queue",
                           "observed_at": rfc3339(time.time() + self.clock_offset),
                           "queue": {"men": counts[0], "women": counts[1], "others": counts[2]}})
        headers = {"Content-Type": "application/json",
                   "Authorization": "Bearer " + self.tokens[station]}
        deadline = time.time() + give_up_after
        while True:
            try:
                status, data = client.request("POST", f"/api/v1/stations/{station}/reports",
                                              body, headers)
            except (OSError, http.client.HTTPException) as e:
                status, data = None, repr(e).encode()
            if status in (200, 201):
                with self.lock:
                    self.acked.append((time.time(), rid, station, counts))
                return rid
            with self.lock:
                self.write_errors.append((time.time(), f"{status} {data[:120]!r}"))
            if time.time() > deadline or self.stop_event.is_set() and status is None:
                return None
            time.sleep(0.2)

    def writer(self, i):
        client = Client(self.port, stale=self.stale_retries)
        period = self.n_writers / self.write_rate
        rng = random.Random(i)
        next_at = time.time()
        while not self.stop_event.is_set():
            self.post_report(client, rng.choice(self.stations))
            next_at = max(next_at + period, time.time() - period)
            time.sleep(max(0.0, next_at - time.time()))
        client.close()

    # --- reads --------------------------------------------------------------------------------
    def reader(self, i):
        client = Client(self.port, stale=self.stale_retries)
        period = self.n_readers / self.read_rate
        rng = random.Random(1000 + i)
        next_at = time.time()
        while not self.stop_event.is_set():
            station = rng.choice(self.stations)
            try:
                status, _ = client.request("GET", f"/api/v1/stations/{station}")
                what = None if status in (200, 304) else f"status {status}"
            except (OSError, http.client.HTTPException) as e:
                what = repr(e)
            now = time.time()
            with self.lock:
                if what is None:
                    self.reads_ok.append(now)
                else:
                    self.reads_failed.append((now, what))
            next_at = max(next_at + period, now - period)
            time.sleep(max(0.0, next_at - time.time()))
        client.close()

    # --- running ------------------------------------------------------------------------------
    def start(self):
        for i in range(self.n_writers):
            self.threads.append(threading.Thread(target=self.writer, args=(i,), daemon=True))
        for i in range(self.n_readers):
            self.threads.append(threading.Thread(target=self.reader, args=(i,), daemon=True))
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=180)

    def last_ack(self):
        with self.lock:
            return self.acked[-1][0] if self.acked else None

    def window(self, start, end):
        """What the load met between `start` and `end` (times)."""
        with self.lock:
            ok = [t for t in self.reads_ok if start <= t <= end]
            failed = [f for f in self.reads_failed if start <= f[0] <= end]
            acked = [a for a in self.acked if start <= a[0] <= end]
            errors = [e for e in self.write_errors if start <= e[0] <= end]
            stale = [t for t in self.stale_retries if start <= t <= end]
        times = [start] + [a[0] for a in acked] + [end]
        pause = max(b - a for a, b in zip(times, times[1:]))
        return {"reads": len(ok) + len(failed), "reads_failed": len(failed),
                "read_failures": sorted({f[1] for f in failed})[:5], "acked": acked,
                "write_errors": len(errors),
                "write_failures": sorted({e[1] for e in errors})[:5], "write_pause_s": pause,
                "stale_retries": len(stale)}


class EventWatcher:
    """An SSE client of one station's `status` events through nginx that reconnects with
    `Last-Event-ID` whenever its stream ends, as a browser's EventSource does. It keeps every
    event id it got, per connection, and whether it was ever told `reset` (events lost to it)."""

    def __init__(self, port, station, host_port=None):
        self.port = host_port or port
        self.path = f"/api/v1/events?station={station}&types=status"
        self.ids = []
        self.segments = []  # the ids of each connection, in order
        self.reconnects = 0
        self.resets = 0
        self.errors = []
        self.stop_event = threading.Event()
        self.conn = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        conn = self.conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(2)
            except OSError:
                pass
        self.thread.join(timeout=30)

    def run(self):
        first = True
        while not self.stop_event.is_set():
            if not first:
                self.reconnects += 1
                time.sleep(0.2)  # EventSource waits its retry time (a few seconds) before this
            first = False
            try:
                self.read_stream()
            except (OSError, http.client.HTTPException, ValueError) as e:
                if not self.stop_event.is_set():
                    self.errors.append(repr(e))

    def read_stream(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept": "text/event-stream"}
        if self.ids:
            headers["Last-Event-ID"] = str(self.ids[-1])
        segment = []
        self.segments.append(segment)
        try:
            self.conn.request("GET", self.path, headers=headers)
            resp = self.conn.getresponse()
            if resp.status != 200:
                resp.read()
                raise OSError(f"event stream answered {resp.status}")
            current = {}
            while not self.stop_event.is_set():
                line = resp.readline().decode()
                if not line:
                    return
                line = line.rstrip("\r\n")
                if line == "":
                    if current.get("event") == "reset":
                        self.resets += 1
                    elif "id" in current:
                        self.ids.append(int(current["id"]))
                        segment.append(int(current["id"]))
                    current = {}
                elif not line.startswith(":") and ":" in line:
                    key, value = line.split(":", 1)
                    current[key] = value[1:] if value.startswith(" ") else value
        finally:
            self.conn.close()
