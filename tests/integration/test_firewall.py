"""deploy/nftables/psm.nft, for real: a district's hosts as network namespaces on one bridge —
nginx, a psm node, PostgreSQL, Redis (each running the ruleset, the same file with the test's
addresses), a phone on the internet, an administrator and Prometheus (no firewall) — and every
path between them tried with a real TCP connection, over IPv4 and IPv6.

Every firewalled host listens on every port the deployment uses (and one it does not), so a rule
that opens a port on the wrong host, or to the wrong source, shows up as a connection that
should have timed out. The expected answer of each path comes from the table ALLOWED below, not
from the ruleset. A path is open when the listener's greeting arrives, dropped when the connect
times out (the ruleset drops without a reset, so a refusal is a failure too).

Needs root and `ip netns`; skips with a message where namespaces cannot be made. PSM_NFT names
another ruleset to try (to see the test fail on a wrong one). Namespaces are named per run and
removed at the end, also when the test fails."""

import concurrent.futures
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULESET = os.environ.get("PSM_NFT", os.path.join(ROOT, "deploy", "nftables", "psm.nft"))
NFT = shutil.which("nft") or "/usr/sbin/nft"
IP = shutil.which("ip") or "/usr/sbin/ip"

# The hosts: IPv4 and IPv6 address (one on-link /16 and /32), and whether they run the ruleset.
HOSTS = {
    "nginx": ("10.77.0.10", "fd77::10", True),
    "node": ("10.77.0.11", "fd77::11", True),
    "postgres": ("10.77.0.21", "fd77::21", True),
    "redis": ("10.77.0.22", "fd77::22", True),
    "client": ("10.77.5.100", "fd77:0:5::100", False),  # a phone: in none of the sets
    "admin": ("10.77.9.5", "fd77:0:9::5", False),  # inside the admin network
    "monitor": ("10.77.8.20", "fd77:0:8::20", False),  # Prometheus
}
FIREWALLED = [h for h, (_, _, fw) in HOSTS.items() if fw]
PSM_PORT = 8080
OTHER_PORT = 9999  # a port no rule mentions
PORTS = [22, 80, 443, PSM_PORT, 5432, 6379, OTHER_PORT]

# The settings of psm.nft for this network, as an administrator would write them.
SETTINGS = {
    "ADMIN_V4": "{ 10.77.9.0/24 }",
    "ADMIN_V6": "{ fd77:0:9::/64 }",
    "MONITOR_V4": "{ 10.77.8.20 }",
    "MONITOR_V6": "{ fd77:0:8::20 }",
    "NGINX_V4": "{ 10.77.0.10 }",
    "NGINX_V6": "{ fd77::10 }",
    "NODES_V4": "{ 10.77.0.11 }",
    "NODES_V6": "{ fd77::11 }",
    "POSTGRES_V4": "{ 10.77.0.21 }",
    "POSTGRES_V6": "{ fd77::21 }",
    "REDIS_V4": "{ 10.77.0.22 }",
    "REDIS_V6": "{ fd77::22 }",
    "PSM_PORT": str(PSM_PORT),
    "SSH_PORT": "22",
}

EVERYONE = set(HOSTS)
# (destination host, port) -> the sources that may connect. Anything not here must be dropped.
ALLOWED = {
    ("nginx", 80): EVERYONE,
    ("nginx", 443): EVERYONE,
    ("node", PSM_PORT): {"nginx", "monitor"},
    ("postgres", 5432): {"node"},
    ("redis", 6379): {"node"},
    **{(h, 22): {"admin"} for h in FIREWALLED},
}

# Runs in each firewalled namespace: accepts on every port (IPv4 and IPv6), greets, closes.
LISTENER = r"""
import os, selectors, socket, sys, threading
# Ends with the test, however it ends (its end of stdin closes then, even on SIGKILL).
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept()
            c.sendall(b"psm\n")
            c.close()
        except OSError:
            pass
"""

# Runs in a source namespace: tries every [address, port] of stdin's JSON list at once and prints
# what each did: "open" (greeting read), "refused", "timeout", or the error. ["ping", address]
# sends one ICMP or ICMPv6 echo request instead ("open" when the reply came).
PROBE = r"""
import concurrent.futures, json, os, socket, struct, sys, time
TIMEOUT = float(sys.argv[1])

def checksum(data):
    data += b"\0" * (len(data) % 2)
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

def ping(addr):
    v6 = ":" in addr
    family, proto, request, reply = ((socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129) if v6
                                     else (socket.AF_INET, socket.IPPROTO_ICMP, 8, 0))
    ident = os.getpid() & 0xFFFF
    head = struct.pack("!BBHHH", request, 0, 0, ident, 1) + b"psm"
    if not v6:  # the kernel fills in the ICMPv6 checksum itself
        head = head[:2] + struct.pack("!H", checksum(head)) + head[4:]
    with socket.socket(family, socket.SOCK_RAW, proto) as s:
        s.settimeout(TIMEOUT)
        s.sendto(head, (addr, 0))
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            s.settimeout(max(0.01, deadline - time.time()))
            data, _ = s.recvfrom(2048)
            icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
            if icmp[0] == reply and struct.unpack("!H", icmp[4:6])[0] == ident:
                return "open"
    return "timeout"

def connect(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(TIMEOUT)
        s.connect((addr, port))
        return "open" if s.recv(4) == b"psm\n" else "no greeting"

def attempt(target):
    try:
        return ping(target[1]) if target[0] == "ping" else connect(*target)
    except ConnectionRefusedError:
        return "refused"
    except (socket.timeout, TimeoutError):
        return "timeout"
    except OSError as e:
        return "error: %s" % e

targets = json.load(sys.stdin)
with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
    print(json.dumps(list(pool.map(attempt, targets))))
"""


