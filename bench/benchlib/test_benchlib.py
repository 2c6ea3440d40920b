"""Unit tests of the bench's arithmetic: merging alternating runs and the ratios drawn from them."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchlib import load, report  # noqa: E402


def run(rps, seconds=4.0, p99=5.0, cpu=10.0, status_errors=0, name="station-256", **extra):
    requests = int(rps * seconds)
    return dict({
        "name": name, "label": name, "connections": 256, "duration_s": seconds,
        "requests": requests, "requests_per_s": rps, "ok_per_s": rps, "p50_ms": p99 / 5,
        "p90_ms": p99 / 2, "p99_ms": p99, "max_ms": p99 * 3,
        "errors": {"connect_errors": 0, "read_errors": 0, "write_errors": 0,
                   "status_errors": status_errors, "timeouts": 0},
        "error_total": status_errors, "server_cpu_us_per_request": cpu, "server_cpu_cores": 1.0,
        "client_cpu_us_per_request": cpu / 2, "client_cpu_cores": 0.5, "peak_rss_mib": 40.0,
        "bytes_per_response": 1000.0}, **extra)


class Config:
    conns_low, conns, conns_high = 64, 256, 10000
    duration, write_conns, officers, mix_subscribers, quick = "10s", 256, 64, 1000, False


class MergeTest(unittest.TestCase):
    def test_totals_and_medians(self):
        merged = load.merge([run(1000, p99=4.0, cpu=10.0), run(3000, p99=9.0, cpu=20.0),
                             run(2000, p99=6.0, cpu=30.0, status_errors=8)])
        self.assertEqual(merged["runs"], 3)
        self.assertEqual(merged["requests"], 24000)
        self.assertEqual(merged["duration_s"], 12.0)
        self.assertEqual(merged["requests_per_s"], 2000.0)
        self.assertEqual(merged["ok_per_s"], round((24000 - 8) / 12.0, 1))
        self.assertEqual(merged["p99_ms"], 6.0)  # the median run's, not the worst
        self.assertEqual(merged["max_ms"], 27.0)
        self.assertEqual(merged["error_total"], 8)
        # CPU per request weighs each run by its requests: (4000·10 + 12000·20 + 8000·30) / 24000
        self.assertEqual(merged["server_cpu_us_per_request"], 21.67)
        self.assertEqual(merged["requests_per_s_runs"], [1000, 3000, 2000])

    def test_one_run_is_kept_as_it_is(self):
        one = run(1234)
        self.assertEqual(load.merge([one]), dict(one, runs=1))


class RatioTest(unittest.TestCase):
    def test_pairs_give_the_median_ratio(self):
        nginx = load.merge([run(1000, name="nginx-256"), run(1000, name="nginx-256")])
        psm = dict(load.merge([run(500), run(900), run(950)]), reference="nginx-256",
                   pair_ratios=[0.5, 0.9, 0.95])
        rows = [dict(nginx, server="nginx", scenario=1), dict(psm, server="psm", scenario=2)]
        report.build_summary(Config(), rows, {})
        self.assertEqual(rows[1]["ratio_vs_nginx"], 0.9)
        self.assertEqual(rows[1]["nginx_requests_per_s"], 1000.0)

    def test_express_turns_give_the_median_ratio(self):
        rows = [dict(run(1000, name="express-256"), server="express", scenario=6),
                dict(run(9000), server="psm", scenario=2, express_ratios=[12.0, 8.0, 9.5])]
        summary = report.build_summary(Config(), rows, {})
        target = next(t for t in summary["targets"] if "Express" in t["target"])
        self.assertEqual(target["value"], 9.5)
        self.assertEqual(target["verdict"], "MISS")

    def test_without_pairs_the_rates_are_compared(self):
        rows = [dict(run(1000, name="nginx-256"), server="nginx", scenario=1),
                dict(run(800), server="psm", scenario=2, reference="nginx-256")]
        report.build_summary(Config(), rows, {})
        self.assertEqual(rows[1]["ratio_vs_nginx"], 0.8)

    def test_the_mix_is_also_compared_with_the_reads_reference(self):
        rows = [dict(run(1000, name="nginx-256"), server="nginx", scenario=1),
                dict(run(900, name="nginx-256-mix"), server="nginx", scenario=1),
                dict(run(720, name="mix-256"), server="psm", scenario=4,
                     reference="nginx-256-mix", read_reference="nginx-256")]
        report.build_summary(Config(), rows, {})
        self.assertEqual(rows[2]["ratio_vs_nginx"], 0.8)
        self.assertEqual(rows[2]["ratio_vs_read_reference"], 0.72)


if __name__ == "__main__":
    unittest.main()
