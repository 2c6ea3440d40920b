"""`psm simulate` against a real server: a generated district, a whole polling day at 600x.

Checks that every report the simulator saw accepted is stored exactly once (and nothing else),
that the duplicates it sent were answered as repeats, that the district's final turnout is in the
expected band, and that wrong arguments or an unreachable server give a clear non-zero exit.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import harness

BIN = os.path.abspath(os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm")))
SPEED = 600


class DemoPsm(harness.Psm):
    """harness.Psm, but with a district from `psm demo-data` instead of the small fixture."""

    def __init__(self, binary, scale, seed):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="psm-sim-")
        self.db = os.path.join(self.dir, "psm.db")
        self.store = "sqlite:" + self.db
        self.extra_args = []
        self.proc = None
        self.port = None
        self.log = None
        self.roll = os.path.join(self.dir, "roll")
        self.run_cli("demo-data", "--out", self.roll, "--scale", str(scale), "--seed", str(seed))
        self.run_cli("import", "--store", self.store, self.roll)
        self.pins_file = os.path.join(self.dir, "pins.csv")
        self.run_cli("admin", "issue-pins", "--store", self.store, "--out", self.pins_file)


def simulate(psm, *args, timeout=170):
    return subprocess.run([BIN, "simulate", "--url", f"http://127.0.0.1:{psm.port}", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=psm.dir)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


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
    port = harness.free_port()
    proc = subprocess.run([BIN, "simulate", "--url", f"http://127.0.0.1:{port}", "--pins", pins],
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode == 3 and "cannot use the server" in proc.stderr,
          f"unreachable server: {proc.returncode} {proc.stderr}")


def main():
    psm = DemoPsm(BIN, scale=0.01, seed=7)
    try:
        psm.start("--clock-start", "06:00", "--clock-speed", str(SPEED), "--rate-limits", "off",
                  clock_start=None)
        test_bad_arguments_and_unreachable_server(psm)
        test_full_day(psm)
    except Exception:
        if psm.proc:
            print(psm.read_log()[-4000:], file=sys.stderr)
        raise
    finally:
        psm.stop()
        shutil.rmtree(psm.dir, ignore_errors=True)
    print("test_simulate: ok")


if __name__ == "__main__":
    main()