def run(*args, check=True, timeout=30, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, check=check,
                          timeout=timeout, **kw)


def ruleset_for_test():
    """psm.nft with SETTINGS in place of its shipped addresses; each define must be there."""
    with open(RULESET) as f:
        text = f.read()
    for name, value in SETTINGS.items():
        text, n = re.subn(rf"^define {name} = [^#\n]*", f"define {name} = {value} ", text,
                          flags=re.M)
        if n != 1:
            raise AssertionError(f"{RULESET}: expected one `define {name} = …`, found {n}")
    return text


def sweep_stale_namespaces():
    """Removes the namespaces of earlier runs of this test that were killed outright (SIGKILL,
    a power cut): their names carry the PID of a process that is gone."""
    listing = subprocess.run([IP, "netns", "list"], capture_output=True, text=True).stdout
    for m in re.finditer(r"^(psmfw(\d+)x[0-9a-f]{4}-[a-z]+)", listing, flags=re.M):
        if not os.path.exists(f"/proc/{m.group(2)}"):
            subprocess.run([IP, "netns", "del", m.group(1)], capture_output=True)


class FirewallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the firewall test needs root to create network namespaces")
        sweep_stale_namespaces()
        cls.prefix = f"psmfw{os.getpid()}x{secrets.token_hex(2)}"
        cls.ns = {h: f"{cls.prefix}-{h}" for h in HOSTS}
        cls.bridge_ns = f"{cls.prefix}-switch"
        cls.made = []
        cls.listeners = []
        try:
            probe = subprocess.run([IP, "netns", "add", cls.bridge_ns], capture_output=True,
                                   text=True)
            why = probe.stderr.strip() if probe.returncode != 0 else None
        except OSError as e:  # no `ip` at all
            why = str(e)
        if why is not None:
            raise unittest.SkipTest("this machine cannot create network namespaces "
                                    f"(`ip netns add` failed: {why})")
        cls.made.append(cls.bridge_ns)
        try:
            cls.build()
        except BaseException:
            cls.tear_down()
            raise

    @classmethod
    def build(cls):
        if not os.access(NFT, os.X_OK):
            raise AssertionError(f"nft not found at {NFT}: make setup installs nftables")
        sw = cls.bridge_ns
        run(IP, "-n", sw, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        run(IP, "-n", sw, "link", "set", "br0", "up")
        for host, (v4, v6, _) in HOSTS.items():
            ns = cls.ns[host]
            run(IP, "netns", "add", ns)
            cls.made.append(ns)
            run(IP, "-n", ns, "link", "set", "lo", "up")
            run(IP, "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name",
                f"v-{host}", "netns", sw)
            run(IP, "-n", sw, "link", "set", f"v-{host}", "master", "br0", "up")
            run(IP, "-n", ns, "addr", "add", f"{v4}/16", "dev", "eth0")
            run(IP, "-n", ns, "addr", "add", f"{v6}/32", "dev", "eth0", "nodad")
            run(IP, "-n", ns, "link", "set", "eth0", "up")
        for host in FIREWALLED:
            p = subprocess.Popen([IP, "netns", "exec", cls.ns[host], sys.executable, "-c",
                                  LISTENER, *map(str, PORTS)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            cls.listeners.append(p)
            if p.stdout.readline().strip() != "ready":
                raise AssertionError(f"listener in {host} did not start: {p.stderr.read()}")

        # Before any ruleset: every port of every host answers the phone, so a timeout later
        # is the firewall's doing, not the network's.
        cls.baseline = cls.probe("client", [(d, p, fam) for d in FIREWALLED for p in PORTS
                                            for fam in (4, 6)])

        cls.ruleset = ruleset_for_test()
        for host in FIREWALLED:
            load = cls.load(host, check=False)
            if load.returncode != 0:
                raise AssertionError(f"nft -f failed in {host}: {load.stderr}")

    @classmethod
    def tear_down(cls):
        """Stops the listeners and removes the namespaces; safe to call twice."""
        listeners, cls.listeners = getattr(cls, "listeners", []), []
        made, cls.made = getattr(cls, "made", []), []
        for p in listeners:
            p.kill()
            p.wait()
            for f in (p.stdin, p.stdout, p.stderr):
                f.close()
        for ns in reversed(made):
            subprocess.run([IP, "netns", "del", ns], capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.tear_down()

    @classmethod
    def probe(cls, source, targets, timeout=3.0):
        """What each (host, port, family) — or (host, "ping", family) — did from `source`."""
        wire = []
        for host, port, fam in targets:
            addr = HOSTS[host][0 if fam == 4 else 1]
            wire.append(["ping", addr] if port == "ping" else [addr, port])
        out = run(IP, "netns", "exec", cls.ns[source], sys.executable, "-c", PROBE, str(timeout),
                  input=json.dumps(wire), timeout=120).stdout
        return dict(zip(targets, json.loads(out)))

    @classmethod
    def load(cls, host, check=True):
        """Loads the ruleset with the test's addresses into `host` (from stdin: no file)."""
        return run(IP, "netns", "exec", cls.ns[host], NFT, "-f", "/dev/stdin", check=check,
                   input=cls.ruleset)

    @classmethod
    def nft(cls, host, *args):
        return run(IP, "netns", "exec", cls.ns[host], NFT, *args).stdout

    @classmethod
    def counter(cls, host, name):
        data = json.loads(cls.nft(host, "-j", "list", "counter", "inet", "psm", name))
        return next(o["counter"]["packets"] for o in data["nftables"] if "counter" in o)

    # --- the checks --------------------------------------------------------------------------
    def test_network_works_without_the_firewall(self):
        self.assertEqual({k: v for k, v in self.baseline.items() if v != "open"}, {})

    def test_every_path_is_open_or_dropped_as_the_table_says(self):
        # Every source tries every port of every firewalled host but itself, IPv4 and IPv6.
        failures = []
        opened = dropped = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(HOSTS)) as pool:
            results = pool.map(lambda source: (source, self.probe(source, [
                (d, p, fam) for d in FIREWALLED if d != source for p in PORTS
                for fam in (4, 6)])), HOSTS)
        for source, outcomes in results:
            for (dest, port, fam), got in outcomes.items():
                want = "open" if source in ALLOWED.get((dest, port), ()) else "timeout"
                opened += want == "open"
                dropped += want == "timeout"
                if got != want:
                    failures.append(f"{source} -> {dest}:{port} IPv{fam}: {got}, want {want}")
        self.assertEqual(failures, [])
        # The table itself covers both outcomes widely (a table that allows nothing would pass
        # against a ruleset that drops everything).
        self.assertGreaterEqual(opened, 40)
        self.assertGreater(dropped, 200)

    def test_named_paths(self):
        # The paths of the deployment, spelled out (the matrix above covers them all).
        cases = {
            ("client", "nginx", 443): "open", ("client", "nginx", 80): "open",
            ("client", "node", PSM_PORT): "timeout", ("nginx", "node", PSM_PORT): "open",
            ("node", "postgres", 5432): "open", ("node", "redis", 6379): "open",
            ("client", "postgres", 5432): "timeout", ("client", "redis", 6379): "timeout",
            ("nginx", "postgres", 5432): "timeout", ("nginx", "redis", 6379): "timeout",
            ("admin", "node", 22): "open", ("client", "node", 22): "timeout",
            ("admin", "postgres", 5432): "timeout", ("monitor", "node", PSM_PORT): "open",
        }
        for source in {s for s, _, _ in cases}:
            mine = [(d, p, fam) for (s, d, p) in cases if s == source for fam in (4, 6)]
            for (dest, port, fam), got in self.probe(source, mine).items():
                self.assertEqual(got, cases[source, dest, port],
                                 f"{source} -> {dest}:{port} IPv{fam}")

    def test_icmp_echo_passes(self):
        got = self.probe("client", [(h, "ping", fam) for h in FIREWALLED for fam in (4, 6)])
        self.assertEqual({k: v for k, v in got.items() if v != "open"}, {})

    def test_drops_are_counted_and_logging_is_rate_limited(self):
        dropped, logged = self.counter("node", "dropped"), self.counter("node", "logged")
        self.probe("client", [("node", PSM_PORT, 4)], timeout=0.5)
        self.assertGreater(self.counter("node", "dropped"), dropped)
        # 200 datagrams to a closed port in a moment: every one counted, at most the log's
        # burst (10) and a few more logged.
        dropped, logged = self.counter("node", "dropped"), self.counter("node", "logged")
        addr = HOSTS["node"][0]
        run(IP, "netns", "exec", self.ns["client"], sys.executable, "-c",
            "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for i in range(200): s.sendto(b'x', ('{addr}', {OTHER_PORT}))")
        self.assertGreaterEqual(self.counter("node", "dropped") - dropped, 200)
        self.assertLessEqual(self.counter("node", "logged") - logged, 12)

    def test_loading_again_replaces_the_table(self):
        before = self.nft("redis", "list", "table", "inet", "psm")
        self.load("redis")
        after = self.nft("redis", "list", "table", "inet", "psm")
        strip = re.compile(r"counter packets \d+ bytes \d+|packets \d+ bytes \d+")
        self.assertEqual(strip.sub("", after), strip.sub("", before))
        got = self.probe("node", [("redis", 6379, 4)])
        self.assertEqual(list(got.values()), ["open"])


def _terminate(signum, frame):
    # unittest would record SystemExit as one test's error and go on; stop now, cleaned up.
    FirewallTest.tear_down()
    os._exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    unittest.main()
