"""The Debian package as a district's IT meets it.

`scripts/make-deb.sh` packages the Release build (PSM_BIN's folder); lintian must report no error
and no warning. Then docs/install.md is run block by block, as root, in a throw-away overlay of
this machine (a private mount namespace, / as the lower layer, a tmpfs as the upper one, chroot):
it installs the package with apt-get, imports a roll, issues PINs, adds a user, checks nginx and
the firewall, backs up and purges. Where the page says to start the service (a `sh systemd`
block), the test runs the unit's ExecStart as the unit would: its User and Group, its
Environment= and EnvironmentFile=, its WorkingDirectory, UMask and LimitNOFILE, no new
privileges and no capabilities; then /readyz, the pages from /usr/share/psm/web, an officer's
report, and SIGTERM within TimeoutStopSec. After the purge, the overlay's upper layer holds
every file the whole run left behind: nothing of the package may be among them.

Then the unit under real systemd: boot-systemd.sh boots this machine's own systemd as PID 1 in
another overlay and in-systemd.sh starts, stops, kills, upgrades and removes psm there.

The man page and the units are checked too (they need no root). The overlay needs root and
unshare(1); without them the package test skips, saying why.
"""

import datetime
import glob
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PSM_BIN = os.environ.get("PSM_BIN", os.path.join(ROOT, "build", "psm"))
BUILD = os.path.dirname(os.path.abspath(PSM_BIN))
INSTALL_MD = os.path.join(ROOT, "docs", "install.md")
UNIT = os.path.join(ROOT, "debian", "psm.service")
TEMPLATE_UNIT = os.path.join(ROOT, "debian", "psm@.service")
IN_NAMESPACE = "PSM_PACKAGE_TEST_NAMESPACE"

