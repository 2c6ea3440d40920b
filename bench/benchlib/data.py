"""The district the bench serves: demo data (or a given roll), imported once into a template store."""

import csv
import os
import random
import subprocess
import time

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tests", "fixtures", "small-district")


def has_demo_data(binary):
    # CLI11 answers --help for an unknown subcommand with the top-level help: look for the
    # subcommand's own option instead of trusting the exit code.
    out = subprocess.run([binary, "demo-data", "--help"], capture_output=True, text=True)
    return out.returncode == 0 and "--seed" in out.stdout


def roll_dir(binary, choice, out_dir, log):
    """`choice`: auto (demo district if psm can make it, else the fixture), fixture, demo, or a
    folder holding constituencies.csv, stations.csv and electors.csv."""
    if choice == "fixture" or (choice == "auto" and not has_demo_data(binary)):
        if choice == "auto":
            log("psm demo-data is not available: benchmarking the small fixture district")
        return FIXTURE, "fixture"
    if choice not in ("auto", "demo"):
        return choice, os.path.basename(os.path.normpath(choice))
    demo = os.path.join(out_dir, "demo-data")
    marker = os.path.join(demo, ".complete")
    if not os.path.exists(marker):
        log("generating the demo district (psm demo-data --seed 1) …")
        t0 = time.monotonic()
        subprocess.run([binary, "demo-data", "--out", demo, "--seed", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(marker, "w") as f:
            f.write("seed 1\n")
        log(f"  done in {time.monotonic() - t0:.1f} s")
    return demo, "demo (seed 1)"


def station_ids(roll):
    with open(os.path.join(roll, "stations.csv"), newline="") as f:
        return [row["station_id"] for row in csv.DictReader(f)]


def count_and_sample_epics(roll, k, seed=1):
    """(number of electors, a uniform sample of k EPICs) in one pass (reservoir sampling)."""
    rng = random.Random(seed)
    sample, n = [], 0
    with open(os.path.join(roll, "electors.csv"), newline="") as f:
        next(f)
        for line in f:
            epic = line.split(",", 1)[0].strip().strip('"')
            if not epic:
                continue
            n += 1
            if len(sample) < k:
                sample.append(epic)
            else:
                j = rng.randrange(n)
                if j < k:
                    sample[j] = epic
    return n, sample


def prepare_store(binary, roll, work):
    """Imports the roll into a fresh template store and issues PINs; returns (db, pins, seconds)."""
    db = os.path.join(work, "template.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    t0 = time.monotonic()
    out = subprocess.run([binary, "import", "--store", "sqlite:" + db, roll], cwd=work,
                         capture_output=True, text=True)
    import_s = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError(f"psm import failed: {out.stderr}")
    pins_file = os.path.join(work, "pins.csv")
    out = subprocess.run([binary, "admin", "issue-pins", "--store", "sqlite:" + db, "--out",
                          pins_file], cwd=work, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psm admin issue-pins failed: {out.stderr}")
    with open(pins_file, newline="") as f:
        pins = {row[0]: row[1] for row in list(csv.reader(f))[1:]}
    return db, pins, import_s
