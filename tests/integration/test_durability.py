"""No acknowledged report is ever lost: graceful shutdown and kill -9 while officers post."""

import datetime
import http.client
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Psm, new_id  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))
STATIONS = ["34-1", "34-2", "34-3", "35-1", "35-2", "35-3"]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class Poster(threading.Thread):
    """One officer posting queue reports as fast as the server answers, until told to stop."""

    def __init__(self, psm, station, token, start_at):
        super().__init__(daemon=True)
        self.psm, self.station, self.token, self.at = psm, station, token, start_at
        self.acked = []
        self.stop_flag = threading.Event()

    def run(self):
        conn = None
        i = 0
        while not self.stop_flag.is_set():
            rid = new_id()
            i += 1
            observed = (self.at + datetime.timedelta(milliseconds=i)).isoformat().replace(
                "+00:00", "Z")
            body = json.dumps({"id": rid, "kind": "queue", "observed_at": observed,
                               "queue": {"men": i % 50, "women": i % 40, "others": 0}})
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", self.psm.port, timeout=10)
                conn.request("POST", f"/api/v1/stations/{self.station}/reports", body=body,
                             headers={"Content-Type": "application/json",
                                      "Authorization": "Bearer " + self.token})
                resp = conn.getresponse()
                resp.read()
                if resp.status in (200, 201):
                    self.acked.append(rid)
                elif resp.status == 503:
                    time.sleep(0.01)
            except (OSError, http.client.HTTPException):
                conn = None
                time.sleep(0.01)


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.psm = Psm(BINARY)
        self.psm.start()

    def tearDown(self):
        self.psm.close()

    def run_posters(self, seconds):
        start_at = parse_time(self.psm.now())
        posters = [Poster(self.psm, s, self.psm.login(s), start_at) for s in STATIONS]
        for p in posters:
            p.start()
        time.sleep(seconds)
        return posters

    def check_all_acked_stored(self, posters):
        acked = [rid for p in posters for rid in p.acked]
        self.assertGreater(len(acked), 50, "the load generator hardly ran")
        stored = self.psm.stored_report_ids()
        self.assertEqual(len(stored), len(set(stored)), "a report was stored twice")
        missing = set(acked) - set(stored)
        self.assertEqual(missing, set(), f"{len(missing)} acknowledged reports were lost")
        return acked, stored

    def test_graceful_shutdown_keeps_every_acknowledged_report(self):
        posters = self.run_posters(1.5)
        code = self.psm.stop(signal.SIGTERM)
        for p in posters:
            p.stop_flag.set()
        for p in posters:
            p.join(timeout=30)
        self.assertEqual(code, 0, self.psm.read_log()[-2000:])
        self.assertIn("stopped cleanly", self.psm.read_log())
        acked, _ = self.check_all_acked_stored(posters)
        # After a restart the board shows what was stored, and sessions survive.
        self.psm.start()
        status, body = self.psm.get_json("/api/v1/stations/34-1/timeline")
        self.assertEqual(status, 200)
        self.assertGreater(len(body["queue"]), 0)

    def test_kill_9_loses_no_acknowledged_report(self):
        posters = self.run_posters(1.5)
        self.psm.proc.kill()  # SIGKILL: no chance to flush anything
        self.psm.proc.wait()
        for p in posters:
            p.stop_flag.set()
        for p in posters:
            p.join(timeout=30)
        acked, stored = self.check_all_acked_stored(posters)
        # Restart on the same file: every stored report is replayed, retries are recognised.
        self.psm.start()
        token = self.psm.login("34-1")
        status, _, _ = self.psm.request("POST", "/api/v1/stations/34-1/reports",
                                        {"id": "00000000-0000-4000-8000-000000000001",
                                         "kind": "queue", "observed_at": self.psm.now(),
                                         "queue": {"men": 1, "women": 0, "others": 0}},
                                        token=token)
        self.assertEqual(status, 201)
        self.assertEqual(len(self.psm.stored_report_ids()), len(stored) + 1)


class SessionRestartTest(unittest.TestCase):
    def test_token_survives_restart(self):
        psm = Psm(BINARY)
        try:
            psm.start()
            token = psm.login("35-4")
            psm.stop()
            psm.start()
            status, _, body = psm.request("POST", "/api/v1/stations/35-4/reports",
                                          {"id": new_id(), "kind": "queue",
                                           "observed_at": psm.now(),
                                           "queue": {"men": 2, "women": 2, "others": 0}},
                                          token=token)
            self.assertEqual(status, 201, body)
        finally:
            psm.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
