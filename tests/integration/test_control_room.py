"""Control room end to end: the role matrix, alerts (GET, ack, SSE, restart), turnout corrections,
PIN resets, disabled users, the audit log and exports, and close of poll."""

import csv
import datetime
import io
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
from harness import Psm, event_report, queue_report, turnout_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))
SECTOR_PASSWORD = "sector-officer-pass"
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def ist(psm, hh, mm):
    """An RFC 3339 time on the server's polling day at local time hh:mm."""
    day = psm.now()[:10]
    local = datetime.datetime.strptime(day + f" {hh:02d}:{mm:02d}", "%Y-%m-%d %H:%M")
    return local.replace(tzinfo=IST).astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def new_psm(*extra):
    psm = Psm(BINARY, extra_args=list(extra))
    psm.run_cli("admin", "add-user", "--store", psm.store, "--user", "gill", "--role", "sector",
                "--stations", "34-1,34-2", stdin=SECTOR_PASSWORD + "\n")
    return psm


def sector_login(psm):
    status, _, data = psm.request("POST", "/api/v1/sessions",
                                  {"user": "gill", "password": SECTOR_PASSWORD})
    assert status == 201, data
    return json.loads(data)["token"]


def wait_for(predicate, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def alerts(psm, token, query=""):
    status, body = psm.get_json("/api/v1/alerts" + query, token=token)
    assert status == 200, body
    return body["alerts"]


class SseReader(threading.Thread):
    """Collects `alert` events from /api/v1/events on a raw socket, with `token` when given."""

    def __init__(self, port, token=None):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.sock.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: t\r\n{auth}\r\n".encode())
        self.events = []
        self.contract_errors = []
        self.start()

    def run(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                lines = block.decode(errors="replace").splitlines()
                data = "".join(l[6:] for l in lines if l.startswith("data: "))
                event = next((l[7:] for l in lines if l.startswith("event: ")), "message")
                if data:
                    try:
                        contract.check_event(event, data)
                    except contract.ContractError as e:
                        self.contract_errors.append(e)
                if event == "alert":
                    self.events.append(json.loads(data))

    def close(self):
        """Stops reading; raises the first event that broke docs/openapi.yaml."""
        self.sock.close()
        if self.contract_errors:
            raise self.contract_errors[0]


class ControlRoomTest(unittest.TestCase):
    def test_role_matrix(self):
        psm = new_psm("--admin-cidrs", "127.0.0.0/8", "--trusted-proxies", "127.0.0.1/32")
        try:
            psm.start()
            tokens = {"anonymous": None, "officer": psm.login("34-1"),
                      "other_officer": psm.login("35-1"), "sector": sector_login(psm),
                      "admin": psm.admin_login()}
            ids = {a["station"]: a["id"] for a in alerts(psm, tokens["admin"], "?kind=not_started")}
            self.assertEqual(len(ids), 12)  # 10:00 and no poll started anywhere
            now = psm.now()
            unlock = {"reason": "typing error"}
            # (who, method, path, body, expected status). "in" = 34-x (sector's), "out" = 35-x.
            cases = []
            for who, want in [("anonymous", 401), ("officer", 403), ("other_officer", 403),
                              ("sector", 200), ("admin", 200)]:
                cases.append((who, "GET", "/api/v1/alerts", None, want))
            cases += [("sector", "GET", "/api/v1/alerts?station=34-2", None, 200),
                      ("sector", "GET", "/api/v1/alerts?station=35-3", None, 403)]
            for who, station, want in [("anonymous", "34-1", 401), ("officer", "34-1", 403),
                                       ("other_officer", "35-1", 403), ("sector", "35-3", 403),
                                       ("sector", "34-1", 200), ("admin", "35-2", 200)]:
                cases.append((who, "POST", f"/api/v1/alerts/{ids[station]}/ack", None, want))
            for path, ok in [("/api/v1/stations/{}/pin", 200),
                             ("/api/v1/stations/{}/turnout-unlock", 201)]:
                for who, station, want in [("anonymous", "34-3", 401), ("officer", "34-1", 403),
                                           ("other_officer", "34-1", 403),
                                           ("sector", "34-1", 403), ("sector", "35-3", 403),
                                           ("admin", "35-6", ok)]:
                    cases.append((who, "POST", path.format(station), unlock, want))
            for path in ["/api/v1/audit", "/api/v1/audit.csv", "/api/v1/reports.csv"]:
                for who, want in [("anonymous", 401), ("officer", 403), ("other_officer", 403),
                                  ("sector", 403), ("admin", 200)]:
                    cases.append((who, "GET", path, None, want))
            for who, station, want in [("anonymous", "34-1", 401), ("officer", "34-1", 201),
                                       ("other_officer", "34-1", 403), ("sector", "34-2", 201),
                                       ("sector", "35-3", 403), ("admin", "35-4", 201)]:
                cases.append((who, "POST", f"/api/v1/stations/{station}/reports",
                              queue_report(now), want))
            for who, method, path, body, want in cases:
                status, _, data = psm.request(method, path, body, token=tokens[who])
                self.assertEqual(status, want, f"{who} {method} {path}: {data[:200]}")
            # A sector officer's list holds only their stations.
            self.assertEqual({a["station"] for a in alerts(psm, tokens["sector"])},
                             {"34-1", "34-2"})
            # Admin tokens only from PSM_ADMIN_CIDRS; sector officers anywhere.
            outside = {"X-Forwarded-For": "203.0.113.9"}
            status, _, data = psm.request("GET", "/api/v1/alerts", headers=outside,
                                          token=tokens["admin"])
            self.assertEqual(status, 403)
            self.assertIn("PSM_ADMIN_CIDRS", json.loads(data)["detail"])
            status, _, _ = psm.request("GET", "/api/v1/alerts", headers=outside,
                                       token=tokens["sector"])
            self.assertEqual(status, 200)
        finally:
            psm.close()

    def test_alerts_open_ack_resolve_sse_and_restart(self):
        psm = new_psm("--no-report-after-min", "2")
        try:
            psm.start("--clock-start", "10:00", "--clock-speed", "60", clock_start=None)
            admin, officer = psm.admin_login(), psm.login("34-1")
            # Alerts are the control room's: an admin's stream gets all, a sector officer's
            # those of 34-1 and 34-2, a stream without a token none.
            sse, sector, public = (SseReader(psm.port, admin),
                                   SseReader(psm.port, sector_login(psm)), SseReader(psm.port))
            post = lambda r: psm.request("POST", "/api/v1/stations/34-1/reports", r, token=officer)
            self.assertEqual(post(event_report(psm.now(), "poll_started"))[0], 201)
            mine = lambda q="": alerts(psm, admin, "?station=34-1" + q)
            self.assertEqual(mine("&kind=not_started")[0]["state"], "resolved")
            # No queue report for 2 server minutes (2 s): the 30 s (0.5 s real) timer opens it.
            no_report = wait_for(lambda: mine("&kind=no_report&state=open"), what="no_report")
            time.sleep(1.5)  # the cause persists: still one alert, no duplicate
            self.assertEqual(len(mine("&kind=no_report")), 1)
            alert_id = no_report[0]["id"]
            status, body = psm.get_json(f"/api/v1/alerts/{alert_id}/ack", token=admin)
            self.assertEqual(status, 405)
            status, _, data = psm.request("POST", f"/api/v1/alerts/{alert_id}/ack", token=admin)
            self.assertEqual(status, 200, data)
            acked = json.loads(data)["alert"]
            self.assertEqual((acked["state"], acked["acknowledged_by"]),
                             ("acknowledged", "user:admin"))
            status, _, data = psm.request("POST", f"/api/v1/alerts/{alert_id}/ack", token=admin)
            self.assertEqual(status, 409)
            self.assertEqual(post(queue_report(psm.now()))[0], 201)
            self.assertEqual(mine("&kind=no_report")[0]["state"], "resolved")
            # A refusal that needs a person, resolved by the next valid report of its kind.
            self.assertEqual(post(queue_report(psm.now(), men=5000))[0], 422)
            rejected = mine("&kind=rejected_report&state=open")
            self.assertEqual(len(rejected), 1)
            self.assertIn("queue_exceeds_electors", rejected[0]["detail"])
            self.assertEqual(post(queue_report(psm.now(), men=3))[0], 201)
            self.assertEqual(mine("&kind=rejected_report")[0]["state"], "resolved")
            # The live stream carried them, without the private detail.
            kinds = wait_for(lambda: {(e["kind"], e["state"]) for e in sse.events
                                      if e["station"] == "34-1"} >= {("no_report", "open"),
                                                                     ("no_report", "acknowledged"),
                                                                     ("no_report", "resolved")},
                             what="SSE alert events")
            self.assertTrue(kinds)
            self.assertTrue(all("detail" not in e for e in sse.events))
            wait_for(lambda: any(e["station"] == "34-1" for e in sector.events),
                     what="the sector officer's alert events")
            self.assertEqual({e["station"] for e in sector.events} - {"34-1", "34-2"}, set())
            self.assertEqual(public.events, [])
            # Asking for alerts by name needs a control-room token.
            status, _, data = psm.request("GET", "/api/v1/events?types=alert")
            self.assertEqual(status, 401, data)
            status, _, data = psm.request("GET", "/api/v1/events?types=alert", token=officer)
            self.assertEqual(status, 403, data)
            for reader in (sse, sector, public):
                reader.close()
            before = {a["id"]: a["state"] for a in alerts(psm, admin, "?station=34-1")}
            psm.stop()
            psm.start("--clock-start", "10:30", "--clock-speed", "60", clock_start=None)
            after = {a["id"]: a["state"] for a in alerts(psm, psm.admin_login(),
                                                           "?station=34-1")}
            self.assertEqual({k: v for k, v in after.items() if k in before}, before)
        finally:
            psm.close()

    def test_correction_pin_reset_disabled_user_and_audit(self):
        psm = new_psm()
        try:
            psm.start()
            admin, officer = psm.admin_login(), psm.login("34-2")
            post = lambda r: psm.request("POST", "/api/v1/stations/34-2/reports", r,
                                         token=officer)
            self.assertEqual(post(turnout_report(ist(psm, 9, 50), 100, 90))[0], 201)
            lower = turnout_report(ist(psm, 9, 55), 95, 90)
            lower["reason"] = "typing error at 09:50"
            status, _, data = post(lower)
            self.assertEqual(status, 409)
            self.assertIn("unlock", json.loads(data)["detail"])
            unlock_path = "/api/v1/stations/34-2/turnout-unlock"
            self.assertEqual(psm.request("POST", unlock_path, {}, token=admin)[0], 422)
            status, _, data = psm.request("POST", unlock_path, {"reason": "officer called"},
                                          token=admin)
            self.assertEqual(status, 201, data)
            self.assertEqual(psm.request("POST", unlock_path, {"reason": "again"},
                                         token=admin)[0], 409)
            lower["id"] = turnout_report(ist(psm, 9, 55), 95, 90)["id"]
            self.assertEqual(post(lower)[0], 201)
            _, station = psm.get_json("/api/v1/stations/34-2")
            self.assertEqual(station["status"]["votes_polled"]["total"], 185)
            again = turnout_report(ist(psm, 9, 56), 94, 90)
            again["reason"] = "once more"
            self.assertEqual(post(again)[0], 409)
            status, body = psm.get_json("/api/v1/audit?station=34-2", token=admin)
            actions = [e["action"] for e in reversed(body["entries"])]
            self.assertEqual([a for a in actions if a != "login"],
                             ["report", "report_rejected", "turnout_unlocked", "report",
                              "turnout_corrected", "report_rejected"])
            unlocked = [e for e in body["entries"] if e["action"] == "turnout_unlocked"][0]
            self.assertEqual((unlocked["actor"], unlocked["role"], unlocked["client"]),
                             ("user:admin", "admin", "127.0.0.1"))
            status, _, data = psm.request("GET", "/api/v1/audit?format=csv&actor=user:admin",
                                          token=admin)
            rows = list(csv.DictReader(io.StringIO(data.decode())))
            self.assertTrue(rows and all(r["actor"] == "user:admin" for r in rows))
            status, _, data = psm.request("GET", "/api/v1/reports.csv", token=admin)
            reports = [r for r in csv.DictReader(io.StringIO(data.decode()))
                       if r["station"] == "34-2"]
            self.assertEqual([r["total"] for r in reports], ["190", "185"])
            self.assertEqual(reports[1]["reason"], "typing error at 09:50")

            # PIN reset: the new PIN works once shown, the old PIN and its sessions do not.
            old_pin = psm.pins["34-2"]
            status, _, data = psm.request("POST", "/api/v1/stations/34-2/pin", token=admin)
            self.assertEqual(status, 200)
            new_pin = json.loads(data)["pin"]
            self.assertEqual(psm.request("POST", "/api/v1/stations/34-2/reports",
                                         queue_report(psm.now()), token=officer)[0], 401)
            self.assertEqual(psm.request("POST", "/api/v1/sessions",
                                         {"station": "34-2", "pin": old_pin})[0],
                             401 if new_pin != old_pin else 201)
            psm.pins["34-2"] = new_pin
            psm.login("34-2")

            # A disabled user is refused, and their live token ends within seconds.
            sector = sector_login(psm)
            out = psm.run_cli("admin", "disable-user", "--store", psm.store, "--user", "gill")
            self.assertIn("disabled", out.stdout)
            listing = psm.run_cli("admin", "list-users", "--store", psm.store).stdout
            self.assertRegex(listing, r"gill\s+sector\s+disabled")
            wait_for(lambda: psm.request("GET", "/api/v1/alerts", token=sector)[0] == 401,
                     what="the disabled user's token to end")
            self.assertEqual(psm.request("POST", "/api/v1/sessions",
                                         {"user": "gill", "password": SECTOR_PASSWORD})[0], 401)
        finally:
            psm.close()

    def test_turnout_csv_against_hand_computed_values(self):
        psm = new_psm()
        try:
            psm.start()  # 10:00: the 09:00 slot is closed, 11:00 still pending
            for station, men, women, others in [("34-1", 100, 80, 0), ("35-2", 50, 40, 1)]:
                token = psm.login(station)
                self.assertEqual(psm.request("POST", f"/api/v1/stations/{station}/reports",
                                             turnout_report(ist(psm, 8, 55), men, women, others),
                                             token=token)[0], 201)
            def turnout_rows():
                status, _, data = psm.request("GET", "/api/v1/turnout.csv")
                self.assertEqual(status, 200)
                return {(r["ac"], r["station"]): r
                        for r in csv.DictReader(io.StringIO(data.decode()))}

            nine = lambda r: [r[f"09:00_{k}"] for k in ("men", "women", "others", "total", "pct")]
            # The district views are rebuilt at most every 250 ms: the last report may take
            # that long to show.
            def both_reported():
                rows = turnout_rows()
                return rows if nine(rows[("35", "35-2")])[0] == "50" else None

            rows = wait_for(both_reported, timeout=2, what="both reports in turnout.csv")
            # 34-1: 180 of 612 + 571 = 1183 electors → 15.22 %; 35-2: 91 of 1047 → 8.69 %.
            self.assertEqual(nine(rows[("34", "34-1")]), ["100", "80", "0", "180", "15.22"])
            self.assertEqual(nine(rows[("35", "35-2")]), ["50", "40", "1", "91", "8.69"])
            self.assertEqual(nine(rows[("34", "34-3")]), ["missing"] * 5)
            self.assertEqual(rows[("34", "34-1")]["11:00_total"], "")  # pending, not missing
            # Totals over the stations that reported: AC 34 = 34-1 alone; district = both,
            # 271 of 1183 + 1047 = 2230 electors → 12.15 %.
            self.assertEqual(nine(rows[("34", "AC total")]), ["100", "80", "0", "180", "15.22"])
            self.assertEqual(nine(rows[("", "District total")]),
                             ["150", "120", "1", "271", "12.15"])
        finally:
            psm.close()

    def test_still_polling_after_close(self):
        psm = new_psm()
        try:
            psm.start("--clock-start", "17:58", "--clock-speed", "60", clock_start=None)
            for station, queue in [("34-5", 40), ("34-6", 10)]:
                token = psm.login(station)
                path = f"/api/v1/stations/{station}/reports"
                self.assertEqual(psm.request("POST", path, event_report(ist(psm, 7, 0),
                                                                        "poll_started"),
                                             token=token)[0], 201)
                self.assertEqual(psm.request("POST", path, queue_report(psm.now(), men=queue,
                                                                        women=0),
                                             token=token)[0], 201)
            after = lambda: psm.get_json("/api/v1/district")[1]["still_polling_after_close"]
            self.assertEqual(after(), {"stations": 0, "voters_in_queue": 0})  # before 18:00
            wait_for(lambda: after() == {"stations": 2, "voters_in_queue": 50},
                     what="18:00 to pass")
            token = psm.login("34-6")
            closed = event_report(psm.now(), "poll_closed", voters_in_queue_at_close=10)
            self.assertEqual(psm.request("POST", "/api/v1/stations/34-6/reports", closed,
                                         token=token)[0], 201)
            # The district view is rebuilt at most every 250 ms after a report.
            wait_for(lambda: after() == {"stations": 1, "voters_in_queue": 40}, timeout=2,
                     what="the close to reach the district view")
        finally:
            psm.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
