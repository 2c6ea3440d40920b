"""Ratios against the nginx reference, the issue's targets (PASS/MISS), the table and the chart."""

import os
import platform
import statistics
import subprocess

KIB_PER_SUBSCRIBER = 10.0


def _version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def machine_facts(binary):
    return {
        "date": subprocess.run(["date", "-u", "+%Y-%m-%dT%H:%M:%SZ"], capture_output=True,
                               text=True).stdout.strip(),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
        "psm": _version([binary, "--version"]),
        "wrk": _version(["wrk", "-v"]),
        "nginx": _version(["nginx", "-v"]),
        "redis": _version(["redis-server", "--version"]),
        "node": _version(["node", "--version"]),
    }


def _find(rows, name):
    return next((r for r in rows if r.get("name") == name), None)


def _median(values):
    return statistics.median(values) if values else None


def _ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def build_summary(cfg, rows, facts):
    # A row compares with the nginx run it names (measured beside it), else with the first
    # nginx run at its connection count.
    nginx = {}
    for r in rows:
        if r.get("server") == "nginx":
            nginx.setdefault(r["connections"], r)
    by_name = {r.get("name"): r for r in rows}
    for r in rows:
        if r.get("server") == "nginx":
            ref = r
        elif r.get("reference"):
            ref = by_name.get(r["reference"])
        else:
            ref = nginx.get(r.get("connections"))
        if "requests_per_s" in r and ref:
            r["nginx_requests_per_s"] = ref["requests_per_s"]
            r["ratio_vs_nginx"] = _ratio(r["requests_per_s"], ref["requests_per_s"])
            if r.get("pair_ratios"):
                # Runs that took turns with nginx: the median of the adjacent pairs' ratios.
                r["ratio_vs_nginx"] = statistics.median(r["pair_ratios"])
        read_ref = by_name.get(r.get("read_reference"))
        if "requests_per_s" in r and read_ref:
            r["ratio_vs_read_reference"] = _ratio(r["requests_per_s"], read_ref["requests_per_s"])
    c, hi = cfg.conns, cfg.conns_high
    get = lambda name, key: (_find(rows, name) or {}).get(key)  # noqa: E731
    express = get(f"express-{c}", "requests_per_s")
    # Runs that took turns with the peer: the median of the adjacent runs' ratios.
    express_ratios = get(f"station-{c}", "express_ratios")
    times_express = (statistics.median(express_ratios) if express_ratios else
                     _ratio(get(f"station-{c}", "requests_per_s"), express))
    group = get("writes-group", "durable_reports_per_s")
    single = get("writes-1", "durable_reports_per_s")
    sse = _find(rows, "sse-subscribers") or {}
    start = _find(rows, "startup-import") or {}
    full = facts.get("electors", 0) >= 1_600_000
    scale = "" if full else f" (only {facts.get('electors', 0):,} electors here)"
    targets = [
        ("station status c%d ≥ 0.9× nginx" % cfg.conns_low,
         get(f"station-{cfg.conns_low}", "ratio_vs_nginx"), 0.9, ">="),
        ("station status c%d ≥ 0.9× nginx" % c, get(f"station-{c}", "ratio_vs_nginx"), 0.9, ">="),
        ("EPIC lookup ≥ 0.85× nginx", get(f"lookup-{c}", "ratio_vs_nginx"), 0.85, ">="),
        ("mix ≥ 0.8× nginx (voters' streams)", get(f"mix-{c}", "ratio_vs_nginx"), 0.8, ">="),
        ("%d connections ≥ 0.85× nginx" % hi, get(f"station-{hi}", "ratio_vs_nginx"), 0.85,
         ">="),
        ("station status ≥ 10× the Express peer", times_express, 10.0, ">="),
        ("p99 ≤ 10 ms at %d connections (ms)" % c, get(f"station-{c}", "p99_ms"), 10.0, "<="),
        ("≥ 20,000 durable reports/s (group commit)", group, 20000.0, ">="),
        ("SSE subscribers held ≥ 100,000", sse.get("connections"), 100000, ">="),
        ("SSE memory ≤ 10 KiB per subscriber", sse.get("kib_per_subscriber"),
         KIB_PER_SUBSCRIBER, "<="),
        ("one update reaches every subscriber ≤ 1 s (ms)",
         sse.get("fanout_all_ms") if sse.get("reached") == sse.get("connections") else None,
         1000.0, "<="),
        ("ready ≤ 3 s" + scale, start.get("ready_s"), 3.0, "<="),
        ("RSS after start ≤ 300 MiB" + scale, start.get("rss_after_start_mib"), 300.0, "<="),
        ("import ≤ 20 s" + scale, start.get("import_s"), 20.0, "<="),
    ]
    creads = get(f"cluster-reads-{c}", "ratio_vs_nginx")
    if creads is not None or _find(rows, "cluster-sse") or _find(rows, "pg-writes-group"):
        csse = _find(rows, "cluster-sse") or {}
        targets += [
            ("cluster: reads via nginx to 3 nodes ≥ 0.9× nginx → nginx", creads, 0.9, ">="),
            ("cluster: writer → reader p99 ≤ 250 ms (Redis) (ms)",
             get("propagation-redis", "p99_ms"), 250.0, "<="),
            ("cluster: ≥ 10,000 durable reports/s (PostgreSQL)",
             get("pg-writes-group", "durable_reports_per_s"), 10000.0, ">="),
            (f"cluster: SSE subscribers on {csse.get('nodes', 5)} nodes ≥ 100,000",
             csse.get("connections"), 100000,
             ">="),
            ("cluster: SSE memory ≤ 10 KiB per subscriber", csse.get("kib_per_subscriber"),
             KIB_PER_SUBSCRIBER, "<="),
            ("cluster: one report reaches every subscriber ≤ 2 s (ms)",
             csse.get("fanout_all_ms") if csse.get("reached") == csse.get("connections")
             else None, 2000.0, "<="),
        ]
    out = []
    for name, value, bound, op in targets:
        if value is None:
            verdict = "n/a"
        else:
            verdict = "PASS" if (value >= bound if op == ">=" else value <= bound) else "MISS"
        out.append({"target": name, "value": value, "bound": bound, "op": op,
                    "verdict": verdict})
    extras = {"group_commit_vs_one_per_transaction": _ratio(group, single),
              "postgresql_group_commit_vs_one_per_transaction": _ratio(
                  get("pg-writes-group", "durable_reports_per_s"),
                  get("pg-writes-1", "durable_reports_per_s")),
              # C1's reference is one nginx of two workers behind the front; three upstream
              # processes cost more on two shared cores whatever they are, so the same reads
              # through three one-worker nginx show the most a 3-node deployment reaches here.
              "cluster_three_nginx_vs_one": _median(get(f"cluster-nginx3-{c}", "pair_ratios")),
              "cluster_reads_vs_three_nginx": _median(
                  get(f"cluster-reads-{c}", "like_for_like_ratios")),
              "cluster_reads_vs_express_behind_nginx": (
                  statistics.median(get(f"cluster-express-{c}", "cluster_ratios"))
                  if get(f"cluster-express-{c}", "cluster_ratios") else None)}
    return {"facts": facts, "settings": {
        "duration": cfg.duration, "connections": [cfg.conns_low, cfg.conns, cfg.conns_high],
        "write_connections": cfg.write_conns, "officers": cfg.officers,
        "mix_subscribers": cfg.mix_subscribers, "quick": cfg.quick,
        "propagation_rate": getattr(cfg, "propagation_rate", None),
        "propagation_seconds": getattr(cfg, "propagation_seconds", None),
        "postgres_fsync": os.environ.get("BENCH_PG_FSYNC") != "off"},
        "scenarios": rows, "targets": out, "ratios": extras}


