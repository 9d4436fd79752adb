#!/usr/bin/python3
"""isolab compare on results directories made to differ, with a known answer.

The runs are written with make-fixtures.py's builder into a temporary
directory: a reference run and a second run where the cpu phase is better
(40 -> 80 % good), mem is unchanged, fork is worse, and a probe died once.
Welch's interval is recomputed here (equal round counts and spreads give an
integer df, so a table value of t suffices). Refusals: different SLOs,
different loads, no phase in common, a directory that is not a results
directory; each one line, exit 2, and --force where it applies.

Env: ISOLAB (the isolab binary), ISOLAB_SOURCE_ROOT.
"""
import csv
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from isolab_cmd import compare  # noqa: E402
import schema  # noqa: E402

ROOT = os.environ.get("ISOLAB_SOURCE_ROOT", os.path.join(HERE, "..", "..", ".."))
T95 = {8: 1.859548, 4: 2.131847, 6: 1.943180}  # Student t, 0.95 quantile

spec = importlib.util.spec_from_file_location("mkfix", os.path.join(HERE, "make-fixtures.py"))
mkfix = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mkfix)

REF = {
    "baseline": [99.0, 98.5, 99.5, 98.0, 99.0],
    "cpu": [40.0, 42.0, 45.0, 38.0, 42.0],
    "cpu+prio": [98.0, 97.5, 99.0, 97.5, 98.5],
    "mem": [70.0, 72.0, 69.0, 68.0, 71.0],
    "fork": [95.0, 94.0, 96.0, 95.5, 94.5],
}
# the second run: cpu 40 points better (same spread), mem the same, fork 30 worse
OTHER = {
    "baseline": [98.5, 99.0, 98.0, 99.5, 99.0],
    "cpu": [80.0, 82.0, 85.0, 78.0, 82.0],
    "cpu+prio": [98.5, 98.0, 97.5, 99.0, 97.5],
    "mem": [71.0, 69.0, 70.0, 72.0, 68.0],
    "fork": [65.0, 64.0, 66.0, None, 64.5],
}


def phases_of(names):
    out = []
    for n in names:
        if n in ("baseline", "idle"):
            out.append(mkfix.phase(n))
        elif n.endswith("+prio"):
            out.append(mkfix.phase(n, [n[:-5]], n[:-5], 2048))
        else:
            out.append(mkfix.phase(n, [n]))
    return out


