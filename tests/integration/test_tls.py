"""TLS at nginx (deploy/nginx/psm.conf), for real: a throw-away CA signs a certificate for
localhost and 127.0.0.1, nginx runs the rendered configuration with it in front of a small stub
node, and clients that trust only that CA shake hands with it.

What it shows: TLS 1.2 and 1.3 work and verify against the CA (and fail against another CA);
TLS 1.0 and 1.1 are refused by nginx with a protocol_version alert, while the same clients
complete a handshake with a throw-away `openssl s_server` that allows them (so the refusal is the
server's, not the client library's); TLS 1.2 suites outside Mozilla's intermediate list (RSA key
exchange, DHE, CBC) are refused; TLS 1.2 sessions resume from nginx's cache without tickets;
HSTS is on every HTTPS answer, nginx's own refusals included, and on no plain-HTTP one; plain
HTTP sends everything but the ACME challenge to HTTPS. Every process is stopped by PID."""

import http.client
import http.server
import os
import pwd
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
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NGINX = os.environ.get("PSM_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
RENDER = os.path.join(ROOT, "deploy", "nginx", "render.py")
HSTS = "max-age=63072000"
# Mozilla's intermediate TLS 1.2 suites without DHE, as psm.conf sets them.
MOZILLA_TLS12 = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                 "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                 "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"}
CONN_CAP = 2  # requests in progress per address, low so that nginx's 429 can be reached
OLD = [("TLSv1", ssl.TLSVersion.TLSv1), ("TLSv1.1", ssl.TLSVersion.TLSv1_1)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args):
    subprocess.run([OPENSSL, *args], capture_output=True, check=True, timeout=60)


def make_ca(d, name):
    key, cert = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            f"/CN=psm test {name}", "-keyout", key, "-out", cert,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, cert


def make_server_cert(d, ca_key, ca_cert):
    key, csr, cert = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,"
                "keyEncipherment\nextendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", key, "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", cert)
    return key, cert


