"""Servers for the cluster tests: a throwaway PostgreSQL 15 (as the `postgres` user when run as
root: PostgreSQL refuses root), redis-server, nginx with deploy/nginx/psm.conf, and psm nodes on
one store. Everything on 127.0.0.1, free ports and temporary folders, stopped by PID."""

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import contract
import harness

PG_BIN = os.environ.get("PSM_POSTGRES_BIN", "/usr/lib/postgresql/15/bin")
NGINX = os.environ.get("PSM_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
RENDER = os.path.join(harness.ROOT, "deploy", "nginx", "render.py")


def as_postgres():
    """The command prefix that runs a program as `postgres` when we are root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


def wait_for(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s")


def stop_process(proc, sig=signal.SIGTERM, timeout=30):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="psm-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.dir, pg.pw_uid, pg.pw_gid)
            os.chown(self.sock, pg.pw_uid, pg.pw_gid)
        subprocess.run(as_postgres() + [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U",
                                        "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                                        "--no-instructions"],
                       capture_output=True, check=True, timeout=120)
        self.port = harness.free_port()
        self.log = open(os.path.join(self.dir, "postgres.log"), "ab")
        self.proc = subprocess.Popen(
            as_postgres() + [os.path.join(PG_BIN, "postgres"), "-D", self.data, "-p",
                             str(self.port), "-k", self.sock, "-c", "listen_addresses=127.0.0.1",
                             "-c", "fsync=off", "-c", "full_page_writes=off"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.psql("SELECT 1", check=False).returncode == 0, 60,
                 "PostgreSQL did not start")

    def psql(self, sql, db="postgres", check=True):
        return subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-At", "-v",
                               "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                               "postgres", "-d", db, "-c", sql],
                              capture_output=True, text=True, check=check, timeout=60)

    def url(self, db):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def close(self):
        stop_process(self.proc, signal.SIGINT)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="psm-redis-")
        self.port = harness.free_port()
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, 30, "redis-server did not start")

    def answers(self):
        try:
            return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                                  text=True, timeout=5).stdout.strip() == "PONG"
        except (OSError, subprocess.TimeoutExpired):
            return False

    def stop(self):
        stop_process(self.proc)

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Node(harness.Psm):
    """One `psm serve` of the cluster: harness.Psm on a shared store instead of its own."""

    def __init__(self, binary, store, pins, extra_args):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="psm-node-")
        self.store = store
        self.pins = pins
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log = None

    def role(self):
        try:
            status, body = self.get_json("/healthz")
        except OSError:
            return None
        return body.get("role") if status == 200 else None

    def metric(self, name):
        _, _, data = self.request("GET", "/metrics")
        for line in data.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


class Nginx:
    def __init__(self, upstreams):
        self.dir = tempfile.mkdtemp(prefix="psm-nginx-")
        for sub in ("logs", "temp", "acme"):
            os.makedirs(os.path.join(self.dir, sub))
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                       capture_output=True, check=True, timeout=60)
        self.port = harness.free_port()
        conf_dir = os.path.join(self.dir, "conf")
        subprocess.run([sys.executable, RENDER, "--nodes", ",".join(upstreams),
                        "--https-listen", f"127.0.0.1:{harness.free_port()}",
                        "--http-listen", f"127.0.0.1:{self.port}", "--plain-http", "serve",
                        "--cert", cert, "--key", key,
                        "--user", pwd.getpwuid(os.geteuid()).pw_name,
                        "--pid-file", os.path.join(self.dir, "nginx.pid"),
                        "--log-dir", os.path.join(self.dir, "logs"),
                        "--temp-dir", os.path.join(self.dir, "temp"),
                        "--acme-root", os.path.join(self.dir, "acme"), "--out", conf_dir],
                       capture_output=True, check=True, timeout=30)
        args = [NGINX, "-p", self.dir, "-c", os.path.join(conf_dir, "psm.conf"), "-e",
                os.path.join(self.dir, "logs", "startup.log")]
        subprocess.run(args + ["-t"], capture_output=True, check=True, timeout=60)
        self.proc = subprocess.Popen(args + ["-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.client = harness.Psm.__new__(harness.Psm)  # only its HTTP helpers
        self.client.port = self.port
        wait_for(lambda: self._answers(), 30, "nginx did not start")

    def _answers(self):
        try:
            return self.client.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def close(self):
        stop_process(self.proc, signal.SIGQUIT)
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """PostgreSQL with the fixture district, Redis (when `redis`), `nodes` psm nodes and nginx."""

    def __init__(self, binary, nodes=3, redis=True):
        self.binary = binary
        self.pg = self.redis = self.nginx = None
        self.nodes = []
        try:
            self._start(nodes, redis)
        except BaseException:
            self.close()
            raise

    def _start(self, nodes, redis):
        self.pg = Postgres()
        self.pg.psql("CREATE DATABASE psm ENCODING 'UTF8'")
        self.store = self.pg.url("psm")
        setup = harness.Psm.__new__(harness.Psm)
        setup.binary = self.binary
        setup.dir = self.pg.dir
        setup.run_cli("import", "--store", self.store, harness.FIXTURE)
        pins_file = os.path.join(self.pg.dir, "pins.csv")
        setup.run_cli("admin", "issue-pins", "--store", self.store, "--out", pins_file)
        with open(pins_file) as f:
            self.pins = dict(line.strip().split(",") for line in f.readlines()[1:])
        setup.run_cli("admin", "add-user", "--store", self.store, "--user", "admin", "--role",
                      "admin", stdin=harness.ADMIN_PASSWORD + "\n")
        args = ["--trusted-proxies", "127.0.0.1/32",
                "--clock-origin", str(int(time.time() * 1000))]
        if redis:
            self.redis = Redis()
            args += ["--redis", self.redis.url()]
        for _ in range(nodes):
            node = Node(self.binary, self.store, self.pins, args)
            self.nodes.append(node)
            node.start()
        self.nginx = Nginx([f"127.0.0.1:{n.port}" for n in self.nodes])
        self.front = self.nginx.client
        self.front.pins = self.pins

    def writer(self):
        writers = [n for n in self.nodes if n.proc and n.role() == "writer"]
        return writers[0] if len(writers) == 1 else None

    def report_ids_in_store(self):
        out = self.pg.psql("SELECT id FROM reports ORDER BY seq", db="psm").stdout.split()
        return out

    def close(self):
        if self.nginx:
            self.nginx.close()
        for node in self.nodes:
            node.close()
        if self.redis:
            self.redis.close()
        if self.pg:
            self.pg.close()


def events(node, path, stop_after, timeout, last_event_id=None):
    """The SSE events (id, type, data) `node` sends on `path` until `stop_after(events)` or
    `timeout` seconds pass."""
    conn = node.connect()
    conn.timeout = timeout
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    out, current = [], {}
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            line = resp.readline().decode()
            if not line:
                break
            line = line.rstrip("\r\n")
            if line == "":
                if "data" in current:
                    contract.check_event(current.get("event", "message"), current["data"])
                    out.append((current.get("id"), current.get("event"), json.loads(current["data"])))
                    if stop_after(out):
                        break
                current = {}
            elif not line.startswith(":") and ": " in line:
                key, value = line.split(": ", 1)
                current[key] = value
    finally:
        conn.close()
    return out
