"""`psm simulate` against a real server: a generated district, a whole polling day at 600x.

Checks that every report the simulator saw accepted is stored exactly once (and nothing else),
that the duplicates it sent were answered as repeats, that the district's final turnout is in the
expected band, that the stations it announced silent are the ones the server raised no_report
for, that the server saw each station's officer and the voters at addresses of their own (and one
address with --source-range off), and that wrong arguments or an unreachable server give a clear
non-zero exit.
"""

import collections
import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import harness

BIN = os.path.abspath(os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm")))
SPEED = 600


def simulate(psm, *args, timeout=170):
    return subprocess.run([BIN, "simulate", "--url", f"http://127.0.0.1:{psm.port}", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=psm.dir)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def minutes(rfc3339):
    return datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() / 60


def check_addresses(psm, summary):
    """Each station's officer from one address of its own, voters from the range's upper half."""
    by_station = collections.defaultdict(set)
    voters = set()
    by_epic = 0
    for client, method, target in psm.access_log():
        m = re.fullmatch(r"/api/v1/stations/([^/]+)/reports", target)
        if method == "POST" and m:
            by_station[m.group(1)].add(client)
        elif target.startswith("/api/v1/lookup"):
            voters.add(client)
            by_epic += 1
    officers = set().union(*by_station.values())
    check(len(by_station) == summary["stations"], f"reports from {len(by_station)} stations")
    check(all(len(a) == 1 for a in by_station.values()),
          f"a station reported from several addresses: {dict(by_station)}")
    check(len(officers) == summary["stations"], f"{len(officers)} officer addresses")
    lower, upper = ipaddress.ip_network("127.1.0.0/17"), ipaddress.ip_network("127.1.128.0/17")
    check(all(ipaddress.ip_address(a) in lower for a in officers), f"officers from {officers}")
    check(voters and all(ipaddress.ip_address(a) in upper for a in voters),
          f"voters from {sorted(voters)[:5]}…")
    # A voter looks up once or twice, and draws from 32,767 addresses.
    check(len(voters) >= by_epic / 3, f"{by_epic} EPIC look-ups from only {len(voters)} addresses")
    print(f"addresses: {len(officers)} officers, {len(voters)} voters ({by_epic} EPIC look-ups)")


def check_silent_spells(psm, summary, stdout):
    """The spells the simulator announced are the server's no_report alerts, give or take its
    sweep (every 2.5 sim-minutes at 600x) and the simulator's timing."""
    silent = summary["silent"]
    spells = silent["spells"]
    check(silent["count"] == len(spells) == stdout.count("\nsilent "),
          f"{silent['count']} spells, {len(spells)} listed, "
          f"{stdout.count(chr(10) + 'silent ')} lines")
    check(silent["dropped"] + silent["late"] + silent["none_due"] == len(spells), "causes")
    check(silent["none_due"] == 0, "every gap of the plan is 15 min, below the 30 min threshold")
    _, body = psm.get_json("/api/v1/alerts?kind=no_report&limit=20000", token=psm.admin_login())
    alerts = body["alerts"]
    slack = 4  # minutes
    for s in spells:
        # A spell may last an instant: the report that ends it is due in the minute it begins.
        check(minutes(s["until"]) >= minutes(s["from"]) and s["cause"] in ("dropped", "late"),
              f"bad spell {s}")
        if minutes(s["until"]) - minutes(s["from"]) < 2 * slack:
            continue  # shorter than the server's sweep and the timing's slack
        check(any(a["station"] == s["station"] and
                  minutes(s["from"]) - slack <= minutes(a["opened_at"]) <= minutes(s["from"]) + slack
                  for a in alerts), f"no no_report alert for {s}")
    # Every alert, however brief, is a spell the simulator announced.
    for a in alerts:
        check(any(s["station"] == a["station"] and
                  minutes(s["from"]) - slack <= minutes(a["opened_at"]) <= minutes(s["until"]) + slack
                  for s in spells), f"no_report alert {a} not announced by the simulator")
    print(f"silent spells: {len(spells)} announced, {len(alerts)} no_report alerts")
    return len(spells)


def test_full_day(psm):
    summary_file = os.path.join(psm.dir, "summary.json")
    proc = simulate(psm, "--pins", psm.pins_file, "--speed", str(SPEED), "--seed", "3",
                    "--epics", os.path.join(psm.roll, "electors.csv"), "--lookups-per-s", "20",
                    "--threads", "3", "--progress-every", "5", "--summary-json", summary_file)
    print(proc.stdout)
    check(proc.returncode == 0, f"simulate failed ({proc.returncode}): {proc.stderr}")
    check("[sim " in proc.stdout, "no progress line printed")
    with open(summary_file) as f:
        summary = json.load(f)
    reports = summary["reports"]

    # The store holds exactly the reports the simulator saw accepted, each once.
    stored = psm.stored_report_ids()
    check(len(stored) == len(set(stored)), "a report id is stored twice")
    accepted = reports["accepted_ids"]
    check(len(accepted) == len(set(accepted)) == reports["accepted"], "accepted ids not unique")
    check(set(stored) == set(accepted),
          f"store and simulator disagree: {len(set(stored) - set(accepted))} stored but not "
          f"acknowledged, {len(set(accepted) - set(stored))} acknowledged but not stored")
    check(reports["created"] + reports["repeated"] == len(accepted), "counts do not add up")
    # A clean run: the simulator respects every rule of the server.
    check(reports["rejected"] == 0, f"reports rejected: {reports['rejections']}")
    check(reports["errors"] == 0 and reports["unsent"] == 0, f"errors or unsent: {reports}")
    check(reports["sent"] == len(accepted), "every sent report should be accepted")
    check(reports["late"] > 0 and reports["dropped"] > 0, "late and dropped reports expected")
    # Duplicates were answered 200 "repeated" and not counted twice.
    check(reports["duplicates_sent"] > 0, "no duplicates sent")
    check(reports["duplicates_repeated"] == reports["duplicates_sent"],
          f"duplicates not all repeated: {reports}")

    # Final turnout: in the band, and exactly what the model's voters make.
    _, district = psm.get_json("/api/v1/district")
    pct = 100.0 * district["votes_polled"]["total"] / district["electors"]["total"]
    check(50 <= pct <= 70, f"final turnout {pct:.1f} % outside 50–70 %")
    check(abs(pct - summary["turnout"]["model_pct"]) < 0.05,
          f"server turnout {pct:.2f} % differs from the model's {summary['turnout']['model_pct']}")
    close = next(s for s in district["slots"] if s["slot"] == "close")
    check(close["reported"] == summary["stations"], f"close slot not reported by all: {close}")
    check(district["states"]["closed"] == summary["stations"], "not every station closed")

    # Voters looked up; accuracy was measured.
    lookups = summary["lookups"]
    check(lookups["ok"] > 0 and lookups["throttled"] == 0 and lookups["failed"] == 0,
          f"look-ups: {lookups}")
    check_addresses(psm, summary)
    spells = check_silent_spells(psm, summary, proc.stdout)
    # Seed 3 leaves stations silent; with none the check above would prove nothing.
    check(spells > 0, "no silent spell in the whole day")

    acc = summary["accuracy"]["all"]
    check(acc["station_times"] > 0, "no station-time with a published wait")
    check(0 <= acc["inside_range_share"] <= 1 and acc["mean_abs_error_min"] >= 0, "bad accuracy")
    check(summary["latency_ms"]["reports"]["p50"] > 0, "no report latency recorded")
    print(f"accuracy: {acc}, turnout {pct:.1f} %")


def test_bad_arguments_and_unreachable_server(psm):
    pins = psm.pins_file
    proc = simulate(psm, "--pins", pins, "--until", "25:99")
    check(proc.returncode == 2 and "--until" in proc.stderr, f"bad --until: {proc.stderr}")
    proc = simulate(psm, "--pins", os.path.join(psm.dir, "missing.csv"))
    check(proc.returncode == 2 and "pins" in proc.stderr, f"missing pins: {proc.stderr}")
    proc = simulate(psm, "--pins", pins, "--late-share", "2")
    check(proc.returncode != 0, "a share above 1 must be refused")
    for bad, why in [("127.1.0.0/33", "not an IPv4 CIDR"), ("lots", "IPv4 CIDR"),
                     ("10.255.0.0/16", "cannot bind")]:
        proc = simulate(psm, "--pins", pins, "--source-range", bad)
        check(proc.returncode == 2 and "--source-range" in proc.stderr and why in proc.stderr,
              f"--source-range {bad}: {proc.returncode} {proc.stderr}")
    proc = subprocess.run([BIN, "simulate", "--url", f"http://[::1]:{psm.port}", "--pins", pins,
                           "--source-range", "127.1.0.0/16"],
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode == 2 and "IPv6" in proc.stderr, f"IPv6 with a range: {proc.stderr}")
    port = harness.free_port()
    proc = subprocess.run([BIN, "simulate", "--url", f"http://127.0.0.1:{port}", "--pins", pins],
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode == 3 and "cannot use the server" in proc.stderr,
          f"unreachable server: {proc.returncode} {proc.stderr}")
    # A server that takes the connection but never answers: the 5 s timeout ends the wait.
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        started = time.monotonic()
        proc = subprocess.run([BIN, "simulate", "--url", f"http://127.0.0.1:{mute.getsockname()[1]}",
                               "--pins", pins], capture_output=True, text=True, timeout=60)
        waited = time.monotonic() - started
    check(proc.returncode == 3 and "timeout" in proc.stderr and waited < 30,
          f"mute server: {proc.returncode} after {waited:.1f} s: {proc.stderr}")


def test_source_range_off(psm):
    """--source-range off: every request from the one address the kernel chooses."""
    proc = simulate(psm, "--pins", psm.pins_file, "--speed", str(SPEED), "--seed", "3",
                    "--lookups-per-s", "20", "--threads", "3", "--until", "07:30",
                    "--source-range", "off")
    check(proc.returncode == 0, f"simulate failed ({proc.returncode}): {proc.stderr}")
    log = psm.access_log()
    reports = [c for c, m, t in log if m == "POST" and t.endswith("/reports")]
    reads = [c for c, m, t in log if m == "GET" and t.startswith("/api/v1/stations/")]
    check(len(reports) > 0 and len(reads) > 0, f"{len(reports)} reports, {len(reads)} reads")
    check({c for c, _, _ in log} == {"127.0.0.1"},
          f"addresses: {sorted({c for c, _, _ in log})[:5]}")


def run(psm, *tests):
    try:
        psm.start("--clock-start", "06:00", "--clock-speed", str(SPEED), "--rate-limits", "off",
                  "--access-log", clock_start=None)
        for test in tests:
            test(psm)
    except Exception:
        if psm.proc:
            print(psm.read_log()[-4000:], file=sys.stderr)
        raise
    finally:
        psm.stop()
        shutil.rmtree(psm.dir, ignore_errors=True)


def main():
    run(harness.DemoPsm(BIN, scale=0.01, seed=7), test_source_range_off)
    run(harness.DemoPsm(BIN, scale=0.01, seed=7), test_bad_arguments_and_unreachable_server, test_full_day)
    print("test_simulate: ok")


if __name__ == "__main__":
    main()