# What a run of docs/install.md may leave behind after `apt-get purge psm`: dpkg's and apt's own
# records and caches, the psm system user (Debian policy keeps system users), and the files the
# page has the administrator make (nginx's configuration, the certificate, backups, /root).
ALLOWED_LEFTOVERS = [
    r"var/lib/dpkg(/.*)?", r"var/lib/apt(/.*)?", r"var/cache(/.*)?", r"var/log(/.*)?",
    r"etc/(passwd|group|shadow|gshadow)-?", r"etc/\.pwd\.lock", r"etc/subuid-?", r"etc/subgid-?",
    r"etc/nginx(/.*)?", r"etc/ssl/psm(/.*)?", r"var/www(/acme)?", r"var/backups(/psm(/.*)?)?",
    r"root(/.*)?", r"etc/ld\.so\.cache", r"run/adduser",
    # What `nginx -t` makes: its pid file and temporary folders.
    r"run/nginx\.pid", r"var/lib/nginx(/.*)?",
    # What the test's own `systemd-analyze verify` writes.
    r"run/systemd", r"run/systemd/systemd-units-load",
    # Folders that only hold the above.
    r"etc", r"var", r"var/lib", r"etc/ssl",
]
# Nothing of these may be left.
PACKAGE_PATHS = [
    "usr/bin/psm", "etc/psm", "var/lib/psm", "usr/share/psm", "usr/share/doc/psm",
    "usr/share/man/man1/psm.1.gz", "lib/systemd/system/psm.service",
    "lib/systemd/system/psm@.service", "etc/systemd/system/multi-user.target.wants/psm.service",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_unit(path):
    """[Service] and [Unit] keys of a unit file: key -> list of values, in order."""
    keys = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[":
                continue
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def parse_environment_file(text):
    """systemd's EnvironmentFile=: KEY=VALUE lines, # and ; comments, the last one wins."""
    env = {}
    for line in text.split("\n"):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def install_blocks(path=INSTALL_MD):
    """The fenced ```sh blocks of docs/install.md: (info string, text), in order."""
    blocks, current, info = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if current is None and line.startswith("```sh"):
                current, info = [], line[3:].strip()
            elif current is not None and line.startswith("```"):
                blocks.append((info, "".join(current)))
                current = None
            elif current is not None:
                current.append(line)
    return blocks


def build_deb():
    out = subprocess.run([os.path.join(ROOT, "scripts", "make-deb.sh"), BUILD],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError("make-deb.sh failed:\n" + out.stdout + out.stderr)
    return out.stdout.strip().splitlines()[-1]


class ManPageAndUnitsTest(unittest.TestCase):
    """No root needed: the page covers what the program's help lists; the units are hardened."""

    def test_man_page_covers_every_subcommand_and_setting(self):
        with tempfile.TemporaryDirectory() as tmp:
            page = os.path.join(tmp, "psm.1")
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-manpage.py"),
                            PSM_BIN, page], check=True)
            warnings = subprocess.run(
                ["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                capture_output=True, text=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
            self.assertEqual(warnings.returncode, 0, warnings.stderr)
            self.assertEqual(warnings.stderr.strip(), "", "groff warns about psm.1")
            text = subprocess.run(["man", "-l", page], capture_output=True, text=True,
                                  env={**os.environ, "MANWIDTH": "200", "LC_ALL": "C.UTF-8"}
                                  ).stdout
        for sub in ["serve", "import", "admin issue-pins", "admin add-user", "admin list-users",
                    "admin disable-user", "demo-data", "simulate"]:
            self.assertIn("psm " + sub + "\n", text, sub)
            flags = re.findall(r"^  (--[a-z-]+)", subprocess.run(
                [PSM_BIN, *sub.split(), "--help"], capture_output=True, text=True).stdout, re.M)
            for flag in flags:
                self.assertIn(flag, text, f"psm {sub} {flag}")
        with open(os.path.join(ROOT, "deploy", ".env.example")) as f:
            keys = re.findall(r"^(PSM_[A-Z_]+)=", f.read(), re.M)
        self.assertGreater(len(keys), 30)
        for key in keys:
            self.assertRegex(text, r"\n\s+" + key + r"\n", f"{key} not under ENVIRONMENT")

    def test_units_are_hardened_alike_and_rated_ok(self):
        single, template = read_unit(UNIT), read_unit(TEMPLATE_UNIT)
        # Everything from WorkingDirectory= on is the same in both (the sandbox, the limits).
        for key in set(single) | set(template):
            if key not in ("Description", "Environment", "EnvironmentFile"):
                self.assertEqual(single.get(key), template.get(key), key)
        for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                           ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                           ("PrivateDevices", "yes"), ("CapabilityBoundingSet", ""),
                           ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
                           ("MemoryDenyWriteExecute", "yes"), ("StateDirectory", "psm"),
                           ("Restart", "on-failure"), ("User", "psm")]:
            self.assertIn(value, single.get(key, []), key)
        self.assertIn("@system-service", single["SystemCallFilter"])
        self.assertGreaterEqual(int(single["LimitNOFILE"][0]), 65536)
        if not shutil.which("systemd-analyze"):
            self.skipTest("no systemd-analyze")
        for unit in (UNIT, TEMPLATE_UNIT):
            out = subprocess.run(["systemd-analyze", "security", "--offline=true", unit],
                                 capture_output=True, text=True)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", out.stdout)
            self.assertIsNotNone(m, out.stdout + out.stderr)
            print(f"{os.path.basename(unit)}: exposure {m.group(1)} {m.group(2)}", flush=True)
            self.assertLessEqual(float(m.group(1)), 3.0)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the package test needs root (dpkg in an overlay chroot)")
        for tool in ("dpkg-buildpackage", "lintian", "unshare", "chroot", "setpriv"):
            if not shutil.which(tool):
                raise unittest.SkipTest(f"no {tool}: run make setup")
        if os.environ.get(IN_NAMESPACE) != "1":
            raise unittest.SkipTest("not in a private mount namespace (run this file directly)")
        cls.deb = build_deb()
        cls.tmp = tempfile.mkdtemp(prefix="psm-package-")
        cls.upper_fs = os.path.join(cls.tmp, "layers")
        os.makedirs(cls.upper_fs)
        # The upper layer on a tmpfs: the kernel refuses an upper folder inside the lower layer.
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", cls.upper_fs], check=True)
        for d in ("upper", "work", "root"):
            os.makedirs(os.path.join(cls.upper_fs, d))
        cls.upper = os.path.join(cls.upper_fs, "upper")
        cls.root = os.path.join(cls.upper_fs, "root")
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir=/,upperdir={cls.upper},workdir={cls.upper_fs}/work", cls.root],
                       check=True)
        subprocess.run(["mount", "--rbind", "/dev", cls.root + "/dev"], check=True)
        subprocess.run(["mount", "-t", "proc", "proc", cls.root + "/proc"], check=True)
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", cls.root + "/tmp"], check=True)
        # The package where the page expects it: in the folder the commands run in.
        cls.package_dir = os.path.join(cls.tmp, "package")
        os.makedirs(cls.package_dir)
        shutil.copy(cls.deb, cls.package_dir)
        subprocess.run(["mount", "--bind", cls.package_dir, cls.root + "/mnt"], check=True)

    @classmethod
    def tearDownClass(cls):
        # The mounts end with the namespace; the folders are removed here.
        if hasattr(cls, "tmp"):
            subprocess.run(["umount", "-R", cls.root], capture_output=True)
            subprocess.run(["umount", cls.upper_fs], capture_output=True)
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def chroot(self, script, check=True, timeout=300):
        out = subprocess.run(["chroot", self.root, "/bin/bash", "-euo", "pipefail", "-c",
                              "cd /mnt\n" + script], capture_output=True, text=True,
                             timeout=timeout, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                                   "HOME": "/root", "LANG": "C.UTF-8",
                                                   "DEBIAN_FRONTEND": "noninteractive"})
        if check and out.returncode != 0:
            self.fail(f"in the overlay, exit {out.returncode}:\n{script}\n--- stdout\n"
                      f"{out.stdout}\n--- stderr\n{out.stderr}")
        return out

    def test_lintian_no_errors_or_warnings(self):
        out = subprocess.run(["lintian", "--pedantic", "--display-info", "--fail-on",
                              "error,warning", self.deb], capture_output=True, text=True)
        tags = [line for line in out.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
        print("lintian:", *(tags or ["no tags"]), sep="\n  ", flush=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertFalse([t for t in tags if t[0] in "EW"], tags)

    def test_install_md_line_by_line(self):
        name = os.path.basename(self.deb)
        blocks = install_blocks()
        self.assertTrue(any(name in text for _, text in blocks),
                        f"docs/install.md does not install {name}: update its version")
        started = False
        for info, text in blocks:
            if info == "sh systemd":
                if "systemctl start psm" in text:
                    self.service = self.start_service()
                    started = True
                continue
            self.assertEqual(info, "sh", f"unknown block kind {info!r} in docs/install.md")
            if "apt-get purge" in text:
                self.assertTrue(started, "the page purges before it starts the service")
                self.stop_service(self.service)
                self.check_backup()
            self.chroot(text)
            if "apt-get install" in text:
                self.check_installed()
        self.assertTrue(started, "docs/install.md never starts psm")
        self.check_purged()

    def test_the_unit_under_systemd(self):
        """The package in a booted copy of this machine (boot-systemd.sh): systemctl start,
        the sandbox in force, a report, a clean stop, Restart=on-failure, psm@PORT, an upgrade
        and a removal (in-systemd.sh)."""
        here = os.path.dirname(os.path.abspath(__file__))
        out = subprocess.run([os.path.join(here, "boot-systemd.sh"), self.deb,
                              os.path.join(here, "in-systemd.sh")],
                             capture_output=True, text=True, timeout=300)
        print(*[line for line in out.stdout.splitlines() if line.startswith(("==", "boot"))],
              sep="\n", flush=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("in-systemd: all steps passed", out.stdout)
        self.assertRegex(out.stdout, r"exposure level for psm\.service: [0-2]\.[0-9] OK")

    # --- after `apt-get install` --------------------------------------------------------------
    def check_installed(self):
        version = subprocess.run([PSM_BIN, "--version"], capture_output=True, text=True
                                 ).stdout.split()[-1]
        out = self.chroot("/usr/bin/psm --version; dpkg-query -W -f='${Conffiles}\\n' psm; "
                          "getent passwd psm; stat -c '%U:%G %a' /var/lib/psm /etc/psm/psm.env; "
                          "readlink /etc/systemd/system/multi-user.target.wants/psm.service; "
                          "ls /usr/share/man/man1/psm.1.gz /usr/share/psm/web/index.html; "
                          "ls /usr/share/doc/psm/examples/*/")
        self.assertIn(f"psm {version}", out.stdout)
        self.assertIn("/etc/psm/psm.env", out.stdout)  # a conffile
        user = re.search(r"^psm:[^:]*:(\d+):", out.stdout, re.M)
        self.assertIsNotNone(user, "no psm user:\n" + out.stdout)
        uid = int(user.group(1))
        self.assertLess(uid, 1000, "psm is not a system user")
        self.assertIn("psm:psm 750", out.stdout)  # /var/lib/psm
        self.assertIn("root:psm 640", out.stdout)  # /etc/psm/psm.env
        # Enabled, not started: the postinst enables the unit and never starts it.
        self.assertIn("/lib/systemd/system/psm.service", out.stdout)
        # psm.env: every key of deploy/.env.example, each commented out, none twice.
        with open(os.path.join(self.root, "etc/psm/psm.env")) as f:
            installed = re.findall(r"^(#?)(PSM_[A-Z_]+)=", f.read(), re.M)
        with open(os.path.join(ROOT, "deploy", ".env.example")) as f:
            example = re.findall(r"^(PSM_[A-Z_]+)=", f.read(), re.M)
        self.assertEqual([key for _, key in installed], example)
        self.assertEqual({mark for mark, _ in installed}, {"#"})
        # The installed units as systemd reads them (no systemd needed to check them).
        verify = self.chroot("systemd-analyze verify /lib/systemd/system/psm.service "
                             "/lib/systemd/system/psm@8081.service 2>&1", check=False)
        self.assertEqual(verify.returncode, 0, verify.stdout)
        self.assertNotIn("psm", verify.stdout, verify.stdout)
        postinst = self.chroot("cat /var/lib/dpkg/info/psm.postinst").stdout
        self.assertIn("deb-systemd-helper", postinst)
        self.assertNotRegex(postinst, r"deb-systemd-invoke\s+(\$_dh_action|start|restart)")
        for example in ("psm.conf", "psm-locations.conf", "psm.nft", "psm-rules.yml",
                        "prometheus.yml", "psm-dashboard.json"):
            self.assertIn(example, out.stdout)

    # --- the service, as psm.service runs it --------------------------------------------------
    def service_command(self, port):
        unit = read_unit(os.path.join(self.root, "lib/systemd/system/psm.service"))
        env = {}
        for line in unit["Environment"]:
            env.update(word.split("=", 1) for word in shlex.split(line))
        # The test's own settings, as an administrator would add them: a free port, and a poll
        # that is open now (a scaled clock), so that an officer's report is accepted.
        with open(os.path.join(self.root, "etc/psm/psm.env"), "a") as f:
            f.write(f"PSM_LISTEN=127.0.0.1:{port}\n"
                    f"PSM_POLL_DATE={datetime.date.today().isoformat()}\n"
                    "PSM_UTC_OFFSET=+00:00\nPSM_CLOCK_START=10:00\n")
        for path in unit["EnvironmentFile"]:
            optional = path.startswith("-")
            full = os.path.join(self.root, path.lstrip("-").lstrip("/"))
            if optional and not os.path.exists(full):
                continue
            with open(full) as f:
                env.update(parse_environment_file(f.read()))
        self.assertEqual(unit["CapabilityBoundingSet"], [""])
        self.assertEqual(unit["NoNewPrivileges"], ["yes"])
        shell = (f"umask {unit['UMask'][0]} && cd {unit['WorkingDirectory'][0]} && "
                 f"exec {unit['ExecStart'][0]}")
        # systemd raises the hard limit itself; a test run without CAP_SYS_RESOURCE cannot.
        nofile = min(int(unit["LimitNOFILE"][0]), resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        return (["chroot", self.root, "prlimit", f"--nofile={nofile}:{nofile}", "setpriv",
                 f"--reuid={unit['User'][0]}", f"--regid={unit['Group'][0]}", "--init-groups",
                 "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "env", "-i",
                 *[f"{k}={v}" for k, v in sorted(env.items())], "/bin/sh", "-c", shell],
                int(unit["TimeoutStopSec"][0]))

    def start_service(self):
        port = free_port()
        command, stop_timeout = self.service_command(port)
        log = open(os.path.join(self.tmp, "service.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        service = {"proc": proc, "log": log, "port": port, "stop_timeout": stop_timeout}
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.seek(0)
                self.fail("psm.service did not become ready:\n" + log.read())
            time.sleep(0.2)
        # The pages come from the package's /usr/share/psm/web.
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            page = r.read()
        with open(os.path.join(self.root, "usr/share/psm/web/index.html"), "rb") as f:
            # The server adds a content hash to each reference (?v=…); the rest is the file.
            self.assertEqual(re.sub(rb"\?v=[0-9A-Za-z_-]+", b"", page), f.read())
        log.seek(0)
        self.assertIn("web files from /usr/share/psm/web", log.read())
        # An officer's report is stored (the state folder is writable, the sandbox allows it).
        with open(os.path.join(self.root, "root/pins.csv")) as f:
            station, pin = f.readlines()[1].strip().split(",")
        token = self.post(base + "/api/v1/sessions", {"station": station, "pin": pin})["token"]
        with urllib.request.urlopen(base + "/api/v1/district", timeout=5) as r:
            now = json.load(r)["now"]
        self.report_id = str(uuid.uuid4())
        self.post(base + f"/api/v1/stations/{station}/reports",
                  {"id": self.report_id, "kind": "queue", "observed_at": now,
                   "queue": {"men": 7, "women": 5, "others": 0}}, token=token)
        deadline = time.time() + 5
        while True:
            with urllib.request.urlopen(base + f"/api/v1/stations/{station}", timeout=5) as r:
                queue = json.load(r)["status"]["queue"]
            if (queue or {}).get("total") == 12 or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(queue["total"], 12)
        return service

    def post(self, url, body, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                self.assertEqual(r.status, 201)
                return json.load(r)
        except urllib.error.HTTPError as e:
            self.fail(f"POST {url}: {e.code} {e.read().decode()}")

    def stop_service(self, service):
        proc = service["proc"]
        proc.send_signal(signal.SIGTERM)
        try:
            self.assertEqual(proc.wait(timeout=service["stop_timeout"]), 0)
        finally:
            service["log"].seek(0)
            lines = service["log"].read().splitlines()
        levels = [json.loads(line).get("level") for line in lines if line.startswith("{")]
        self.assertTrue(levels, "the service logged nothing")
        self.assertNotIn("error", levels, "\n".join(lines))
        # The store is the service user's, in a folder no one else may enter.
        out = self.chroot("stat -c '%U %a' /var/lib/psm /var/lib/psm/psm.db").stdout.split("\n")
        self.assertEqual(out[0], "psm 750")
        self.assertTrue(out[1].startswith("psm "), out[1])

    def check_backup(self):
        """The page's online backup (taken while psm served) holds the officer's report."""
        out = self.chroot("sqlite3 \"$(ls -t /var/backups/psm/*.db | head -1)\" "
                          f"\"SELECT count(*) FROM reports WHERE id = '{self.report_id}'\"")
        self.assertEqual(out.stdout.strip(), "1")

    # --- after `apt-get purge` ----------------------------------------------------------------
    def check_purged(self):
        out = self.chroot("dpkg-query -W -f='${db:Status-Abbrev}' psm 2>&1 || true; "
                          "getent passwd psm")
        self.assertNotIn("ii", out.stdout.split("\n")[0])
        self.assertIn("psm:x:", out.stdout, "the system user should stay (Debian policy)")
        left = []
        for dirpath, dirnames, filenames in os.walk(self.upper):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, self.upper)
                if any(re.fullmatch(p, rel) for p in ALLOWED_LEFTOVERS):
                    continue
                # A folder of the lower layer is copied up when something in it changes; what
                # is in it is judged on its own. A folder only the upper layer has was made.
                if os.path.isdir(path) and not os.path.islink(path) and \
                        os.path.isdir(os.path.join("/", rel)):
                    continue
                kind = "deleted" if stat.S_ISCHR(os.lstat(path).st_mode) else (
                    "folder" if os.path.isdir(path) else "file")
                left.append(f"{rel} ({kind})")
        for path in PACKAGE_PATHS:
            self.assertFalse(os.path.lexists(os.path.join(self.root, path)), path + " remains")
        self.assertEqual(left, [], "files left behind by the package:\n" + "\n".join(left))


def main():
    if os.environ.get(IN_NAMESPACE) != "1" and os.geteuid() == 0 and shutil.which("unshare"):
        # Re-run in a private mount namespace: the overlay's mounts vanish with it, whatever
        # happens to this process.
        env = {**os.environ, IN_NAMESPACE: "1"}
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                               sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
