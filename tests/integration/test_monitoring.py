"""deploy/grafana and deploy/prometheus against a real psm: every metric the dashboard and the rules
query is one psm exports, with the labels they select on; /metrics passes promtool's lint; the
Prometheus config and rules pass promtool, and the alerts' unit tests (psm-rules.test.yml) pass.

The metrics come from two servers after some traffic, so that labelled series exist: a node on
SQLite (an officer's reports, one refused; EPIC look-ups past their limit, a 429; an event stream
held open), and a one-node cluster on PostgreSQL with Redis, for what only a cluster node with
PSM_REDIS has (psm_redis_up)."""

import copy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
import contract  # noqa: E402
import harness  # noqa: E402
from harness import Psm, queue_report, turnout_report  # noqa: E402

yaml = contract.yaml  # contract.py finds Debian's python3-yaml under any Python

BINARY = os.environ.get("PSM_BIN", os.path.join(harness.ROOT, "build", "psm"))
PROMTOOL = os.environ.get("PSM_PROMTOOL", shutil.which("promtool") or "/usr/bin/promtool")
DEPLOY = os.path.join(harness.ROOT, "deploy")
DASHBOARD = os.path.join(DEPLOY, "grafana", "psm-dashboard.json")
PROM_DIR = os.path.join(DEPLOY, "prometheus")
CONFIG = os.path.join(PROM_DIR, "prometheus.yml")
RULES = os.path.join(PROM_DIR, "psm-rules.yml")
RULES_TEST = os.path.join(PROM_DIR, "psm-rules.test.yml")

# Series Prometheus makes itself for every target it scrapes, not psm's.
PROMETHEUS_SERIES = {"up"}
# Labels Prometheus adds to every series from its target.
TARGET_LABELS = {"job", "instance"}
# Grafana's variables as the dashboard's queries use them, with values promtool can parse.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h",
                     "$job": "psm", "$instance": ".*"}

# --- PromQL -------------------------------------------------------------------------------------
PROMQL_TOKEN = re.compile(r"""
      (?P<string> "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*' | `[^`]*` )
    | (?P<range> \[[^\]]*\] )
    | (?P<number> (?:0x[0-9a-fA-F]+ | \d+(?:\.\d*)?(?:[eE][+-]?\d+)? | \.\d+) [a-zA-Z]* )
    | (?P<ident> [a-zA-Z_:][a-zA-Z0-9_:]* )
    | (?P<punct> [{}(),] )
    | (?P<other> \S )
""", re.X)
# Words that are PromQL itself: aggregation modifiers, vector matching, set operators, offset.
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
                   "or", "unless", "offset", "atan2", "inf", "nan"}
# Keywords followed by a parenthesised list of label names.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def tokens(expr):
    return [(m.lastgroup, m.group()) for m in PROMQL_TOKEN.finditer(expr)]


def closing(toks, i):
    """The index of the ")" that closes the "(" at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        depth += {"(": 1, ")": -1}.get(toks[j][1], 0)
        if depth == 0:
            return j
    raise AssertionError("unbalanced parentheses")


def parse(expr):
    """What a PromQL expression selects: ([(metric name, {label names its matchers use})],
    [({label names an aggregation groups by}, [the metric names it aggregates])]). Not metric
    names: functions and aggregation operators (a name before "(", "by" or "without"), keywords,
    label names (in braces and in by/without/on/ignoring/group_* lists), strings, numbers and
    ranges."""
    toks = tokens(expr)
    found, groupings = [], []
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        following = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident" and text in LABEL_LIST_KEYWORDS and following == "(":
            end = closing(toks, i + 1)
            labels = {t for k, t in toks[i + 2:end] if k == "ident"}
            if text in ("by", "without") and end + 1 < len(toks) and toks[end + 1][1] == "(":
                inner = parse(" ".join(t for _, t in toks[end + 1:closing(toks, end + 1) + 1]))
                groupings.append((labels, [name for name, _ in inner[0]]))
            elif text in ("by", "without"):
                raise AssertionError(f"write `sum by (…) (…)`, not `sum(…) by (…)`: {expr!r}")
            i = end + 1
            continue
        if kind == "ident" and text not in PROMQL_KEYWORDS and following not in ("(", "by",
                                                                                 "without"):
            labels = set()
            i += 1
            if following == "{":
                i += 1
                while toks[i][1] != "}":
                    if toks[i][0] == "ident" and toks[i + 1][1] in ("=", "!"):
                        labels.add(toks[i][1])
                    i += 1
                i += 1
            found.append((text, labels))
            continue
        if text == "{":  # a selector by labels alone, {__name__="…"}: none in these files
            raise AssertionError(f"a selector without a metric name in {expr!r}")
        i += 1
    return found, groupings


def selectors(expr):
    return parse(expr)[0]


def grafana_to_promql(expr):
    for name, value in sorted(GRAFANA_VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace("${" + name[1:] + "}", value).replace(name, value)
    return expr


# --- The files ----------------------------------------------------------------------------------
def load_dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def all_panels(dashboard):
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries(dashboard):
    """(where, PromQL) of every query of the dashboard: its panels' targets and its variables'
    label_values() (as its series selector)."""
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            yield f"panel {panel['id']} ({panel['title']}) {target.get('refId')}", target["expr"]
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", query)
        assert m, f"variable {var['name']}: only label_values(selector, label) is expected"
        yield f"variable {var['name']}", m.group(1)


def load_rules():
    with open(RULES) as f:
        return yaml.safe_load(f)


def rules_of(rules_doc):
    for group in rules_doc["groups"]:
        for rule in group["rules"]:
            yield group["name"], rule


# --- /metrics -----------------------------------------------------------------------------------
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$")


def exported(text):
    """({sample name: label names of its samples}, {family: type}) of a /metrics text."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            types[family] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(2) or ""))
            samples.setdefault(m.group(1), set()).update(labels)
    return samples, types