def _fmt(v, spec="{:,.0f}"):
    return "-" if v is None else spec.format(v)


def print_table(summary):
    print()
    head = (f"{'#':<2} {'scenario':<30} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'cpu µs/req':>10} {'peak MiB':>9} {'×nginx':>7} {'errors':>7}")
    print(head)
    print("-" * len(head))
    for r in summary["scenarios"]:
        if "requests_per_s" not in r:
            continue
        print(f"{r['scenario']:<2} {r['label'][:30]:<30} {_fmt(r['requests_per_s']):>10} "
              f"{_fmt(r['p50_ms'], '{:.2f}'):>8} {_fmt(r['p99_ms'], '{:.2f}'):>8} "
              f"{_fmt(r['max_ms'], '{:.1f}'):>8} "
              f"{_fmt(r['server_cpu_us_per_request'], '{:.1f}'):>10} "
              f"{_fmt(r['peak_rss_mib'], '{:.1f}'):>9} "
              f"{_fmt(r.get('ratio_vs_nginx'), '{:.2f}'):>7} {r['error_total']:>7}")
    for r in summary["scenarios"]:
        if r.get("name") == "sse-subscribers":
            print(f"8  SSE: {r['connections']:,} held (asked {r['requested_subscribers']:,}, "
                  f"open-files limit {r['nofile_limit']:,}), {r['kib_per_subscriber']} KiB each, "
                  f"fan-out to all {r['fanout_all_ms']} ms (first {r['fanout_first_ms']} ms)")
        if r.get("name") == "startup-import":
            print(f"9  import {r['import_s']} s, ready {r['ready_s']} s, RSS after start "
                  f"{r['rss_after_start_mib']} MiB ({r['electors']:,} electors, "
                  f"{r['stations']:,} stations)")
        if str(r.get("scenario")).startswith("C") and r.get("failed"):
            print(f"{r['scenario']:<2} {r['label']}: failed: {r['failed']}")
        if r.get("scenario") == "C2":
            print(f"C2 {r['label']}: {r['matched']}/{r['sent']} reports seen ({r['events']} "
                  f"events) at {r['rate_per_s']}/s, "
                  f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms")
        if r.get("name") == "cluster-sse":
            print(f"C4 SSE on {r['nodes']} nodes: {r['connections']:,} held (asked "
                  f"{r['requested_subscribers']:,}, {r['per_node']:,} a node, open-files limit "
                  f"{r['nofile_limit']:,}), {r['kib_per_subscriber']} KiB each, fan-out to "
                  f"{r['reached']:,} in {r['fanout_all_ms']} ms (first {r['fanout_first_ms']} ms)")
        if r.get("ratio_vs_read_reference") is not None:
            ref = r["read_reference"]
            what = "the plain reads' nginx run" if ref.startswith("nginx") else "the same reads with the limits off"
            print(f"{r['scenario']:<2} {r['label']}: {r['ratio_vs_read_reference']:.2f}× {what} "
                  f"({ref})")
    g = summary["ratios"]["group_commit_vs_one_per_transaction"]
    print(f"7  group commit / one report per transaction: {_fmt(g, '{:.1f}')}×")
    pg = summary["ratios"].get("postgresql_group_commit_vs_one_per_transaction")
    if pg is not None:
        print(f"C3 PostgreSQL group commit / one report per transaction: {pg:.1f}×")
    three = summary["ratios"].get("cluster_three_nginx_vs_one")
    if three is not None:
        print(f"C1 nginx → 3 one-worker nginx / nginx → nginx: {three:.2f}× (the most three "
              f"upstream processes reach here)")
    like = summary["ratios"].get("cluster_reads_vs_three_nginx")
    if like is not None:
        print(f"C1 nginx → 3 nodes / nginx → 3 one-worker nginx: {like:.2f}× (like for like)")
    ex = summary["ratios"].get("cluster_reads_vs_express_behind_nginx")
    if ex is not None:
        print(f"C1 3 nodes behind nginx / the Express peer behind nginx: {ex:.1f}×")
    print()
    for t in summary["targets"]:
        v = t["value"]
        shown = "-" if v is None else (f"{v:,.3f}" if isinstance(v, float) else f"{v:,}")
        print(f"{t['verdict']:<5} {t['target']:<52} {shown}")
    print()


def chart(summary, out_dir):
    """A two-panel PNG (requests/s and p99) of psm, nginx and the peer; None without gnuplot."""
    rows = summary["scenarios"]
    c_lo, c, hi = summary["settings"]["connections"]
    by = {r["name"]: r for r in rows if "requests_per_s" in r}
    groups = [(f"station c{c_lo}", f"nginx-{c_lo}", f"station-{c_lo}", f"express-{c_lo}"),
              (f"station c{c}", f"nginx-{c}", f"station-{c}", f"express-{c}"),
              (f"lookup c{c}", f"nginx-{c}-lookup" if f"nginx-{c}-lookup" in by else f"nginx-{c}",
               f"lookup-{c}", None),
              (f"mix c{c}", f"nginx-{c}-mix" if f"nginx-{c}-mix" in by else f"nginx-{c}",
               f"mix-{c}", None),
              (f"station c{hi}", f"nginx-{hi}", f"station-{hi}", None)]
    dat = os.path.join(out_dir, "chart.dat")
    with open(dat, "w") as f:
        f.write("# group nginx psm express nginx_p99 psm_p99 express_p99\n")
        for label, n, p, e in groups:
            vals = [by.get(k) if k else None for k in (n, p, e)]
            rps = [_fmt(v["requests_per_s"], "{:.0f}") if v else "?" for v in vals]
            p99 = [_fmt(v["p99_ms"], "{:.3f}") if v else "?" for v in vals]
            f.write(f'"{label}" ' + " ".join(rps + p99) + "\n")
    png = os.path.join(out_dir, "benchmarks.png")
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "chart.gp")
    try:
        subprocess.run(["gnuplot", "-e", f"datafile='{dat}'; outfile='{png}'", script],
                       check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"chart: gnuplot failed: {getattr(e, 'stderr', e)}")
        return None
    return png