def build(tmp, name, scores, **manifest):
    mkfix.OUT = tmp
    root = mkfix.build_v2(name, phases_of(scores), 5, scores, aa=False)
    if manifest:
        path = os.path.join(root, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        for k, v in manifest.items():
            m["load"][k] = v
        with open(path, "w") as f:
            json.dump(m, f)
    return root


def mean_sd(v):
    v = [x for x in v]
    m = sum(v) / len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


class Compare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="isolab-compare-test-")
        cls.ref = build(cls.tmp, "ref", REF)
        cls.other = build(cls.tmp, "other", OTHER)
        cls.out = os.path.join(cls.tmp, "out")
        cls.p = compare(cls.ref, cls.other, "--out", cls.out, "--labels", "credit,credit2")
        if cls.p.returncode:
            raise AssertionError("compare failed (%d): %s" % (cls.p.returncode, cls.p.stderr))
        with open(os.path.join(cls.out, "compare.json")) as f:
            cls.js = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def row(self, name):
        for r in self.js["phases"]:
            if r["name"] == name:
                return r
        raise AssertionError("phase %s missing" % name)

    def test_verdicts_match_the_truth(self):
        want = {"baseline": "same", "cpu": "better", "cpu+prio": "same", "mem": "same",
                "fork": "worse"}
        for name, v in want.items():
            with self.subTest(phase=name):
                self.assertEqual(self.row(name)["verdicts"], [v])

    def test_welch_interval_recomputed(self):
        # cpu: the same spread in both runs and 5 rounds each: df = 8
        g = self.row("cpu")["measures"]["good_pct"]
        vs = g["runs"][1]["vs_reference"]
        ma, sa = mean_sd(REF["cpu"])
        mb, sb = mean_sd(OTHER["cpu"])
        half = T95[8] * math.sqrt(sa * sa / 5 + sb * sb / 5)
        self.assertAlmostEqual(vs["estimate"], mb - ma, places=6)
        self.assertAlmostEqual(vs["df"], 8, places=6)
        self.assertAlmostEqual(vs["ci"][0], mb - ma - half, places=3)
        self.assertAlmostEqual(vs["ci"][1], mb - ma + half, places=3)
        self.assertEqual(g["runs"][0]["rounds"], 5)

    def test_a_probe_that_did_not_report_counts_as_zero_good(self):
        g = self.row("fork")["measures"]["good_pct"]["runs"][1]
        self.assertEqual(g["rounds"], 5)
        self.assertAlmostEqual(g["value"], (65 + 64 + 66 + 0 + 64.5) / 5, places=6)

    def test_effect_against_own_baseline_and_latency(self):
        e = self.row("cpu")["measures"]["effect"]["runs"]
        d = [o - b for o, b in zip(OTHER["cpu"], OTHER["baseline"])]
        self.assertAlmostEqual(e[1]["value"], sum(d) / 5, places=6)
        self.assertEqual(e[1]["vs_reference"]["verdict"], "better")
        # fewer good responses under fork means a slower tail in these fixtures
        p99 = self.row("fork")["measures"]["p99_ms"]
        self.assertFalse(p99["higher_is_better"])
        self.assertGreater(p99["runs"][1]["vs_reference"]["estimate"], 1)

    def test_the_schema_in_docs_holds(self):
        sch = schema.from_doc(os.path.join(ROOT, "docs", "compare.md"), "compare.json")
        self.assertEqual(schema.validate(self.js, sch), [])
        self.assertFalse(self.js["rule"]["paired"])
        self.assertEqual(self.js["rule"]["name"], "welch")
        self.assertEqual([r["label"] for r in self.js["runs"]], ["credit", "credit2"])

    def test_csv_is_tidy(self):
        with open(os.path.join(self.out, "compare.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        # 5 phases x 5 measures x 2 runs
        self.assertEqual(len(rows), 50)
        cpu = [r for r in rows if r["phase"] == "cpu" and r["measure"] == "good_pct"]
        self.assertEqual([r["verdict"] for r in cpu], ["reference", "better"])
        self.assertEqual(cpu[1]["label"], "credit2")

    def test_markdown_html_and_terminal(self):
        with open(os.path.join(self.out, "compare.md")) as f:
            md = f.read()
        self.assertIn("not paired", md)
        self.assertIn("**better**", md)
        with open(os.path.join(self.out, "compare.html")) as f:
            html = f.read()
        self.assertEqual(html.count("<svg"), 5)  # one chart per measure
        self.assertNotIn("<script", html)
        lines = [l for l in self.p.stdout.splitlines() if l.strip().startswith("cpu ")]
        self.assertEqual(len(lines), 1)
        self.assertIn("better +40.0 pt", lines[0])

    def test_rerun_is_byte_identical(self):
        out2 = os.path.join(self.tmp, "out2")
        p = compare(self.ref, self.other, "--out", out2, "--labels", "credit,credit2", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        for f in ("compare.csv", "compare.json", "compare.md", "compare.html"):
            with open(os.path.join(self.out, f), "rb") as a, open(os.path.join(out2, f),
                                                                  "rb") as b:
                self.assertEqual(a.read(), b.read(), f)

    def test_same_within_changes_the_verdict(self):
        # cpu differs by 40 points [36, 44]: within +-50 that is "same"
        p = compare(self.ref, self.other, "--out", os.path.join(self.tmp, "w"),
                    "--same-within", "50", "-q", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.tmp, "w", "compare.json")) as f:
            js = json.load(f)
        cpu = [r for r in js["phases"] if r["name"] == "cpu"][0]
        self.assertEqual(cpu["verdicts"], ["same"])
        self.assertEqual(js["rule"]["same_within_source"], "option")


class Refusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="isolab-compare-bad-")
        cls.ref = build(cls.tmp, "ref", REF)
        cls.slo = build(cls.tmp, "slo", REF, slo_ms=25)
        cls.load = build(cls.tmp, "load", REF, share_pct=30, rate_rps=120)
        cls.rate = build(cls.tmp, "rate", REF, rate_rps=300)
        cls.disjoint = build(cls.tmp, "disjoint", {"idle": REF["baseline"]})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def refused(self, args, words):
        p = compare(*args, "--out", os.path.join(self.tmp, "x"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x", "compare.html")))
        return p

    def test_different_slos(self):
        self.refused([self.ref, self.slo], ["different SLOs", "20 ms", "25 ms", "--force"])

    def test_different_loads(self):
        self.refused([self.ref, self.load], ["different loads", "50 %", "30 %"])

    def test_no_phase_in_common(self):
        self.refused([self.ref, self.disjoint], ["no phase in common"])

    def test_not_a_results_directory(self):
        self.refused([self.ref, self.tmp], ["not a results directory"])
        self.refused([self.ref, os.path.join(self.tmp, "nope")], ["nope"])

    def test_bad_usage(self):
        self.refused([self.ref], ["two or more RUN_DIRs"])
        self.refused([self.ref, self.ref, "--labels", "a"], ["--labels"])
        self.refused([self.ref, self.ref, "--same-within", "-1"], ["--same-within"])
        self.refused([self.ref, self.ref, "--format", "pdf"], ["--format"])
        self.refused([self.ref] * 7, ["at most 6"])

    def test_force_compares_and_says_so(self):
        out = os.path.join(self.tmp, "forced")
        p = compare(self.ref, self.slo, "--force", "--out", out, "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "compare.json")) as f:
            js = json.load(f)
        self.assertTrue(js["forced"])
        self.assertTrue(any("different SLOs" in m for m in js["mismatches"]))
        with open(os.path.join(out, "compare.html")) as f:
            self.assertIn("Compared with --force", f.read())

    def test_same_share_at_another_rate_is_a_note_not_a_refusal(self):
        out = os.path.join(self.tmp, "rate-out")
        p = compare(self.ref, self.rate, "--out", out, "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "compare.json")) as f:
            js = json.load(f)
        self.assertTrue(any("300 req/s" in n for n in js["notes"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
