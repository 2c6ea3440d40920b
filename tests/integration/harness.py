"""Starts a real `psm serve` on a free loopback port against a temp SQLite store.

Used by every integration test: imports the small fixture district, issues PINs, adds an admin,
and speaks plain HTTP to the server. Servers are stopped by PID when a test ends.
"""

import contextlib
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import contract

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "small-district")
ADMIN_PASSWORD = "control-room-pass"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_id():
    return str(uuid.uuid4())


class Psm:
    """A temp data dir with an imported district, plus a psm server that can be (re)started."""

    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="psm-it-")
        self.db = os.path.join(self.dir, "psm.db")
        self.store = "sqlite:" + self.db
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.run_cli("import", "--store", self.store, FIXTURE)
        pins_file = os.path.join(self.dir, "pins.csv")
        self.run_cli("admin", "issue-pins", "--store", self.store, "--out", pins_file)
        with open(pins_file) as f:
            rows = [line.strip().split(",") for line in f.readlines()[1:]]
        self.pins = {station: pin for station, pin in rows}
        self.run_cli("admin", "add-user", "--store", self.store, "--user", "admin", "--role",
                     "admin", stdin=ADMIN_PASSWORD + "\n")

    def run_cli(self, *args, stdin=None, check=True):
        proc = subprocess.run([self.binary, *args], input=stdin, capture_output=True, text=True,
                              cwd=self.dir, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"psm {' '.join(args)} failed: {proc.stderr}")
        return proc

    def start(self, *args, clock_start="10:00"):
        self.port = free_port()
        today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
        cmd = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--store", self.store,
               "--poll-date", today.strftime("%Y-%m-%d"), "--threads", "2"]
        if clock_start:
            cmd += ["--clock-start", clock_start, "--clock-speed", "1"]
        cmd += self.extra_args + list(args)
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.time() + 60
        try:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"psm serve exited early: {self.read_log()}")
                try:
                    status, _, _ = self.request("GET", "/readyz")
                    if status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            raise AssertionError("psm serve did not become ready")
        except BaseException:
            self.stop()  # a failed start (e.g. a /readyz answer off the contract) leaves no server
            raise

    def read_log(self):
        with open(os.path.join(self.dir, "serve.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        return code

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def access_log(self):
        """(client address, method, target) of every request in the log (with --access-log)."""
        pattern = re.compile(r"\baccess (\S+) (\S+) (\S+) ")
        return [m.groups() for m in map(pattern.search, self.read_log().splitlines()) if m]

    # --- HTTP ---------------------------------------------------------------------------------
    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, headers=None, token=None, conn=None):
        """(status, lower-case headers, body bytes); the answer is checked against
        docs/openapi.yaml (contract.py) and a mismatch fails the test."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            answer = {k.lower(): v for k, v in resp.getheaders()}
            contract.check_response(method, path, resp.status, answer, data)
            return resp.status, answer, data
        finally:
            if own:
                conn.close()

    def get_json(self, path, **kw):
        status, headers, data = self.request("GET", path, **kw)
        return status, json.loads(data) if data else None

    def login(self, station):
        status, _, data = self.request("POST", "/api/v1/sessions",
                                       {"station": station, "pin": self.pins[station]})
        assert status == 201, data
        return json.loads(data)["token"]

    def admin_login(self):
        status, _, data = self.request("POST", "/api/v1/sessions",
                                       {"user": "admin", "password": ADMIN_PASSWORD})
        assert status == 201, data
        return json.loads(data)["token"]

    def now(self):
        _, district = self.get_json("/api/v1/district")
        return district["now"]

    def stored_report_ids(self):
        import sqlite3
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return [row[0] for row in con.execute("SELECT id FROM reports ORDER BY seq")]
        finally:
            con.close()


class DemoPsm(Psm):
    """Psm, but with a district from `psm demo-data` (scale 1 = 1,951 stations) instead of the
    small fixture; `pins_file` holds every station's PIN."""

    def __init__(self, binary, scale, seed=1, extra_args=()):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="psm-demo-")
        self.db = os.path.join(self.dir, "psm.db")
        self.store = "sqlite:" + self.db
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log = None
        self.roll = os.path.join(self.dir, "roll")
        self.run_cli("demo-data", "--out", self.roll, "--scale", str(scale), "--seed", str(seed))
        self.run_cli("import", "--store", self.store, self.roll)
        self.pins_file = os.path.join(self.dir, "pins.csv")
        self.run_cli("admin", "issue-pins", "--store", self.store, "--out", self.pins_file)
        with open(self.pins_file) as f:
            rows = [line.strip().split(",") for line in f.readlines()[1:]]
        self.pins = {station: pin for station, pin in rows}
        self.run_cli("admin", "add-user", "--store", self.store, "--user", "admin", "--role",
                     "admin", stdin=ADMIN_PASSWORD + "\n")


def queue_report(observed_at, men=5, women=4, others=0, rid=None):
    return {"id": rid or new_id(), "kind": "queue", "observed_at": observed_at,
            "queue": {"men": men, "women": women, "others": others}}


def turnout_report(observed_at, men, women, others=0, rid=None):
    return {"id": rid or new_id(), "kind": "turnout", "observed_at": observed_at,
            "votes_polled": {"men": men, "women": women, "others": others}}


def event_report(observed_at, event, rid=None, **extra):
    return {"id": rid or new_id(), "kind": "event", "observed_at": observed_at, "event": event,
            **extra}


@contextlib.contextmanager
def running(binary, *args, extra_args=()):
    psm = Psm(binary, extra_args)
    try:
        psm.start(*args)
        yield psm
    finally:
        psm.close()
