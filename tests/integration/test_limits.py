"""The limits of docs/security.md, end to end: what one shared address may do (300 officers,
2,000 reads a second), what it may not (look-ups, connections, streams, failed logins), that an
IPv6 /64 is one address, and that a second server on the same port or store refuses to start."""

import concurrent.futures
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DemoPsm, Psm, queue_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))


def refused_by(body, limit):
    problem = json.loads(body)
    return problem["status"] == 429 and problem["type"].endswith("/rate_limited_" + limit) \
        and f"limit: {limit}" in problem["detail"]


def counted(psm, limit):
    _, _, text = psm.request("GET", "/metrics")
    m = re.search(r'^psm_rate_limited_total\{limit="%s"\} (\d+)' % limit, text.decode(), re.M)
    return int(m.group(1)) if m else None


def pipelined_reads(port, path, count):
    """Sends `count` GETs of `path` pipelined on one connection; returns their statuses."""
    request = f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    statuses = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request * count)
        buf = b""
        while len(statuses) < count:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
                continue
            head = buf[:head_end].decode()
            length = int(re.search(r"Content-Length: (\d+)", head, re.I).group(1))
            if len(buf) < head_end + 4 + length:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
                continue
            statuses.append(int(head.split(" ", 2)[1]))
            buf = buf[head_end + 4 + length:]
    return statuses


class SharedAddressTest(unittest.TestCase):
    """One address, many people: nothing here may be refused."""

    @classmethod
    def setUpClass(cls):
        # 0.16 of the district: about 310 stations, so 300 officers each have their own.
        cls.psm = DemoPsm(BINARY, scale=0.16)
        cls.psm.start(clock_start="10:00")

    @classmethod
    def tearDownClass(cls):
        cls.psm.close()

    def test_300_officers_behind_one_address_log_in_and_report(self):
        stations = sorted(self.psm.pins)[:300]
        self.assertEqual(len(stations), 300)

        def login(station):
            status, _, body = self.psm.request(
                "POST", "/api/v1/sessions", {"station": station, "pin": self.psm.pins[station]})
            return station, status, body

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            logins = list(pool.map(login, stations))
        self.assertEqual([s for s, status, _ in logins if status != 201], [],
                         [b for _, status, b in logins if status != 201][:3])
        tokens = {s: json.loads(body)["token"] for s, _, body in logins}

        # Each officer posts a queue count every second for 10 s, on a connection of its own.
        statuses = []
        lock = threading.Lock()

        def officer_group(group):
            conns = {s: self.psm.connect() for s in group}
            start = time.time()
            for second in range(10):
                time.sleep(max(0, start + second - time.time()))
                observed = self.psm.now()
                for s in group:
                    st, _, body = self.psm.request("POST", f"/api/v1/stations/{s}/reports",
                                                   queue_report(observed), token=tokens[s],
                                                   conn=conns[s])
                    with lock:
                        statuses.append((st, body))
            for c in conns.values():
                c.close()

        groups = [stations[i::30] for i in range(30)]
        threads = [threading.Thread(target=officer_group, args=(g,)) for g in groups]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(statuses), 3000)
        refused = [body for st, body in statuses if st == 429]
        self.assertEqual(refused, [], refused[:3])
        self.assertEqual({st for st, _ in statuses}, {201}, [b for s, b in statuses if s != 201][:3])
        self.assertEqual(counted(self.psm, "token"), 0)
        self.assertEqual(counted(self.psm, "connections"), 0)

    def test_2000_reads_a_second_from_one_address(self):
        # Paced: 200 pipelined station reads every 0.1 s for 5 s, on 4 connections.
        paths = ["/api/v1/stations/30-1", "/api/v1/district", "/api/v1/constituencies",
                 "/api/v1/stations/31-2/timeline"]
        statuses = []
        start = time.time()
        for tick in range(50):
            time.sleep(max(0, start + tick * 0.1 - time.time()))
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                for result in pool.map(lambda p: pipelined_reads(self.psm.port, p, 50), paths):
                    statuses.extend(result)
        elapsed = time.time() - start
        self.assertEqual(len(statuses), 10000)
        self.assertLess(elapsed, 7.5, "the client could not keep 2,000 reads a second")
        self.assertEqual(set(statuses), {200})
        self.assertEqual(counted(self.psm, "connections"), 0)

    def test_one_officer_replays_200_offline_reports_in_a_batch(self):
        station = sorted(self.psm.pins)[-1]
        token = self.psm.login(station)
        now = self.psm.now()
        reports = []
        for _ in range(200):
            r = queue_report(now)
            r["station"] = station
            reports.append(r)
        status, _, body = self.psm.request("POST", "/api/v1/reports/batch",
                                           {"reports": reports}, token=token)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["status"] for r in json.loads(body)["results"]], [201] * 200)


