#!/usr/bin/env python3
"""`make bench`: every scenario of the benchmark issue in one sitting on this machine.

psm, the nginx reference and the Express + Redis peer are started one after the other on free
127.0.0.1 ports, loaded with wrk from the same cores, and stopped by PID. Prints a table and the
targets (PASS/MISS, from ratios measured in this sitting), and writes BENCH_OUT/summary.json and
BENCH_OUT/benchmarks.png. Settings (environment): see docs/benchmarks.md or `--help`.
"""

import concurrent.futures
import csv
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import (cluster, data, load, procs, propagation, report, servers,  # noqa: E402
                      sse)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_int(name, default):
    return int(os.environ.get(name, default))


class Config:
    def __init__(self):
        quick = os.environ.get("BENCH_QUICK") == "1"
        self.quick = quick
        self.binary = os.path.abspath(os.environ.get("PSM_BIN", os.path.join(ROOT, "build", "psm")))
        self.out = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(ROOT, "build", "bench")))
        self.data = os.environ.get("BENCH_DATA", "auto")
        self.duration = os.environ.get("BENCH_DURATION", "3s" if quick else "10s")
        # The read scenarios alternate nginx and psm this many times, each run lasting
        # BENCH_DURATION / BENCH_PAIRS (whole seconds, at least 2): the machine's speed drifts
        # over seconds, and the median of several adjacent pairs' ratios drifts far less.
        self.pairs = max(1, env_int("BENCH_PAIRS", 1 if quick else 3))
        seconds = int(self.duration.rstrip("s")) if self.duration.rstrip("s").isdigit() else 0
        self.pair_duration = (f"{max(2, -(-seconds // self.pairs))}s"
                              if self.pairs > 1 and seconds else self.duration)
        self.conns_low = env_int("BENCH_CONNS_LOW", 64)
        self.conns = env_int("BENCH_CONNS", 256)
        self.conns_high = env_int("BENCH_CONNS_HIGH", 2000 if quick else 10000)
        self.write_conns = env_int("BENCH_WRITE_CONNS", 256)
        self.officers = env_int("BENCH_OFFICERS", 16 if quick else 64)
        self.mix_subscribers = env_int("BENCH_MIX_SUBSCRIBERS", 1000)
        self.subscribers = env_int("BENCH_SSE_SUBSCRIBERS", 2000 if quick else 100000)
        # 5 nodes under a 20,000 open-files limit hold 5 × (20,000 − their own descriptors): a
        # few hundred short of 100,000. BENCH_SSE_NODES=6 holds them all.
        self.sse_nodes = env_int("BENCH_SSE_NODES", 5)
        self.epics = env_int("BENCH_EPICS", 20000)
        self.propagation_rate = env_int("BENCH_PROPAGATION_RATE", 100)
        self.propagation_seconds = env_int("BENCH_PROPAGATION_SECONDS", 3 if quick else 10)
        self.only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
        self.keep = os.environ.get("BENCH_KEEP") == "1"
        self.update_docs = os.environ.get("BENCH_UPDATE_DOCS") == "1"


def log(msg):
    print(msg, flush=True)


def turn_ratios(runs, references):
    """psm's requests/s over the reference's, run by run, for runs that took turns."""
    return [round(r["requests_per_s"] / ref["requests_per_s"], 3)
            for r, ref in zip(runs, references) if ref["requests_per_s"]]


