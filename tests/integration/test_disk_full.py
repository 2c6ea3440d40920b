"""Fault 7: on a single node, the SQLite store's file system fills up while psm serves.

The store lives on a small tmpfs mounted in a private mount namespace (root only: the test
re-runs itself under `unshare --mount --propagation private`, so the mount vanishes with it). An
officer posts reports; a filler file then takes every free byte. Expected: writes answer 503 with
Retry-After and the store's problem (`store_full`), reads go on (200), the control room's
`store_unwritable` alert opens and the metrics move; once the filler is removed, writes succeed
again without a restart and the alert resolves. After psm stops, `PRAGMA integrity_check` is ok
and every report acknowledged with 201 is stored exactly once, including those first refused
with 503 and sent again.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

import harness

PSM_BIN = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
IN_NAMESPACE = "PSM_DISK_FULL_NAMESPACE"
HEADROOM = 4 << 20  # the tmpfs is this much bigger than the imported store
STATION = "34-1"
SECTOR_PASSWORD = "sector-officer-pass"
CROWD = ["34-2", "34-3", "34-4", "34-5"]  # officers posting at once while the disk is full


def metric(text, name, **labels):
    """The value of the sample `name{labels}` in a /metrics text, or 0 when it is absent."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{([^}]*)\})? (\S+)$", line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == want:
            return float(m.group(3))
    return 0.0


