"""The contract check itself (contract.py): answers that break docs/openapi.yaml must fail the
test that received them, with a message naming the operation, the status and the JSON path.

A stand-in server on a free loopback port plays psm, so the check is proved through the same
Psm.request every integration test uses; no psm binary is needed.
"""

import http.server
import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
import harness  # noqa: E402

HEALTHY = {"status": "ok", "role": "writer"}
PROBLEM = {"type": "https://psm.invalid/problems/not_found", "title": "Not found", "status": 404,
           "detail": "No resource at /x."}


def counts():
    return {"men": 1, "women": 2, "others": 0, "total": 3}


def slot(label, votes=None, pct=None, reported=0):
    return {"slot": label, "votes": votes, "pct": pct, "reported": reported, "missing": 0,
            "pending": 1}


def group():
    return {"electors": counts(), "stations": 1, "reporting_stations": 0, "stale_stations": 1,
            "states": {"not_started": 1, "open": 0, "interrupted": 0, "closed": 0},
            "queue": counts(), "votes_polled": counts(), "turnout_pct": None, "turnout_stations": 0,
            "still_polling_after_close": {"stations": 0, "voters_in_queue": 0}}


def district():
    return {"district": "Jalandhar", "date": "2024-06-01", "utc_offset": "+05:30",
            "time_zone": "Asia/Kolkata",
            "polling": {"opens": "2024-06-01T01:30:00Z", "closes": "2024-06-01T12:30:00Z"},
            "constituencies": 1, "slots": [slot("09:00"), slot("11:00", counts(), 0.25, 1)],
            **group()}


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers every request with the (status, headers, body) the test put in `answer`."""
    answer = (200, {}, b"")

    def reply(self):
        status, headers, body = StandIn.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = reply

    def log_message(self, *args):
        pass


class ContractTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.psm = harness.Psm.__new__(harness.Psm)  # only its HTTP helpers
        cls.psm.port = cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def answer(self, status, body, content_type="application/json", **headers):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        StandIn.answer = (status, {"Content-Type": content_type, **headers}, body)

    def refused(self, method, path, *fragments):
        """Asserts that Psm.request fails on the stand-in's answer with all `fragments`."""
        with self.assertRaises(AssertionError) as cm:
            self.psm.request(method, path)
        self.assertIsInstance(cm.exception, contract.ContractError)
        for fragment in fragments:
            self.assertIn(fragment, str(cm.exception))

    def test_documented_answers_pass(self):
        self.answer(200, HEALTHY)
        self.assertEqual(self.psm.request("GET", "/healthz")[0], 200)
        self.answer(200, district())
        self.assertEqual(self.psm.get_json("/api/v1/district")[1]["district"], "Jalandhar")
        self.answer(200, b"", "application/json")
        self.assertEqual(self.psm.request("HEAD", "/api/v1/district")[0], 200)
        self.answer(404, PROBLEM, "application/problem+json")
        self.assertEqual(self.psm.request("GET", "/api/v1/stations/34-9999")[0], 404)
        self.assertEqual(self.psm.request("GET", "/no/such/page")[0], 404)
        self.answer(405, PROBLEM, "application/problem+json", Allow="GET, HEAD")
        self.assertEqual(self.psm.request("DELETE", "/api/v1/district")[0], 405)
        self.answer(200, b"<html></html>", "text/html")
        self.assertEqual(self.psm.request("GET", "/station.html")[0], 200)  # a page, not the API

    def test_wrong_body_fails_with_operation_status_and_path(self):
        body = district()
        body["slots"][1]["votes"]["men"] = "many"
        self.answer(200, body)
        self.refused("GET", "/api/v1/district", "getDistrict (GET /api/v1/district)",
                     "status 200", "$.slots[1].votes.men")

    def test_null_only_where_nullable(self):
        body = district()
        body["stations"] = None  # `type: integer` without `nullable`
        self.answer(200, body)
        self.refused("GET", "/api/v1/district", "$.stations", "None is not of type 'integer'")

    def test_undocumented_property_fails(self):
        body = district()
        body["polling"]["lunch"] = "13:00"
        self.answer(200, body)
        self.refused("GET", "/api/v1/district", "$.polling.lunch", "not in the document")

    def test_undeclared_status_fails(self):
        self.answer(418, PROBLEM, "application/problem+json")
        self.refused("GET", "/healthz", "healthz (GET /healthz)", "status 418 is not declared")

    def test_undeclared_content_type_fails(self):
        self.answer(200, b"ok", "text/plain")
        self.refused("GET", "/healthz", "Content-Type 'text/plain'")
        self.answer(404, PROBLEM, "text/html")
        self.refused("GET", "/no/such/page", "Content-Type 'text/html'")

    def test_body_that_is_not_json_fails(self):
        self.answer(200, b"{not json", "application/json")
        self.refused("GET", "/healthz", "body is not JSON")

    def test_wrong_method_answers(self):
        self.answer(200, HEALTHY)
        self.refused("PUT", "/healthz", "method not in the document", "want 405")
        self.answer(405, PROBLEM, "application/problem+json", Allow="GET")
        self.refused("PUT", "/healthz", "Allow ['GET'], want ['GET', 'HEAD']")

    def test_head_has_no_body_and_api_paths_are_declared(self):
        self.answer(200, HEALTHY)
        with self.assertRaises(contract.ContractError):
            contract.check_response("HEAD", "/healthz", 200,
                                    {"content-type": "application/json"}, b"{}")
        self.refused("GET", "/api/v1/undeclared", "path the document does not have")

    def test_event_data(self):
        summary = district()
        contract.check_event("summary", json.dumps(summary))
        contract.check_event("reset", "{}")
        summary["slots"][0]["pct"] = "12%"
        with self.assertRaisesRegex(contract.ContractError,
                                    r"streamEvents event 'summary'(.|\n)*\$\.slots\[0\]\.pct"):
            contract.check_event("summary", json.dumps(summary))
        with self.assertRaisesRegex(contract.ContractError, r"event 'reset'(.|\n)*\$: "):
            contract.check_event("reset", '{"x": 1}')
        with self.assertRaisesRegex(contract.ContractError, "not in x-event-data"):
            contract.check_event("gossip", "{}")

    def test_every_schema_compiles(self):
        c = contract.contract()
        for name, schema in c.spec["components"]["schemas"].items():
            with self.subTest(schema=name):
                c.validator(schema)


if __name__ == "__main__":
    unittest.main(verbosity=2)