class LimitsTest(unittest.TestCase):
    def test_100_lookups_a_second_from_one_address_are_limited(self):
        with harness.running(BINARY) as psm:
            conn = psm.connect()
            statuses, refusals = [], []
            start = time.time()
            for i in range(100):
                time.sleep(max(0, start + i * 0.01 - time.time()))
                status, headers, body = psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                                    conn=conn)
                statuses.append(status)
                if status == 429:
                    refusals.append((headers, body))
            conn.close()
            ok = statuses.count(200)
            # The burst of 20 plus 5 a second over about one second.
            self.assertGreaterEqual(ok, 20)
            self.assertLessEqual(ok, 30)
            self.assertEqual(ok + len(refusals), 100)
            headers, body = refusals[0]
            self.assertTrue(refused_by(body, "lookup"), body)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            self.assertEqual(counted(psm, "lookup"), len(refusals))
            # Reads of stations from the same address are not limited.
            self.assertEqual(set(pipelined_reads(psm.port, "/api/v1/stations/34-1", 200)), {200})

    def test_600_connections_from_one_address_hit_the_cap(self):
        with harness.running(BINARY) as psm:
            socks = []
            for _ in range(600):
                socks.append(socket.create_connection(("127.0.0.1", psm.port), timeout=10))
            # A refused connection has its 429 waiting; an accepted one waits for a request
            # (well within the 10 s header timeout).
            time.sleep(0.5)
            readable, _, _ = select.select(socks, [], [], 0)
            served = [s for s in socks if s not in readable]
            refused = 0
            for s in readable:
                data = s.recv(4096)
                self.assertIn(b"429 Too Many Requests", data)
                self.assertTrue(refused_by(data.split(b"\r\n\r\n", 1)[1], "connections"), data)
                refused += 1
            self.assertEqual(len(served), 512)
            self.assertEqual(refused, 88)
            for s in served[:20]:
                s.settimeout(10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                self.assertIn(b"200 OK", s.recv(4096))
            for s in socks:
                s.close()
            self.assertEqual(counted(psm, "connections"), 88)

    def test_event_streams_per_address_are_capped(self):
        with harness.running(BINARY, extra_args=["--max-streams-per-address", "3"]) as psm:
            streams = []
            for _ in range(3):
                c = psm.connect()
                c.request("GET", "/api/v1/events")
                self.assertEqual(c.getresponse().status, 200)
                streams.append(c)
            status, headers, body = psm.request("GET", "/api/v1/events")
            self.assertEqual(status, 429)
            self.assertTrue(refused_by(body, "streams"), body)
            self.assertIn("retry-after", headers)
            self.assertEqual(counted(psm, "streams"), 1)
            for c in streams:
                c.close()

    def test_an_ipv6_slash_64_counts_as_one_address(self):
        # Behind the trusted nginx, clients are told apart by X-Forwarded-For.
        with harness.running(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32"]) as psm:
            def lookup(client):
                return psm.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                   headers={"X-Forwarded-For": client})
            # 25 addresses of one /64 share the burst of 20.
            statuses = [lookup(f"2001:db8:77:1::{i:x}")[0] for i in range(1, 26)]
            self.assertEqual(statuses.count(200), 20, statuses)
            status, _, body = lookup("2001:db8:77:1:ffff:ffff:ffff:ffff")
            self.assertEqual(status, 429)
            self.assertTrue(refused_by(body, "lookup"), body)
            # The next /64 is another household.
            self.assertEqual(lookup("2001:db8:77:2::1")[0], 200)
            # IPv4 addresses are each their own.
            self.assertEqual(lookup("198.51.100.1")[0], 200)
            self.assertEqual(lookup("198.51.100.2")[0], 200)

    def test_failed_logins_are_budgeted_per_address(self):
        with harness.running(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32"]) as psm:
            sprayer = {"X-Forwarded-For": "203.0.113.66"}
            stations = sorted(psm.pins)
            statuses = []
            for i in range(31):
                station = stations[i % len(stations)]
                wrong = "999999" if psm.pins[station] != "999999" else "888888"
                statuses.append(psm.request("POST", "/api/v1/sessions",
                                            {"station": station, "pin": wrong},
                                            headers=sprayer))
            self.assertEqual([s for s, _, _ in statuses[:30]], [401] * 30)
            status, headers, body = statuses[30]
            self.assertEqual(status, 429)
            self.assertTrue(refused_by(body, "login"), body)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            # Even a right PIN from the sprayer waits; an officer elsewhere is not kept out.
            station = stations[-1]
            self.assertEqual(psm.request("POST", "/api/v1/sessions",
                                         {"station": station, "pin": psm.pins[station]},
                                         headers=sprayer)[0], 429)
            self.assertEqual(psm.request("POST", "/api/v1/sessions",
                                         {"station": station, "pin": psm.pins[station]},
                                         headers={"X-Forwarded-For": "203.0.113.67"})[0], 201)
            self.assertGreaterEqual(counted(psm, "login"), 2)

    def test_requests_are_budgeted_per_token(self):
        with harness.running(BINARY, extra_args=["--token-rate", "1", "--token-burst", "5"]) as psm:
            a, b = psm.login("34-1"), psm.login("34-2")
            now = psm.now()
            statuses = [psm.request("POST", "/api/v1/stations/34-1/reports", queue_report(now),
                                    token=a)[0] for _ in range(5)]
            self.assertEqual(statuses, [201] * 5)
            status, headers, body = psm.request("POST", "/api/v1/stations/34-1/reports",
                                                queue_report(now), token=a)
            self.assertEqual(status, 429)
            self.assertTrue(refused_by(body, "token"), body)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            # Another officer at the same address has a budget of its own.
            self.assertEqual(psm.request("POST", "/api/v1/stations/34-2/reports",
                                         queue_report(now), token=b)[0], 201)
            self.assertEqual(counted(psm, "token"), 1)

    def test_rate_limits_off_turns_every_limit_off(self):
        with harness.running(BINARY, extra_args=["--rate-limits", "off"]) as psm:
            statuses = [psm.request("GET", "/api/v1/lookup?epic=JLW0000001")[0]
                        for _ in range(40)]
            self.assertEqual(set(statuses), {200})
            socks = [socket.create_connection(("127.0.0.1", psm.port)) for _ in range(600)]
            socks[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertIn(b"200 OK", socks[-1].recv(4096))
            for s in socks:
                s.close()


class OneServerTest(unittest.TestCase):
    def second_serve(self, psm, store, port):
        return subprocess.run([BINARY, "serve", "--listen", f"127.0.0.1:{port}", "--store", store],
                              capture_output=True, text=True, timeout=60, cwd=psm.dir)

    def test_second_server_on_the_same_port_exits(self):
        with harness.running(BINARY) as first:
            other = Psm(BINARY)
            try:
                proc = self.second_serve(other, other.store, first.port)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("already in use", proc.stderr + proc.stdout)
                self.assertIn(f"pid {first.proc.pid}", proc.stderr + proc.stdout)
                # The first server still answers, alone.
                self.assertEqual(first.request("GET", "/readyz")[0], 200)
            finally:
                other.close()

    def test_another_program_on_the_port_is_reported(self):
        other = Psm(BINARY)
        try:
            with socket.socket() as listener:
                listener.bind(("127.0.0.1", 0))
                listener.listen()
                proc = self.second_serve(other, other.store, listener.getsockname()[1])
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn("already in use by another program", proc.stderr + proc.stdout)
        finally:
            other.close()

    def test_second_server_on_the_same_store_exits(self):
        with harness.running(BINARY) as first:
            proc = self.second_serve(first, first.store, harness.free_port())
            out = proc.stderr + proc.stdout
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn(first.store, out)
            self.assertIn(f"pid {first.proc.pid}", out)
            # Admin commands still write to the store while it is served.
            first.run_cli("admin", "add-user", "--store", first.store, "--user", "sector1",
                          "--role", "sector", "--stations", "34-1", stdin="another password\n")
            listed = first.run_cli("admin", "list-users", "--store", first.store).stdout
            self.assertIn("sector1", listed)


if __name__ == "__main__":
    unittest.main(verbosity=2)
