"""Bad input over every endpoint of docs/openapi.yaml: one table of refused requests.

Each case asserts the exact status, an `application/problem+json` answer (no body where HTTP
forbids one: HEAD) whose `type` names the reason, whose `status` equals the HTTP status and whose
`detail` says what was wrong (a substring per case), plus the headers the status needs (`Allow`
on 405, `WWW-Authenticate` on 401, `Connection: close` where the request cannot be read on).
After the groups that could change state, and at the end, the store and every station's answer
must be as they were: no report, PIN, user, session, unlock or alert acknowledgement added or
changed; the audit log may only have gained refused logins and rejected reports.

One server holds the whole table: admin CIDRs 127.0.0.0/8 and 10.0.0.0/8, and 127.0.0.1 as a
trusted proxy, so each case speaks from its own 10.x address (no rate limit carries over from one
case to the next) and an admin "outside" speaks from 203.0.113.x.
"""

import datetime
import json
import os
import socket
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
from harness import Psm, event_report, new_id, queue_report, turnout_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(os.path.dirname(__file__), "../../build/psm"))
SECTOR_PASSWORD = "sector-officer-pass"
PROBLEM = "https://psm.invalid/problems/"
OUTSIDE = "203.0.113.77"  # outside PSM_ADMIN_CIDRS
UUID = "3f1c2a8e-5b7d-4e1a-9c2b-0d6e8f4a1b23"
JSON_CT = {"Content-Type": "application/json"}
# Audit actions that refused requests may add; anything else means a bad request did something.
REFUSAL_AUDIT = {"login_failed", "login_refused", "report_rejected"}
# Tables whose rows no refused request may add or change.
FROZEN_TABLES = ["constituencies", "stations", "electors", "station_pins", "users",
                 "user_stations", "sessions", "reports", "turnout_unlocks"]


def case(group, name, method, path, status, reason, detail, **kw):
    """One row of the table. `reason` ends the problem type; `detail` must be in the detail.
    Optional: token (a name from ctx.tokens, sent after `scheme`, "Bearer" unless given; or a
    literal "Authorization" value via auth=),
    body (dict -> JSON with Content-Type application/json unless headers give one; str/bytes
    as is), headers, xff, allow (405), close (Connection: close expected), raw (bytes sent on
    a raw socket instead), no_body (HEAD: headers of a problem, no body)."""
    return dict(group=group, name=name, method=method, path=path, status=status, reason=reason,
                detail=detail, **kw)


# --- raw HTTP ----------------------------------------------------------------------------------

