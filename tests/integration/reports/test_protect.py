#!/usr/bin/python3
"""isolab report on the `protect` fixture: a cpu bomb with equal weights until
5 s into the measurement, then weight.web = 2048; in round r the victim's
backlog drains for a known time (0.3, 0.5, 0.2, 0.4, 0.6 s) before it is
back to the baseline's 99 % good. The report must find each round's time to
recover to within two requests (10 ms at 200 req/s), its mean and t-interval
over rounds, the good share before and after; the section in every output;
malformed at/requests input is one line and exit 2.

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
FIX = os.path.join(HERE, "fixtures", "protect")
T90_DF4 = 2.131847


class Protect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="isolab-protect-test-")
        cls.p = run(FIX, "--out", cls.tmp)
        if cls.p.returncode:
            raise AssertionError("report failed: %s" % cls.p.stderr)
        with open(os.path.join(cls.tmp, "summary.json")) as f:
            cls.ttp = json.load(f)["time_to_protect"]
        with open(os.path.join(FIX, "expected.json")) as f:
            cls.exp = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_each_round_recovers_when_it_did(self):
        self.assertEqual(len(self.ttp), 1)
        t = self.ttp[0]
        self.assertEqual(t["phase"], "cpu-at")
        self.assertEqual(t["change"], {"t_s": 5, "key": "weight.web", "value": 2048})
        self.assertEqual(t["rounds"], 5)
        self.assertEqual(t["rounds_recovered"], 5)
        for r in t["per_round"]:
            true = self.exp["recover_true_s"][r["round"] - 1]
            with self.subTest(round=r["round"]):
                self.assertAlmostEqual(r["change_s"], self.exp["applied_s"][r["round"] - 1])
                self.assertTrue(r["recovered"])
                # to the request: within two requests' spacing of the truth
                self.assertLessEqual(abs(r["recover_s"] - true), 2.0 / self.exp["rate"])
                self.assertAlmostEqual(r["good_pct_before"], 40, delta=0.5)
                self.assertGreater(r["good_pct_after"], 98.5)

    def test_mean_and_interval_over_rounds(self):
        t = self.ttp[0]
        rec = [r["recover_s"] for r in t["per_round"]]
        m = sum(rec) / len(rec)
        sd = math.sqrt(sum((x - m) ** 2 for x in rec) / (len(rec) - 1))
        h = T90_DF4 * sd / math.sqrt(len(rec))
        self.assertAlmostEqual(t["recover_s"], m, places=9)
        self.assertAlmostEqual(t["recover_s_ci"][0], m - h, places=6)
        self.assertAlmostEqual(t["recover_s_ci"][1], m + h, places=6)
        # the truth's mean (0.4 s) is inside, and the stated bound holds
        self.assertTrue(t["recover_s_ci"][0] <= 0.4 <= t["recover_s_ci"][1])
        self.assertLess(t["recover_s_ci"][1], 1.0)
        # the band: within the min effect (5 points) of the median of the baseline's
        # intervals, which hold 98.3-100 % good
        self.assertTrue(93.3 <= t["band_good_pct"] <= 95, t["band_good_pct"])

    def test_every_output(self):
        with open(os.path.join(self.tmp, "report.html")) as f:
            html = f.read()
        self.assertIn('<section id="protect">', html)
        self.assertIn("cpu-at: victim good responses around the change", html)
        with open(os.path.join(self.tmp, "summary.md")) as f:
            self.assertIn("## Time to protect", f.read())
        line = [l for l in self.p.stdout.splitlines() if "time to recover" in l]
        self.assertEqual(len(line), 1, self.p.stdout)
        self.assertIn("weight.web = 2048 at 5 s: time to recover 0.4 s [", line[0])

    def mutated(self, edit):
        d = os.path.join(self.tmp, "bad")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(FIX, d)
        edit(d)
        p = run(d, "--out", os.path.join(self.tmp, "bad-out"), "-q")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        return p.stderr

    def edit_manifest(self, d, fn):
        path = os.path.join(d, "manifest.json")
        with open(path) as f:
            m = json.load(f)
        fn(m)
        with open(path, "w") as f:
            json.dump(m, f)

    def test_bad_input(self):
        def phase_at(m, v):
            [p for p in m["phases"] if p["name"] == "cpu-at"][0]["at"] = v

        err = self.mutated(lambda d: self.edit_manifest(d, lambda m: phase_at(m, "5s")))
        self.assertIn(".at is not an array", err)
        err = self.mutated(lambda d: self.edit_manifest(d, lambda m: phase_at(m, [{"t_s": -1,
                                                                                  "key": "x"}])))
        self.assertIn("is not a time in seconds", err)
        err = self.mutated(lambda d: self.edit_manifest(d, lambda m: phase_at(m, [{"t_s": 5}])))
        self.assertIn("has no key", err)

        def bad_log(d):
            path = os.path.join(d, "runs", "2-cpu-at", "probe-requests.csv")
            with open(path, "a") as f:
                f.write("zero,1.0,1.0,200,10,ok,,x\n")
        err = self.mutated(bad_log)
        self.assertIn("probe-requests.csv", err)
        self.assertIn("malformed", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
