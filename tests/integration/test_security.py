"""Login back-off, token expiry, rate limits and the trusted-proxy rule, end to end."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Psm, queue_report, running  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))


class SecurityTest(unittest.TestCase):
    def test_wrong_pins_make_their_address_wait_and_keep_no_officer_out(self):
        psm = Psm(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32"])
        try:
            psm.start()
            right = psm.pins["34-3"]
            wrong = "000000" if right != "000000" else "111111"
            guesser = {"X-Forwarded-For": "203.0.113.66"}
            for _ in range(4):  # 3 free, the 4th starts the back-off
                status, _, _ = psm.request("POST", "/api/v1/sessions",
                                           {"station": "34-3", "pin": wrong}, headers=guesser)
                self.assertEqual(status, 401)
            status, headers, body = psm.request("POST", "/api/v1/sessions",
                                                {"station": "34-3", "pin": right},
                                                headers=guesser)
            self.assertEqual(status, 429, body)
            self.assertGreater(int(headers["retry-after"]), 0)
            # The officer, on another address, logs in; another station is not affected.
            status, _, body = psm.request("POST", "/api/v1/sessions",
                                          {"station": "34-3", "pin": right},
                                          headers={"X-Forwarded-For": "198.51.100.7"})
            self.assertEqual(status, 201, body)
            psm.login("34-4")
            # Every failure is audited (read from the store).
            import sqlite3
            con = sqlite3.connect(f"file:{psm.db}?mode=ro", uri=True)
            failures = con.execute("SELECT COUNT(*) FROM audit WHERE action='login_failed' "
                                   "AND station='34-3'").fetchone()[0]
            logins = con.execute("SELECT COUNT(*) FROM audit WHERE action='login' "
                                 "AND station IN ('34-3', '34-4')").fetchone()[0]
            con.close()
            self.assertEqual(failures, 4)
            self.assertEqual(logins, 2)
        finally:
            psm.close()

    def test_wrong_pins_from_several_addresses_raise_pin_guessing_until_the_reset(self):
        with running(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32"]) as psm:
            admin = psm.admin_login()
            right = psm.pins["34-5"]
            wrong = "00000000" if right != "00000000" else "11111111"

            def guess(address):
                status, _, body = psm.request("POST", "/api/v1/sessions",
                                              {"station": "34-5", "pin": wrong},
                                              headers={"X-Forwarded-For": address})
                self.assertEqual(status, 401, body)

            def alerts():
                status, data = psm.get_json("/api/v1/alerts?kind=pin_guessing&station=34-5",
                                            token=admin)
                self.assertEqual(status, 200, data)
                return data["alerts"]

            # An officer mistyping from a phone that moved from Wi-Fi to mobile data: no alert.
            guess("198.51.100.1")
            guess("198.51.100.2")
            guess("198.51.100.2")
            time.sleep(0.3)
            self.assertEqual(alerts(), [])
            # A third address: someone else is guessing.
            guess("203.0.113.3")
            deadline = time.time() + 5
            while not alerts() and time.time() < deadline:
                time.sleep(0.05)
            found = alerts()
            self.assertEqual(len(found), 1, found)
            self.assertEqual(found[0]["state"], "open")
            self.assertIn("3 addresses", found[0]["detail"])
            guess("203.0.113.4")
            time.sleep(0.3)
            self.assertEqual(len(alerts()), 1, "one alert while the guessing goes on")
            # The admin resets the PIN: the guesses were at a PIN that no longer exists.
            status, _, _ = psm.request("POST", "/api/v1/stations/34-5/pin", token=admin)
            self.assertEqual(status, 200)
            deadline = time.time() + 5
            while alerts()[0]["state"] != "resolved" and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(alerts()[0]["state"], "resolved")

    def test_malformed_pin_is_refused_and_audited(self):
        with running(BINARY) as psm:
            status, _, body = psm.request("POST", "/api/v1/sessions",
                                          {"station": "34-3", "pin": "12ab"})
            self.assertEqual(status, 401, body)
            import sqlite3
            con = sqlite3.connect(f"file:{psm.db}?mode=ro", uri=True)
            details = [r[0] for r in con.execute(
                "SELECT detail FROM audit WHERE action='login_failed' AND station='34-3'")]
            con.close()
            self.assertEqual(details, ["malformed PIN"])

    def test_expired_token_is_refused(self):
        psm = Psm(BINARY, extra_args=["--session-ttl-hours", "0.0003"])  # about one second
        try:
            psm.start()
            token = psm.login("35-1")
            time.sleep(1.5)
            status, _, body = psm.request("POST", "/api/v1/stations/35-1/reports",
                                          queue_report(psm.now()), token=token)
            self.assertEqual(status, 401)
            self.assertIn("expired", json.loads(body)["detail"])
        finally:
            psm.close()

    def test_lookup_rate_limit_and_trusted_proxy(self):
        psm = Psm(BINARY, extra_args=["--lookup-rate", "1", "--lookup-burst", "3",
                                      "--trusted-proxies", "127.0.0.1/32"])
        try:
            psm.start()
            conn = psm.connect()
            statuses = [psm.request("GET", "/api/v1/lookup?epic=JLW0000001", conn=conn)[0]
                        for _ in range(5)]
            self.assertEqual(statuses[:3], [200, 200, 200])
            status, headers, body = psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                                conn=conn)
            self.assertEqual(status, 429)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            self.assertEqual(json.loads(body)["status"], 429)
            self.assertTrue(json.loads(body)["type"].endswith("/rate_limited_lookup"), body)
            # Station reads have no per-address budget at all.
            self.assertEqual(psm.request("GET", "/api/v1/stations/34-1", conn=conn)[0], 200)
            conn.close()
            # Behind the trusted proxy, each forwarded client has its own bucket.
            fwd = {"X-Forwarded-For": "203.0.113.9"}
            self.assertEqual(psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                         headers=fwd)[0], 200)
        finally:
            psm.close()

    def test_forwarded_header_ignored_from_untrusted_peer(self):
        psm = Psm(BINARY, extra_args=["--lookup-rate", "1", "--lookup-burst", "2"])
        try:
            psm.start()
            for i in range(2):
                psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                            headers={"X-Forwarded-For": f"198.51.100.{i}"})
            status, _, _ = psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                       headers={"X-Forwarded-For": "198.51.100.77"})
            self.assertEqual(status, 429)  # a spoofed header cannot buy a fresh bucket
        finally:
            psm.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
