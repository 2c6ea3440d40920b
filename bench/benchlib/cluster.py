"""The cluster the bench runs: a throwaway PostgreSQL 15 (as the `postgres` user when run as root:
PostgreSQL refuses root), redis-server, `psm serve` nodes on one store, and nginx with the
deployment's configuration (deploy/nginx/render.py, plain HTTP on loopback).

Everything listens on 127.0.0.1 on free ports, keeps its files in the run's work folder and is
stopped by PID (each server in its own process group).
"""

import json
import os
import pwd
import signal
import subprocess
import sys

from . import procs, servers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_BIN = os.environ.get("PSM_POSTGRES_BIN", "/usr/lib/postgresql/15/bin")
RENDER = os.path.join(ROOT, "deploy", "nginx", "render.py")


def as_postgres():
    """The command prefix that runs a program as `postgres` when we are root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


class Postgres:
    """PostgreSQL 15 in its own data folder and socket folder. fsync stays on (BENCH_PG_FSYNC=off
    turns it off): the write scenario counts durable reports, and a commit is durable only once
    PostgreSQL has flushed its WAL."""

    def __init__(self, work):
        self.dir = os.path.join(work, "postgres")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(work, 0o755)
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.dir, pg.pw_uid, pg.pw_gid)
            os.chown(self.sock, pg.pw_uid, pg.pw_gid)
        self.port = procs.free_port()
        self.fsync = "off" if os.environ.get("BENCH_PG_FSYNC") == "off" else "on"
        self.proc = None

    def start(self):
        subprocess.run(as_postgres() + [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U",
                                        "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                                        "--no-instructions"],
                       capture_output=True, check=True, timeout=120)
        self.proc = procs.Proc(
            as_postgres() + [os.path.join(PG_BIN, "postgres"), "-D", self.data, "-p",
                             str(self.port), "-k", self.sock, "-c", "listen_addresses=127.0.0.1",
                             "-c", f"fsync={self.fsync}",
                             "-c", "max_connections=200"],
            os.path.join(work_log_dir(self.dir), "postgres.log"))
        procs.wait_until(lambda: self.psql("SELECT 1", check=False).returncode == 0, 60,
                         "PostgreSQL", self.proc, interval=0.1)
        return self

    def psql(self, sql, db="postgres", check=True):
        return subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-At", "-v",
                               "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                               "postgres", "-d", db, "-c", sql],
                              capture_output=True, text=True, check=check, timeout=300)

    def url(self, db):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def copy_db(self, template, name):
        """A fresh database from the imported template (a file copy: seconds, not an import)."""
        self.psql(f"DROP DATABASE IF EXISTS {name}")
        self.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_db(self, name):
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)

    def count(self, db, sql):
        return int(self.psql(sql, db=db).stdout.strip() or 0)

    def pids(self):
        return self.proc.pids() if self.proc else []

    def stop(self):
        if self.proc and self.proc.alive():
            # SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client).
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        return self.proc.stop(timeout=60) if self.proc else None


def work_log_dir(path):
    """A folder the bench (not `postgres`) can write logs to, beside `path`."""
    logs = os.path.join(os.path.dirname(path), "logs")
    os.makedirs(logs, exist_ok=True)
    return logs


class Redis:
    def __init__(self, work, name="redis"):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = procs.free_port()
        self.proc = None

    def start(self):
        self.proc = procs.Proc(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                                "--dir", self.dir, "--save", "", "--appendonly", "no",
                                "--daemonize", "no", "--maxclients", "10000"],
                               os.path.join(self.dir, "redis.log"))
        procs.wait_until(self._answers, 30, "redis-server", self.proc, interval=0.05)
        return self

    def _answers(self):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() == "PONG"

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def pids(self):
        return self.proc.pids() if self.proc else []

    def stop(self):
        return self.proc.stop() if self.proc else None


class Node(servers.Psm):
    """One `psm serve` of a cluster: servers.Psm on a shared PostgreSQL store."""

    def __init__(self, binary, work, name, store, extra_args=(), threads=1):
        self.binary = binary
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = procs.free_port()
        self.store = store
        self.cmd = [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--store", store,
                    "--threads", str(threads), "--rate-limits", "off", "--log-level", "warn",
                    "--trusted-proxies", "127.0.0.1/32", *extra_args]
        self.proc = None
        self.ready_s = None

    def role(self):
        try:
            status, _, body = servers.request(self.port, "GET", "/healthz", timeout=5)
        except OSError:
            return None
        return json.loads(body).get("role") if status == 200 else None

    def stored_reports(self):
        raise NotImplementedError("count the store's reports with Postgres.count")


def clock_args(today, origin_ms):
    """The polling day's clock, the same on every node: 10:00 IST at `origin_ms`, real time."""
    return ["--poll-date", today, "--clock-start", "10:00", "--clock-speed", "1",
            "--clock-origin", str(origin_ms)]


class ProxyNginx:
    """nginx with the deployment's psm.conf (render.py, plain HTTP served) before `upstreams`."""

    def __init__(self, work, name, upstreams):
        self.dir = os.path.join(work, name)
        for sub in ("logs", "temp", "acme", "conf"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.port = procs.free_port()
        self.upstreams = upstreams
        self.proc = None

    def start(self, ready_path="/api/v1/district"):
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        # psm.conf listens for HTTPS too: a throwaway self-signed certificate for that port.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                       capture_output=True, check=True, timeout=60)
        conf_dir = os.path.join(self.dir, "conf")
        subprocess.run([sys.executable, RENDER, "--nodes", ",".join(self.upstreams),
                        "--https-listen", f"127.0.0.1:{procs.free_port()}",
                        "--http-listen", f"127.0.0.1:{self.port}", "--plain-http", "serve",
                        "--cert", cert, "--key", key,
                        "--user", pwd.getpwuid(os.geteuid()).pw_name,
                        "--pid-file", os.path.join(self.dir, "nginx.pid"),
                        "--log-dir", os.path.join(self.dir, "logs"),
                        "--temp-dir", os.path.join(self.dir, "temp"),
                        "--acme-root", os.path.join(self.dir, "acme"), "--out", conf_dir],
                       capture_output=True, check=True, timeout=30)
        args = ["nginx", "-p", self.dir, "-c", os.path.join(conf_dir, "psm.conf"), "-e",
                os.path.join(self.dir, "logs", "startup.log")]
        subprocess.run(args + ["-t"], capture_output=True, check=True, timeout=60)
        self.proc = procs.Proc(args + ["-g", "daemon off;"], os.path.join(self.dir, "nginx.log"))
        procs.wait_until(lambda: servers.status_of(self.port, ready_path) == 200, 30,
                         "nginx (proxy)", self.proc, interval=0.05)
        return self

    def pids(self):
        return self.proc.pids() if self.proc else []

    def stop(self):
        if self.proc and self.proc.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: finish what is in flight
            except ProcessLookupError:
                pass
        return self.proc.stop() if self.proc else None


class Group:
    """Several servers measured as one (their PIDs summed): a cluster's nodes behind nginx."""

    def __init__(self, port, members):
        self.port = port
        self.members = members

    def pids(self):
        return [p for m in self.members for p in m.pids()]