def raw_exchange(port, data, timeout=5):
    """Sends `data` as is and reads until the server closes (or `timeout`). Returns (responses,
    closed): every complete response found in the bytes read, each (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        received, closed = b"", False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    closed = True
                    break
                received += chunk
        except socket.timeout:
            pass
    responses = []
    while b"\r\n\r\n" in received:
        head, rest = received.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        responses.append((status, headers, rest[:length]))
        received = rest[length:]
    return responses, closed


def raw_request(method, target, headers=(), body=b"", version=b"HTTP/1.1"):
    head = method + b" " + target + b" " + version + b"\r\nHost: psm.test\r\n"
    for line in headers:
        head += line + b"\r\n"
    return head + b"\r\n" + body


# --- the table ---------------------------------------------------------------------------------

def build_cases(ctx):
    """Every bad request, given ctx (tokens, seeded ids, the server's now)."""
    now = ctx["now"]
    later = ctx["later"]  # an hour ahead of the server's clock
    cases = []
    add = cases.append

    # -- non-UTF-8 and broken escapes in paths and queries: 400 before any route runs ---------
    in_path = "The path is not percent-encoded UTF-8"

    def param(name):
        return f'query parameter "{name}" is not percent-encoded UTF-8'

    g = "utf8"
    for path, token, detail in [
            ("/api/v1/stations/%ff", None, in_path),
            ("/api/v1/stations/%ff/timeline", None, in_path),
            ("/api/v1/events?station=%ff", None, param("station")),
            ("/api/v1/events?ac=%ff", None, param("ac")),
            ("/api/v1/stations?q=%ff", None, param("q")),
            ("/api/v1/stations?ac=34&near=%ff", None, param("near")),
            ("/api/v1/lookup?epic=%ff", None, param("epic")),
            ("/api/v1/alerts?station=%ff", "admin", param("station")),
            ("/api/v1/audit?actor=%ff", "admin", param("actor")),
            ("/api/v1/audit?station=%ff", "admin", param("station")),
            ("/api/v1/reports.csv?since=%ff", "admin", param("since")),
            ("/metrics?%ff=1", None, "query parameter's name"),
            ("/api/v1/nope/%ff", None, in_path), ("/%ff", None, in_path),
            ("/api/v1/stations/%c3%28", None, in_path),  # a lead byte without its follower
            ("/api/v1/stations/%ed%a0%80", None, in_path),  # a UTF-16 surrogate
            ("/api/v1/stations/%c0%af", None, in_path),  # an overlong '/'
            ("/api/v1/stations/34-1%00", None, in_path),  # NUL
            ("/index.html%00.js", None, in_path),
            ("/api/v1/stations/%zz", None, in_path), ("/api/v1/stations/%2", None, in_path),
            ("/api/v1/stations?q=%", None, param("q")),
            ("/api/v1/stations?q=a%00b", None, param("q"))]:
        add(case(g, "GET " + path, "GET", path, 400, "bad_request", detail, token=token,
                 close=True))
    for path, token, body in [("/api/v1/stations/%ff/reports", "officer", {}),
                              ("/api/v1/stations/%ff/pin", "admin", None),
                              ("/api/v1/stations/%ff/turnout-unlock", "admin", {"reason": "x"}),
                              ("/api/v1/alerts/%ff/ack", "admin", None)]:
        add(case(g, "POST " + path, "POST", path, 400, "bad_request", in_path, token=token,
                 body=body, close=True))
    for path in ["/api/v1/stations/%ff", "/api/v1/nope/%ff"]:
        add(case(g, "HEAD " + path, "HEAD", path, 400, "bad_request", None, no_body=True,
                 close=True))
    add(case(g, "raw 0xff byte in the path", None, None, 400, "bad_request", in_path,
             close=True, raw=raw_request(b"GET", b"/api/v1/stations/\xff")))
    add(case(g, "raw 0xff byte in the query", None, None, 400, "bad_request", param("station"),
             close=True, raw=raw_request(b"GET", b"/api/v1/events?station=\xff")))
    add(case(g, "raw NUL in the path", None, None, 400, "bad_request", "bad target", close=True,
             raw=raw_request(b"GET", b"/api/v1/sta\x00tions")))
    add(case(g, "absolute-form target", None, None, 400, "bad_request", "origin-form",
             close=True, raw=raw_request(b"GET", b"http://psm.test/api/v1/district")))
    add(case(g, "asterisk-form target", None, None, 400, "bad_request", "origin-form",
             close=True, raw=raw_request(b"OPTIONS", b"*")))

    # -- framing: the body of a request that cannot be framed is never read as a request ------
    g = "framing"
    smuggled = b"GET /api/v1/smuggled HTTP/1.1\r\nHost: psm.test\r\n\r\n"
    for coding in [b"gzip", b"identity", b"xchunked", b"chunked, identity", b"chunked, chunked",
                   b"chunked;x=1, gzip", b""]:
        add(case(g, "Transfer-Encoding: " + coding.decode(), None, None, 400, "bad_request",
                 "Transfer-Encoding", close=True, single=True,
                 raw=raw_request(b"POST", b"/api/v1/sessions",
                                 [b"Content-Type: application/json",
                                  b"Transfer-Encoding: " + coding], smuggled)))
    add(case(g, "Transfer-Encoding gzip in two header lines", None, None, 400, "bad_request",
             "Transfer-Encoding", close=True, single=True,
             raw=raw_request(b"POST", b"/api/v1/reports/batch",
                             [b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"],
                             smuggled)))
    add(case(g, "Transfer-Encoding: gzip, chunked (a coding psm does not decode)", None, None,
             501, "transfer_coding", "chunked", close=True, single=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json",
                              b"Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n" + smuggled)))
    add(case(g, "Content-Length and Transfer-Encoding together", None, None, 400,
             "bad_request", "Transfer-Encoding", close=True, single=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json", b"Content-Length: 5",
                              b"Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\n" + smuggled)))
    for value in [b"-1", b"abc", b"99999999999999999999999", b"1, 2", b"0x10"]:
        add(case(g, "Content-Length: " + value.decode(), None, None, 400, "bad_request",
                 "Content-Length", close=True, single=True,
                 raw=raw_request(b"POST", b"/api/v1/sessions",
                                 [b"Content-Type: application/json",
                                  b"Content-Length: " + value], b"{}" + smuggled)))
    add(case(g, "two different Content-Length lines", None, None, 400, "bad_request",
             "Content-Length", close=True, single=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json", b"Content-Length: 2",
                              b"Content-Length: 3"], b"{}x")))
    add(case(g, "a chunk size that is not hex", None, None, 400, "bad_request", "chunk",
             close=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json", b"Transfer-Encoding: chunked"],
                             b"zz\r\n{}\r\n0\r\n\r\n")))
    add(case(g, "a request line without a method", None, None, 400, "bad_request",
             "Malformed HTTP request", close=True, raw=b"GARBAGE\r\n\r\n"))
    add(case(g, "HTTP/2.0 in an HTTP/1 request line", None, None, 400, "bad_request", "version",
             close=True, raw=raw_request(b"GET", b"/api/v1/district", version=b"HTTP/2.0")))
    add(case(g, "lines ended by LF alone", None, None, 400, "bad_request",
             "Malformed HTTP request", close=True,
             raw=b"GET /api/v1/district HTTP/1.1\nHost: psm.test\n\n"))
    add(case(g, "HTTP/1.1 without Host", None, None, 400, "bad_request", "Host", close=True,
             raw=b"GET /api/v1/district HTTP/1.1\r\n\r\n"))
    add(case(g, "HTTP/1.1 with two Host lines", None, None, 400, "bad_request", "Host",
             close=True, raw=raw_request(b"GET", b"/api/v1/district", [b"Host: other.test"])))
    add(case(g, "HTTP/1.0 with Transfer-Encoding: chunked", None, None, 400, "bad_request",
             "Transfer-Encoding", close=True, single=True,
             raw=b"POST /api/v1/sessions HTTP/1.0\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled))
    add(case(g, "a header line without a colon", None, None, 400, "bad_request", "field",
             close=True, raw=raw_request(b"GET", b"/api/v1/district", [b"X-Broken header"])))
    add(case(g, "white space before a header's colon", None, None, 400, "bad_request", "field",
             close=True, raw=raw_request(b"GET", b"/api/v1/district", [b"X-Broken : header"])))

    # -- sizes ------------------------------------------------------------------------------
    g = "sizes"
    add(case(g, "a 9 KiB header value", None, None, 431, "header_too_large", "header",
             close=True,
             raw=raw_request(b"GET", b"/api/v1/district", [b"X-Big: " + b"a" * 9000])))
    add(case(g, "200 header lines", None, None, 431, "header_too_large", "header", close=True,
             raw=raw_request(b"GET", b"/api/v1/district",
                             [b"X-H%d: %s" % (i, b"v" * 40) for i in range(200)])))
    add(case(g, "a 9 KiB request target", None, None, 431, "header_too_large", "header",
             close=True, raw=raw_request(b"GET", b"/api/v1/stations?q=" + b"a" * 9000)))
    add(case(g, "a 9 KiB Authorization header", None, None, 431, "header_too_large", "header",
             close=True,
             raw=raw_request(b"GET", b"/api/v1/alerts", [b"Authorization: Bearer " + b"A" * 9000])))
    add(case(g, "a report body over 16 KiB", "POST", "/api/v1/stations/34-1/reports", 413,
             "payload_too_large", "16384", token="officer", close=True,
             body=json.dumps({"padding": "x" * 17000})))
    add(case(g, "a login body over 16 KiB", "POST", "/api/v1/sessions", 413,
             "payload_too_large", "16384", close=True,
             body=json.dumps({"user": "u" * 17000, "password": "x"})))
    add(case(g, "an unlock body over 16 KiB", "POST", "/api/v1/stations/34-1/turnout-unlock",
             413, "payload_too_large", "16384", token="admin", close=True,
             body=json.dumps({"reason": "r" * 17000})))
    add(case(g, "a batch body over 1 MiB", "POST", "/api/v1/reports/batch", 413,
             "payload_too_large", "1048576", token="officer", close=True,
             body=json.dumps({"reports": [], "padding": "x" * (1 << 20)})))
    add(case(g, "Content-Length over the limit with Expect: 100-continue", None, None, 413,
             "payload_too_large", "16384", close=True, single=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json", b"Expect: 100-continue",
                              b"Content-Length: 99999"])))
    add(case(g, "a chunked report body over 16 KiB", None, None, 413, "payload_too_large",
             "16384", close=True,
             raw=raw_request(b"POST", b"/api/v1/sessions",
                             [b"Content-Type: application/json", b"Transfer-Encoding: chunked"],
                             b"4000\r\n" + b" " * 0x4000 + b"\r\n10\r\n" + b" " * 16 + b"\r\n"
                             b"0\r\n\r\n")))
    add(case(g, "a GET with a body over 16 KiB", "GET", "/api/v1/district", 413,
             "payload_too_large", "16384", close=True, body="x" * 17000))

    # -- wrong methods: 405 with Allow --------------------------------------------------------
    g = "methods"
    get_head = "GET, HEAD"
    for method, path, allow in [
            ("PUT", "/api/v1/district", get_head), ("POST", "/api/v1/constituencies", get_head),
            ("DELETE", "/api/v1/stations", get_head), ("POST", "/api/v1/stations/34-1", get_head),
            ("PATCH", "/api/v1/stations/34-1/timeline", get_head),
            ("POST", "/api/v1/lookup", get_head), ("POST", "/api/v1/turnout", get_head),
            ("PUT", "/api/v1/turnout.csv", get_head), ("POST", "/api/v1/events", get_head),
            ("GET", "/api/v1/sessions", "POST"), ("GET", "/api/v1/sessions/current", "DELETE"),
            ("POST", "/api/v1/sessions/current", "DELETE"),
            ("GET", "/api/v1/stations/34-1/reports", "POST"),
            ("PUT", "/api/v1/stations/34-1/reports", "POST"),
            ("GET", "/api/v1/reports/batch", "POST"), ("POST", "/api/v1/alerts", get_head),
            ("GET", "/api/v1/alerts/1/ack", "POST"), ("DELETE", "/api/v1/alerts/1/ack", "POST"),
            ("GET", "/api/v1/stations/34-1/pin", "POST"),
            ("DELETE", "/api/v1/stations/34-1/turnout-unlock", "POST"),
            ("POST", "/api/v1/audit", get_head), ("DELETE", "/api/v1/audit.csv", get_head),
            ("POST", "/api/v1/reports.csv", get_head), ("POST", "/healthz", get_head),
            ("PUT", "/readyz", get_head), ("DELETE", "/metrics", get_head),
            ("POST", "/api/v1/openapi.yaml", get_head), ("POST", "/", get_head),
            ("PUT", "/officer", get_head), ("DELETE", "/control", get_head),
            ("OPTIONS", "/api/v1/district", get_head), ("TRACE", "/api/v1/district", get_head),
            ("FOO", "/api/v1/district", get_head)]:
        add(case(g, f"{method} {path}", method, path, 405, "method_not_allowed", allow,
                 allow=allow))
    add(case(g, "HEAD /api/v1/sessions", "HEAD", "/api/v1/sessions", 405, "method_not_allowed",
             None, allow="POST", no_body=True))

    # -- unknown paths and path traversal on the static files: 404 ---------------------------
    g = "paths"
    for path in ["/api/v1/nope", "/api/v2/district", "/API/V1/DISTRICT", "/api/v1/district/",
                 "//api/v1/district", "/api/v1/stations/34-1/", "/api/v1/stations/34-1/nope",
                 "/api/v1/sessions/other", "/../etc/passwd", "/js/../../etc/passwd",
                 "/%2e%2e/%2e%2e/etc/passwd", "/js/..%2f..%2fCMakeLists.txt", "/package.json",
                 "/package-lock.json", "/vendor.txt", "/web/index.html", "/node_modules/",
                 "/.git/config", "/js/", "/css/..%5c..%5cREADME.md"]:
        add(case(g, "GET " + path, "GET", path, 404, "not_found", "No resource at"))
    add(case(g, "HEAD /api/v1/nope", "HEAD", "/api/v1/nope", 404, "not_found", None,
             no_body=True))

    # -- public reads: bad ids and query parameters ----------------------------------------
    g = "public"
    for sid in ["99-1", "034-1", "34-0", "34-01", "abc", "34-1-1", "34_1", "99999999999-1",
                "-34-1", "34-99999", "%20"]:
        add(case(g, "station " + sid, "GET", "/api/v1/stations/" + sid, 404, "unknown_station",
                 "no polling station"))
    add(case(g, "timeline of 99-1", "GET", "/api/v1/stations/99-1/timeline", 404,
             "unknown_station", "99-1"))
    add(case(g, "timeline of 034-1", "GET", "/api/v1/stations/034-1/timeline", 404,
             "unknown_station", "034-1"))
    add(case(g, "HEAD station 99-1", "HEAD", "/api/v1/stations/99-1", 404, "unknown_station",
             None, no_body=True))
    for query, reason, detail in [
            ("ac=abc", "bad_ac", "ac"), ("ac=0", "bad_ac", "ac"), ("ac=-1", "bad_ac", "ac"),
            ("ac=", "bad_ac", "ac"), ("ac=99999999999", "bad_ac", "ac"),
            ("ac=1.5", "bad_ac", "ac"), ("ac=34abc", "bad_ac", "ac"), ("ac=%2B34", "bad_ac", "ac"),
            ("ac=0x22", "bad_ac", "ac"),
            ("near=abc", "bad_near", "near"), ("near=91,0", "bad_near", "near"),
            ("near=0,181", "bad_near", "near"), ("near=31.3", "bad_near", "near"),
            ("near=nan,nan", "bad_near", "near"), ("near=inf,0", "bad_near", "near"),
            ("near=1e999,0", "bad_near", "near"), ("near=", "bad_near", "near"),
            ("sort=bogus", "bad_sort", "sort"), ("sort=distance", "bad_sort", "near"),
            ("sort=", "bad_sort", "sort"), ("sort=ID", "bad_sort", "sort"),
            ("limit=0", "bad_limit", "limit"), ("limit=-5", "bad_limit", "limit"),
            ("limit=abc", "bad_limit", "limit"), ("limit=", "bad_limit", "limit"),
            ("limit=99999999999999999999", "bad_limit", "limit"),
            ("limit=1e3", "bad_limit", "limit"), ("limit=%20%205", "bad_limit", "limit")]:
        add(case(g, "stations?" + query, "GET", "/api/v1/stations?" + query, 422, reason,
                 detail))
    for query, status, reason, detail in [
            ("", 422, "missing_epic", "epic"), ("epic=", 422, "missing_epic", "epic"),
            ("epic=ABC123", 422, "bad_epic", "EPIC"), ("epic=JLW00000011", 422, "bad_epic", "EPIC"),
            ("epic=1234567890", 422, "bad_epic", "EPIC"), ("epic=JLW000000a", 422, "bad_epic", "EPIC"),
            ("epic=" + "J" * 2000, 422, "bad_epic", "EPIC"),
            ("epic=JLW%200000001", 422, "bad_epic", "EPIC"),
            ("epic=ZZZ9999999", 404, "unknown_epic", "not on the roll")]:
        add(case(g, "lookup?" + query[:40], "GET", "/api/v1/lookup?" + query, status, reason,
                 detail))

    # -- the event stream's parameters --------------------------------------------------------
    g = "events"
    for query, status, reason, detail, extra in [
            ("station=99-1", 404, "unknown_station", "99-1", {}),
            ("station=", 404, "unknown_station", "no polling station", {}),
            ("station=034-1", 404, "unknown_station", "034-1", {}),
            ("ac=", 422, "bad_ac", "constituency", {}),
            ("ac=abc", 422, "bad_ac", "abc", {}), ("ac=99", 422, "bad_ac", "99", {}),
            ("ac=4294967330", 422, "bad_ac", "4294967330", {}),
            ("types=bogus", 422, "bad_types", "types", {}),
            ("types=", 422, "bad_types", "types", {}),
            ("types=status,", 422, "bad_types", "types", {}),
            ("types=STATUS", 422, "bad_types", "types", {}),
            ("types=alert", 401, "missing_token", "Authorization", {}),
            ("types=alert", 403, "role_required", "role", {"token": "officer"}),
            ("types=alert", 403, "admin_network", "PSM_ADMIN_CIDRS",
             {"token": "admin", "xff": OUTSIDE}),
            ("types=status", 401, "bad_token", "Bearer", {"auth": "Basic YWRtaW46eA=="}),
            ("", 401, "expired_token", "log in again", {"token": "revoked"}),
            ("", 401, "bad_token", "malformed", {"auth": "Bearer not a token"}),
            ("last_event_id=abc", 400, "bad_request", "Last-Event-ID", {}),
            ("last_event_id=-1", 400, "bad_request", "Last-Event-ID", {}),
            ("last_event_id=1.5", 400, "bad_request", "Last-Event-ID", {}),
            ("last_event_id=99999999999999999999999", 400, "bad_request", "Last-Event-ID", {})]:
        add(case(g, "events?" + query + (" " + "/".join(extra) if extra else ""), "GET",
                 "/api/v1/events?" + query, status, reason, detail, **extra))
    for value in ["abc", "-1", "1e3", "+1", "0x10", "18446744073709551616"]:
        add(case(g, f"Last-Event-ID: {value!r}", "GET", "/api/v1/events", 400, "bad_request",
                 "Last-Event-ID", headers={"Last-Event-ID": value}))

    # -- log in and out -------------------------------------------------------------------
    g = "sessions"
    officer_login = {"station": "34-4", "pin": "00000000"}
    for ct in [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
               "text/json", "multipart/form-data; boundary=x", "application/json-patch+json"]:
        add(case(g, f"login with Content-Type {ct}", "POST", "/api/v1/sessions", 415,
                 "unsupported_media_type", "Content-Type",
                 body=json.dumps(officer_login), headers={"Content-Type": ct} if ct else {}))
    for body, detail in [("{", "not valid JSON"), ("", "not valid JSON"),
                         ("{'station': '34-1'}", "not valid JSON"),
                         ('{"station":"34-1","pin":"1"} x', "not valid JSON"),
                         (b'{"station":"34-1\xff","pin":"1"}', "not valid JSON"),
                         ('{"station":"34-1","pin":1e999}', "not valid JSON"),
                         ('{"station":"34-1","pin":NaN}', "not valid JSON"),
                         ("[]", "JSON object"), ('"34-1"', "JSON object"), ("null", "JSON object"),
                         ("[" * 5000 + "]" * 5000, "JSON object")]:
        add(case(g, f"login body {body[:30]!r}", "POST", "/api/v1/sessions", 400, "bad_request",
                 detail, body=body, headers=JSON_CT))
    add(case(g, "login body '{' as APPLICATION/JSON; charset=UTF-8", "POST", "/api/v1/sessions",
             400, "bad_request", "not valid JSON", body="{",
             headers={"Content-Type": "APPLICATION/JSON; charset=UTF-8"}))
    for body in [{}, {"station": "34-1"}, {"pin": "12345678"}, {"station": 34, "pin": "1"},
                 {"station": "34-1", "pin": 12345678}, {"station": None, "pin": "1"},
                 {"station": "34-1", "pin": ["1"]}, {"user": "admin"},
                 {"user": 1, "password": "x"}, {"user": "admin", "password": None},
                 {"password": "x"}, {"name": "admin", "secret": "x"}]:
        add(case(g, f"login {json.dumps(body)}", "POST", "/api/v1/sessions", 422, "bad_login",
                 "send", body=body))
    for body, detail in [({"station": "34-5", "pin": "00000000"}, "wrong station or PIN"),
                         ({"station": "99-1", "pin": "12345678"}, "wrong station or PIN"),
                         ({"station": "034-5", "pin": "12345678"}, "wrong station or PIN"),
                         ({"station": "34-6", "pin": "12ab"}, "wrong station or PIN"),
                         ({"station": "35-3", "pin": "1" * 9000}, "wrong station or PIN"),
                         ({"station": "35-4", "pin": ""}, "wrong station or PIN"),
                         ({"user": "admin", "password": "wrong"}, "wrong user name or password"),
                         ({"user": "nobody", "password": "x"}, "wrong user name or password"),
                         ({"user": "", "password": ""}, "wrong user name or password"),
                         ({"user": "admin\n", "password": "x"}, "wrong user name or password")]:
        add(case(g, f"login {json.dumps(body)[:60]}", "POST", "/api/v1/sessions", 401,
                 "bad_credentials", detail, body=body))
    add(case(g, "login as APPLICATION/JSON is read (wrong PIN)", "POST", "/api/v1/sessions", 401,
             "bad_credentials", "wrong station or PIN", body=json.dumps(officer_login),
             headers={"Content-Type": "APPLICATION/JSON"}))
    add(case(g, "admin login from outside PSM_ADMIN_CIDRS", "POST", "/api/v1/sessions", 403,
             "admin_network", OUTSIDE, body={"user": "admin", "password": ctx["admin_password"]},
             xff=OUTSIDE))
    for extra, reason, detail in [({}, "missing_token", "log in"),
                                  ({"auth": "Bearer"}, "bad_token", "Bearer <token>"),
                                  ({"auth": "Basic YWRtaW46eA=="}, "bad_token", "Bearer <token>"),
                                  ({"auth": "Bearer " + "A" * 42}, "bad_token", "malformed"),
                                  ({"auth": "Bearer " + "!" * 43}, "bad_token", "malformed"),
                                  ({"auth": "Bearer " + "A" * 43}, "expired_token", "log in again"),
                                  ({"token": "revoked"}, "expired_token", "log in again")]:
        add(case(g, "logout " + (extra.get("auth", "")[:20] or extra.get("token", "no token")),
                 "DELETE", "/api/v1/sessions/current", 401, reason, detail, **extra))

    # -- one report ------------------------------------------------------------------------
    g = "reports"
    path = "/api/v1/stations/34-1/reports"
    good = queue_report(now)

    def report(*drop, **change):
        r = dict(good, id=new_id())
        for k in drop:
            r.pop(k)
        r.update(change)
        return r

    for extra, status, reason, detail in [
            ({}, 401, "missing_token", "log in"),
            ({"auth": "Bearer x"}, 401, "bad_token", "malformed"),
            ({"auth": "bearer"}, 401, "bad_token", "Bearer <token>"),
            ({"auth": "Bearer " + "A" * 43}, 401, "expired_token", "log in again"),
            ({"token": "revoked"}, 401, "expired_token", "log in again"),
            ({"token": "other_officer"}, 403, "wrong_station", "for station 35-1"),
            ({"token": "other_officer", "scheme": "bearer"}, 403, "wrong_station",
             "for station 35-1"),  # the scheme is read without case, the token with it
            ({"token": "sector", "path": "/api/v1/stations/35-3/reports"}, 403,
             "wrong_station", "35-3"),
            ({"token": "admin", "xff": OUTSIDE}, 403, "admin_network", "PSM_ADMIN_CIDRS")]:
        p = extra.pop("path", path)
        add(case(g, f"report with {extra or 'no token'}", "POST", p, status, reason, detail,
                 body=report(), **extra))
    for sid in ["99-1", "034-1", "abc"]:
        add(case(g, "report for station " + sid, "POST", f"/api/v1/stations/{sid}/reports", 404,
                 "unknown_station", sid, token="admin", body=report()))
    for ct in [None, "text/plain", "application/x-www-form-urlencoded", "json"]:
        add(case(g, f"report with Content-Type {ct}", "POST", path, 415,
                 "unsupported_media_type", "Content-Type", token="officer",
                 body=json.dumps(report()), headers={"Content-Type": ct} if ct else {}))
    for body in ["{", "", '{"id":}', "{} {}", b'{"id":"\xff"}', "{'id': 1}", "[1,]",
                 '{"queue":{"men":01}}']:
        add(case(g, f"report body {body!r}", "POST", path, 400, "bad_request", "not valid JSON",
                 token="officer", body=body, headers=JSON_CT))
    add(case(g, "report nested 2500 objects deep", "POST", path, 422, "missing_field", '"id"',
             token="officer", headers=JSON_CT, body='{"a":' * 2500 + "1" + "}" * 2500))
    add(case(g, "report body '{' as APPLICATION/JSON", "POST", path, 400, "bad_request",
             "not valid JSON", token="officer", body="{",
             headers={"Content-Type": "APPLICATION/JSON"}))
    big = 99999999999999999999
    for body, reason, detail in [
            ([], "bad_report", "JSON object"), (None, "bad_report", "JSON object"),
            (7, "bad_report", "JSON object"),
            (report("id"), "missing_field", '"id"'), (report(id=123), "bad_field", '"id"'),
            (report(id="not-a-uuid"), "bad_id", '"id"'), (report(id=UUID + "0"), "bad_id", '"id"'),
            (report(id=UUID[:-1] + "\u0000"), "bad_field", "NUL"),
            (report(station="35-1"), "station_mismatch", '"station"'),
            (report(station="abc"), "bad_station", '"station"'),
            (report(station=34), "bad_field", '"station"'),
            (report("kind"), "missing_field", '"kind"'), (report(kind="bogus"), "bad_kind", '"kind"'),
            (report(kind="QUEUE"), "bad_kind", '"kind"'), (report(kind=None), "bad_field", '"kind"'),
            (report("observed_at"), "missing_field", '"observed_at"'),
            (report(observed_at="yesterday"), "bad_time", '"observed_at"'),
            (report(observed_at="2026-13-01T00:00:00Z"), "bad_time", '"observed_at"'),
            (report(observed_at="2026-02-30T10:00:00Z"), "bad_time", '"observed_at"'),
            (report(observed_at="2026-06-01T25:00:00Z"), "bad_time", '"observed_at"'),
            (report(observed_at="2026-06-01"), "bad_time", '"observed_at"'),
            (report(observed_at=now[:19]), "bad_time", '"observed_at"'),
            (report(observed_at=1717212600), "bad_field", '"observed_at"'),
            (report(observed_at="x" * 10000), "bad_time", '"observed_at"'),
            (report("queue"), "missing_field", '"queue"'),
            (report(queue=[1, 2, 3]), "bad_field", '"queue"'),
            (report(queue={"men": 1, "women": 1}), "missing_field", '"queue.others"'),
            (report(queue={"men": "5", "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": 1.5, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": None, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": True, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": 1, "women": -1, "others": 0}), "negative_count",
             '"queue.women"'),
            (report(queue={"men": 1, "women": 1, "others": 2 ** 31}), "bad_count",
             '"queue.others"'),
            (report(queue={"men": big, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": -big, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": 1e30, "women": 1, "others": 0}), "bad_count", '"queue.men"'),
            (report(queue={"men": -2 ** 63, "women": 1, "others": 0}), "negative_count",
             '"queue.men"'),
            (report(kind="turnout"), "missing_field", '"votes_polled"'),
            (report(kind="turnout", votes_polled={"men": 1, "women": -3, "others": 0}),
             "negative_count", '"votes_polled.women"'),
            (report(kind="turnout", votes_polled={"men": 200, "women": 200, "others": 0},
                    reason=5), "bad_field", '"reason"'),
            (report(kind="turnout", votes_polled={"men": 200, "women": 200, "others": 0},
                    reason="r" * 501), "bad_field", '"reason"'),
            (report(kind="event"), "missing_field", '"event"'),
            (report(kind="event", event="bogus"), "bad_event", '"event"'),
            (report(kind="event", event="interrupted"), "missing_field", '"reason"'),
            (report(kind="event", event="interrupted", reason="r" * 501), "bad_field",
             '"reason"'),
            (report(kind="event", event="poll_closed"), "missing_field",
             '"report.voters_in_queue_at_close"'),
            (report(kind="event", event="poll_closed", voters_in_queue_at_close=-1),
             "negative_count", "voters_in_queue_at_close"),
            # Well-formed, but not for this station's day:
            (report(observed_at="2020-01-01T05:00:00Z"), "observed_at_not_polling_day",
             "polling day"),
            (report(observed_at=later), "observed_at_in_future", "observed"),
            (report(queue={"men": 5000, "women": 0, "others": 0}), "queue_exceeds_electors",
             "queue of 5000"),
            (report(kind="turnout", votes_polled={"men": 5000, "women": 0, "others": 0}),
             "turnout_exceeds_electors", "5000")]:
        add(case(g, f"report {json.dumps(body)[:70]}", "POST", path, 422, reason, detail,
                 token="officer", body=json.dumps(body), headers=JSON_CT))
    for body, reason, detail in [
            (report(id=ctx["seed_queue_id"], queue={"men": 9, "women": 9, "others": 9}),
             "id_reused", ctx["seed_queue_id"]),
            (report(kind="turnout", votes_polled={"men": 50, "women": 40, "others": 0}),
             "turnout_decreased", "decrease"),
            (report(kind="event", event="resumed"), "event_order", "resumed")]:
        add(case(g, f"report {json.dumps(body)[:70]}", "POST", path, 409, reason, detail,
                 token="officer", body=body))

    # -- a batch -----------------------------------------------------------------------------
    g = "batch"
    path = "/api/v1/reports/batch"
    one = {"reports": [report(station="34-1")]}
    for extra, status, reason, detail in [
            ({}, 401, "missing_token", "log in"),
            ({"auth": "Bearer ?"}, 401, "bad_token", "malformed"),
            ({"token": "revoked"}, 401, "expired_token", "log in again"),
            ({"token": "admin", "xff": OUTSIDE}, 403, "admin_network", "PSM_ADMIN_CIDRS")]:
        add(case(g, f"batch with {extra or 'no token'}", "POST", path, status, reason, detail,
                 body=one, **extra))
    for ct in [None, "text/plain"]:
        add(case(g, f"batch with Content-Type {ct}", "POST", path, 415, "unsupported_media_type",
                 "Content-Type", token="officer", body=json.dumps(one),
                 headers={"Content-Type": ct} if ct else {}))
    for body in ["{", '{"reports":[}', ""]:
        add(case(g, f"batch body {body!r}", "POST", path, 400, "bad_request", "not valid JSON",
                 token="officer", body=body, headers=JSON_CT))
    for body, detail in [([], "reports"), ({}, "reports"), ({"reports": {}}, "reports"),
                         ({"reports": "x"}, "reports"), ({"reports": None}, "reports"),
                         ({"reports": []}, "1 to 1000"),
                         ({"reports": [{}] * 1001}, "1 to 1000"),
                         ({"report": [report(station="34-1")]}, "reports")]:
        add(case(g, f"batch {json.dumps(body)[:40]}", "POST", path, 422, "bad_batch", detail,
                 token="officer", body=body))
    # Entries judged one by one: 200, each result a problem as the single route would give.
    for item, status, reason, detail, token in [
            (report(), 422, "missing_field", '"station"', "officer"),
            (report(station="35-1"), 403, "wrong_station", "for station 34-1", "officer"),
            (report(station="99-1"), 404, "unknown_station", "99-1", "admin"),
            (report(station="34-1", id="x"), 422, "bad_id", '"id"', "officer"),
            (report(station="34-1", queue={"men": -1, "women": 0, "others": 0}), 422,
             "negative_count", '"queue.men"', "officer"),
            (report(station="34-1", observed_at=later), 422, "observed_at_in_future", "observed",
             "officer"),
            ("not an object", 422, "bad_report", "JSON object", "officer"),
            (report(station="34-1", kind="turnout",
                    votes_polled={"men": 1, "women": 1, "others": 0}),
             409, "turnout_decreased", "decrease", "officer")]:
        add(case(g, f"batch entry {json.dumps(item)[:60]}", "POST", path, 200, None, None,
                 token=token, body={"reports": [item]},
                 entry=dict(status=status, reason=reason, detail=detail)))

    deep = 400000  # nesting far deeper than any recursive parser's stack would take
    add(case(g, f"batch entry nested {deep} arrays deep", "POST", path, 200, None, None,
             token="officer", headers=JSON_CT,
             body='{"reports":[' + "[" * deep + "]" * deep + "]}",
             entry=dict(status=422, reason="bad_report", detail="JSON object")))
    add(case(g, f"batch entry nested {deep // 5} objects deep", "POST", path, 200, None, None,
             token="officer", headers=JSON_CT,
             body='{"reports":[' + '{"a":' * (deep // 5) + "1" + "}" * (deep // 5) + "]}",
             entry=dict(status=422, reason="missing_field", detail='"id"')))

    # -- control room: alerts, acknowledgements, PIN resets, unlocks -------------------------
    g = "control"
    for query, status, reason, detail, extra in [
            ("", 401, "missing_token", "log in", {}),
            ("", 403, "role_required", "role", {"token": "officer"}),
            ("", 403, "admin_network", "PSM_ADMIN_CIDRS", {"token": "admin", "xff": OUTSIDE}),
            ("?state=bogus", 422, "bad_state", "state", {"token": "admin"}),
            ("?state=", 422, "bad_state", "state", {"token": "admin"}),
            ("?kind=bogus", 422, "bad_kind", "kind", {"token": "admin"}),
            ("?ac=abc", 422, "bad_ac", "abc", {"token": "admin"}),
            ("?ac=99", 422, "bad_ac", "99", {"token": "admin"}),
            ("?ac=4294967330", 422, "bad_ac", "4294967330", {"token": "admin"}),
            ("?ac=", 422, "bad_ac", "constituency", {"token": "admin"}),
            ("?limit=0", 422, "bad_limit", "limit", {"token": "admin"}),
            ("?limit=-1", 422, "bad_limit", "limit", {"token": "admin"}),
            ("?limit=abc", 422, "bad_limit", "limit", {"token": "admin"}),
            ("?limit=99999999999999999999", 422, "bad_limit", "limit", {"token": "admin"}),
            ("?station=99-1", 404, "unknown_station", "99-1", {"token": "admin"}),
            ("?station=", 404, "unknown_station", "no polling station", {"token": "admin"}),
            ("?station=abc", 404, "unknown_station", "abc", {"token": "admin"}),
            ("?station=35-3", 403, "wrong_station", "35-3", {"token": "sector"})]:
        add(case(g, "alerts" + query + " " + "/".join(extra.values()), "GET",
                 "/api/v1/alerts" + query, status, reason, detail, **extra))
    acked, resolved, other = ctx["acked_alert"], ctx["resolved_alert"], ctx["other_alert"]
    for alert, status, reason, detail, extra in [
            (other, 401, "missing_token", "log in", {}),
            (other, 403, "role_required", "role", {"token": "officer"}),
            (other, 403, "admin_network", "PSM_ADMIN_CIDRS", {"token": "admin", "xff": OUTSIDE}),
            (other, 403, "wrong_station", "may not", {"token": "sector"}),
            ("abc", 404, "unknown_alert", "abc", {"token": "admin"}),
            ("0", 404, "unknown_alert", "0", {"token": "admin"}),
            ("-1", 404, "unknown_alert", "-1", {"token": "admin"}),
            ("99999999", 404, "unknown_alert", "99999999", {"token": "admin"}),
            ("99999999999999999999", 404, "unknown_alert", "99999999999999999999",
             {"token": "admin"}),
            ("1.0", 404, "unknown_alert", "1.0", {"token": "admin"}),
            (acked, 409, "already_acknowledged", "admin", {"token": "admin"}),
            (resolved, 409, "alert_resolved", "resolved", {"token": "admin"})]:
        add(case(g, f"ack alert {alert} {'/'.join(extra.values())}", "POST",
                 f"/api/v1/alerts/{alert}/ack", status, reason, detail, **extra))
    for sid, status, reason, detail, extra in [
            ("34-1", 401, "missing_token", "log in", {}),
            ("34-1", 401, "expired_token", "log in again", {"token": "revoked"}),
            ("34-1", 403, "role_required", "admin", {"token": "officer"}),
            ("34-1", 403, "role_required", "admin", {"token": "sector"}),
            ("34-1", 403, "admin_network", "PSM_ADMIN_CIDRS", {"token": "admin", "xff": OUTSIDE}),
            ("99-1", 404, "unknown_station", "99-1", {"token": "admin"}),
            ("034-1", 404, "unknown_station", "034-1", {"token": "admin"}),
            ("34-1x", 404, "unknown_station", "34-1x", {"token": "admin"})]:
        add(case(g, f"PIN reset {sid} {'/'.join(extra.values())}", "POST",
                 f"/api/v1/stations/{sid}/pin", status, reason, detail, **extra))
    unlock = "/api/v1/stations/34-1/turnout-unlock"
    reason_ok = {"reason": "typed 520 for 502"}
    for p, body, status, reason, detail, extra in [
            (unlock, reason_ok, 401, "missing_token", "log in", {}),
            (unlock, reason_ok, 403, "role_required", "admin", {"token": "officer"}),
            (unlock, reason_ok, 403, "role_required", "admin", {"token": "sector"}),
            (unlock, reason_ok, 403, "admin_network", "PSM_ADMIN_CIDRS",
             {"token": "admin", "xff": OUTSIDE}),
            ("/api/v1/stations/99-1/turnout-unlock", reason_ok, 404, "unknown_station", "99-1",
             {"token": "admin"}),
            (unlock, json.dumps(reason_ok), 415, "unsupported_media_type", "Content-Type",
             {"token": "admin"}),
            (unlock, json.dumps(reason_ok), 415, "unsupported_media_type", "Content-Type",
             {"token": "admin", "headers": {"Content-Type": "text/plain"}}),
            (unlock, "{", 400, "bad_request", "not valid JSON",
             {"token": "admin", "headers": JSON_CT}),
            (unlock, "", 400, "bad_request", "not valid JSON",
             {"token": "admin", "headers": JSON_CT}),
            (unlock, [], 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"reason": ""}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"reason": " \t "}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"reason": 5}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"reason": None}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"why": "x"}, 422, "reason_required", "reason", {"token": "admin"}),
            (unlock, {"reason": "r" * 501}, 422, "bad_field", '"reason"', {"token": "admin"}),
            ("/api/v1/stations/34-2/turnout-unlock", reason_ok, 409, "unlock_open", "unlock",
             {"token": "admin"})]:
        add(case(g, f"unlock {p.split('/')[4]} {json.dumps(body)[:30]} "
                    f"{'/'.join(str(v) for v in extra.values())}", "POST", p, status, reason,
                 detail, body=body, **extra))

    # -- exports and the audit log ---------------------------------------------------------
    g = "exports"
    for p, status, reason, detail, extra in [
            ("/api/v1/audit", 401, "missing_token", "log in", {}),
            ("/api/v1/audit", 403, "role_required", "admin", {"token": "officer"}),
            ("/api/v1/audit", 403, "role_required", "admin", {"token": "sector"}),
            ("/api/v1/audit", 403, "admin_network", "PSM_ADMIN_CIDRS",
             {"token": "admin", "xff": OUTSIDE}),
            ("/api/v1/audit?since=yesterday", 422, "bad_since", "since", {"token": "admin"}),
            ("/api/v1/audit?since=2026-13-01T00:00:00Z", 422, "bad_since", "since",
             {"token": "admin"}),
            ("/api/v1/audit?since=", 422, "bad_since", "since", {"token": "admin"}),
            ("/api/v1/audit?station=garbage", 422, "bad_station", "station",
             {"token": "admin"}),
            ("/api/v1/audit.csv?station=34", 422, "bad_station", "station", {"token": "admin"}),
            ("/api/v1/audit?limit=0", 422, "bad_limit", "limit", {"token": "admin"}),
            ("/api/v1/audit?limit=-1", 422, "bad_limit", "limit", {"token": "admin"}),
            ("/api/v1/audit?limit=abc", 422, "bad_limit", "limit", {"token": "admin"}),
            ("/api/v1/audit?limit=1e3", 422, "bad_limit", "limit", {"token": "admin"}),
            ("/api/v1/audit?limit=99999999999999999999999", 422, "bad_limit", "limit",
             {"token": "admin"}),
            ("/api/v1/audit?format=xml", 422, "bad_format", "format", {"token": "admin"}),
            ("/api/v1/audit?format=", 422, "bad_format", "format", {"token": "admin"}),
            ("/api/v1/audit?format=CSV", 422, "bad_format", "format", {"token": "admin"}),
            ("/api/v1/audit.csv", 401, "missing_token", "log in", {}),
            ("/api/v1/audit.csv", 403, "role_required", "admin", {"token": "officer"}),
            ("/api/v1/audit.csv?since=x", 422, "bad_since", "since", {"token": "admin"}),
            ("/api/v1/audit.csv?limit=0", 422, "bad_limit", "limit", {"token": "admin"}),
            ("/api/v1/reports.csv", 401, "missing_token", "log in", {}),
            ("/api/v1/reports.csv", 401, "expired_token", "log in again", {"token": "revoked"}),
            ("/api/v1/reports.csv", 403, "role_required", "admin", {"token": "sector"}),
            ("/api/v1/reports.csv", 403, "admin_network", "PSM_ADMIN_CIDRS",
             {"token": "admin", "xff": OUTSIDE}),
            ("/api/v1/reports.csv?since=10:00", 422, "bad_since", "since", {"token": "admin"}),
            ("/api/v1/reports.csv?since=2026-06-01T10:00:00", 422, "bad_since", "since",
             {"token": "admin"})]:
        add(case(g, p + " " + "/".join(extra.values()), "GET", p, status, reason, detail,
                 **extra))
    return cases


