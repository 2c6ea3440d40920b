"""The restore drill of docs/operations.md ("Backups and the restore drill"), run as written.

SQLite: a backup taken with `sqlite3 DB ".backup FILE"` while psm serves is restored into a fresh
store folder, a second psm is started on it, and the two servers are compared: the counts of
reports, audit rows and alerts, every station's answer (GET /api/v1/stations/ID) and the alerts.
A backup taken while reports are being committed is checked too: integrity_check ok, and its
reports are exactly the first ones of the live store. PostgreSQL: the same with `pg_dump -Fc`
while psm serves, restored with `pg_restore` into a new database; and `pg_basebackup` of the whole
server, with a second PostgreSQL started on the copy.

The one field left out of the comparison is `status.age_seconds`: the seconds since the station's
last report at the moment its answer was rendered, which differ between two servers by when each
rendered it. Both servers share one clock (--clock-origin), so every other field, `stale` and the
alerts' times included, must be equal.
"""

import copy
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import cluster
import harness

PSM_BIN = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
COUNTED = ("reports", "audit", "alerts", "sessions", "turnout_unlocks")


def without_time(station):
    """A station's answer without the field that depends on when it was rendered."""
    out = copy.deepcopy(station)
    out["status"].pop("age_seconds", None)
    return out


def post_day(server):
    """Reports at every station (poll started, a queue, a turnout), a refused turnout (which opens
    a rejected_report alert) and an acknowledged alert; returns the admin's token."""
    admin = server.admin_login()
    _, listing = server.get_json("/api/v1/stations")
    stations = [s["id"] for s in listing["stations"]]
    for i, station in enumerate(stations):
        token = server.login(station)
        now = server.now()
        path = f"/api/v1/stations/{station}/reports"
        for report in (harness.event_report(now, "poll_started"),
                       harness.queue_report(now, men=3 + i, women=2),
                       harness.turnout_report(now, men=40 + i, women=30)):
            status, _, data = server.request("POST", path, report, token=token)
            assert status == 201, (station, data)
        if i == 0:
            lower = harness.turnout_report(server.now(), men=1, women=1)
            status, _, data = server.request("POST", path, lower, token=token)
            assert status == 409, data
    _, alerts = server.get_json("/api/v1/alerts?state=open", token=admin)
    assert alerts["alerts"], "the refused turnout opened no alert"
    first = alerts["alerts"][0]["id"]
    status, _, data = server.request("POST", f"/api/v1/alerts/{first}/ack", token=admin)
    assert status == 200, data
    return admin, stations


class Drill(unittest.TestCase):
    def compare(self, original, restored, admin, stations):
        """Every station's answer and the alerts, the same on both servers."""
        for station in stations:
            path = f"/api/v1/stations/{station}"
            status_a, a = original.get_json(path)
            status_b, b = restored.get_json(path)
            self.assertEqual((status_a, status_b), (200, 200), path)
            self.assertEqual(without_time(a), without_time(b), path)
        # The admin's session was restored with the store: the same token works on both.
        status_a, alerts_a = original.get_json("/api/v1/alerts", token=admin)
        status_b, alerts_b = restored.get_json("/api/v1/alerts", token=admin)
        self.assertEqual((status_a, status_b), (200, 200))
        self.assertEqual(alerts_a, alerts_b)
        self.assertGreaterEqual(alerts_a["total"], 1)
        return len(stations)

    def start_restored(self, store, clock_origin):
        """A second psm on the restored store (a folder of its own)."""
        node = cluster.Node(PSM_BIN, store, {}, ["--clock-origin", clock_origin])
        self.addCleanup(node.close)
        return node.start()


class SqliteDrill(Drill):
    def sqlite_counts(self, db):
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        finally:
            con.close()

    def test_online_backup_restored_into_a_fresh_store_answers_the_same(self):
        started = time.monotonic()
        clock_origin = str(int(time.time() * 1000))
        original = harness.Psm(PSM_BIN, ["--clock-origin", clock_origin])
        self.addCleanup(original.close)
        original.start()
        admin, stations = post_day(original)
        backups = tempfile.mkdtemp(prefix="psm-backups-")
        self.addCleanup(shutil.rmtree, backups, True)

        # 1. A backup while an officer keeps posting: consistent, a prefix of the live store.
        token = original.login(stations[1])
        stop = threading.Event()
        posted = []

        def keep_posting():
            while not stop.is_set():
                report = harness.queue_report(original.now(), men=len(posted) % 40)
                status, _, _ = original.request(
                    "POST", f"/api/v1/stations/{stations[1]}/reports", report, token=token)
                if status == 201:
                    posted.append(report["id"])

        poster = threading.Thread(target=keep_posting)
        poster.start()
        try:
            time.sleep(0.3)
            busy = os.path.join(backups, "psm-busy.db")
            subprocess.run([SQLITE3, original.db, f".backup {busy}"], check=True, timeout=60)
            time.sleep(0.3)
        finally:
            stop.set()
            poster.join()
        self.assertGreater(len(posted), 0)
        check = subprocess.run([SQLITE3, busy, "PRAGMA integrity_check"], capture_output=True,
                               text=True, check=True)
        self.assertEqual(check.stdout.strip(), "ok")
        live = original.stored_report_ids()
        con = sqlite3.connect(f"file:{busy}?mode=ro", uri=True)
        try:
            in_backup = [r[0] for r in con.execute("SELECT id FROM reports ORDER BY seq")]
        finally:
            con.close()
        self.assertLess(len(in_backup), len(live), "the backup was taken during the posting")
        self.assertEqual(in_backup, live[:len(in_backup)])

        # 2. The drill: a backup while psm serves (reads go on), restored into a fresh folder.
        backup = os.path.join(backups, "psm-drill.db")
        subprocess.run([SQLITE3, original.db, f".backup {backup}"], check=True, timeout=60)
        check = subprocess.run([SQLITE3, backup, "PRAGMA integrity_check"], capture_output=True,
                               text=True, check=True)
        self.assertEqual(check.stdout.strip(), "ok")
        counts = self.sqlite_counts(original.db)
        fresh = tempfile.mkdtemp(prefix="psm-restored-")
        self.addCleanup(shutil.rmtree, fresh, True)
        restored_db = os.path.join(fresh, "psm.db")
        shutil.copyfile(backup, restored_db)
        os.chmod(restored_db, 0o600)
        restored = self.start_restored("sqlite:" + restored_db, clock_origin)
        compared = self.compare(original, restored, admin, stations)
        self.assertEqual(self.sqlite_counts(restored_db), counts)
        print(f"\n  SQLite: {counts['reports']} reports, {counts['audit']} audit rows, "
              f"{counts['alerts']} alerts, {compared} stations equal; "
              f"{time.monotonic() - started:.1f} s", flush=True)


