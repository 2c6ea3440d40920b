"""Runs wrk against a server and turns its summary plus the server's /proc readings into a row."""

import json
import os
import resource
import subprocess
import time

from . import procs

LUA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "wrk")


def run_wrk(port, script, connections, duration, threads=2, env=None, timeout_s=10):
    """Runs wrk with one of bench/wrk/*.lua; returns the parsed BENCH_JSON summary (+ stdout)."""
    cmd = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", duration,
           "--timeout", f"{timeout_s}s", "-s", os.path.join(LUA_DIR, script),
           f"http://127.0.0.1:{port}"]
    full_env = dict(os.environ, BENCH_LUA_DIR=LUA_DIR, **(env or {}))
    out = subprocess.run(cmd, capture_output=True, text=True, env=full_env,
                         timeout=_seconds(duration) + 120)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
            result["wrk_output"] = out.stdout
            return result
    raise RuntimeError(f"wrk printed no summary (exit {out.returncode}):\n{out.stdout}\n"
                       f"{out.stderr}")


def _children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(duration):
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def measure(name, server, script, connections, duration, env=None, label=None, **extra):
    """One wrk run against `server` (anything with .pids() and .port): the scenario's row."""
    pids = server.pids()
    procs.reset_peak(pids)
    cpu0 = procs.cpu_ticks(pids)
    t0 = time.monotonic()
    # wrk is the only child reaped during the run, so the children's usage delta is its CPU.
    client0 = _children_cpu_s()
    w = run_wrk(server.port, script, connections, duration, env=env)
    client_s = _children_cpu_s() - client0
    wall = time.monotonic() - t0
    pids = server.pids()
    cpu1 = procs.cpu_ticks(pids)
    seconds = w["duration_us"] / 1e6
    errors = (w["connect_errors"] + w["read_errors"] + w["write_errors"] + w["status_errors"] +
              w["timeouts"])
    requests = w["requests"]
    row = {
        "name": name,
        "label": label or name,
        "connections": connections,
        "duration_s": round(seconds, 2),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1) if seconds else 0.0,
        "ok_per_s": round((requests - w["status_errors"]) / seconds, 1) if seconds else 0.0,
        "p50_ms": w["p50_us"] / 1000.0,
        "p90_ms": w["p90_us"] / 1000.0,
        "p99_ms": w["p99_us"] / 1000.0,
        "max_ms": w["max_us"] / 1000.0,
        "errors": {k: w[k] for k in ("connect_errors", "read_errors", "write_errors",
                                     "status_errors", "timeouts")},
        "error_total": errors,
        # Server CPU over the whole run (including wrk's warm-up), per completed request.
        "server_cpu_us_per_request":
            round((cpu1 - cpu0) / procs.CLK_TCK * 1e6 / requests, 2) if requests else None,
        "server_cpu_cores": round((cpu1 - cpu0) / procs.CLK_TCK / wall, 2),
        # The load generator shares the cores: its CPU bounds what any server can show here.
        "client_cpu_us_per_request": round(client_s * 1e6 / requests, 2) if requests else None,
        "client_cpu_cores": round(client_s / wall, 2),
        "peak_rss_mib": round(procs.rss_kib(pids, "VmHWM") / 1024.0, 1),
        "bytes_per_response": round(w["bytes"] / requests, 1) if requests else None,
    }
    if "reports_sent" in w:
        row["reports_sent"] = w["reports_sent"]
    row.update(extra)
    return row


def merge(runs):
    """One row from several runs of the same scenario: totals over all of them, the median of
    their latency percentiles, the largest max and peak."""
    if len(runs) == 1:
        return dict(runs[0], runs=1)
    first = runs[0]
    seconds = sum(r["duration_s"] for r in runs)
    requests = sum(r["requests"] for r in runs)
    errors = {k: sum(r["errors"][k] for r in runs) for k in first["errors"]}

    def per_request(key):
        known = [r for r in runs if r.get(key) is not None]
        total = sum(r[key] * r["requests"] for r in known)
        count = sum(r["requests"] for r in known)
        return round(total / count, 2) if count else None

    def median(key):
        values = sorted(r[key] for r in runs)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    row = dict(first)
    row.update({
        "runs": len(runs),
        "duration_s": round(seconds, 2),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1) if seconds else 0.0,
        "ok_per_s": round((requests - errors["status_errors"]) / seconds, 1) if seconds else 0.0,
        "p50_ms": median("p50_ms"),
        "p90_ms": median("p90_ms"),
        "p99_ms": median("p99_ms"),
        "max_ms": max(r["max_ms"] for r in runs),
        "errors": errors,
        "error_total": sum(r["error_total"] for r in runs),
        "server_cpu_us_per_request": per_request("server_cpu_us_per_request"),
        "server_cpu_cores": round(sum(r["server_cpu_cores"] for r in runs) / len(runs), 2),
        "client_cpu_us_per_request": per_request("client_cpu_us_per_request"),
        "client_cpu_cores": round(sum(r["client_cpu_cores"] for r in runs) / len(runs), 2),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "bytes_per_response": per_request("bytes_per_response"),
        "requests_per_s_runs": [r["requests_per_s"] for r in runs],
    })
    if any("reports_sent" in r for r in runs):
        row["reports_sent"] = sum(r.get("reports_sent", 0) for r in runs)
    return row
