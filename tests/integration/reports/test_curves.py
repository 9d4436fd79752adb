#!/usr/bin/python3
"""isolab report on the `curves` fixture: an intensity sweep of the cpu bomb
(equal weights and prioritised, per-value twins) and a load sweep without and
with a bomb. The tolerated interference is recomputed here from the probe
results (paired differences, t-intervals with 4 df, linear crossings) and
compared with summary.json; the achieved intensity from bombs_achieved; the
curves' monotonicity; every output mentions them; bad --slo-target values.

Env: ISOLAB (the isolab binary), ISOLAB_SOURCE_ROOT.
"""
import json
import math
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from isolab_cmd import report as run  # noqa: E402
FIX = os.path.join(HERE, "fixtures", "curves")
T90_DF4 = 2.131847


def load_fixture():
    with open(os.path.join(FIX, "manifest.json")) as f:
        man = json.load(f)
    good, shares = {}, {}
    for r in man["runs"]:
        with open(os.path.join(FIX, r["probe"])) as f:
            good.setdefault(r["phase"], {})[r["round"]] = json.load(f)["metrics"]["good_pct"]
        for b, a in r["bombs_achieved"].items():
            shares.setdefault(r["phase"], []).append(a["share_pct"])
    return man, good, shares


def mean_ci(d):
    m = sum(d) / len(d)
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1))
    h = T90_DF4 * sd / math.sqrt(len(d))
    return m, m - h, m + h


def cross(x0, y0, x1, y1, t):
    return x0 + (x1 - x0) * (y0 - t) / (y0 - y1)


def crossing(xs, ys, t):
    """First crossing of ys below t, linearly interpolated (ys start above t here)."""
    for i, y in enumerate(ys):
        if y < t:
            return cross(xs[i - 1], ys[i - 1], xs[i], y, t)
    return None


class Curves(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="isolab-curves-test-")
        cls.p = run(FIX, "--out", cls.out)
        if cls.p.returncode:
            raise AssertionError("report failed: %s" % cls.p.stderr)
        with open(os.path.join(cls.out, "summary.json")) as f:
            cls.js = json.load(f)
        cls.man, cls.good, cls.shares = load_fixture()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def family(self, key, name):
        for c in self.js["curves"]:
            if c["key"] == key:
                for f in c["families"]:
                    if f["name"] == name:
                        return c, f
        raise AssertionError("%s %s missing" % (key, name))

    def expected(self, key, fam, ref_of):
        """Per point: the paired mean difference and its interval; the crossings."""
        _, f = self.family(key, fam)
        xs, ys, los, his = [], [], [], []
        for p in f["points"]:
            ref = ref_of(p["x"])
            d = [self.good[p["phase"]][r] - self.good[ref][r] for r in range(1, 6)]
            m, lo, hi = mean_ci(d)
            with self.subTest(point=p["phase"]):
                self.assertEqual(p["vs_reference"]["reference"], ref)
                self.assertAlmostEqual(p["vs_reference"]["difference"], m, places=6)
                self.assertAlmostEqual(p["vs_reference"]["ci"][0], lo, places=4)
                self.assertAlmostEqual(p["vs_reference"]["ci"][1], hi, places=4)
                self.assertEqual(p["slo"], "meets" if lo > -5 else
                                 "fails" if hi < -5 else "undecided")
            xs.append(p["x"])
            ys.append(m)
            los.append(lo)
            his.append(hi)
        return f, crossing(xs, ys, -5), crossing(xs, los, -5), crossing(xs, his, -5)

    def test_tolerated_intensity_recomputed(self):
        for fam in ("cpu", "cpu+prio"):
            f, est, lo, hi = self.expected("intensity.cpu", fam, lambda x: "baseline")
            tol = f["tolerated"]
            self.assertAlmostEqual(tol["x"], est, places=6)
            self.assertAlmostEqual(tol["lo"], lo, places=4)
            self.assertAlmostEqual(tol["hi"], hi, places=4)
            self.assertTrue(tol["lo"] <= tol["x"] <= tol["hi"])

    def test_tolerated_load_pairs_with_the_same_load_without_a_bomb(self):
        f, est, lo, hi = self.expected("load", "busy", lambda x: "idle[load=%d]" % x)
        self.assertAlmostEqual(f["tolerated"]["x"], est, places=6)
        self.assertAlmostEqual(f["tolerated"]["hi"], hi, places=4)

    def test_monotone_within_intervals_and_priority_tolerates_more(self):
        for key, fam in (("intensity.cpu", "cpu"), ("intensity.cpu", "cpu+prio"),
                         ("load", "busy"), ("load", "idle")):
            _, f = self.family(key, fam)
            self.assertTrue(f["monotone"], fam)
            pts = f["points"]
            for a in range(len(pts)):
                for b in range(a + 1, len(pts)):
                    self.assertLessEqual(pts[b]["score_ci"][0], pts[a]["score_ci"][1])
        _, eq = self.family("intensity.cpu", "cpu")
        _, pr = self.family("intensity.cpu", "cpu+prio")
        # the prioritised victim tolerates more, beyond both intervals
        self.assertGreater(pr["tolerated"]["lo"], eq["tolerated"]["hi"])

    def test_achieved_intensity_beside_requested(self):
        _, f = self.family("intensity.cpu", "cpu+prio")
        for p in f["points"]:
            if p["x"] == 0:
                self.assertEqual(p["x_achieved"], 0)
                continue
            sh = self.shares[p["phase"]]
            self.assertAlmostEqual(p["x_achieved"], p["x"] * sum(sh) / len(sh) / 100, places=6)
        # under contention the bomb fell short: achieved well below requested at 100
        self.assertLess(f["points"][-1]["x_achieved"], 80)
        self.assertLess(f["tolerated"]["x_achieved"], f["tolerated"]["x"])

    def test_every_output_shows_the_curves(self):
        with open(os.path.join(self.out, "report.html")) as f:
            html = f.read()
        self.assertIn('<section id="curves">', html)
        self.assertIn("Victim good responses against cpu bomb intensity", html)
        self.assertIn("Victim p99 latency against offered load", html)
        self.assertIn("hollow: achieved", html)
        with open(os.path.join(self.out, "summary.md")) as f:
            md = f.read()
        self.assertIn("## Sensitivity curves", md)
        _, eq = self.family("intensity.cpu", "cpu")
        self.assertIn("**%.3g [" % eq["tolerated"]["x"], md)
        term = [l for l in self.p.stdout.splitlines() if "tolerated interference (" in l]
        self.assertEqual(len(term), 2, self.p.stdout)
        self.assertIn("cpu+prio 85 [", term[0])
        # the intensity and load sweeps are not weight sweeps
        self.assertEqual(self.js["sweeps"], [])

    def test_slo_target(self):
        out = os.path.join(self.out, "t")
        p = run(FIX, "--out", out, "--slo-target", "95", "-q", "-f", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "summary.json")) as f:
            js = json.load(f)
        c = [c for c in js["curves"] if c["key"] == "intensity.cpu"][0]
        f = [f for f in c["families"] if f["name"] == "cpu"][0]
        xs = [p["x"] for p in f["points"]]
        est = crossing(xs, [p["score"] for p in f["points"]], 95)
        self.assertAlmostEqual(f["tolerated_target"]["x"], est, places=6)
        self.assertEqual(c["slo_target_pct"], 95)
        for bad in ("101", "-1", "x", ""):
            p = run(FIX, "--out", out, "--slo-target", bad)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn("--slo-target", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
