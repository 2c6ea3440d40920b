"""Every endpoint of the public and officer API against a real psm serve."""

import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
from harness import Psm, event_report, new_id, queue_report, turnout_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.psm = Psm(BINARY).start()

    @classmethod
    def tearDownClass(cls):
        cls.psm.close()

    def post_report(self, station, report, token):
        return self.psm.request("POST", f"/api/v1/stations/{station}/reports", report, token=token)

    # --- public reads ---------------------------------------------------------------------------
    def test_district(self):
        status, d = self.psm.get_json("/api/v1/district")
        self.assertEqual(status, 200)
        self.assertEqual(d["stations"], 12)
        self.assertEqual(d["utc_offset"], "+05:30")
        self.assertIn("now", d)
        self.assertEqual(d["electors"]["total"],
                         d["electors"]["men"] + d["electors"]["women"] + d["electors"]["others"])

    def test_constituencies(self):
        status, c = self.psm.get_json("/api/v1/constituencies")
        self.assertEqual(status, 200)
        self.assertEqual([a["ac"] for a in c["constituencies"]], [34, 35])
        self.assertEqual(sum(a["stations"] for a in c["constituencies"]), 12)

    def test_station_list_filters_and_sorts(self):
        status, body = self.psm.get_json("/api/v1/stations?ac=35&limit=3")
        self.assertEqual(status, 200)
        self.assertEqual(body["total"], 6)
        self.assertEqual(len(body["stations"]), 3)
        self.assertTrue(all(s["ac"] == 35 for s in body["stations"]))
        _, near = self.psm.get_json("/api/v1/stations?near=31.3291,75.5562&limit=2")
        self.assertEqual(near["stations"][0]["id"], "34-1")
        self.assertLessEqual(near["stations"][0]["distance_km"], near["stations"][1]["distance_km"])
        _, q = self.psm.get_json("/api/v1/stations?q=" + urllib.parse.quote("basti sheikh"))
        self.assertGreaterEqual(q["total"], 1)
        for bad in ["ac=x", "near=91,0", "sort=nonsense", "limit=0", "sort=distance"]:
            status, problem = self.psm.get_json("/api/v1/stations?" + bad)
            self.assertEqual(status, 422, bad)
            self.assertIn("detail", problem)

    def test_station_etag_and_304(self):
        status, headers, body = self.psm.request("GET", "/api/v1/stations/34-2")
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "public, max-age=10")
        station = json.loads(body)
        for key in ["id", "ac", "part", "name", "building", "locality", "lat", "lon", "electors",
                    "status"]:
            self.assertIn(key, station)
        for key in ["state", "queue", "wait_minutes", "votes_polled", "turnout_pct", "reported_at",
                    "age_seconds", "stale", "trend"]:
            self.assertIn(key, station["status"])
        etag = headers["etag"]
        status, headers, body = self.psm.request("GET", "/api/v1/stations/34-2",
                                                 headers={"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        status, _, _ = self.psm.request("GET", "/api/v1/stations/34-2",
                                        headers={"If-None-Match": f'"other", W/{etag}'})
        self.assertEqual(status, 304)
        status, _, _ = self.psm.request("GET", "/api/v1/stations/34-2",
                                        headers={"If-None-Match": '"stale"'})
        self.assertEqual(status, 200)

    def test_page_etag_and_304(self):
        # Pages and assets answer If-None-Match as the API does: lists and weak tags too.
        status, headers, _ = self.psm.request("GET", "/")
        self.assertEqual(status, 200)
        etag = headers["etag"]
        for value in (etag, f'"other", W/{etag}', "*"):
            self.assertEqual(self.psm.request("GET", "/", headers={"If-None-Match": value})[0],
                             304, value)
        self.assertEqual(self.psm.request("GET", "/", headers={"If-None-Match": '"x"'})[0], 200)

    def test_every_answer_is_dated_with_the_current_second(self):
        # RFC 9110 §6.6.1: an origin server with a clock sends Date. The station answer is
        # prepared once and shared; each write must still carry the second it goes out in.
        import email.utils
        conn = self.psm.connect()
        seen = set()
        for path in ["/api/v1/stations/34-1", "/api/v1/district", "/", "/no/such/path",
                     "/api/v1/stations/34-1"]:
            before = time.time()
            status, headers, _ = self.psm.request("GET", path, conn=conn)
            after = time.time()
            self.assertIn("date", headers, path)
            self.assertRegex(headers["date"],
                             r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|"
                             r"Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")
            when = email.utils.parsedate_to_datetime(headers["date"]).timestamp()
            self.assertGreaterEqual(when, int(before) - 1, (path, headers["date"]))
            self.assertLessEqual(when, after, (path, headers["date"]))
            if path == "/api/v1/stations/34-1":
                seen.add(headers["date"])
                time.sleep(1.1)
        self.assertEqual(len(seen), 2, "the shared answer's Date moved on with the clock")
        status, headers, _ = self.psm.request("HEAD", "/api/v1/stations/34-1", conn=conn)
        self.assertIn("date", headers)
        conn.close()

    def test_unknown_paths_and_methods(self):
        status, headers, body = self.psm.request("GET", "/api/v1/nothing-here")
        self.assertEqual(status, 404)
        self.assertEqual(headers["content-type"], "application/problem+json")
        problem = json.loads(body)
        self.assertEqual(set(problem), {"type", "title", "status", "detail"})
        status, headers, _ = self.psm.request("DELETE", "/api/v1/district")
        self.assertEqual(status, 405)
        self.assertIn("GET", headers["allow"])
        status, _, _ = self.psm.request("GET", "/api/v1/stations/99-9")
        self.assertEqual(status, 404)

    def test_lookup(self):
        status, body = self.psm.get_json("/api/v1/lookup?epic=JLW0000001")
        self.assertEqual(status, 200)
        self.assertEqual(set(body), {"station"})
        self.assertIn("status", body["station"])
        self.assertNotIn("epic", json.dumps(body).lower())
        status, problem = self.psm.get_json("/api/v1/lookup?epic=ZZZ9999999")
        self.assertEqual(status, 404)
        self.assertIn("EPIC", problem["detail"])
        status, _ = self.psm.get_json("/api/v1/lookup?epic=12")
        self.assertEqual(status, 422)

    def test_turnout_json_and_csv(self):
        status, t = self.psm.get_json("/api/v1/turnout")
        self.assertEqual(status, 200)
        self.assertEqual([s["slot"] for s in t["slots"]],
                         ["09:00", "11:00", "13:00", "15:00", "17:00", "close"])
        self.assertEqual(len(t["stations"]), 12)
        status, headers, csv = self.psm.request("GET", "/api/v1/turnout.csv")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        lines = csv.decode().strip().split("\n")
        self.assertTrue(lines[0].startswith("ac,station,name,electors,09:00_men"))
        self.assertTrue(lines[-1].startswith(",District total"))
        # The clock starts at 10:00: the 09:00 slot is over and nobody reported for it.
        first_station = lines[1].split(",")
        self.assertIn("missing", first_station)

    def test_timeline(self):
        token = self.psm.login("35-3")
        now = self.psm.now()
        status, _, _ = self.post_report("35-3", queue_report(now, 7, 3), token)
        self.assertEqual(status, 201)
        status, tl = self.psm.get_json("/api/v1/stations/35-3/timeline")
        self.assertEqual(status, 200)
        self.assertEqual(tl["queue"][-1]["total"], 10)

    def test_ops_endpoints(self):
        self.assertEqual(self.psm.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.psm.request("GET", "/readyz")[0], 200)
        status, headers, body = self.psm.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"psm_http_requests_total", body)
        status, _, body = self.psm.request("GET", "/api/v1/openapi.yaml")
        self.assertEqual(status, 200)
        # Outside tools read the contract from the server: it is docs/openapi.yaml, as built.
        with open(contract.SPEC_PATH, "rb") as f:
            self.assertEqual(body, f.read(), "the served document is not docs/openapi.yaml")

    # --- officer writes -------------------------------------------------------------------------
    def test_report_flow_and_idempotency(self):
        token = self.psm.login("34-1")
        now = self.psm.now()
        report = queue_report(now, 12, 9)
        status, _, body = self.post_report("34-1", report, token)
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["result"], "created")
        status, _, body = self.post_report("34-1", report, token)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["result"], "repeated")
        changed = dict(report, queue={"men": 1, "women": 1, "others": 0})
        status, _, body = self.post_report("34-1", changed, token)
        self.assertEqual(status, 409)
        _, station = self.psm.get_json("/api/v1/stations/34-1")
        self.assertEqual(station["status"]["queue"]["total"], 21)
        self.assertEqual(self.psm.stored_report_ids().count(report["id"]), 1)

    def test_tokens(self):
        now = self.psm.now()
        report = queue_report(now)
        status, headers, _ = self.post_report("34-4", report, None)
        self.assertEqual(status, 401)
        self.assertIn("bearer", headers.get("www-authenticate", "").lower())
        status, _, _ = self.post_report("34-4", report, "not-a-token")
        self.assertEqual(status, 401)
        status, _, _ = self.post_report("34-4", report, "A" * 43)
        self.assertEqual(status, 401)
        other = self.psm.login("34-5")
        status, _, body = self.post_report("34-4", report, other)
        self.assertEqual(status, 403, body)
        status, _, _ = self.psm.request("POST", "/api/v1/sessions",
                                        {"station": "34-4", "pin": "000000x"})
        self.assertEqual(status, 401)

    def test_logout(self):
        token = self.psm.login("34-6")
        status, _, _ = self.psm.request("DELETE", "/api/v1/sessions/current", token=token)
        self.assertEqual(status, 204)
        status, _, _ = self.post_report("34-6", queue_report(self.psm.now()), token)
        self.assertEqual(status, 401)

    def test_decreasing_turnout_names_previous_value(self):
        token = self.psm.login("35-1")
        now = self.psm.now()
        status, _, body = self.post_report("35-1", turnout_report(now, 100, 90), token)
        self.assertEqual(status, 201, body)
        status, headers, body = self.post_report("35-1", turnout_report(now, 99, 90), token)
        self.assertEqual(status, 409)
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertIn("190", json.loads(body)["detail"])

    def test_validation_refusals(self):
        token = self.psm.login("35-2")
        now = self.psm.now()
        big = queue_report(now, 100000, 0)
        self.assertEqual(self.post_report("35-2", big, token)[0], 422)
        status, _, _ = self.psm.request("POST", "/api/v1/stations/35-2/reports", "{not json",
                                        headers={"Content-Type": "application/json"}, token=token)
        self.assertEqual(status, 400)
        status, _, _ = self.psm.request("POST", "/api/v1/stations/35-2/reports",
                                        json.dumps(queue_report(now)),
                                        headers={"Content-Type": "text/plain"}, token=token)
        self.assertEqual(status, 415)
        huge = json.dumps(dict(queue_report(now), padding="x" * 20000))
        status, _, _ = self.psm.request("POST", "/api/v1/stations/35-2/reports", huge,
                                        headers={"Content-Type": "application/json"}, token=token)
        self.assertEqual(status, 413)
        future = queue_report("2099-01-01T00:00:00Z")
        self.assertEqual(self.post_report("35-2", future, token)[0], 422)
        resumed = event_report(now, "resumed")
        self.assertEqual(self.post_report("35-2", resumed, token)[0], 409)

    def test_batch(self):
        token = self.psm.login("35-4")
        now = self.psm.now()
        good = queue_report(now, 3, 3)
        good["station"] = "35-4"
        foreign = queue_report(now, 3, 3)
        foreign["station"] = "35-5"
        bad = {"id": new_id(), "station": "35-4", "kind": "nonsense", "observed_at": now}
        status, _, body = self.psm.request("POST", "/api/v1/reports/batch",
                                           {"reports": [good, foreign, bad, good]}, token=token)
        self.assertEqual(status, 200, body)
        results = json.loads(body)["results"]
        self.assertEqual([r["status"] for r in results[:3]], [201, 403, 422])
        # A result's problem reads as the answer to the same report sent alone.
        status, _, alone = self.psm.request("POST", "/api/v1/stations/35-4/reports", bad,
                                            token=token)
        self.assertEqual(status, 422)
        self.assertEqual(results[2]["problem"], json.loads(alone))
        self.assertIn(results[3]["status"], (200, 201))
        self.assertEqual(self.psm.stored_report_ids().count(good["id"]), 1)

    def test_sse_receives_new_report_within_a_second(self):
        token = self.psm.login("35-6")
        conn = self.psm.connect()
        conn.request("GET", "/api/v1/events?station=35-6")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))
        received = {}

        def reader():
            buf = b""
            while b"event: status" not in buf:
                chunk = resp.fp.read1(4096) if hasattr(resp.fp, "read1") else resp.read(1)
                if not chunk:
                    return
                buf += chunk
            received["at"] = time.monotonic()
            received["data"] = buf

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        time.sleep(0.2)
        sent = time.monotonic()
        status, _, _ = self.post_report("35-6", queue_report(self.psm.now(), 4, 4), token)
        self.assertEqual(status, 201)
        t.join(timeout=5)
        conn.close()
        self.assertIn("at", received, "no status event arrived")
        self.assertLess(received["at"] - sent, 1.0)
        self.assertIn(b'"35-6"', received["data"])

    def test_sse_types_filter(self):
        status, _, body = self.psm.request("GET", "/api/v1/events?types=status,bogus")
        self.assertEqual(status, 422, body)
        self.assertEqual(json.loads(body)["type"].rsplit("/", 1)[-1], "bad_types")

        def open_stream(query):
            sock = socket.create_connection(("127.0.0.1", self.psm.port), timeout=5)
            sock.sendall(f"GET /api/v1/events{query} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            return sock

        def read_for(sock, seconds):
            buf, end = b"", time.monotonic() + seconds
            while time.monotonic() < end:
                sock.settimeout(max(0.01, end - time.monotonic()))
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                buf += chunk
            return buf

        token = self.psm.login("35-5")
        only_status, everything = open_stream("?types=status"), open_stream("")
        try:
            time.sleep(0.2)
            status, _, _ = self.post_report("35-5", queue_report(self.psm.now(), 3, 2), token)
            self.assertEqual(status, 201)
            filtered, unfiltered = read_for(only_status, 2.5), read_for(everything, 0.5)
        finally:
            only_status.close()
            everything.close()
        # The unfiltered stream shows a summary follows the report; the filtered one skips it.
        self.assertIn(b"event: summary", unfiltered)
        self.assertIn(b"event: status", filtered)
        self.assertNotIn(b"event: summary", filtered)


if __name__ == "__main__":
    unittest.main(verbosity=2)