def ist_now(psm):
    return datetime.datetime.strptime(psm.now()[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        psm = Psm(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32",
                                      "--admin-cidrs", "127.0.0.0/8,10.0.0.0/8", "--access-log"])
        cls.psm = psm
        try:
            psm.run_cli("admin", "add-user", "--store", psm.store, "--user", "gill", "--role",
                        "sector", "--stations", "34-1,34-2", stdin=SECTOR_PASSWORD + "\n")
            psm.start()
            cls.seed()
            cls.cases = build_cases(cls.ctx)
            cls.addresses = iter(f"10.{i // 250}.{i % 250 + 1}.9" for i in range(100000))
            cls.before = cls.settled_snapshot()
        except BaseException:
            psm.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.psm.close()

    @classmethod
    def seed(cls):
        """A day with something in it: reports at 34-1, an acknowledged, a resolved and an open
        alert, an open unlock at 34-2, and a token logged out."""
        psm = cls.psm
        tokens = {"officer": psm.login("34-1"), "other_officer": psm.login("35-1"),
                  "admin": psm.admin_login()}
        status, _, data = psm.request("POST", "/api/v1/sessions",
                                      {"user": "gill", "password": SECTOR_PASSWORD})
        assert status == 201, data
        tokens["sector"] = json.loads(data)["token"]
        tokens["revoked"] = psm.login("34-3")
        status, _, data = psm.request("DELETE", "/api/v1/sessions/current",
                                      token=tokens["revoked"])
        assert status == 204, data
        now = ist_now(psm)
        minutes = datetime.timedelta(minutes=1)
        queue = queue_report(rfc3339(now - 10 * minutes))
        for r in [event_report(rfc3339(now - 20 * minutes), "poll_started"), queue,
                  turnout_report(rfc3339(now - 10 * minutes), 100, 90)]:
            status, _, data = psm.request("POST", "/api/v1/stations/34-1/reports", r,
                                          token=tokens["officer"])
            assert status == 201, data
        admin = tokens["admin"]
        status, _, data = psm.request("POST", "/api/v1/stations/34-2/turnout-unlock",
                                      {"reason": "seeded"}, token=admin)
        assert status == 201, data

        def alert_of(station, state):
            _, body = psm.get_json(f"/api/v1/alerts?station={station}&kind=not_started",
                                   token=admin)
            found = [a["id"] for a in body["alerts"] if a["state"] == state]
            return found[0] if found else None

        acked = alert_of("34-2", "open")
        status, _, data = psm.request("POST", f"/api/v1/alerts/{acked}/ack", token=admin)
        assert status == 200, data
        resolved = alert_of("34-1", "resolved")
        assert resolved, "the poll_started report should resolve 34-1's not_started alert"
        cls.ctx = {"tokens": tokens, "now": rfc3339(now - 5 * minutes),
                   "later": rfc3339(now + 60 * minutes), "seed_queue_id": queue["id"],
                   "acked_alert": acked, "resolved_alert": resolved,
                   "other_alert": alert_of("35-2", "open"),
                   "admin_password": "control-room-pass"}

    # --- what must not change ---------------------------------------------------------------
    @classmethod
    def settled_snapshot(cls):
        """The first snapshot after the seeded reports reach the board's views (the timeline
        follows a commit within about a second)."""
        deadline = time.time() + 15
        while True:
            before = cls.snapshot()
            timeline = before["answers"]["/api/v1/stations/34-1/timeline"]
            if (timeline["queue"] and timeline["turnout"]) or time.time() > deadline:
                return before
            time.sleep(0.2)

    @classmethod
    def snapshot(cls):
        psm = cls.psm
        answers = {}
        _, listing = psm.get_json("/api/v1/stations?limit=5000")
        for station in listing["stations"]:
            for path in [f"/api/v1/stations/{station['id']}",
                         f"/api/v1/stations/{station['id']}/timeline"]:
                status, body = psm.get_json(path)
                assert status == 200, path
                if "status" in body:
                    body["status"].pop("age_seconds", None)  # the clock moves on
                answers[path] = body
        for path in ["/api/v1/district", "/api/v1/constituencies", "/api/v1/turnout"]:
            _, body = psm.get_json(path)
            body.pop("now", None)
            answers[path] = body
        con = sqlite3.connect(f"file:{psm.db}?mode=ro", uri=True)
        try:
            rows = {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                    for t in FROZEN_TABLES}
            rows["acknowledged alerts"] = con.execute(
                "SELECT id, acknowledged_by, acknowledged_at FROM alerts "
                "WHERE acknowledged_by IS NOT NULL ORDER BY id").fetchall()
            audit = con.execute("SELECT seq, action FROM audit ORDER BY seq").fetchall()
        finally:
            con.close()
        return {"answers": answers, "rows": rows, "audit": audit}

    def assert_unchanged(self):
        after = self.snapshot()
        for path, body in self.before["answers"].items():
            self.assertEqual(after["answers"].get(path), body, f"{path} changed")
        for table, rows in self.before["rows"].items():
            self.assertEqual(after["rows"][table], rows, f"table {table} changed")
        self.assertEqual(after["audit"][:len(self.before["audit"])], self.before["audit"])
        added = {action for _, action in after["audit"][len(self.before["audit"]):]}
        self.assertLessEqual(added, REFUSAL_AUDIT, "a refused request was audited as done")

    # --- running the table ------------------------------------------------------------------
    def send(self, c):
        """(status, headers, body bytes, closed) of case `c`."""
        if c.get("raw") is not None:
            responses, closed = raw_exchange(self.psm.port, c["raw"])
            self.assertTrue(responses, "no answer")
            if c.get("single"):  # the unread body never became a request of its own
                self.assertEqual(len(responses), 1, "the body was read as a second request")
            status, headers, data = responses[0]
            method, _, target = c["raw"].split(b"\r\n", 1)[0].partition(b" ")
            target = target.split(b" ")[0]
            if target.startswith(b"/"):  # else no path of the document can be meant
                contract.check_response(method.decode("latin-1"), target.decode("latin-1"),
                                        status, headers, data)
            return status, headers, data, closed
        headers = {"X-Forwarded-For": c.get("xff") or next(self.addresses)}
        headers.update(c.get("headers") or {})
        if c.get("token"):
            headers["Authorization"] = (c.get("scheme", "Bearer") + " " +
                                        self.ctx["tokens"][c["token"]])
        if c.get("auth"):
            headers["Authorization"] = c["auth"]
        body = c.get("body")
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        conn = self.psm.connect()
        conn.timeout = 10
        try:
            conn.request(c["method"], c["path"], body=body, headers=headers)
            resp = conn.getresponse()
            if resp.getheader("Content-Type") == "text/event-stream":
                return resp.status, {}, b"an event stream", False  # it would never end
            data = resp.read()
            got = {k.lower(): v for k, v in resp.getheaders()}
            contract.check_response(c["method"], c["path"], resp.status, got, data)
            return resp.status, got, data, resp.will_close
        finally:
            conn.close()

    def check_problem(self, c, status, headers, data):
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"),
                        headers)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        if c.get("no_body"):
            self.assertEqual(data, b"")  # HEAD: the problem's headers, no body
            return
        problem = json.loads(data)
        self.assertEqual(problem["type"], PROBLEM + c["reason"], problem)
        self.assertIsInstance(problem["title"], str)
        self.assertTrue(problem["title"])
        self.assertEqual(problem["status"], status)
        self.assertIsInstance(problem["detail"], str)
        self.assertTrue(problem["detail"].strip())
        if c["detail"] is not None:
            self.assertIn(c["detail"], problem["detail"])

    def run_group(self, *groups):
        cases = [c for c in self.cases if c["group"] in groups]
        self.assertTrue(cases)
        for c in cases:
            with self.subTest(group=c["group"], case=c["name"]):
                status, headers, data, closed = self.send(c)
                self.assertEqual(status, c["status"], data[:300])
                if "entry" in c:  # a batch: 200, the entry's result carries the problem
                    self.assertEqual(headers.get("content-type"), "application/json")
                    (result,) = json.loads(data)["results"]
                    want = c["entry"]
                    self.assertEqual(result["status"], want["status"], result)
                    self.assertEqual(result["result"], "rejected")
                    problem = result["problem"]
                    self.assertEqual(problem["type"], PROBLEM + want["reason"], problem)
                    self.assertEqual(problem["status"], want["status"])
                    self.assertTrue(problem["title"])
                    self.assertIn(want["detail"], problem["detail"])
                    continue
                self.check_problem(c, status, headers, data)
                if status == 405:
                    self.assertEqual(headers.get("allow"), c["allow"])
                if status == 401:
                    self.assertEqual(headers.get("www-authenticate"), "Bearer")
                if c.get("close"):
                    self.assertTrue(closed or headers.get("connection") == "close", headers)

    # --- the groups, in order; the store is checked after each that could write -----------
    def test_0_table_is_large_enough(self):
        self.assertGreaterEqual(len(self.cases), 150)
        groups = {c["group"] for c in self.cases}
        self.assertEqual(groups, {"utf8", "framing", "sizes", "methods", "paths", "public",
                                  "events", "sessions", "reports", "batch", "control",
                                  "exports"})

    def test_1_paths_and_framing(self):
        self.run_group("utf8", "framing", "sizes")
        smuggled = [t for _, _, t in self.psm.access_log() if "smuggled" in t]
        self.assertEqual(smuggled, [], "a request body was served as a request")
        self.assert_unchanged()

    def test_2_reads(self):
        self.run_group("methods", "paths", "public", "events")

    def test_3_sessions(self):
        self.run_group("sessions")
        self.assert_unchanged()

    def test_4_reports(self):
        self.run_group("reports", "batch")
        self.assert_unchanged()

    def test_5_control_room(self):
        self.run_group("control", "exports")
        self.assert_unchanged()

    def test_9_server_still_answers(self):
        status, _, _ = self.psm.request("GET", "/readyz")
        self.assertEqual(status, 200)
        self.assertIsNone(self.psm.proc.poll(), "the server exited")
        with open(os.path.join(self.psm.dir, "serve.log"), "rb") as f:
            log = f.read()
        for line in log.splitlines():  # every line UTF-8 JSON, whatever the requests held
            entry = json.loads(line.decode("utf-8"))
            self.assertNotIn("threw", entry.get("msg", ""))
        self.assert_unchanged()


if __name__ == "__main__":
    unittest.main(verbosity=2)