def family_of(name, types):
    """The metric family a series name belongs to: a histogram's `_bucket`, `_sum` and `_count`
    series are its family's; a bare histogram name is no series."""
    if types.get(name) in ("counter", "gauge", "untyped", "summary"):
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and (types.get(base) == "histogram" or
                                      (suffix != "_bucket" and types.get(base) == "summary")):
            return base
    return None


def problems_with(queries, samples, types, recorded=()):
    """What is wrong with the selectors of `queries` ([(where, PromQL)]) against what psm exports:
    a metric psm has no series of, or a label its series do not carry. Names in `recorded`
    (recording rules) are Prometheus's own."""
    problems = []
    for where, expr in queries:
        found, groupings = parse(expr)
        for labels, names in groupings:
            if any(name in recorded for name in names):
                continue
            carried = set(TARGET_LABELS).union(*(samples.get(name, set()) for name in names))
            if labels - carried:
                problems.append(f"{where}: no series of {', '.join(sorted(set(names)))} has "
                                f"{', '.join(sorted(labels - carried))} to aggregate by")
        for name, labels in found:
            if name in recorded:
                continue
            if name in PROMETHEUS_SERIES:
                unknown = labels - TARGET_LABELS
            elif family_of(name, types) is None or name not in samples:
                problems.append(f"{where}: psm exports no series {name}")
                continue
            else:
                unknown = labels - samples[name] - TARGET_LABELS
            if unknown:
                problems.append(f"{where}: {name} has no label {', '.join(sorted(unknown))}")
    return problems


def promtool(*args):
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60)


# --- The servers --------------------------------------------------------------------------------
def sqlite_node_metrics():
    """/metrics of a node on SQLite after reports (one refused), a 429 and with a stream open."""
    psm = Psm(BINARY)
    try:
        psm.start()
        station = sorted(psm.pins)[0]
        token = psm.login(station)
        now = psm.now()
        path = f"/api/v1/stations/{station}/reports"
        for report, want in ((queue_report(now), 201), (turnout_report(now, 40, 30), 201),
                             (turnout_report(now, 20, 10), 409)):  # turnout_decreased
            status, _, body = psm.request("POST", path, report, token=token)
            assert status == want, (status, body)
        # The district's totals come from the summary, rebuilt at most every 250 ms.
        cluster.wait_for(lambda: "\npsm_board_turnout_stations 1\n" in
                         psm.request("GET", "/metrics")[2].decode(), 10, "no turnout on the board")
        # EPIC look-ups from one address: 5 a second, bursts of 20.
        statuses = [psm.request("GET", "/api/v1/lookup?epic=JLW0000001")[0] for _ in range(30)]
        assert 429 in statuses, statuses
        with socket.create_connection(("127.0.0.1", psm.port), timeout=30) as stream:
            stream.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: psm\r\n"
                           b"Accept: text/event-stream\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = stream.recv(4096)
                assert chunk, "the event stream closed"
                head += chunk
            assert head.startswith(b"HTTP/1.1 200 "), head
            status, _, text = psm.request("GET", "/metrics")
        assert status == 200
        return text.decode()
    finally:
        psm.close()


def cluster_node_metrics():
    """/metrics of the one node of a cluster on PostgreSQL with Redis."""
    c = cluster.Cluster(BINARY, nodes=1, redis=True)
    try:
        status, _, text = c.nodes[0].request("GET", "/metrics")
        assert status == 200
        return text.decode()
    finally:
        c.close()


class MonitoringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROMTOOL, os.X_OK):
            raise AssertionError(f"no promtool at {PROMTOOL}: `make setup` installs Debian's "
                                 "prometheus, which has it")
        cls.texts = {"sqlite node": sqlite_node_metrics(), "cluster node": cluster_node_metrics()}
        cls.samples, cls.types = {}, {}
        for text in cls.texts.values():
            samples, types = exported(text)
            for name, labels in samples.items():
                cls.samples.setdefault(name, set()).update(labels)
            cls.types.update(types)
        cls.dashboard = load_dashboard()
        cls.rules = load_rules()
        cls.recorded = {rule["record"] for _, rule in rules_of(cls.rules) if "record" in rule}

    # --- /metrics -------------------------------------------------------------------------------
    def test_metrics_pass_promtool_lint(self):
        for server, text in self.texts.items():
            out = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(out.returncode, 0, f"{server}: {out.stdout}{out.stderr}")
            self.assertEqual(out.stdout + out.stderr, "", server)

    def test_the_traffic_made_the_labelled_series(self):
        text = self.texts["sqlite node"]
        for series in ('psm_reports_accepted_total{kind="queue"} 1',
                       'psm_reports_rejected_total{kind="turnout",reason="turnout_decreased"} 1',
                       "psm_sse_subscribers 1", "psm_board_turnout_stations 1",
                       "psm_board_votes_polled 70"):
            self.assertIn("\n" + series + "\n", text)
        self.assertRegex(text, r'\npsm_rate_limited_total\{limit="lookup"\} [1-9]')
        self.assertRegex(text, r'\npsm_http_requests_total\{route="/api/v1/lookup",method="GET",'
                               r'status="429"\} [1-9]')
        self.assertIn("\npsm_redis_up 1\n", self.texts["cluster node"])

    # --- The dashboard --------------------------------------------------------------------------
    def test_dashboard_is_well_formed(self):
        d = self.dashboard
        self.assertIsNone(d.get("id"), "an exported dashboard carries no database id")
        self.assertTrue(d["uid"] and d["title"])
        self.assertGreaterEqual(d["schemaVersion"], 36)
        variables = {v["name"]: v for v in d["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        for name in ("job", "instance"):
            self.assertEqual(variables[name]["type"], "query")
            self.assertEqual(variables[name]["datasource"]["uid"], "${datasource}")
        ids = [p["id"] for p in all_panels(d)]
        self.assertEqual(len(ids), len(set(ids)), "panel ids must be unique")
        cells = {}
        for panel in all_panels(d):
            where = f"panel {panel['id']} ({panel.get('title')})"
            grid = panel["gridPos"]
            for key in ("x", "y", "w", "h"):
                self.assertIsInstance(grid[key], int, where)
            self.assertTrue(grid["w"] > 0 and grid["h"] > 0 and grid["x"] + grid["w"] <= 24, where)
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    self.assertNotIn((x, y), cells, f"{where} overlaps panel {cells.get((x, y))}")
                    cells[(x, y)] = panel["id"]
            if panel["type"] == "row":
                continue
            self.assertTrue(panel["title"], where)
            self.assertEqual(panel["datasource"], {"type": "prometheus", "uid": "${datasource}"},
                             where)
            self.assertTrue(panel["targets"], f"{where} has no query")
            ref_ids = [t["refId"] for t in panel["targets"]]
            self.assertEqual(len(ref_ids), len(set(ref_ids)), where)
            for t in panel["targets"]:
                self.assertTrue(t.get("expr", "").strip(), f"{where} {t['refId']} has no expr")
                self.assertEqual(t["datasource"]["uid"], "${datasource}", where)
                self.assertNotIn("DS_", t["expr"], where)

    def test_dashboard_queries_are_promql(self):
        # promtool parses each query as a recording rule's expression.
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:query:{i}", "expr": grafana_to_promql(expr)}
            for i, (_, expr) in enumerate(dashboard_queries(self.dashboard))]}]}
        with tempfile.TemporaryDirectory(prefix="psm-monitoring-") as tmp:
            path = os.path.join(tmp, "dashboard-rules.yml")
            with open(path, "w") as f:
                yaml.safe_dump(rules, f)
            out = promtool("check", "rules", path)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_dashboard_queries_only_what_psm_exports(self):
        queries = list(dashboard_queries(self.dashboard))
        self.assertGreater(len(queries), 30)
        # A dashboard reads psm's series, never the rules' recordings: it works without them.
        self.assertEqual(problems_with(queries, self.samples, self.types), [])
        queried = {name for _, e in queries for name, _ in selectors(e)}
        for name in ("psm_http_requests_total", "psm_http_request_duration_seconds_bucket",
                     "psm_rate_limited_total", "psm_reports_accepted_total",
                     "psm_reports_rejected_total", "psm_writer_batch_size_bucket",
                     "psm_writer_commit_seconds_bucket", "psm_sse_subscribers",
                     "psm_board_stations_reporting", "psm_board_stations_stale",
                     "psm_board_votes_polled", "psm_board_turnout_electors", "psm_store_up",
                     "psm_redis_up", "psm_node_writer", "psm_node_ready", "psm_feed_lag_seq"):
            self.assertIn(name, queried)

    def test_a_misspelt_metric_or_label_is_found(self):
        for right, wrong, want in (
                ("psm_sse_subscribers{", "psm_sse_subscriber{",
                 "psm exports no series psm_sse_subscriber"),
                ("psm_writer_commit_seconds_bucket{", "psm_writer_commit_seconds{",
                 "psm exports no series psm_writer_commit_seconds"),
                ("psm_rate_limited_total{", 'psm_rate_limited_total{limt="login", ',
                 "psm_rate_limited_total has no label limt")):
            broken = copy.deepcopy(self.dashboard)
            targets = [t for p in all_panels(broken) for t in p.get("targets", [])
                       if right in t["expr"]]
            self.assertTrue(targets, right)
            targets[0]["expr"] = targets[0]["expr"].replace(right, wrong, 1)
            problems = problems_with(list(dashboard_queries(broken)), self.samples, self.types)
            self.assertTrue(any(want in p for p in problems), (want, problems))
        # And in the rules, where a recording rule's name is no psm series either.
        queries = [(rule.get("alert") or rule["record"],
                    rule["expr"].replace("psm_store_up", "psm_store_upp"))
                   for _, rule in rules_of(self.rules)]
        self.assertIn("PsmStoreDown: psm exports no series psm_store_upp",
                      problems_with(queries, self.samples, self.types, self.recorded))
        self.assertIn("PsmNodeBehindWriter: psm exports no series "
                      "instance:psm_feed_behind_writer:seq",
                      problems_with(queries, self.samples, self.types))

    # --- Prometheus -----------------------------------------------------------------------------
    def test_rules_query_only_what_psm_exports(self):
        queries = [(f"{group}: {rule.get('alert') or rule.get('record')}", rule["expr"])
                   for group, rule in rules_of(self.rules)]
        self.assertEqual(problems_with(queries, self.samples, self.types, self.recorded), [])

    def test_rules_pass_promtool_and_say_what_to_do(self):
        out = promtool("check", "rules", RULES)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        alerts = [rule for _, rule in rules_of(self.rules) if "alert" in rule]
        names = [a["alert"] for a in alerts]
        self.assertEqual(len(names), len(set(names)))
        for name in ("PsmNodeDown", "PsmNodeNotReady", "PsmNoWriter", "PsmStoreDown",
                     "PsmRedisDown", "PsmFeedLagGrowing", "PsmWriterCommitSlow",
                     "PsmServerErrors", "PsmRateLimitSurge", "PsmManyStationsStale"):
            self.assertIn(name, names)
        for a in alerts:
            self.assertIn(a["labels"]["severity"], ("critical", "warning"), a["alert"])
            self.assertTrue(a["annotations"]["summary"].strip(), a["alert"])
            self.assertGreater(len(a["annotations"]["description"]), 100, a["alert"])
            self.assertIn('job="psm"', a["expr"], a["alert"])
        for _, rule in rules_of(self.rules):
            if "record" in rule:  # level:metric:operations
                self.assertRegex(rule["record"], r"^[a-z_]+:psm_[a-z_]+:[a-z0-9_]+$")

    def test_config_passes_promtool_with_the_rules(self):
        with open(CONFIG) as f:
            config = yaml.safe_load(f)
        self.assertEqual(config["rule_files"], ["psm-rules.yml"])
        jobs = {job["job_name"]: job for job in config["scrape_configs"]}
        targets = [t for sc in jobs["psm"]["static_configs"] for t in sc["targets"]]
        self.assertIn("127.0.0.1:8080", targets)
        # Installed as Debian's package reads it: /etc/prometheus/{prometheus,psm-rules}.yml.
        with tempfile.TemporaryDirectory(prefix="psm-prometheus-") as etc:
            for path in (CONFIG, RULES):
                shutil.copy(path, etc)
            out = promtool("check", "config", os.path.join(etc, "prometheus.yml"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("SUCCESS: 1 rule files found", out.stdout)

    def test_alert_unit_tests_pass(self):
        with open(RULES_TEST) as f:
            tests = yaml.safe_load(f)
        tested = {case["alertname"] for t in tests["tests"]
                  for case in t.get("alert_rule_test", [])}
        self.assertGreaterEqual(len(tested), 2)
        out = promtool("test", "rules", RULES_TEST)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("SUCCESS", out.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
