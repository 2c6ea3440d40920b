"""The servers the bench runs side by side: psm, the nginx reference, and the Express + Redis peer.

Each listens on a free 127.0.0.1 port, keeps its files in the run's work folder and is stopped by
PID (its own process group) when the scenario ends.
"""

import datetime
import http.client
import json
import os
import shutil
import subprocess
import time

from . import procs

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def request(port, method, path, body=None, headers=None, timeout=30):
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def status_of(port, path):
    return request(port, "GET", path, timeout=5)[0]


class Psm:
    """`psm serve` on a private copy of a prepared store, on the bench's fixed polling day clock."""

    def __init__(self, binary, template_db, work, name, extra_args=(), wrapper=(),
                 rate_limits="off"):
        self.binary = binary
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "psm.db")
        for suffix in ("", "-wal"):
            if os.path.exists(template_db + suffix):
                shutil.copyfile(template_db + suffix, self.db + suffix)
        self.port = procs.free_port()
        today = datetime.datetime.now(IST).strftime("%Y-%m-%d")
        # Polling day today, its clock at 10:00 IST and running in real time, so officer reports
        # observed "now" are inside polling hours whenever the bench runs.
        # `wrapper` runs psm under another program (valgrind, for bench/tools/instructions.py).
        # The limits are off by default: every load comes from one address (see docs/security.md);
        # one read scenario turns them on to show what they cost.
        self.cmd = [*wrapper, binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--store",
                    "sqlite:" + self.db, "--poll-date", today, "--clock-start", "10:00",
                    "--clock-speed", "1", "--threads", "2", "--rate-limits", rate_limits,
                    "--log-level", "warn", *extra_args]
        self.proc = None
        self.ready_s = None

    def start(self, timeout=120):
        t0 = time.monotonic()
        self.proc = procs.Proc(self.cmd, os.path.join(self.dir, "serve.log"), cwd=self.dir)
        procs.wait_until(lambda: status_of(self.port, "/readyz") == 200, timeout, "psm serve",
                         self.proc, interval=0.005)
        self.ready_s = time.monotonic() - t0
        return self

    def pids(self):
        return self.proc.pids()

    def now(self):
        _, _, body = request(self.port, "GET", "/api/v1/district")
        return json.loads(body)["now"]

    def login(self, station, pin):
        status, _, body = request(self.port, "POST", "/api/v1/sessions",
                                  {"station": station, "pin": pin})
        if status != 201:
            raise RuntimeError(f"login for {station}: {status} {body[:200]!r}")
        return json.loads(body)["token"]

    def stored_reports(self):
        import sqlite3
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return con.execute("SELECT count(*) FROM reports").fetchone()[0]
        finally:
            con.close()

    def stop(self):
        return self.proc.stop(timeout=60) if self.proc else None


def nginx_escape(text):
    # Inside a '…' string nginx knows \\ and \'; a '$' would start a variable.
    if "$" in text:
        raise ValueError("the reference body contains '$', which nginx's return cannot send")
    return text.replace("\\", "\\\\").replace("'", "\\'")


class Nginx:
    """nginx, `workers` worker processes, `return 200` with the given body and psm's ETag and
    Cache-Control, and `extra_headers` ((name, value) pairs) after them."""

    def __init__(self, work, body, etag, extra_headers=(), name="nginx", workers=2):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = procs.free_port()
        with open(os.path.join(BENCH_DIR, "nginx.conf.template")) as f:
            conf = f.read()
        conf = (conf.replace("@PREFIX@", self.dir).replace("@PORT@", str(self.port))
                .replace("@WORKERS@", str(workers))
                .replace("@ETAG@", nginx_escape(etag)).replace("@BODY@", nginx_escape(body))
                .replace("@EXTRA_HEADERS@", "\n".join(
                    f"      add_header {name} '{nginx_escape(value)}';"
                    for name, value in extra_headers)))
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = None

    def start(self):
        self.proc = procs.Proc(["nginx", "-p", self.dir, "-c", self.conf],
                               os.path.join(self.dir, "nginx.log"))
        procs.wait_until(lambda: status_of(self.port, "/api/v1/stations/x") == 200, 30, "nginx",
                         self.proc)
        return self

    def pids(self):
        return self.proc.pids()

    def stop(self):
        return self.proc.stop() if self.proc else None


class ExpressPeer:
    """Redis holding every station body, and Express in cluster mode (2 workers) serving them."""

    def __init__(self, work, bodies):
        self.dir = os.path.join(work, "express")
        os.makedirs(self.dir, exist_ok=True)
        self.app_dir = os.path.join(BENCH_DIR, "peers", "express")
        self.bodies = bodies
        self.redis_port = procs.free_port()
        self.port = procs.free_port()
        self.redis = self.node = None

    def start(self):
        self.redis = procs.Proc(["redis-server", "--bind", "127.0.0.1", "--port",
                                 str(self.redis_port), "--save", "", "--appendonly", "no",
                                 "--dir", self.dir], os.path.join(self.dir, "redis.log"))
        procs.wait_until(self._redis_up, 30, "redis-server", self.redis)
        self._load()
        env = dict(os.environ, PORT=str(self.port), WORKERS="2", NODE_ENV="production",
                   REDIS_URL=f"redis://127.0.0.1:{self.redis_port}")
        self.node = procs.Proc(["node", "server.js"], os.path.join(self.dir, "express.log"),
                               env=env, cwd=self.app_dir)
        first = next(iter(self.bodies))
        procs.wait_until(lambda: status_of(self.port, f"/api/v1/stations/{first}") == 200, 60,
                         "express peer", self.node)
        return self

    def _redis_up(self):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"],
                             capture_output=True, text=True)
        return out.stdout.strip() == "PONG"

    def _load(self):
        # RESP-encoded SETs through redis-cli --pipe: the bodies arrive byte for byte.
        chunks = []
        for sid, body in self.bodies.items():
            parts = [b"SET", f"station:{sid}".encode(), body]
            chunks.append(b"*3\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), "--pipe"],
                             input=b"".join(chunks), capture_output=True)
        if out.returncode != 0 or b"errors: 0" not in out.stdout:
            raise RuntimeError(f"loading redis failed: {out.stdout!r} {out.stderr!r}")

    def pids(self):
        # The whole stack the seed would run: node primary + workers, and Redis.
        return self.node.pids() + self.redis.pids()

    def stop(self):
        for p in (self.node, self.redis):
            if p:
                p.stop()