def fill(path):
    """Writes zeros to `path` until the file system refuses (ENOSPC); returns the bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 20, 4096, 512):
            block = b"\0" * chunk
            while True:
                try:
                    n = os.write(fd, block)
                except OSError as e:
                    if e.errno != 28:
                        raise
                    break
                written += n
                if n < chunk:
                    break
    finally:
        os.close(fd)
    return written


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                     "needs root and unshare(1) to mount a small tmpfs in a private namespace")
class DiskFullTest(unittest.TestCase):
    def setUp(self):
        if os.environ.get(IN_NAMESPACE) != "1":
            self.skipTest("not in a private mount namespace: unshare --mount failed here (a "
                          "container without CAP_SYS_ADMIN?), or the class was run on its own")
        self.psm = harness.Psm(PSM_BIN)
        self.addCleanup(self.psm.close)
        self.psm.run_cli("admin", "add-user", "--store", self.psm.store, "--user", "gill",
                         "--role", "sector", "--stations", "35-1", stdin=SECTOR_PASSWORD + "\n")
        # The imported store moves onto a tmpfs only a little bigger than it.
        self.mount = os.path.join(self.psm.dir, "store")
        os.mkdir(self.mount)
        size = os.path.getsize(self.psm.db) + HEADROOM
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "psm-disk-full",
                        self.mount], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", self.mount], check=False)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.psm.db + suffix):
                shutil.move(self.psm.db + suffix, os.path.join(self.mount, "psm.db" + suffix))
        self.psm.db = os.path.join(self.mount, "psm.db")
        self.psm.store = "sqlite:" + self.psm.db
        self.filler = os.path.join(self.mount, "filler")

    def post(self, token, report, station=STATION):
        return self.psm.request("POST", f"/api/v1/stations/{station}/reports", report, token=token)

    def post_at_once(self, tokens, per_officer):
        """Every officer of `tokens` posts `per_officer` reports, all officers at once (so the
        writer batches them); returns [(station, report, status, headers, body)]."""
        out, lock = [], threading.Lock()

        def officer(station, token):
            for i in range(per_officer):
                report = harness.queue_report(self.psm.now(), men=i)
                status, headers, data = self.post(token, report, station)
                with lock:
                    out.append((station, report, status, headers, data))

        threads = [threading.Thread(target=officer, args=item) for item in tokens.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def metrics(self):
        return self.psm.request("GET", "/metrics")[2].decode()

    def store_alerts(self, admin):
        status, body = self.psm.get_json("/api/v1/alerts?kind=store_unwritable", token=admin)
        self.assertEqual(status, 200, body)
        return body["alerts"]

    def test_writes_refused_while_full_then_resume_with_nothing_lost(self):
        started = time.monotonic()
        psm = self.psm
        psm.start()
        officer = psm.login(STATION)
        admin = psm.admin_login()
        status, _, data = psm.request("POST", "/api/v1/sessions",
                                      {"user": "gill", "password": SECTOR_PASSWORD})
        self.assertEqual(status, 201, data)
        sector = json.loads(data)["token"]
        crowd = {station: psm.login(station) for station in CROWD}
        acked = []  # every id answered 201
        for i in range(20):
            report = harness.queue_report(psm.now(), men=i)
            status, _, data = self.post(officer, report)
            self.assertEqual(status, 201, data)
            acked.append(report["id"])

        filled = fill(self.filler)
        self.assertGreater(filled, 0)
        # Posted until the store refuses: what the WAL file already holds may take a few more.
        refused, problem, headers = [], None, None
        for i in range(2000):
            report = harness.queue_report(psm.now(), men=i % 50)
            status, headers, data = self.post(officer, report)
            if status == 201:
                acked.append(report["id"])
                continue
            self.assertEqual(status, 503, data)
            refused.append(report)
            problem = json.loads(data)
            break
        self.assertTrue(refused, "the store never refused a write on a full file system")
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        self.assertTrue(problem["type"].endswith("/store_full"), problem)
        self.assertEqual(problem["status"], 503)
        self.assertIn("not stored", problem["detail"])
        # Officers posting at once, their reports in shared batches: each one answered 503.
        for station, report, status, headers, data in self.post_at_once(crowd, 5):
            self.assertEqual(status, 503, data)
            self.assertIn("retry-after", headers)
            refused.append(report | {"station": station})
        # A login needs a session row: refused the same way, never a 500.
        status, headers, data = psm.request(
            "POST", "/api/v1/sessions", {"station": CROWD[0], "pin": psm.pins[CROWD[0]]})
        self.assertEqual(status, 503, data)
        self.assertIn("retry-after", headers)
        # More while full: each refused, none kept.
        for i in range(5):
            report = harness.queue_report(psm.now(), men=i)
            status, headers, data = self.post(officer, report)
            self.assertEqual(status, 503, data)
            self.assertIn("retry-after", headers)
            refused.append(report)
        # Reads are served from memory.
        for path in (f"/api/v1/stations/{STATION}", "/api/v1/district", "/api/v1/stations"):
            self.assertEqual(psm.request("GET", path)[0], 200, path)
        self.assertEqual(psm.request("GET", "/healthz")[0], 200)
        alerts = self.store_alerts(admin)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["state"], "open")
        self.assertEqual(alerts[0]["station"], "0-0")
        self.assertIn("store_full", alerts[0]["detail"])
        # District-wide: a sector officer of other stations sees it too.
        self.assertEqual([a["id"] for a in self.store_alerts(sector)], [alerts[0]["id"]])
        # It resolves by itself: acknowledging it is refused.
        status, _, data = psm.request("POST", f"/api/v1/alerts/{alerts[0]['id']}/ack",
                                      token=admin)
        self.assertEqual(status, 409, data)
        self.assertTrue(json.loads(data)["type"].endswith("/not_acknowledgeable"), data)
        text = self.metrics()
        self.assertEqual(metric(text, "psm_store_writable"), 0.0)
        # One failure per refused batch; every report in them counted as refused.
        batches = metric(text, "psm_store_write_failures_total", reason="store_full")
        self.assertGreaterEqual(batches, 1)
        self.assertLessEqual(batches, len(refused))
        self.assertEqual(metric(text, "psm_reports_rejected_total", kind="queue",
                                reason="store_full"), len(refused))
        # Still full: the probe keeps failing and the alert stays open.
        time.sleep(2.5)
        self.assertEqual(self.store_alerts(admin)[0]["state"], "open")

        os.remove(self.filler)
        # No report needed: the writer's probe finds the store writable within ~2 s.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.store_alerts(admin)[0]["state"] != "resolved":
            time.sleep(0.1)
        alerts = self.store_alerts(admin)
        self.assertEqual([a["state"] for a in alerts], ["resolved"], alerts)
        self.assertEqual(metric(self.metrics(), "psm_store_writable"), 1.0)
        # The officer's outbox resends what was refused (same ids), then goes on.
        for report in refused:
            station = report.pop("station", STATION)
            status, _, data = self.post(crowd.get(station, officer), report, station)
            self.assertEqual(status, 201, data)
            acked.append(report["id"])
        for i in range(5):
            report = harness.queue_report(psm.now(), men=i)
            status, _, data = self.post(officer, report)
            self.assertEqual(status, 201, data)
            acked.append(report["id"])
        # A resend of an acknowledged report is answered from the store, not stored again.
        status, _, _ = self.post(officer, refused[0])
        self.assertEqual(status, 200)

        self.assertEqual(psm.stop(), 0, psm.read_log()[-2000:])
        con = sqlite3.connect(f"file:{psm.db}?mode=ro", uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            stored = [row[0] for row in con.execute("SELECT id FROM reports")]
            outages = con.execute(
                "SELECT detail FROM audit WHERE action = 'store_unwritable'").fetchall()
        finally:
            con.close()
        self.assertEqual(len(stored), len(set(stored)))
        self.assertEqual(sorted(stored), sorted(acked), "stored reports = the ones answered 201")
        self.assertEqual(len(outages), 1, outages)
        self.assertEqual(json.loads(outages[0][0])["reason"], "store_full")
        elapsed = time.monotonic() - started
        print(f"\n  {len(acked)} acknowledged, {len(refused)} refused while full (in {batches:.0f} "
              f"batches) and resent; filler {filled >> 10} KiB; {elapsed:.1f} s", file=sys.stderr)


def main():
    if (os.environ.get(IN_NAMESPACE) != "1" and os.geteuid() == 0 and shutil.which("unshare")
            and subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0):
        # Re-run in a private mount namespace: the tmpfs vanishes with it, whatever happens here.
        env = {**os.environ, IN_NAMESPACE: "1"}
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                               sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