class Bench:
    def __init__(self, cfg):
        self.cfg = cfg
        self.rows = []
        self.facts = {}
        os.makedirs(cfg.out, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="psm-bench-")
        self.nofile = procs.raise_nofile()
        self.running = []  # servers to stop if anything fails
        self.express_measured = False

    def wanted(self, key):
        return not self.cfg.only or key in self.cfg.only

    def add(self, scenario, server, row):
        row = dict(row, scenario=scenario, server=server)
        self.rows.append(row)
        errs = f"  errors {row['error_total']}" if row.get("error_total") else ""
        log(f"  {row['label']:<28} {row['requests_per_s']:>10,.0f} req/s  p99 "
            f"{row['p99_ms']:.2f} ms  cpu {row['server_cpu_us_per_request']} µs/req "
            f"(wrk {row['client_cpu_us_per_request']}){errs}")
        return row

    def start(self, server):
        self.running.append(server)
        return server.start()

    def stop(self, server):
        code = server.stop()
        self.running.remove(server)
        return code

    # --- preparation ------------------------------------------------------------------------
    def prepare(self):
        cfg = self.cfg
        if not os.access(cfg.binary, os.X_OK):
            raise RuntimeError(f"no psm binary at {cfg.binary} (make build, or set PSM_BIN)")
        self.roll, self.facts["district"] = data.roll_dir(cfg.binary, cfg.data, cfg.out, log)
        self.stations = data.station_ids(self.roll)
        self.electors, epics = data.count_and_sample_epics(self.roll, cfg.epics)
        self.facts.update(stations=len(self.stations), electors=self.electors)
        log(f"district: {self.facts['district']}: {len(self.stations):,} stations, "
            f"{self.electors:,} electors")
        self.stations_file = self._write_lines("stations.txt", self.stations)
        self.epics_file = self._write_lines("epics.txt", epics)
        log("importing …")
        self.db, self.pins, self.import_s = data.prepare_store(cfg.binary, self.roll, self.work)
        log(f"  psm import: {self.import_s:.2f} s")
        self.sse_exe = sse.build(cfg.out)

    def _write_lines(self, name, lines):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def psm(self, name, *extra, rate_limits="off"):
        return servers.Psm(self.cfg.binary, self.db, self.work, name, extra,
                           rate_limits=rate_limits)

    def officers_file(self, psm, n, pins=None):
        """Logs in officers of the first n stations (Argon2id makes each login slow on purpose),
        with `pins` (the SQLite store's unless given)."""
        stations = self.stations[:n]
        pins = pins or self.pins
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            tokens = list(pool.map(lambda s: psm.login(s, pins[s]), stations))
        return self._write_lines(f"officers-{psm.port}.txt",
                                 [f"{s} {t}" for s, t in zip(stations, tokens)])

    def observed_at(self, psm):
        # The server's now minus a minute: inside the ±2 min the server accepts, never future.
        now = datetime.datetime.fromisoformat(psm.now().replace("Z", "+00:00"))
        return (now - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def read_env(self):
        return {"BENCH_STATIONS": self.stations_file, "BENCH_EPICS": self.epics_file}

    def report_env(self, officers, psm, mix):
        return dict(self.read_env(), BENCH_OFFICERS=officers, BENCH_OBSERVED=self.observed_at(psm),
                    BENCH_NONCE=uuid.uuid4().hex[:8], BENCH_MIX="1" if mix else "0")

    # --- scenarios --------------------------------------------------------------------------
    def reads(self):
        """1, 2, 3, 5 and 9 (start-up): psm on a fresh copy of the district, nginx beside it (and
        the Express peer, 6, which takes its turns in the station scenarios)."""
        cfg = self.cfg
        psm = self.start(self.psm("reads"))
        pids = psm.pids()
        self.startup = {"ready_s": round(psm.ready_s, 3),
                        "rss_after_start_mib": round(procs.rss_kib(pids) / 1024.0, 1)}
        log(f"  psm serve ready in {psm.ready_s:.2f} s, RSS "
            f"{self.startup['rss_after_start_mib']} MiB")
        # Every station's body, for nginx (one) and Redis (all).
        self.bodies = {}
        for sid in self.stations:
            status, headers, body = servers.request(psm.port, "GET", f"/api/v1/stations/{sid}")
            if status != 200:
                raise RuntimeError(f"GET station {sid}: {status}")
            self.bodies[sid] = body
            if len(self.bodies) == 1:
                self.reference = (body, headers.get("etag", '"bench"'))
        env = self.read_env()
        # nginx runs beside psm; each psm read scenario takes turns with an nginx run at the
        # same connection count (cfg.pairs times): this machine's speed drifts by ±20 % over
        # minutes, and the ratio of two runs seconds apart drifts far less than that of two runs
        # a minute apart.
        ng = self.start(self.nginx_server()) if self.wanted("nginx") else None
        # The Express peer takes its turns in the station scenarios too (scenario 6).
        peer = None
        if self.wanted("express") and self.wanted("station"):
            peer = self.start(servers.ExpressPeer(self.work, self.bodies))
        measured = set()

        def paired(scenario, c, name, script, label, reference, with_peer=False, server=psm,
                   read_reference=None):
            ng_runs, psm_runs, peer_runs = [], [], []
            for _ in range(cfg.pairs):
                if ng is not None:
                    ng_runs.append(self.nginx_run(
                        ng, c, env, reference, f"nginx reference c{c}" +
                        ("" if reference == f"nginx-{c}" else f", beside {name}")))
                psm_runs.append(load.measure(name, server, script, c, cfg.pair_duration, env,
                                             label,
                                             reference=reference if ng is not None else None))
                if with_peer and peer is not None:
                    peer_runs.append(load.measure(f"express-{c}", peer, "stations.lua", c,
                                                  cfg.pair_duration, env, f"express peer c{c}"))
            if ng is not None:
                measured.add(c)
                self.add(1, "nginx", load.merge(ng_runs))
            row = load.merge(psm_runs)
            if read_reference:
                row["read_reference"] = read_reference
            if ng is not None:
                row["pair_ratios"] = turn_ratios(psm_runs, ng_runs)
            if peer_runs:
                row["express_ratios"] = turn_ratios(psm_runs, peer_runs)
            self.add(scenario, "psm", row)
            if peer_runs:
                self.add(6, "express", load.merge(peer_runs))

        if self.wanted("station"):
            for c in (cfg.conns_low, cfg.conns):
                paired(2, c, f"station-{c}", "stations.lua", f"station status c{c}", f"nginx-{c}",
                       with_peer=True)
            self.express_measured = peer is not None
            # The production setting, limits on, in one read scenario to show their cost: a
            # second psm (its own copy of the district) with every limit of docs/security.md;
            # wrk's c256 from one address stays under the 512 connections an address may hold.
            c = cfg.conns
            limited = self.start(self.psm("reads-limits", rate_limits="on"))
            paired(2, c, f"station-{c}-limits", "stations.lua", f"station status c{c}, limits on",
                   f"nginx-{c}", server=limited, read_reference=f"station-{c}")
            self.stop(limited)
        if self.wanted("lookup"):
            c = cfg.conns
            paired(3, c, f"lookup-{c}", "lookup.lua", f"EPIC lookup c{c}",
                   f"nginx-{c}" if c not in measured else f"nginx-{c}-lookup")
        if self.wanted("10k"):
            c = cfg.conns_high
            paired(5, c, f"station-{c}", "stations.lua", f"station status c{c}", f"nginx-{c}")
        for c in sorted({cfg.conns_low, cfg.conns, cfg.conns_high}):
            # The rest, for the chart and the table (or when only nginx is wanted).
            if ng is not None and c not in measured:
                measured.add(c)
                self.measure_nginx(ng, c, env)
        if ng is not None:
            self.stop(ng)
        if peer is not None:
            self.stop(peer)
        self.stop(psm)

    def nginx_server(self, extra_headers=(), name="nginx", workers=2):
        body, etag = self.reference
        return servers.Nginx(self.work, body.decode(), etag, extra_headers, name, workers)

    def nginx_run(self, ng, c, env, name, label=None, duration=None, script="stations.lua"):
        body, _ = self.reference
        row = load.measure(name, ng, script, c, duration or self.cfg.pair_duration, env,
                           label or f"nginx reference c{c}", body_bytes=len(body))
        row.pop("reports_sent", None)  # the mix's script counts its reports; nginx keeps none
        return row

    def measure_nginx(self, ng, c, env, name=None, label=None):
        self.add(1, "nginx", load.merge([self.nginx_run(ng, c, env, name or f"nginx-{c}", label,
                                                        self.cfg.duration)]))

    def express(self):
        cfg = self.cfg
        if self.express_measured:
            log("  measured in turns with psm's station reads")
            return
        peer = self.start(servers.ExpressPeer(self.work, self.bodies))
        env = self.read_env()
        for c in (cfg.conns_low, cfg.conns):
            self.add(6, "express", load.measure(f"express-{c}", peer, "stations.lua", c,
                                                cfg.duration, env, f"express peer c{c}"))
        self.stop(peer)

    def mix(self):
        # The reads' references are minutes old by now: like the reads, the mix takes turns with
        # an nginx run of its own at the same connection count, and its ratio is the median of
        # the pairs'. A single run of each a minute apart moved the ratio by ±0.15.
        ng = self.start(self.nginx_server()) if self.wanted("nginx") else None
        # Voters' pages each follow one station's status (web/js/voter.js); control-room screens
        # follow everything. The scenario's streams are voters' pages, spread over the whole
        # district; the same load with every stream unfiltered is measured too, as the worst case.
        c = self.cfg.conns
        for name, label, path, ids, reference in (
                (f"mix-{c}", "voters' streams", "/api/v1/events?station=%s&types=status",
                 self.shuffled_stations_file(), f"nginx-{c}-mix"),
                (f"mix-all-{c}", "unfiltered streams", "/api/v1/events", None,
                 f"nginx-{c}-mix-all")):
            self.mix_run(name, label, path, ids, ng, reference if ng else f"nginx-{c}")
        if ng is not None:
            self.stop(ng)

    def shuffled_stations_file(self):
        ids = list(self.stations)
        random.Random(1).shuffle(ids)
        return self._write_lines("stations-shuffled.txt", ids)

    def mix_run(self, name, label, path, path_ids, ng, reference):
        """One mix variant; with `ng`, cfg.pairs turns of an nginx run then a psm run."""
        cfg = self.cfg
        psm = self.start(self.psm(name))
        officers = self.officers_file(psm, cfg.officers)
        subs = sse.Subscribers(self.sse_exe, psm.port, cfg.mix_subscribers,
                               os.path.join(self.work, f"sse-{name}.log"), path=path,
                               path_ids=path_ids)
        ng_runs, runs = [], []
        try:
            ready = subs.wait_ready()
            for _ in range(cfg.pairs if ng is not None else 1):
                # A fresh nonce each run: every report id stays unique.
                env = self.report_env(officers, psm, mix=True)
                if ng is not None:
                    # nginx gets the mix's own requests from the mix's own script (it answers
                    # the look-ups and reports with the station body too), so wrk spends the
                    # same on both sides of the ratio; the mix's Lua costs wrk about 1.5 µs a
                    # request more than the reads' script.
                    ng_runs.append(self.nginx_run(ng, cfg.conns, env, reference,
                                                  f"nginx reference c{cfg.conns}, the mix's "
                                                  f"requests, beside {name}",
                                                  script="reports.lua"))
                runs.append(load.measure(
                    name, psm, "reports.lua", cfg.conns,
                    cfg.pair_duration if ng is not None else cfg.duration, env,
                    f"mix 95/4/1 c{cfg.conns}+{ready['streaming']} SSE, {label}",
                    reference=reference))
            after = subs.stats()
        finally:
            subs.close()
        self.stop(psm)
        row = load.merge(runs)
        if ng_runs:
            self.add(1, "nginx", load.merge(ng_runs))
            row["pair_ratios"] = turn_ratios(runs, ng_runs)
        # Beside the ratio to the plain reads' reference (the station scenario's nginx run at
        # the same connection count, minutes older), as the mix was compared until 2026-12-01.
        row["read_reference"] = f"nginx-{cfg.conns}"
        row.update(sse_subscribers=ready["streaming"], sse_still_open=after["streaming"],
                   sse_events_received=after["events"], sse_streams=label,
                   reports_stored=psm.stored_reports())
        self.add(4, "psm", row)
        log(f"    SSE ({label}): {after['streaming']}/{ready['streaming']} still open, "
            f"{after['events']:,} status events delivered; reports stored "
            f"{row['reports_stored']:,} of {row.get('reports_sent', 0):,} sent")

    def writes(self):
        cfg = self.cfg
        for mode, extra in (("group commit", ()),
                            ("1 per transaction", ("--writer-max-batch", "1",
                                                   "--writer-flush-ms", "0"))):
            psm = self.start(self.psm("writes-" + mode.split()[0], *extra))
            officers = self.officers_file(psm, cfg.officers)
            env = self.report_env(officers, psm, mix=False)
            row = load.measure(f"writes-{mode.split()[0]}", psm, "reports.lua", cfg.write_conns,
                               cfg.duration, env, f"reports, {mode}", write_mode=mode,
                               officers=cfg.officers)
            self.stop(psm)
            row["reports_stored"] = psm.stored_reports()
            row["durable_reports_per_s"] = row["ok_per_s"]
            self.add(7, "psm", row)

    def subscribers(self):
        cfg = self.cfg
        # psm and the client each hold one descriptor per subscriber: the hard limit caps both.
        n = min(cfg.subscribers, self.nofile - 500)
        if n < cfg.subscribers:
            log(f"  open-files hard limit {self.nofile}: {n:,} subscribers instead of "
                f"{cfg.subscribers:,}")
        psm = self.start(self.psm("sse", "--max-connections", str(n + 1000), "--idle-timeout",
                                  "3600"))
        officers = self.officers_file(psm, 1)
        station, token = open(officers).read().split()
        time.sleep(0.5)
        pids = psm.pids()
        rss0 = procs.rss_kib(pids)
        subs = sse.Subscribers(self.sse_exe, psm.port, n, os.path.join(self.work, "sse-max.log"))
        try:
            ready = subs.wait_ready()
            time.sleep(0.5)
            rss1 = procs.rss_kib(pids)
            held = ready["streaming"]
            body = {"id": str(uuid.uuid4()), "kind": "queue", "observed_at": self.observed_at(psm),
                    "queue": {"men": 7, "women": 5, "others": 0}}
            subs.mark()
            t_send = time.monotonic_ns()
            status, _, _ = servers.request(psm.port, "POST", f"/api/v1/stations/{station}/reports",
                                           body, {"Authorization": "Bearer " + token})
            t_ack = time.monotonic_ns()
            got = subs.wait_reached(held, timeout=30)
        finally:
            subs.close()
        self.stop(psm)
        row = {
            "name": "sse-subscribers", "label": f"SSE subscribers ({held:,})", "connections": held,
            "requested_subscribers": cfg.subscribers, "nofile_limit": self.nofile,
            "connect_s": round(ready["connect_ms"] / 1000.0, 2), "failed": ready["failed"],
            "report_status": status, "report_ack_ms": round((t_ack - t_send) / 1e6, 2),
            "reached": got["reached"],
            "fanout_first_ms": round((got["first_ns"] - t_send) / 1e6, 2) if got["reached"] else None,
            "fanout_all_ms": round((got["last_ns"] - t_send) / 1e6, 2) if got["reached"] else None,
            "rss_before_mib": round(rss0 / 1024.0, 1), "rss_held_mib": round(rss1 / 1024.0, 1),
            "kib_per_subscriber": round((rss1 - rss0) / held, 2) if held else None,
        }
        self.rows.append(dict(row, scenario=8, server="psm"))
        log(f"  {held:,} subscribers held ({ready['failed']} failed), "
            f"{row['kib_per_subscriber']} KiB each; report {status} acked in "
            f"{row['report_ack_ms']} ms; reached {got['reached']:,} in {row['fanout_all_ms']} ms")

    # --- the cluster (docs/benchmarks.md, "Cluster") -----------------------------------------
    def cluster(self):
        """C1–C4: nodes on one PostgreSQL (and Redis), nginx before them, as deployed."""
        cfg = self.cfg
        self.pg = self.start(cluster.Postgres(self.work))
        self.pg.psql("CREATE DATABASE psm_template ENCODING 'UTF8'")
        store = self.pg.url("psm_template")
        t0 = time.monotonic()
        for args in (("import", "--store", store, self.roll),
                     ("admin", "issue-pins", "--store", store, "--out",
                      os.path.join(self.work, "pg-pins.csv"))):
            out = subprocess.run([cfg.binary, *args], cwd=self.work, capture_output=True,
                                 text=True)
            if out.returncode != 0:
                raise RuntimeError(f"psm {args[0]} (PostgreSQL): {out.stderr}")
        with open(os.path.join(self.work, "pg-pins.csv"), newline="") as f:
            self.pg_pins = {row[0]: row[1] for row in list(csv.reader(f))[1:]}
        log(f"  psm import into PostgreSQL: {time.monotonic() - t0:.1f} s")
        self.redis = self.start(cluster.Redis(self.work))
        self.cluster_dbs = 0
        for key, fn in (("cluster-reads", self.cluster_reads),
                        ("cluster-propagation", self.cluster_propagation),
                        ("cluster-writes", self.cluster_writes),
                        ("cluster-sse", self.cluster_subscribers)):
            if cfg.only and "cluster" not in cfg.only and key not in cfg.only:
                continue
            log(f"  [{key}]")
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - one row failing must not lose the others
                log(f"    {key} failed: {type(e).__name__}: {e}")
                self.rows.append({"name": key, "label": key, "scenario": "C",
                                  "server": "psm", "failed": f"{type(e).__name__}: {e}"})
                for server in [s for s in self.running if s not in (self.pg, self.redis)]:
                    try:
                        self.stop(server)
                    except Exception:  # noqa: BLE001
                        pass
        self.stop(self.redis)
        self.stop(self.pg)

    def start_nodes(self, name, n, redis=True, extra=()):
        """n nodes on a fresh copy of the district in PostgreSQL; returns (nodes, writer, db).
        A lone node gets two event loops, as in the single-node scenarios; several share the
        machine's two cores with one each (two each made C1's reads about 10 % slower: more
        threads waking for fewer requests each)."""
        threads = 2 if n == 1 else 1
        self.cluster_dbs += 1
        db = f"psm_{self.cluster_dbs}"
        store = self.pg.copy_db("psm_template", db)
        today = datetime.datetime.now(servers.IST).strftime("%Y-%m-%d")
        args = cluster.clock_args(today, int(time.time() * 1000))
        if redis:
            args += ["--redis", self.redis.url()]
        nodes = []
        for i in range(n):
            nodes.append(self.start(cluster.Node(self.cfg.binary, self.work, f"{name}-{i}", store,
                                                 [*args, *extra], threads)))
        procs.wait_until(lambda: sum(nd.role() == "writer" for nd in nodes) == 1, 30,
                         f"{name}: one writer")
        writer = next(nd for nd in nodes if nd.role() == "writer")
        return nodes, writer, db

    def stop_nodes(self, nodes, db):
        for nd in nodes:
            self.stop(nd)
        self.pg.drop_db(db)

    def cluster_reads(self):
        """C1: station reads through nginx to 3 nodes, in turns with nginx proxying to an nginx
        that returns the same bytes, with nginx proxying to three such nginx of one worker each
        (like for like: each node runs one event loop here), and with the Express + Redis peer
        behind nginx, as deployed."""
        cfg = self.cfg
        c = cfg.conns
        env = self.read_env()
        nodes, _, db = self.start_nodes("reads", 3)
        front = self.start(cluster.ProxyNginx(self.work, "nginx-front",
                                              [f"127.0.0.1:{n.port}" for n in nodes]))
        # The reference returns what a node returns: the headers nginx makes itself (and those
        # the front replaces) aside, psm's own come through the front too.
        _, headers, _ = servers.request(nodes[0].port, "GET", f"/api/v1/stations/{self.stations[0]}")
        own = {"server", "date", "content-type", "content-length", "connection", "etag",
               "cache-control"}
        extra = [("-".join(w.capitalize() for w in k.split("-")), v)
                 for k, v in headers.items() if k not in own]
        ref_up = self.start(self.nginx_server(extra, name="nginx-upstream-ref"))
        ref = self.start(cluster.ProxyNginx(self.work, "nginx-front-ref",
                                            [f"127.0.0.1:{ref_up.port}"]))
        ups3 = [self.start(self.nginx_server(extra, name=f"nginx-upstream-3ref-{i}", workers=1))
                for i in range(3)]
        ref3 = self.start(cluster.ProxyNginx(self.work, "nginx-front-3ref",
                                             [f"127.0.0.1:{u.port}" for u in ups3]))
        peer = peer_front = None
        if self.wanted("express") or "cluster" in cfg.only:
            peer = self.start(servers.ExpressPeer(self.work, self.bodies))
            peer_front = cluster.ProxyNginx(self.work, "nginx-front-express",
                                            [f"127.0.0.1:{peer.port}"])
            self.running.append(peer_front)
            peer_front.start(ready_path=f"/api/v1/stations/{self.stations[0]}")
        body, _ = self.reference
        ref_runs, ref3_runs, runs, peer_runs = [], [], [], []
        for _ in range(cfg.pairs):
            ref_runs.append(load.measure(
                f"cluster-nginx-{c}", cluster.Group(ref.port, [ref, ref_up]), "stations.lua", c,
                cfg.pair_duration, env, f"nginx → nginx c{c}", body_bytes=len(body)))
            ref3_runs.append(load.measure(
                f"cluster-nginx3-{c}", cluster.Group(ref3.port, [ref3, *ups3]), "stations.lua",
                c, cfg.pair_duration, env, f"nginx → 3 nginx c{c}",
                reference=f"cluster-nginx-{c}", nodes=3))
            runs.append(load.measure(
                f"cluster-reads-{c}", cluster.Group(front.port, [front, *nodes]), "stations.lua",
                c, cfg.pair_duration, env, f"nginx → 3 nodes c{c}",
                reference=f"cluster-nginx-{c}", nodes=3))
            if peer_front is not None:
                peer_runs.append(load.measure(
                    f"cluster-express-{c}", cluster.Group(peer_front.port, [peer_front, peer]),
                    "stations.lua", c, cfg.pair_duration, env, f"nginx → Express peer c{c}",
                    reference=f"cluster-nginx-{c}"))
        for server in (peer_front, peer, ref3, *ups3, ref, ref_up, front):
            if server is not None:
                self.stop(server)
        self.stop_nodes(nodes, db)
        self.add("C1", "nginx", load.merge(ref_runs))
        row3 = load.merge(ref3_runs)
        row3["pair_ratios"] = turn_ratios(ref3_runs, ref_runs)
        self.add("C1", "nginx-3", row3)
        row = load.merge(runs)
        row["pair_ratios"] = turn_ratios(runs, ref_runs)
        row["like_for_like_ratios"] = turn_ratios(runs, ref3_runs)
        self.add("C1", "psm", row)
        if peer_runs:
            prow = load.merge(peer_runs)
            prow["pair_ratios"] = turn_ratios(peer_runs, ref_runs)
            prow["cluster_ratios"] = turn_ratios(runs, peer_runs)
            self.add("C1", "express", prow)

    def cluster_propagation(self):
        """C2: reports posted to the writer at BENCH_PROPAGATION_RATE/s; an SSE client on a
        reader node timestamps each status event; with Redis and without it."""
        for redis in (True, False):
            nodes, writer, db = self.start_nodes("prop-redis" if redis else "prop-poll", 2,
                                                 redis=redis)
            try:
                reader = next(n for n in nodes if n is not writer)
                officers = self.officers_file(writer, 4, self.pg_pins)
                row = propagation.measure(writer, reader, officers,
                                          self.cfg.propagation_rate,
                                          self.cfg.propagation_seconds)
            finally:
                self.stop_nodes(nodes, db)
            row.update(name="propagation-redis" if redis else "propagation-poll",
                       label="writer → reader, " + ("Redis" if redis else "no Redis (polling)"),
                       scenario="C2", server="psm", redis=redis)
            self.rows.append(row)
            log(f"    {row['label']}: {row['matched']}/{row['sent']} events matched, p50 "
                f"{row['p50_ms']} ms, p99 {row['p99_ms']} ms, max {row['max_ms']} ms")

    def cluster_writes(self):
        """C3: the write scenario's load against one node on PostgreSQL, group commit and one
        report per transaction."""
        cfg = self.cfg
        for mode, extra in (("group commit", ()),
                            ("1 per transaction", ("--writer-max-batch", "1",
                                                   "--writer-flush-ms", "0"))):
            key = mode.split()[0]
            nodes, writer, db = self.start_nodes(f"pg-writes-{key}", 1, redis=False, extra=extra)
            try:
                officers = self.officers_file(writer, cfg.officers, self.pg_pins)
                env = self.report_env(officers, writer, mix=False)
                # The server's CPU is the node's and PostgreSQL's together.
                stack = cluster.Group(writer.port, [writer, self.pg])
                row = load.measure(f"pg-writes-{key}", stack, "reports.lua", cfg.write_conns,
                                   cfg.duration, env, f"PostgreSQL reports, {mode}",
                                   write_mode=mode, officers=cfg.officers, store="postgresql")
            finally:
                for nd in nodes:
                    self.stop(nd)
            # Counted once the node has stopped: what it had acknowledged and what was still in
            # flight when wrk stopped and committed after.
            row["reports_stored"] = self.pg.count(db, "SELECT count(*) FROM reports")
            self.pg.drop_db(db)
            row["durable_reports_per_s"] = row["ok_per_s"]
            self.add("C3", "psm", row)

    def cluster_subscribers(self):
        """C4: BENCH_SSE_SUBSCRIBERS spread over BENCH_SSE_NODES nodes (5; PostgreSQL + Redis);
        one report to the writer, the time until the last subscriber has it, and the nodes'
        memory per subscriber."""
        cfg = self.cfg
        n_nodes = cfg.sse_nodes
        # Each node holds one descriptor per subscriber, under the same open-files limit as every
        # process here; 150 stay free for its listener, store and Redis connections and logs.
        per_node_max = self.nofile - 150
        per_node = min(-(-cfg.subscribers // n_nodes), per_node_max)
        if per_node * n_nodes < cfg.subscribers:
            log(f"    open-files limit {self.nofile} per process: {per_node:,} per node, "
                f"{per_node * n_nodes:,} instead of {cfg.subscribers:,}")
        nodes, writer, db = self.start_nodes(
            "sse", n_nodes, extra=("--max-connections", str(per_node + 100), "--idle-timeout",
                                   "3600"))
        subs = []
        try:
            station, token = open(self.officers_file(writer, 1, self.pg_pins)).read().split()
            time.sleep(0.5)
            pids = [p for nd in nodes for p in nd.pids()]
            rss0 = procs.rss_kib(pids)
            fds0 = [len(os.listdir(f"/proc/{nd.proc.pid}/fd")) for nd in nodes]
            # Two client processes per node, each well under the open-files limit.
            t0 = time.monotonic()
            for i, nd in enumerate(nodes):
                half = per_node // 2
                for j, count in enumerate((half, per_node - half)):
                    subs.append(sse.Subscribers(self.sse_exe, nd.port, count,
                                                os.path.join(self.work, f"sse-c{i}-{j}.log")))
            ready = [s.wait_ready() for s in subs]
            connect_s = time.monotonic() - t0
            held = sum(r["streaming"] for r in ready)
            failed = sum(r["failed"] for r in ready)
            time.sleep(1.0)
            pids = [p for nd in nodes for p in nd.pids()]
            rss1 = procs.rss_kib(pids)
            fds1 = [len(os.listdir(f"/proc/{nd.proc.pid}/fd")) for nd in nodes]
            body = {"id": str(uuid.uuid4()), "kind": "queue",
                    "observed_at": self.observed_at(writer),
                    "queue": {"men": 7, "women": 5, "others": 0}}
            for s in subs:
                s.mark()
            time.sleep(0.2)
            t_send = time.monotonic_ns()
            status, _, _ = servers.request(writer.port, "POST",
                                           f"/api/v1/stations/{station}/reports", body,
                                           {"Authorization": "Bearer " + token})
            t_ack = time.monotonic_ns()
            got = [s.wait_reached(r["streaming"], timeout=30) for s, r in zip(subs, ready)]
            still = sum(s.stats()["streaming"] for s in subs)
        finally:
            for s in subs:
                s.close()
            self.stop_nodes(nodes, db)
        reached = sum(g["reached"] for g in got)
        firsts = [g["first_ns"] for g in got if g["reached"]]
        lasts = [g["last_ns"] for g in got if g["reached"]]
        row = {
            "name": "cluster-sse", "label": f"SSE on {n_nodes} nodes ({held:,})",
            "scenario": "C4", "server": "psm", "nodes": n_nodes, "connections": held,
            "per_node": per_node, "client_processes": len(subs),
            "requested_subscribers": cfg.subscribers, "nofile_limit": self.nofile,
            "connect_s": round(connect_s, 2), "failed": failed, "still_open": still,
            "report_status": status, "report_ack_ms": round((t_ack - t_send) / 1e6, 2),
            "reached": reached,
            "fanout_first_ms": round((min(firsts) - t_send) / 1e6, 2) if firsts else None,
            "fanout_all_ms": round((max(lasts) - t_send) / 1e6, 2) if lasts else None,
            "rss_before_mib": round(rss0 / 1024.0, 1), "rss_held_mib": round(rss1 / 1024.0, 1),
            "kib_per_subscriber": round((rss1 - rss0) / held, 2) if held else None,
            "node_fds_before": fds0, "node_fds_held": fds1,
        }
        if per_node * n_nodes < cfg.subscribers:
            row["limited_by"] = (f"open-files hard limit {self.nofile:,} a process: a node holds "
                                 f"one descriptor per subscriber beside its own {max(fds0)}")
        self.rows.append(row)
        log(f"    {held:,} subscribers on {n_nodes} nodes ({failed} failed), "
            f"{row['kib_per_subscriber']} KiB each; report {status} in {row['report_ack_ms']} "
            f"ms; reached {reached:,} in {row['fanout_all_ms']} ms")

    def startup_row(self):
        row = {"name": "startup-import", "label": "start-up and import", "scenario": 9,
               "server": "psm", "import_s": round(self.import_s, 2), **self.startup,
               "electors": self.electors, "stations": len(self.stations)}
        self.rows.append(row)

    # --- the sitting ------------------------------------------------------------------------
    def run(self):
        cfg = self.cfg
        t0 = time.monotonic()
        self.facts.update(report.machine_facts(cfg.binary))
        log(f"bench: {cfg.duration} per run, c{cfg.conns_low}/c{cfg.conns}/c{cfg.conns_high}, "
            f"open-files limit {self.nofile}; work in {self.work}")
        self.prepare()
        steps = [("reads", "psm: station status, EPIC lookup, 10k connections, start-up, "
                  "each beside the nginx reference", self.reads),
                 ("express", "Express + Redis peer", self.express),
                 ("mix", "psm: mix with SSE subscribers", self.mix),
                 ("writes", "psm: durable writes", self.writes),
                 ("sse", "psm: live subscribers", self.subscribers),
                 ("cluster", "psm cluster: PostgreSQL, Redis, nodes behind nginx",
                  self.cluster)]
        for key, title, fn in steps:
            # The reads step always runs: it measures start-up, fetches the bodies that nginx
            # and the Express peer serve, and measures nginx (when wanted) beside psm.
            if key != "reads" and not self.wanted(key) and not (
                    key == "cluster" and any(k.startswith("cluster-") for k in cfg.only)):
                continue
            log(f"[{key}] {title}")
            fn()
        self.startup_row()
        self.facts["load_after"] = os.getloadavg()
        self.facts["elapsed_s"] = round(time.monotonic() - t0, 1)
        summary = report.build_summary(self.cfg, self.rows, self.facts)
        report.print_table(summary)
        path = os.path.join(cfg.out, "summary.json")
        with open(path, "w") as f:
            json.dump(summary, f, indent=2)
        chart = report.chart(summary, cfg.out)
        log(f"wrote {path}" + (f" and {chart}" if chart else ""))
        if cfg.update_docs and chart:
            shutil.copyfile(chart, os.path.join(ROOT, "docs", "benchmarks.png"))
        return summary

    def cleanup(self):
        for server in list(self.running):
            try:
                server.stop()
            except Exception as e:  # noqa: BLE001 - best effort while failing anyway
                log(f"stopping {type(server).__name__}: {e}")
        if not self.cfg.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    bench = Bench(Config())
    try:
        bench.run()
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
