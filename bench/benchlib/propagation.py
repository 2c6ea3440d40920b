"""Propagation writer → reader: queue reports posted to the writer at a steady rate while an SSE
client on a reader node timestamps every status event; latency = the arrival of the first event
that shows the report (or a later one of its station) − the moment the report was sent, matched
by station and the queue's count (unique per report)."""

import datetime
import http.client
import json
import socket
import threading
import time
import uuid

from . import servers


class StatusStream(threading.Thread):
    """One SSE stream (/api/v1/events?types=status) read on a thread; records (ns, data)."""

    def __init__(self, port, path="/api/v1/events?types=status"):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status = self.file.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"SSE stream: {status!r}")
        while self.file.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.events = []
        self.stopping = False

    def run(self):
        event = None
        try:
            for raw in self.file:
                line = raw.rstrip(b"\r\n")
                if line.startswith(b"event:"):
                    event = line[6:].strip()
                elif line.startswith(b"data:") and event == b"status":
                    t = time.monotonic_ns()
                    self.events.append((t, line[5:].strip()))
                elif not line:
                    event = None
        except (OSError, ValueError):
            if not self.stopping:
                raise

    def close(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _rfc3339_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _queue_men(data):
    """The station id and the queue's men of a status event's data (None when it has none)."""
    try:
        d = json.loads(data)
    except ValueError:
        return None, None
    status = d.get("status") if isinstance(d.get("status"), dict) else d
    queue = status.get("queue")
    if isinstance(queue, dict):
        return d.get("id"), queue.get("men")
    return d.get("id"), None


def _pct(values, q):
    if not values:
        return None
    values = sorted(values)
    i = min(len(values) - 1, max(0, int(round(q * len(values) + 0.5)) - 1))
    return values[i]


def measure(writer, reader, officers_file, rate, seconds):
    """Posts rate × seconds queue reports to `writer` (its own port, keep-alive connections, one
    per officer) on a fixed schedule; returns the row (latencies in ms)."""
    officers = [line.split() for line in open(officers_file).read().splitlines() if line]
    stream = StatusStream(reader.port)
    stream.start()
    time.sleep(0.5)  # the stream's opening events (if any) are not part of the measurement
    _, _, body = servers.request(writer.port, "GET", "/api/v1/district")
    now = datetime.datetime.fromisoformat(json.loads(body)["now"].replace("Z", "+00:00"))
    # observed_at rises by 1 ms a report from a minute ago: always inside the ±2 min accepted.
    base = now - datetime.timedelta(minutes=1)
    conns = [http.client.HTTPConnection("127.0.0.1", writer.port, timeout=30) for _ in officers]
    sent = {}  # (station, men) -> send time (ns)
    statuses = {}
    total = int(rate * seconds)
    t0 = time.monotonic_ns()
    try:
        for i in range(total):
            due = t0 + int(i * 1e9 / rate)
            delay = (due - time.monotonic_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
            k = i % len(officers)
            station, token = officers[k]
            # Unique per station (the key its status event is matched by) and small: a queue
            # may not exceed the station's electors.
            men = 1 + i // len(officers)
            report = {"id": str(uuid.uuid4()), "kind": "queue",
                      "observed_at": _rfc3339_ms(base + datetime.timedelta(milliseconds=i)),
                      "queue": {"men": men, "women": 0, "others": 0}}
            sent[(station, men)] = time.monotonic_ns()
            conn = conns[k]
            conn.request("POST", f"/api/v1/stations/{station}/reports", body=json.dumps(report),
                         headers={"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
        behind_ms = (time.monotonic_ns() - (t0 + int(total * 1e9 / rate))) / 1e6
        time.sleep(2.0)  # the last events' way to the reader
    finally:
        for c in conns:
            c.close()
        stream.close()
    # A status event shows its station's latest report, and with it every earlier one a reader
    # coalesced into it (a follower that polls applies a batch of commits at once): each report
    # counts as delivered by the first event showing it or a later report of its station.
    latencies = []
    unmatched = events_matched = 0
    pending = {}  # station -> [(men, sent_ns)] in the order sent (men rises)
    for (station, men), t_sent in sorted(sent.items(), key=lambda kv: kv[1]):
        pending.setdefault(station, []).append((men, t_sent))
    for t, data in stream.events:
        station, men = _queue_men(data)
        queue = pending.get(station)
        if men is None or not queue or queue[0][0] > men:
            unmatched += 1
            continue
        events_matched += 1
        while queue and queue[0][0] <= men:
            latencies.append((t - queue.pop(0)[1]) / 1e6)
    row = {}
    if stream.events and not latencies:
        # Nothing matched: keep one event to show why.
        row["unmatched_sample"] = stream.events[0][1][:400].decode(errors="replace")
    return {
        **row, "rate_per_s": rate, "seconds": seconds, "sent": total, "statuses": statuses,
        "events": len(stream.events), "events_matched": events_matched,
        "matched": len(latencies), "undelivered": total - len(latencies),
        "unmatched_events": unmatched, "sender_behind_ms": round(behind_ms, 1),
        "p50_ms": _round(_pct(latencies, 0.50)), "p99_ms": _round(_pct(latencies, 0.99)),
        "max_ms": _round(max(latencies) if latencies else None),
    }


def _round(v):
    return None if v is None else round(v, 2)
