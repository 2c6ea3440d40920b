"""PostgreSQL without a single point of failure, for tests and scripts: one etcd (v3 API) and two
Patroni-managed PostgreSQL 15 servers with streaming replication in synchronous mode, rendered by
deploy/patroni/render.py, on 127.0.0.1 with free ports and a temporary folder. PostgreSQL and
Patroni run as the `postgres` user when we are root. Everything is stopped by PID.

    ha = ha_postgres.start()
    ha.psql("CREATE DATABASE psm")
    url = ha.url("psm")   # postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2/psm?target_session_attrs=read-write
    old = ha.kill_primary_postmaster()
    new, seconds = ha.wait_for_new_primary(old)
    ha.stop()
"""

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import cluster
import harness

ETCD = os.environ.get("PSM_ETCD", shutil.which("etcd") or "/usr/bin/etcd")
PATRONI = os.environ.get("PSM_PATRONI", "/usr/bin/patroni")
RENDER = os.path.join(harness.ROOT, "deploy", "patroni", "render.py")


def poll(check, timeout, what, every=0.1):
    """cluster.wait_for at a pace Patroni's REST API (which logs every failed status query)
    does not mind."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"{what} within {timeout} s")


class Member:
    """One Patroni-managed PostgreSQL: its name, ports and folder."""

    def __init__(self, name, root):
        self.name = name
        self.dir = os.path.join(root, name)
        self.data = os.path.join(self.dir, "data")
        self.port = harness.free_port()
        self.rest_port = harness.free_port()
        self.config = os.path.join(self.dir, "patroni.yml")
        self.log_path = os.path.join(self.dir, "patroni.log")
        self.proc = None

    def rest(self, path, timeout=2):
        """(status, JSON body) of Patroni's REST API; (None, None) when it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_port}{path}",
                                        timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body or b"null")
            except ValueError:
                return e.code, None
        except (OSError, ValueError):
            return None, None

    def is_primary(self):
        return self.rest("/primary")[0] == 200

    def is_sync_standby(self):
        return self.rest("/sync")[0] == 200

    def postmaster_pid(self):
        """The running postmaster's PID (postmaster.pid's first line), or None."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def __repr__(self):
        return f"{self.name}(:{self.port})"


class HaPostgres:
    """etcd + two Patroni members. `synchronous=False` runs asynchronous replication (only to
    show that the failover test catches the reports it loses); `timings` overrides
    render.py's ttl/loop_wait/retry_timeout."""

    def __init__(self, synchronous=True, strict=False, timings=None, root=None):
        self.synchronous = synchronous
        self.strict = strict
        self.timings = timings or {}
        self.own_root = root is None
        self.root = root or tempfile.mkdtemp(prefix="psm-ha-")
        os.chmod(self.root, 0o755)
        self.etcd = None
        self.etcd_log = None
        self.members = []

    # --- starting and stopping ----------------------------------------------------------------
    def start(self, timeout=90):
        try:
            self._start_etcd()
            self.members = [Member("pg1", self.root), Member("pg2", self.root)]
            for m in self.members:
                self._start_member(m)
                # The first bootstraps the cluster; the second copies it (pg_basebackup) only
                # once there is a leader, so starting it later avoids a race for the bootstrap.
                if m is self.members[0]:
                    self._wait(m.is_primary, timeout, f"{m} did not become the primary")
            self._wait(self.replicating, timeout,
                             "the standby is not streaming" +
                             (" as the synchronous standby" if self.synchronous else ""))
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, check, timeout, what):
        """wait_for, failing at once (with the logs) when a Patroni or etcd has exited."""
        def done():
            dead = [m.name for m in self.members if m.proc is not None and m.proc.poll() is not None]
            if self.etcd is not None and self.etcd.poll() is not None:
                dead.append("etcd")
            if dead:
                raise AssertionError(f"{', '.join(dead)} exited: {what}\n{self.logs()}")
            return check()
        try:
            poll(done, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.logs()}") from None

    def _start_etcd(self):
        etcd_dir = os.path.join(self.root, "etcd")
        os.makedirs(etcd_dir)
        self.etcd_port, peer = harness.free_port(), harness.free_port()
        self.etcd_log = open(os.path.join(self.root, "etcd.log"), "ab")
        client, peer_url = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{peer}"
        self.etcd = subprocess.Popen(
            [ETCD, "--name", "etcd1", "--data-dir", os.path.join(etcd_dir, "data"),
             "--listen-client-urls", client, "--advertise-client-urls", client,
             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
             "--initial-cluster", f"etcd1={peer_url}", "--initial-cluster-state", "new"],
            stdout=self.etcd_log, stderr=subprocess.STDOUT)
        cluster.wait_for(self._etcd_answers, 30, "etcd did not start")

    def _etcd_answers(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.etcd_port}/health",
                                        timeout=2) as resp:
                return json.loads(resp.read()).get("health") == "true"
        except (OSError, ValueError):
            return False

    def _start_member(self, m):
        os.makedirs(os.path.join(m.dir, "sock"))
        args = [sys.executable, RENDER, "--name", m.name, "--scope", "psm",
                "--namespace", f"/psm-test-{os.getpid()}/",
                "--etcd", f"127.0.0.1:{self.etcd_port}", "--listen", f"127.0.0.1:{m.port}",
                "--rest-listen", f"127.0.0.1:{m.rest_port}", "--data-dir", m.data,
                "--socket-dir", os.path.join(m.dir, "sock"), "--auth", "trust", "--password", "psm",
                "--out", m.config]
        for key, value in self.timings.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        if not self.synchronous:
            args.append("--no-synchronous")
        if self.strict:
            args.append("--strict")
        subprocess.run(args, check=True, capture_output=True, timeout=30)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            for path in (m.dir, os.path.join(m.dir, "sock"), m.config):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        m.log = open(m.log_path, "ab")
        m.proc = subprocess.Popen(cluster.as_postgres() + [PATRONI, m.config], stdout=m.log,
                                  stderr=subprocess.STDOUT, cwd=m.dir)

    def stop(self):
        """Stops the Patroni members (each stops its PostgreSQL), then etcd; removes the
        folder. Safe to call twice."""
        for m in self.members:
            if m.proc is not None and m.proc.poll() is None:
                m.proc.send_signal(signal.SIGTERM)
        for m in self.members:
            cluster.stop_process(m.proc, signal.SIGTERM, timeout=60)
            # A postmaster whose Patroni was killed, or orphaned backends, by PID.
            pid = m.postmaster_pid()
            if pid is not None:
                os.kill(pid, signal.SIGQUIT)
            if getattr(m, "log", None):
                m.log.close()
                m.log = None
        cluster.stop_process(self.etcd)
        self.etcd = None
        if self.etcd_log:
            self.etcd_log.close()
            self.etcd_log = None
        if self.own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- what the cluster looks like ----------------------------------------------------------
    def url(self, db, user="postgres"):
        """The multi-host libpq URL psm's nodes use: libpq tries each host in turn and keeps the
        one that accepts writes."""
        hosts = ",".join(f"127.0.0.1:{m.port}" for m in self.members)
        return f"postgresql://{user}@{hosts}/{db}?target_session_attrs=read-write"

    def primary(self):
        """The member whose Patroni says it is the running primary, or None."""
        found = [m for m in self.members if m.is_primary()]
        return found[0] if len(found) == 1 else None

    def standby(self):
        """A member streaming from the primary (a replica per Patroni), or None."""
        for m in self.members:
            if m.rest("/replica")[0] == 200:
                return m
        return None

    def replicating(self):
        """True when a primary and a standby are up, and in synchronous mode Patroni has
        recorded the standby as the synchronous one in etcd (only then would it fail over to
        it: pg_stat_replication says `sync` a moment earlier)."""
        p, s = self.primary(), self.standby()
        if p is None or s is None:
            return False
        if not self.synchronous:
            return True
        if not s.is_sync_standby():
            return False
        rows = self.psql("SELECT application_name, sync_state FROM pg_stat_replication",
                         member=p, check=False).stdout.split()
        return f"{s.name}|sync" in rows

    def wait_until_replicating(self, timeout=90):
        """Waits until replicating(), e.g. until the old primary has rejoined as the standby."""
        self._wait(self.replicating, timeout, "the standby did not rejoin")

    def psql(self, sql, db="postgres", member=None, check=True):
        """Runs `sql` with psql on `member` (the primary by default)."""
        m = member or self.primary()
        if m is None:
            raise AssertionError("no primary to run psql on")
        return subprocess.run([os.path.join(cluster.PG_BIN, "psql"), "-X", "-q", "-At", "-v",
                               "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(m.port), "-U",
                               "postgres", "-d", db, "-c", sql],
                              capture_output=True, text=True, check=check, timeout=60)

    # --- faults -------------------------------------------------------------------------------
    def kill_primary_postmaster(self):
        """SIGKILL to the primary's postmaster (Patroni stays up); returns the member."""
        p = self.primary()
        if p is None:
            raise AssertionError("no primary to kill")
        pid = p.postmaster_pid()
        if pid is None:
            raise AssertionError(f"{p} has no postmaster.pid")
        os.kill(pid, signal.SIGKILL)
        return p

    def wait_for_new_primary(self, old, timeout=60):
        """Waits until a member other than `old` is the primary; (member, seconds waited)."""
        start = time.time()
        found = []

        def promoted():
            p = self.primary()
            if p is not None and p is not old:
                found.append(p)
                return True
            return False
        poll(promoted, timeout, f"no member took over from {old}")
        return found[0], time.time() - start

    def logs(self):
        """Every member's Patroni log and etcd's, for a failing test's message."""
        out = []
        for m in self.members:
            try:
                with open(m.log_path, "rb") as f:
                    out.append(f"--- {m.name} ---\n" + f.read()[-4000:].decode(errors="replace"))
            except OSError:
                pass
        return "\n".join(out)


def start(**kwargs):
    """A started HaPostgres (see the class for the options)."""
    return HaPostgres(**kwargs).start()


if __name__ == "__main__":
    # A quick look by hand: start, show the URL and roles, kill the primary, time the failover.
    ha = start()
    try:
        print("url:", ha.url("postgres"), "primary:", ha.primary(), "standby:", ha.standby())
        t0 = time.time()
        old = ha.kill_primary_postmaster()
        new, took = ha.wait_for_new_primary(old)
        print(f"killed {old}; {new} is the primary after {took:.1f} s")
        ha.wait_until_replicating(90)
        print(f"{old} rejoined as the standby after {time.time() - t0:.1f} s")
    finally:
        ha.stop()
