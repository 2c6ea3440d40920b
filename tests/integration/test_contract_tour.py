"""A tour of docs/openapi.yaml against a real psm: every operation is asked at least once, and
most of their declared statuses are provoked. Each answer goes through Psm.request, so
contract.py checks it against the document; the tour then fails if an operation was never asked,
so a new route cannot go unchecked. Event streams are read too, and their data checked.
"""

import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
import contract  # noqa: E402
from harness import Psm, event_report, new_id, queue_report, turnout_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))
OPERATIONS = ("get", "head", "post", "delete", "put", "patch")


class ContractTourTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.psm = Psm(BINARY)
        cls.psm.run_cli("admin", "add-user", "--store", cls.psm.store, "--user", "gill", "--role",
                        "sector", "--stations", "34-1,34-2", stdin="sector-officer-pass\n")
        cls.psm.start()
        cls.asked = set()

    @classmethod
    def tearDownClass(cls):
        cls.psm.close()

    def ask(self, method, path, want, body=None, **kw):
        """Asks psm (the answer is checked against the document by Psm.request) and expects
        status `want`; returns (headers, body bytes)."""
        status, headers, data = self.psm.request(method, path, body, **kw)
        self.assertEqual(status, want, f"{method} {path}: {data[:300]!r}")
        template, item = contract.contract().route(path.split("?")[0])
        if item is not None and method.lower() in item:
            type(self).asked.add((method.lower(), template))
        return headers, data

    def both(self, path, want=200, **kw):
        """GET and HEAD of `path`; returns GET's body."""
        self.ask("HEAD", path, want, **kw)
        return self.ask("GET", path, want, **kw)[1]

    def test_1_public_reads(self):
        psm = self.psm
        token = psm.login("34-1")
        now = psm.now()
        self.ask("POST", "/api/v1/stations/34-1/reports", 201, event_report(now, "poll_started"),
                 token=token)
        self.ask("POST", "/api/v1/stations/34-1/reports", 201, queue_report(now, 7, 5),
                 token=token)
        self.ask("POST", "/api/v1/stations/34-1/reports", 201, turnout_report(now, 40, 30),
                 token=token)
        for path in ("/api/v1/district", "/api/v1/constituencies", "/api/v1/stations",
                     "/api/v1/stations?near=31.33,75.56&limit=3", "/api/v1/stations?sort=wait",
                     "/api/v1/stations?ac=34&q=basti", "/api/v1/stations/34-1",
                     "/api/v1/stations/34-1/timeline", "/api/v1/lookup?epic=JLW0000001",
                     "/api/v1/turnout", "/api/v1/turnout.csv", "/healthz", "/readyz",
                     "/metrics", "/api/v1/openapi.yaml"):
            self.both(path)
        for path in ("/api/v1/stations?sort=distance", "/api/v1/stations?limit=0",
                     "/api/v1/lookup?epic=JL1", "/api/v1/lookup", "/api/v1/events?types=bogus",
                     "/api/v1/events?ac=x"):
            self.ask("GET", path, 422)
        for path in ("/api/v1/stations/34-999", "/api/v1/stations/34-999/timeline",
                     "/api/v1/lookup?epic=ZZZ9999999", "/api/v1/events?station=34-999"):
            self.ask("GET", path, 404)
        headers, _ = self.ask("GET", "/api/v1/stations/34-1", 200)
        self.ask("GET", "/api/v1/stations/34-1", 304, headers={"If-None-Match": headers["etag"]})
        self.ask("GET", "/api/v1/events", 400, headers={"Last-Event-ID": "x"})
        self.ask("GET", "/api/v1/events?types=alert", 401)
        self.ask("GET", "/api/v1/events?types=alert", 403, token=token)
        self.ask("HEAD", "/api/v1/events", 200)

    def test_2_sessions_and_reports(self):
        psm = self.psm
        token, other = psm.login("34-2"), psm.login("35-1")
        now = psm.now()
        reports = "/api/v1/stations/34-2/reports"
        report = turnout_report(now, 50, 40)
        self.ask("POST", reports, 201, report, token=token)
        self.ask("POST", reports, 200, report, token=token)
        self.ask("POST", reports, 409, turnout_report(now, 5, 4), token=token)
        self.ask("POST", reports, 401, queue_report(now))
        self.ask("POST", reports, 403, queue_report(now), token=other)
        self.ask("POST", "/api/v1/stations/34-999/reports", 404, queue_report(now), token=token)
        self.ask("POST", reports, 422, {"id": new_id(), "kind": "gossip", "observed_at": now},
                 token=token)
        self.ask("POST", reports, 400, "{", token=token,
                 headers={"Content-Type": "application/json"})
        self.ask("POST", reports, 415, json.dumps(queue_report(now)), token=token,
                 headers={"Content-Type": "text/plain"})
        self.ask("POST", reports, 413, json.dumps({"pad": "x" * 20000}), token=token,
                 headers={"Content-Type": "application/json"})
        batch = "/api/v1/reports/batch"
        item = queue_report(now, 2, 2)
        item["station"] = "34-2"
        self.ask("POST", batch, 200, {"reports": [item]}, token=token)
        self.ask("POST", batch, 401, {"reports": [item]})
        self.ask("POST", batch, 422, {"reports": []}, token=token)
        self.ask("POST", batch, 400, "[", token=token, headers={"Content-Type": "application/json"})
        self.ask("POST", batch, 415, "{}", token=token, headers={"Content-Type": "text/plain"})
        sessions = "/api/v1/sessions"
        self.ask("POST", sessions, 401, {"station": "34-2", "pin": "00000000"})
        self.ask("POST", sessions, 422, {"station": "34-2"})
        self.ask("POST", sessions, 400, "{", headers={"Content-Type": "application/json"})
        self.ask("POST", sessions, 415, "{}", headers={"Content-Type": "text/plain"})
        self.ask("DELETE", "/api/v1/sessions/current", 204, token=other)
        self.ask("DELETE", "/api/v1/sessions/current", 401, token=other)
        self.ask("DELETE", "/api/v1/sessions/current", 401)

    def test_3_control_room(self):
        psm = self.psm
        admin, officer = psm.admin_login(), psm.login("35-2")
        self.ask("GET", "/api/v1/alerts", 401)
        self.ask("GET", "/api/v1/alerts", 403, token=officer)
        self.ask("GET", "/api/v1/alerts?state=bogus", 422, token=admin)
        self.ask("GET", "/api/v1/alerts?station=34-999", 404, token=admin)
        alerts = json.loads(self.both("/api/v1/alerts?state=open", token=admin))["alerts"]
        self.assertTrue(alerts, "no open alert to acknowledge")
        ack = f"/api/v1/alerts/{alerts[0]['id']}/ack"
        self.ask("POST", ack, 401)
        self.ask("POST", ack, 403, token=officer)
        self.ask("POST", ack, 200, token=admin)
        self.ask("POST", ack, 409, token=admin)
        self.ask("POST", "/api/v1/alerts/999999/ack", 404, token=admin)
        unlock = "/api/v1/stations/35-3/turnout-unlock"
        self.ask("POST", unlock, 401, {"reason": "typo"})
        self.ask("POST", unlock, 403, {"reason": "typo"}, token=officer)
        self.ask("POST", unlock, 422, {}, token=admin)
        self.ask("POST", unlock, 400, "{", token=admin, headers={"Content-Type": "application/json"})
        self.ask("POST", unlock, 415, "{}", token=admin, headers={"Content-Type": "text/plain"})
        self.ask("POST", "/api/v1/stations/34-999/turnout-unlock", 404, {"reason": "typo"},
                 token=admin)
        self.ask("POST", unlock, 201, {"reason": "typo"}, token=admin)
        self.ask("POST", unlock, 409, {"reason": "typo"}, token=admin)
        pin = "/api/v1/stations/35-3/pin"
        self.ask("POST", pin, 401)
        self.ask("POST", pin, 403, token=officer)
        self.ask("POST", "/api/v1/stations/34-999/pin", 404, token=admin)
        self.ask("POST", pin, 200, token=admin)
        for path in ("/api/v1/audit", "/api/v1/audit?format=csv&limit=5", "/api/v1/audit.csv",
                     "/api/v1/reports.csv"):
            self.both(path, token=admin)
            self.ask("GET", path, 401)
            self.ask("GET", path, 403, token=officer)
        for path in ("/api/v1/audit?since=yesterday", "/api/v1/audit.csv?limit=0",
                     "/api/v1/audit?format=xml", "/api/v1/reports.csv?since=yesterday"):
            self.ask("GET", path, 422, token=admin)

    def test_4_no_operation(self):
        self.ask("GET", "/api/v1/nothing-here", 404)
        self.ask("GET", "/api/v1/nothing-here/%ff", 400)  # not UTF-8: refused before routing
        self.ask("DELETE", "/api/v1/district", 405)
        self.ask("PUT", "/api/v1/stations/34-1/reports", 405)
        self.ask("GET", "/api/v1/sessions", 405)
        self.ask("GET", "/api/v1/district", 431, headers={"X-Padding": "x" * 9000})

    def test_5_event_streams(self):
        psm = self.psm
        token = psm.login("35-4")
        got = {}
        reader = threading.Thread(target=lambda: got.setdefault("events", cluster.events(
            psm, "/api/v1/events?ac=35", lambda ev: {e[1] for e in ev} >= {"status", "summary"},
            timeout=10)), daemon=True)
        reader.start()
        # The stream is open before the report; a few tries cover a slow start.
        for _ in range(20):
            self.ask("POST", "/api/v1/stations/35-4/reports", 201, queue_report(psm.now(), 3, 1),
                     token=token)
            reader.join(timeout=0.5)
            if not reader.is_alive():
                break
        reader.join(timeout=10)
        self.assertGreaterEqual({e[1] for e in got.get("events", [])}, {"status", "summary"})

    def test_9_every_operation_was_asked(self):
        spec = contract.contract().spec
        declared = {(m, path) for path, item in spec["paths"].items() for m in item
                    if m in OPERATIONS}
        self.assertEqual(declared - type(self).asked, set(), "operations the tour never asked")


if __name__ == "__main__":
    unittest.main(verbosity=2)