class PostgresDrill(Drill):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(cluster.PG_BIN, "pg_dump")):
            raise unittest.SkipTest(f"no PostgreSQL client tools in {cluster.PG_BIN}")

    def pg(self, tool, *args):
        return subprocess.run([os.path.join(cluster.PG_BIN, tool), "-h", "127.0.0.1", "-p",
                               str(self.server.port), "-U", "postgres", *args],
                              capture_output=True, text=True, check=True, timeout=120)

    def pg_counts(self, db, port=None):
        def count(table):
            return int(subprocess.run(
                [os.path.join(cluster.PG_BIN, "psql"), "-X", "-At", "-h", "127.0.0.1", "-p",
                 str(port or self.server.port), "-U", "postgres", "-d", db, "-c",
                 f"SELECT count(*) FROM {table}"],
                capture_output=True, text=True, check=True, timeout=60).stdout)
        return {t: count(t) for t in COUNTED}

    def test_pg_dump_restored_into_a_new_database_answers_the_same(self):
        started = time.monotonic()
        self.server = cluster.Postgres()
        self.addCleanup(self.server.close)
        self.server.psql("CREATE DATABASE psm ENCODING 'UTF8'")
        setup = harness.Psm.__new__(harness.Psm)
        setup.binary = PSM_BIN
        setup.dir = self.server.dir
        store = self.server.url("psm")
        setup.run_cli("import", "--store", store, harness.FIXTURE)
        pins_file = os.path.join(self.server.dir, "pins.csv")
        setup.run_cli("admin", "issue-pins", "--store", store, "--out", pins_file)
        with open(pins_file) as f:
            pins = dict(line.strip().split(",") for line in f.readlines()[1:])
        setup.run_cli("admin", "add-user", "--store", store, "--user", "admin", "--role",
                      "admin", stdin=harness.ADMIN_PASSWORD + "\n")
        clock_origin = str(int(time.time() * 1000))
        original = cluster.Node(PSM_BIN, store, pins, ["--clock-origin", clock_origin])
        self.addCleanup(original.close)
        original.start()
        admin, stations = post_day(original)

        # The dump while psm serves (pg_dump reads one snapshot), restored into a new database.
        dump = os.path.join(self.server.dir, "psm.dump")
        self.pg("pg_dump", "-Fc", "-f", dump, "psm")
        counts = self.pg_counts("psm")
        self.pg("createdb", "-T", "template0", "-E", "UTF8", "psm_restored")
        self.pg("pg_restore", "--no-owner", "--exit-on-error", "-d", "psm_restored", dump)
        restored = self.start_restored(self.server.url("psm_restored"), clock_origin)
        compared = self.compare(original, restored, admin, stations)
        self.assertEqual(self.pg_counts("psm_restored"), counts)
        dumped = time.monotonic() - started

        # pg_basebackup: the whole server copied while psm serves, a second PostgreSQL started
        # on the copy, and a third psm on its `psm` database.
        copy_dir = os.path.join(self.server.dir, "basebackup")
        subprocess.run(cluster.as_postgres() + [
            os.path.join(cluster.PG_BIN, "pg_basebackup"), "-h", "127.0.0.1", "-p",
            str(self.server.port), "-U", "postgres", "-D", copy_dir, "-Fp", "-Xstream", "-c",
            "fast"], capture_output=True, text=True, check=True, timeout=120)
        port = harness.free_port()
        log = open(os.path.join(self.server.dir, "basebackup.log"), "ab")
        self.addCleanup(log.close)
        copy_server = subprocess.Popen(
            cluster.as_postgres() + [os.path.join(cluster.PG_BIN, "postgres"), "-D", copy_dir,
                                     "-p", str(port), "-k", self.server.sock, "-c",
                                     "listen_addresses=127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(cluster.stop_process, copy_server, signal.SIGINT)
        cluster.wait_for(lambda: subprocess.run(
            [os.path.join(cluster.PG_BIN, "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True).returncode == 0, 60, "PostgreSQL did not start on the copy")
        copied = self.start_restored(f"postgresql://postgres@127.0.0.1:{port}/psm", clock_origin)
        self.compare(original, copied, admin, stations)
        self.assertEqual(self.pg_counts("psm", port), counts)
        print(f"\n  PostgreSQL: {counts['reports']} reports, {counts['audit']} audit rows, "
              f"{counts['alerts']} alerts, {compared} stations equal after pg_dump/pg_restore "
              f"({dumped:.1f} s) and after pg_basebackup ({time.monotonic() - started:.1f} s)",
              flush=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