class StubNode(http.server.ThreadingHTTPServer):
    """A node that answers 200 JSON at once, and after 2 s on /slow (to hold requests open)."""

    daemon_threads = True

    def __init__(self):
        self.slow_in_progress = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), StubHandler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/slow":
            with self.server.lock:
                self.server.slow_in_progress += 1
            time.sleep(2)
            with self.server.lock:
                self.server.slow_in_progress -= 1
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="psm-tls-")
        cls.nginx = cls.legacy = cls.stub = None
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
        cls.ca_key, cls.ca = make_ca(d, "ca")
        _, cls.other_ca = make_ca(d, "other-ca")
        cls.key, cls.cert = make_server_cert(d, cls.ca_key, cls.ca)
        cls.acme = os.path.join(d, "acme")
        os.makedirs(os.path.join(cls.acme, ".well-known", "acme-challenge"))
        with open(os.path.join(cls.acme, ".well-known", "acme-challenge", "token"), "w") as f:
            f.write("token.thumbprint")
        for sub in ("logs", "temp"):
            os.makedirs(os.path.join(d, sub))

        cls.stub = StubNode()
        threading.Thread(target=cls.stub.serve_forever, daemon=True).start()
        cls.https_port, cls.http_port = free_port(), free_port()
        conf_dir = os.path.join(d, "conf")
        subprocess.run([sys.executable, RENDER,
                        "--nodes", f"127.0.0.1:{cls.stub.server_address[1]}",
                        "--https-listen", f"127.0.0.1:{cls.https_port}",
                        "--http-listen", f"127.0.0.1:{cls.http_port}",
                        "--cert", cls.cert, "--key", cls.key,
                        "--user", pwd.getpwuid(os.geteuid()).pw_name,
                        "--pid-file", os.path.join(d, "nginx.pid"),
                        "--log-dir", os.path.join(d, "logs"),
                        "--temp-dir", os.path.join(d, "temp"), "--acme-root", cls.acme,
                        "--max-conn-per-address", str(CONN_CAP), "--out", conf_dir],
                       capture_output=True, check=True, timeout=30)
        args = [NGINX, "-p", d, "-c", os.path.join(conf_dir, "psm.conf"),
                "-e", os.path.join(d, "logs", "startup.log")]
        check = subprocess.run(args + ["-t"], capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            raise AssertionError(f"nginx -t failed:\n{check.stderr}")
        cls.nginx = subprocess.Popen(args + ["-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        cls.wait_for(cls.https_port, cls.nginx, "nginx")

        # The control: a server that speaks only TLS 1.0 and 1.1, with the same certificate.
        cls.legacy_port = free_port()
        cls.legacy = subprocess.Popen(
            [OPENSSL, "s_server", "-accept", f"127.0.0.1:{cls.legacy_port}", "-cert", cls.cert,
             "-key", cls.key, "-min_protocol", "TLSv1", "-max_protocol", "TLSv1.1",
             "-cipher", "DEFAULT:@SECLEVEL=0", "-www", "-quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.wait_for(cls.legacy_port, cls.legacy, "openssl s_server")

    @staticmethod
    def wait_for(port, proc, what):
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"{what} exited with {proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{what} did not listen")

    @classmethod
    def stop_all(cls):
        for proc, sig in ((cls.nginx, signal.SIGQUIT), (cls.legacy, signal.SIGTERM)):
            if proc and proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if cls.stub:
            cls.stub.shutdown()
            cls.stub.server_close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.stop_all()

    # --- clients -----------------------------------------------------------------------------
    def trusting(self, cafile, version=None):
        """A client that trusts only `cafile` and checks the name."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile)
        if version:
            ctx.minimum_version = ctx.maximum_version = version
        return ctx

    def legacy_client(self, version, ciphers="DEFAULT:@SECLEVEL=0"):
        """A client that offers only `version`: Debian's OpenSSL allows TLS below 1.2 only at
        security level 0, so the client lowers its own level, and skips verification (the old
        handshakes sign with SHA-1, which level 0 allows but verification would not matter)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers(ciphers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 and 1.1, on purpose
            ctx.minimum_version = ctx.maximum_version = version
        return ctx

    def handshake(self, ctx, port=None, name="localhost", session=None):
        """Connects, completes the handshake; returns (version, cipher, session, reused)."""
        with socket.create_connection(("127.0.0.1", port or self.https_port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=name, session=session) as t:
                return t.version(), t.cipher()[0], t.session, t.session_reused

    def get(self, ctx, path, name="localhost", method="GET", body=None):
        # localhost resolves to 127.0.0.1 (after ::1, where nothing listens).
        conn = http.client.HTTPSConnection(name, self.https_port, context=ctx, timeout=30)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()

    # --- the checks --------------------------------------------------------------------------
    def test_tls12_and_tls13_verify_against_the_ca(self):
        for label, version in (("TLSv1.2", ssl.TLSVersion.TLSv1_2),
                               ("TLSv1.3", ssl.TLSVersion.TLSv1_3)):
            for name in ("localhost", "127.0.0.1"):
                with self.subTest(version=label, name=name):
                    ctx = self.trusting(self.ca, version)
                    got, cipher, _, _ = self.handshake(ctx, name=name)
                    self.assertEqual(got, label)
                    if label == "TLSv1.2":
                        self.assertIn(cipher, MOZILLA_TLS12)
                    status, headers = self.get(ctx, "/api/v1/district", name=name)
                    self.assertEqual(status, 200)
                    self.assertEqual(headers.get("strict-transport-security"), HSTS)

    def test_another_ca_does_not_verify(self):
        # The check above means something: the same client trusting another CA refuses nginx.
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.handshake(self.trusting(self.other_ca))

    def test_tls10_and_tls11_are_refused_by_the_server(self):
        for label, version in OLD:
            with self.subTest(version=label):
                # The client can speak it: the legacy server completes the handshake.
                got, _, _, _ = self.handshake(self.legacy_client(version), port=self.legacy_port)
                self.assertEqual(got, label)
                # nginx answers with a protocol_version alert: the server says no.
                with self.assertRaises(ssl.SSLError) as e:
                    self.handshake(self.legacy_client(version))
                self.assertIn("alert protocol version", str(e.exception))

    def test_tls12_suites_outside_the_profile_are_refused(self):
        # RSA key exchange (no forward secrecy), CBC and DHE: nginx has no suite in common with
        # the client and says so with a handshake_failure alert.
        for ciphers in ("AES128-GCM-SHA256:AES256-SHA",
                        "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384",
                        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-CHACHA20-POLY1305"):
            with self.subTest(ciphers=ciphers):
                ctx = self.trusting(self.ca, ssl.TLSVersion.TLSv1_2)
                ctx.set_ciphers(ciphers + ":@SECLEVEL=0")
                with self.assertRaises(ssl.SSLError) as e:
                    self.handshake(ctx)
                self.assertIn("alert handshake failure", str(e.exception))

    def test_tls12_sessions_resume_from_the_cache_without_tickets(self):
        ctx = self.trusting(self.ca, ssl.TLSVersion.TLSv1_2)
        _, _, session, reused = self.handshake(ctx)
        self.assertFalse(reused)
        self.assertFalse(session.has_ticket)  # ssl_session_tickets off
        _, _, _, reused = self.handshake(ctx, session=session)
        self.assertTrue(reused)  # ssl_session_cache: the session id was found

    def test_hsts_on_nginx_own_refusals(self):
        # Hold CONN_CAP requests open at the node; the next one gets nginx's own 429, which
        # comes from a location with add_header of its own.
        ctx = self.trusting(self.ca)
        held = [threading.Thread(target=self.get, args=(ctx, "/slow")) for _ in range(CONN_CAP)]
        for t in held:
            t.start()
        deadline = time.time() + 10
        while self.stub.slow_in_progress < CONN_CAP and time.time() < deadline:
            time.sleep(0.01)
        status, headers = self.get(ctx, "/api/v1/district")
        for t in held:
            t.join()
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("retry-after"), "1")
        self.assertEqual(headers.get("strict-transport-security"), HSTS)
        # A body over nginx's limit: 413 from a location without add_header of its own.
        status, headers = self.get(ctx, "/api/v1/reports", method="POST", body=b"x" * 20000)
        self.assertEqual(status, 413)
        self.assertEqual(headers.get("strict-transport-security"), HSTS)

    def test_plain_http_redirects_without_hsts_except_acme(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            conn.request("GET", "/officer?x=1", headers={"Host": "psm.example"})
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 301)
            self.assertEqual(resp.getheader("Location"),
                             f"https://psm.example:{self.https_port}/officer?x=1")
            self.assertIsNone(resp.getheader("Strict-Transport-Security"))
            conn.request("GET", "/.well-known/acme-challenge/token")
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.read()), (200, b"token.thumbprint"))
            self.assertIsNone(resp.getheader("Strict-Transport-Security"))
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
