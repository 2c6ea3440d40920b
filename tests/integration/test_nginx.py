"""deploy/nginx/psm.conf, for real: rendered for loopback ports and a temporary folder, checked with
`nginx -t`, then run in front of three upstreams — a real psm node on SQLite, a node that answers
everything 503 `not_writer` (as a reader answers writes) and a stopped node (nothing listens) —
and spoken to over HTTPS, as a phone would.

What it shows: reads and writes reach the working node whatever the others answer; gzip where it
pays; psm sees, logs and limits the original client, not nginx; an event reaches a stream through
nginx within a second of the report; nginx's own refusals are problem+json; plain HTTP answers the
ACME challenge and sends everything else to HTTPS. Every process is stopped by PID."""

import gzip
import http.client
import http.server
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
import harness  # noqa: E402
from harness import Psm, queue_report  # noqa: E402

BINARY = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
NGINX = os.environ.get("PSM_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
DEPLOY = os.path.join(harness.ROOT, "deploy", "nginx")
RENDER = os.path.join(DEPLOY, "render.py")
# Requests in progress per client address; low here so the cap can be reached.
CONN_CAP = 8


class NotWriterNode(http.server.ThreadingHTTPServer):
    """Answers every request as a node without the writer role answers a write: 503 not_writer,
    Retry-After: 1. Counts what it was asked, by method."""

    daemon_threads = True

    def __init__(self):
        self.seen = []
        self.seen_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), NotWriterHandler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # nginx closing an idle connection
            super().handle_error(request, client_address)

    def count(self, method):
        with self.seen_lock:
            return sum(1 for m in self.seen if m == method)


class NotWriterHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.seen_lock:
            self.server.seen.append(self.command)
        body = json.dumps({"type": "https://psm.invalid/problems/not_writer",
                           "title": "Service unavailable", "status": 503,
                           "detail": "this node does not hold the writer role"}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


def render(*args):
    return subprocess.run([sys.executable, RENDER, *args], capture_output=True, text=True,
                          check=True, timeout=30).stdout


class NginxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="psm-nginx-")
        cls.nginx = None
        cls.node = None
        cls.stub = None
        try:
            cls.start_all()
        except BaseException:
            cls.stop_all()
            raise

    @classmethod
    def start_all(cls):
        if not os.access(NGINX, os.X_OK):
            raise AssertionError(f"nginx not found at {NGINX}: make setup installs it")
        d = cls.dir
        cls.cert, cls.key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", cls.key, "-out", cls.cert],
                       capture_output=True, check=True, timeout=60)
        cls.acme = os.path.join(d, "acme")
        os.makedirs(os.path.join(cls.acme, ".well-known", "acme-challenge"))
        for sub in ("logs", "temp"):
            os.makedirs(os.path.join(d, sub))

        # The upstreams: a working node that believes nginx's X-Forwarded-For, a node answering
        # 503 not_writer, and a port nothing listens on.
        # A small look-up budget (burst 5, one a second): 40 look-ups in a row must run out of
        # it however slowly a loaded machine (or the sanitizer build) answers them.
        cls.node = Psm(BINARY, extra_args=["--trusted-proxies", "127.0.0.1/32", "--access-log",
                                           "--lookup-rate", "1", "--lookup-burst", "5"])
        cls.node.start()
        cls.stub = NotWriterNode()
        threading.Thread(target=cls.stub.serve_forever, daemon=True).start()
        cls.dead_port = harness.free_port()
        cls.upstreams = {"node": f"127.0.0.1:{cls.node.port}",
                         "not_writer": f"127.0.0.1:{cls.stub.server_address[1]}",
                         "stopped": f"127.0.0.1:{cls.dead_port}"}

        cls.https_port, cls.http_port = harness.free_port(), harness.free_port()
        cls.conf_dir = os.path.join(d, "conf")
        render("--nodes", ",".join(cls.upstreams.values()),
               "--https-listen", f"127.0.0.1:{cls.https_port}",
               "--http-listen", f"127.0.0.1:{cls.http_port}",
               "--cert", cls.cert, "--key", cls.key,
               "--user", pwd.getpwuid(os.geteuid()).pw_name,
               "--pid-file", os.path.join(d, "nginx.pid"), "--log-dir", os.path.join(d, "logs"),
               "--temp-dir", os.path.join(d, "temp"), "--acme-root", cls.acme,
               "--max-conn-per-address", str(CONN_CAP), "--out", cls.conf_dir)
        cls.conf = os.path.join(cls.conf_dir, "psm.conf")
        cls.nginx_args = [NGINX, "-p", d, "-c", cls.conf,
                          "-e", os.path.join(d, "logs", "startup.log")]
        cls.check = subprocess.run(cls.nginx_args + ["-t"], capture_output=True, text=True,
                                   timeout=60)
        if cls.check.returncode != 0:
            raise AssertionError(f"nginx -t failed:\n{cls.check.stderr}")
        cls.nginx = subprocess.Popen(cls.nginx_args + ["-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            if cls.nginx.poll() is not None:
                raise AssertionError(
                    f"nginx exited: {cls.log('startup.log')}{cls.log('error.log')}")
            try:
                socket.create_connection(("127.0.0.1", cls.https_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not listen")

    @classmethod
    def stop_all(cls):
        if cls.nginx and cls.nginx.poll() is None:
            cls.nginx.send_signal(signal.SIGQUIT)  # graceful: finish what is in progress
            try:
                cls.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
                cls.nginx.wait()
        if cls.stub:
            cls.stub.shutdown()
            cls.stub.server_close()
        if cls.node:
            cls.node.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.stop_all()

    @classmethod
    def log(cls, name):
        try:
            with open(os.path.join(cls.dir, "logs", name)) as f:
                return f.read()
        except OSError:
            return ""

    # --- HTTP through nginx ------------------------------------------------------------------
    def https(self, source="127.0.0.1", timeout=30):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the certificate is self-signed
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, context=ctx,
                                           timeout=timeout, source_address=(source, 0))

    def request(self, method, path, body=None, headers=None, token=None, source="127.0.0.1",
                raw=False):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn = self.https(source)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            answer = {k.lower(): v for k, v in resp.getheaders()}
            contract.check_response(method, path, resp.status, answer, data)
            return resp.status, answer, data
        finally:
            conn.close()

    def login(self, station):
        status, _, body = self.request("POST", "/api/v1/sessions",
                                       {"station": station, "pin": self.node.pins[station]})
        self.assertEqual(status, 201, body)
        return json.loads(body)["token"]

    # --- the checks --------------------------------------------------------------------------
    def test_config_passes_nginx_t(self):
        self.assertIn("test is successful", self.check.stderr)

    def test_shipped_config_is_the_template_with_its_defaults(self):
        with open(os.path.join(DEPLOY, "psm.conf")) as f:
            shipped = f.read()
        self.assertEqual(render(), shipped,
                         "deploy/nginx/psm.conf differs from psm.conf.in rendered with the "
                         "defaults: run deploy/nginx/render.py --out deploy/nginx")

    def test_read_through_https(self):
        status, headers, body = self.request("GET", "/api/v1/district")
        self.assertEqual(status, 200, body)
        self.assertIn("now", json.loads(body))
        self.assertEqual(headers["strict-transport-security"], "max-age=63072000")
        self.assertEqual(headers["server"], "nginx")  # no version
        # HTTP/2 for clients that offer it (curl does; Python's http.client speaks HTTP/1.1).
        proto = subprocess.run(["curl", "-sk", "--http2", "-o", "/dev/null", "-w",
                                "%{http_version}",
                                f"https://127.0.0.1:{self.https_port}/api/v1/district"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(proto.stdout, "2", proto.stderr)

    def test_pages_come_from_the_node_with_its_headers(self):
        status, headers, body = self.request("GET", "/officer")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertEqual(headers["cache-control"], "no-cache")
        self.assertIn("default-src 'self'", headers["content-security-policy"])
        # The page names its script with the script's content hash; the node gzips it, and nginx
        # passes that through (its ETag stays the node's, not a weak one of nginx's own gzip).
        html = self.request("GET", "/officer", headers={"Accept-Encoding": "gzip"})[2]
        script = re.search(rb'src="(/js/officer\.js\?v=[0-9a-f]{16})"', gzip.decompress(html))
        self.assertTrue(script, html)
        status, headers, body = self.request("GET", script.group(1).decode(),
                                             headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(headers.get("vary"), "Accept-Encoding")
        self.assertRegex(headers["etag"], r'^"[0-9a-f]{16}-gzip"$')
        self.assertIn(b"./api.js?v=", gzip.decompress(body))
        status, plain_headers, plain = self.request("GET", script.group(1).decode())
        self.assertNotIn("content-encoding", plain_headers)
        self.assertEqual(plain, gzip.decompress(body))
        self.assertNotEqual(plain_headers["etag"], headers["etag"])
        status, headers, _ = self.request("GET", script.group(1).decode(),
                                          headers={"Accept-Encoding": "gzip",
                                                   "If-None-Match": headers["etag"]})
        self.assertEqual(status, 304)

    def test_gzip_when_asked(self):
        status, headers, body = self.request("GET", "/api/v1/stations",
                                             headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertIn("Accept-Encoding", headers.get("vary", ""))
        stations = json.loads(gzip.decompress(body))
        status, headers, plain = self.request("GET", "/api/v1/stations")
        self.assertNotIn("content-encoding", headers)
        self.assertEqual(json.loads(plain), stations)
        self.assertGreater(len(plain), len(body))
        # Small answers are not worth it.
        status, headers, _ = self.request("GET", "/healthz", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", headers)

    def test_node_sees_the_original_client(self):
        # The client's own X-Forwarded-For is replaced by the address nginx saw.
        probe = uuid.uuid4().hex
        status, _, _ = self.request("GET", f"/api/v1/district?probe={probe}", source="127.0.0.7",
                                    headers={"X-Forwarded-For": "203.0.113.9"})
        self.assertEqual(status, 200)
        seen = [client for client, _, target in self.node.access_log() if probe in target]
        self.assertEqual(seen, ["127.0.0.7"])
        # The look-up limit counts that client, not nginx: one address runs out, another not.
        statuses = [self.request("GET", "/api/v1/lookup?epic=JLW0000001", source="127.0.0.8")
                    for _ in range(40)]
        refused = [body for status, _, body in statuses if status == 429]
        self.assertTrue(refused, "the look-up limit never refused 127.0.0.8")
        self.assertTrue(json.loads(refused[0])["type"].endswith("/rate_limited_lookup"))
        status, _, body = self.request("GET", "/api/v1/lookup?epic=JLW0000001",
                                       source="127.0.0.9")
        self.assertEqual(status, 200, body)

    def test_event_reaches_a_stream_within_a_second(self):
        token = self.login("35-6")
        conn = self.https()
        conn.request("GET", "/api/v1/events?station=35-6", headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))
        self.assertIsNone(resp.getheader("Content-Encoding"))
        received = {}

        def reader():
            buf = b""
            while b"event: status" not in buf:
                try:
                    chunk = resp.read1(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            received["at"] = time.monotonic()
            received["data"] = buf

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        time.sleep(0.3)
        sent = time.monotonic()
        status, _, body = self.request("POST", "/api/v1/stations/35-6/reports",
                                       queue_report(self.node.now(), 4, 4), token=token)
        self.assertEqual(status, 201, body)
        t.join(timeout=5)
        conn.close()
        self.assertIn("at", received, "no status event came through nginx")
        self.assertLess(received["at"] - sent, 1.0)
        self.assertIn(b'"35-6"', received["data"])

    def test_503_and_stopped_nodes_are_retried(self):
        gets_before = self.stub.count("GET")
        for _ in range(12):
            status, _, body = self.request("GET", "/api/v1/district")
            self.assertEqual(status, 200, body)
        token = self.login("34-3")
        posts_before = self.stub.count("POST")
        for minute in range(9):
            report = queue_report(self.node.now(), men=minute, women=1)
            status, _, body = self.request("POST", "/api/v1/stations/34-3/reports", report,
                                           token=token)
            self.assertEqual(status, 201, body)
        # The not_writer node was asked, and its answers were retried on the working node.
        self.assertGreater(self.stub.count("POST"), posts_before)
        self.assertGreater(self.stub.count("GET") + self.stub.count("POST"), gets_before)
        # nginx's log lists every node a request was tried on: some went to the stopped one first.
        tried = re.findall(r"upstream=(\S+(?:, \S+)*) status=", self.log("access.log"))
        stopped, node = self.upstreams["stopped"], self.upstreams["node"]
        self.assertTrue(any(t.startswith(stopped) and t.endswith(node) for t in tried), tried)

    def test_nginx_refusals_are_problems(self):
        # A body larger than psm takes is refused at the edge.
        status, headers, body = self.request("POST", "/api/v1/stations/34-1/reports",
                                             "x" * 20000,
                                             headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertEqual(json.loads(body)["status"], 413)
        # Metrics are each node's own, not for the public.
        status, _, _ = self.request("GET", "/metrics")
        self.assertEqual(status, 404)

    def test_connection_cap_counts_event_streams(self):
        streams = []
        try:
            for _ in range(CONN_CAP):
                conn = self.https(source="127.0.0.20")
                conn.request("GET", "/api/v1/events?station=34-1")
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                streams.append(conn)
            status, headers, body = self.request("GET", "/api/v1/district", source="127.0.0.20")
            self.assertEqual(status, 429, body)
            self.assertEqual(headers["content-type"], "application/problem+json")
            self.assertEqual(headers["retry-after"], "1")
            self.assertTrue(json.loads(body)["type"].endswith("/rate_limited_connections"))
            status, _, _ = self.request("GET", "/api/v1/district", source="127.0.0.21")
            self.assertEqual(status, 200)
        finally:
            for conn in streams:
                conn.close()

    def test_plain_http_redirects_except_acme(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request("GET", "/api/v1/district?x=1")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 301)
        self.assertEqual(resp.getheader("Location"),
                         f"https://127.0.0.1:{self.https_port}/api/v1/district?x=1")
        with open(os.path.join(self.acme, ".well-known", "acme-challenge", "tok3n"), "w") as f:
            f.write("tok3n.key")
        conn.request("GET", "/.well-known/acme-challenge/tok3n")
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (200, b"tok3n.key"))
        conn.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
