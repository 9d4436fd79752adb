#!/usr/bin/python3
"""isolab report on the golden fixtures: statistics, verdicts, CSV columns,
summary.json against the schema in docs/reports.md, determinism, bad input.

Env: ISOLAB (the isolab binary), ISOLAB_SOURCE_ROOT.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import schema  # noqa: E402

ISOLAB = os.environ.get("ISOLAB", "isolab")
ROOT = os.environ.get("ISOLAB_SOURCE_ROOT", os.path.join(HERE, "..", "..", ".."))
FIX = os.path.join(HERE, "fixtures")
CSV_COLUMNS = ["phase", "round", "bombs", "priority", "requests", "ok", "failed", "success_pct",
               "throughput_rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms", "stdev_ms"]
HIST_TOL = 0.005  # the histogram keeps values within 0.1 %; allow 0.5 %


def run(*args):
    env = dict(os.environ, UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    p = subprocess.run([ISOLAB, "report", *args], capture_output=True, text=True, timeout=60,
                       env=env)
    for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer"):
        if bad in p.stderr:
            raise AssertionError("%r: sanitizer report:\n%s" % (args, p.stderr))
    return p


class Rendered:
    cache = {}

    @classmethod
    def get(cls, name):
        if name not in cls.cache:
            out = tempfile.mkdtemp(prefix="isolab-report-test-")
            p = run(os.path.join(FIX, name), "--out", out, "--quiet")
            if p.returncode != 0:
                raise AssertionError("report %s failed (%d): %s" % (name, p.returncode, p.stderr))
            with open(os.path.join(out, "summary.json")) as f:
                summary = json.load(f)
            expected = None
            if os.path.exists(os.path.join(FIX, name, "expected.json")):
                with open(os.path.join(FIX, name, "expected.json")) as f:
                    expected = json.load(f)
            cls.cache[name] = (out, summary, expected)
        return cls.cache[name]

    @classmethod
    def cleanup(cls):
        for out, _, _ in cls.cache.values():
            shutil.rmtree(out, ignore_errors=True)


def phase(summary, name):
    for p in summary["phases"]:
        if p["name"] == name:
            return p
    raise AssertionError("phase %s missing" % name)


class GoldenStatistics(unittest.TestCase):
    def check_fixture(self, name):
        _, s, exp = Rendered.get(name)
        self.assertEqual(s["partial"], exp["partial"])
        for pname, e in exp["phases"].items():
            p = phase(s, pname)
            with self.subTest(fixture=name, phase=pname):
                self.assertEqual(p["dnr"], e["dnr"])
                if e["dnr"]:
                    self.assertEqual(p["rounds_reported"], 0)
                    self.assertIsNone(p["latency_ms"]["p99"])
                    continue
                self.assertEqual(p["requests"], e["requests"])
                self.assertEqual(p["ok"], e["ok"])
                self.assertEqual(p["rounds_reported"], e["rounds_reported"])
                self.assertAlmostEqual(p["success_pct"], e["success_pct"], places=6)
                for k in ("min", "p50", "p90", "p99", "p999", "max", "mean", "stdev"):
                    got, want = p["latency_ms"][k], e[k]
                    self.assertLessEqual(abs(got - want), HIST_TOL * want,
                                         "%s %s: %g vs %g" % (pname, k, got, want))
                for k in ("mean_ms", "p99_ms"):
                    ci = p["ci"][k]
                    if p["latency_source"] == "histogram" or p["rounds_reported"] >= 2:
                        self.assertIsNotNone(ci, "%s has no %s interval" % (pname, k))
                    if ci:
                        v = p["latency_ms"]["mean" if k == "mean_ms" else "p99"]
                        # contains the estimate, and is tight: rounds differ by 1 % only
                        self.assertLessEqual(ci[0], v * 1.001)
                        self.assertGreaterEqual(ci[1], v * 0.999)
                        self.assertLess(ci[1] - ci[0], 0.08 * v, "%s %s %r" % (pname, k, ci))
        verdicts = {v["phase"]: v["verdict"] for v in s["protection"]}
        self.assertEqual(verdicts, exp["verdicts"])

    def test_basic_fixture_matches_known_statistics_and_verdicts(self):
        self.check_fixture("basic")

    def test_dnr_fixture_marks_phase_dnr_and_verdict_inconclusive(self):
        self.check_fixture("dnr")
        _, s, _ = Rendered.get("dnr")
        fork = phase(s, "fork")
        self.assertEqual(fork["dnr_rounds"], 3)
        self.assertEqual(fork["bomb_dnr"], 3)
        self.assertIsNone(fork["vs_baseline"]["p99_ratio"])
        self.assertEqual(phase(s, "cpu")["dnr_rounds"], 1)

    def test_partial_fixture_is_marked_partial(self):
        self.check_fixture("partial")
        out, s, _ = Rendered.get("partial")
        self.assertTrue(s["partial"])
        self.assertTrue(any("planned" in w for w in s["warnings"]))
        with open(os.path.join(out, "summary.md")) as f:
            self.assertIn("PARTIAL", f.read())
        with open(os.path.join(out, "report.html")) as f:
            self.assertIn("Partial run", f.read())

    def test_degradation_ratios_and_success_change_against_baseline(self):
        _, s, exp = Rendered.get("basic")
        e = exp["phases"]
        cpu = phase(s, "cpu")["vs_baseline"]
        self.assertAlmostEqual(cpu["p99_ratio"], e["cpu"]["p99"] / e["baseline"]["p99"], delta=0.02)
        self.assertAlmostEqual(cpu["p50_ratio"], e["cpu"]["p50"] / e["baseline"]["p50"], delta=0.02)
        lo, hi = cpu["p99_ratio_ci"]
        self.assertLess(lo, cpu["p99_ratio"])
        self.assertGreater(hi, cpu["p99_ratio"])
        # mem: 800 successful responses per round against 1000
        self.assertAlmostEqual(phase(s, "mem")["vs_baseline"]["ok_change_pct"], -20.0, places=6)
        self.assertAlmostEqual(phase(s, "mem")["success_pct"], 80.0, places=6)

    def test_protection_recovered_share(self):
        _, s, exp = Rendered.get("basic")
        e = exp["phases"]
        disk = [p for p in s["protection"] if p["phase"] == "disk+prio"][0]
        want = (e["disk"]["p99"] - e["disk+prio"]["p99"]) / (e["disk"]["p99"] - e["baseline"]["p99"])
        self.assertAlmostEqual(disk["recovered_pct"], want * 100, delta=1.0)
        self.assertLess(disk["recovered_pct_ci"][0], disk["recovered_pct"])
        self.assertGreater(disk["recovered_pct_ci"][1], disk["recovered_pct"])

    def test_weight_sweep_points_sorted_by_weight_ratio(self):
        _, s, exp = Rendered.get("basic")
        self.assertEqual(len(s["sweeps"]), 1)
        sw = s["sweeps"][0]
        self.assertEqual(sw["x"], "weight_ratio")
        self.assertEqual([p["x"] for p in sw["points"]], exp["sweep_ratios"])
        p99 = [p["p99_ms"] for p in sw["points"]]
        self.assertEqual(p99, sorted(p99, reverse=True))


class ControllerOutput(unittest.TestCase):
    def test_a_real_isolab_run_quick_result_renders_and_validates(self):
        """fixtures/controller-quick: copied from `isolab run --quick --phases
        baseline,cpu,cpu+prio` (local backend), so contract drift shows here."""
        out, s, _ = Rendered.get("controller-quick")
        sch = schema.from_doc(os.path.join(ROOT, "docs", "reports.md"))
        self.assertEqual(schema.validate(s, sch), [])
        self.assertFalse(s["partial"])
        self.assertEqual([p["name"] for p in s["phases"]], ["baseline", "cpu", "cpu+prio"])
        for p in s["phases"]:
            self.assertEqual(p["latency_source"], "histogram")
            self.assertGreater(p["requests"], 0)
        self.assertEqual(len(s["protection"]), 1)
        cpu = phase(s, "cpu")["bomb_rates"][0]
        self.assertEqual(cpu["metric"], "ops_per_s")


class Formats(unittest.TestCase):
    def test_csv_loads_with_documented_columns_one_row_per_phase_and_round(self):
        for name in ("basic", "dnr", "partial"):
            out, s, _ = Rendered.get(name)
            with open(os.path.join(out, "summary.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
            with open(os.path.join(FIX, name, "manifest.json")) as f:
                runs = json.load(f)["runs"]
            self.assertEqual(len(rows), len(runs))
            self.assertEqual(list(rows[0].keys())[:len(CSV_COLUMNS)], CSV_COLUMNS)
            for r in rows:
                int(r["round"])
                if r["status"] != "dnr" or r["requests"]:
                    float(r["p99_ms"]) if r["p99_ms"] else None
            if name == "basic":
                cpu = [r for r in rows if r["phase"] == "cpu"]
                self.assertEqual(len(cpu), 3)
                self.assertEqual(float(cpu[0]["bomb_cpu_ops_per_s"]), 125000.0)
                self.assertEqual(float(cpu[0]["requests"]), 1000)
                self.assertEqual(cpu[0]["bomb_mem_bytes_resident"], "")
            if name == "dnr":
                fork = [r for r in rows if r["phase"] == "fork"]
                self.assertTrue(all(r["status"] == "dnr" and r["requests"] == "" for r in fork))
                self.assertTrue(all("probe" in r["dnr"] for r in fork))

    def test_summary_json_validates_against_documented_schema(self):
        sch = schema.from_doc(os.path.join(ROOT, "docs", "reports.md"))
        for name in ("basic", "dnr", "partial"):
            _, s, _ = Rendered.get(name)
            errors = schema.validate(s, sch)
            self.assertEqual(errors, [], name)

    def test_validator_rejects_a_summary_missing_a_field(self):
        sch = schema.from_doc(os.path.join(ROOT, "docs", "reports.md"))
        _, s, _ = Rendered.get("basic")
        bad = json.loads(json.dumps(s))
        del bad["phases"][0]["latency_ms"]["p99"]
        bad["protection"][0]["verdict"] = "maybe"
        self.assertEqual(len(schema.validate(bad, sch)), 2)

    def test_output_is_deterministic(self):
        out2 = tempfile.mkdtemp(prefix="isolab-report-test-")
        try:
            p = run(os.path.join(FIX, "basic"), "--out", out2, "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            out, _, _ = Rendered.get("basic")
            for f in ("summary.json", "summary.csv", "summary.md", "report.html"):
                with open(os.path.join(out, f), "rb") as a, open(os.path.join(out2, f), "rb") as b:
                    self.assertEqual(a.read(), b.read(), f)
        finally:
            shutil.rmtree(out2, ignore_errors=True)

    def test_format_option_writes_only_the_chosen_files(self):
        out = tempfile.mkdtemp(prefix="isolab-report-test-")
        try:
            p = run(os.path.join(FIX, "partial"), "--out", out, "--format", "csv,md", "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sorted(os.listdir(out)), ["summary.csv", "summary.md"])
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def test_thresholds_change_the_verdict(self):
        out = tempfile.mkdtemp(prefix="isolab-report-test-")
        try:
            p = run(os.path.join(FIX, "basic"), "--out", out, "--format", "json", "-q",
                    "--protected-pct", "50")
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            v = {x["phase"]: x["verdict"] for x in s["protection"]}
            self.assertEqual(v["disk+prio"], "protected")
            self.assertEqual(s["thresholds"]["protected_pct"], 50)
        finally:
            shutil.rmtree(out, ignore_errors=True)


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="isolab-report-bad-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def copy_fixture(self, name="partial"):
        d = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(FIX, name), d)
        return d

    def assert_bad(self, args, needle):
        p = run(*args)
        self.assertEqual(p.returncode, 2, "%r: %s" % (args, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(needle, lines[0])
        self.assertNotIn("AddressSanitizer", p.stderr)
        self.assertNotIn("runtime error", p.stderr)

    def edit(self, d, rel, fn):
        path = os.path.join(d, rel)
        with open(path) as f:
            obj = json.load(f)
        fn(obj)
        with open(path, "w") as f:
            json.dump(obj, f)

    def test_missing_dir(self):
        self.assert_bad([os.path.join(self.tmp, "nope")], "No such file")

    def test_not_a_results_dir(self):
        self.assert_bad([self.tmp], "not a results directory")

    def test_a_file_instead_of_a_dir(self):
        f = os.path.join(self.tmp, "f")
        open(f, "w").close()
        self.assert_bad([f], "not a directory")

    def test_malformed_manifest(self):
        d = self.copy_fixture()
        with open(os.path.join(d, "manifest.json"), "w") as f:
            f.write('{"runs": [')
        self.assert_bad([d], "malformed JSON")

    def test_malformed_probe_result(self):
        d = self.copy_fixture()
        with open(os.path.join(d, "runs/1-cpu/probe.json"), "w") as f:
            f.write('{"metrics": {"requests": 1,,}}')
        self.assert_bad([d], "runs/1-cpu/probe.json")

    def test_absurd_counts(self):
        d = self.copy_fixture()
        self.edit(d, "runs/1-cpu/probe.json", lambda o: o["metrics"].update(requests=-5))
        self.assert_bad([d], "count")
        self.edit(d, "runs/1-cpu/probe.json", lambda o: o["metrics"].update(requests=10, ok=20))
        self.assert_bad([d], "exceed")

    def test_absurd_histogram(self):
        d = self.copy_fixture()
        self.edit(d, "runs/1-baseline/probe.json",
                  lambda o: o["metrics"]["histogram"]["buckets"].append([-1, 3]))
        self.assert_bad([d], "bucket")

    def test_path_outside_the_run_dir(self):
        d = self.copy_fixture()
        self.edit(d, "manifest.json", lambda o: o["runs"][0].update(probe="../../etc/passwd"))
        self.assert_bad([d], "leaves the run dir")

    def test_wrong_types_everywhere(self):
        d = self.copy_fixture()
        self.edit(d, "manifest.json", lambda o: o.update(phases={"a": 1}))
        self.assert_bad([d], "phases is not an array")
        d = self.copy_fixture("dnr")
        self.edit(d, "manifest.json", lambda o: o["runs"][0].update(round="one"))
        self.assert_bad([d], "round")

    def test_bad_options(self):
        d = os.path.join(FIX, "partial")
        self.assert_bad([d, "--format", "xml"], "--format")
        self.assert_bad([d, "--resamples", "5"], "--resamples")
        self.assert_bad([d, "--protected-pct", "150"], "--protected-pct")
        self.assert_bad([d, "--partial-pct", "90"], "partial-pct")
        self.assert_bad([d, "extra"], "unexpected argument")
        self.assert_bad([], "missing RUN_DIR")
        self.assert_bad([d, "--bogus"], "bad option")

    def test_empty_manifest_renders_as_partial(self):
        d = os.path.join(self.tmp, "empty")
        os.mkdir(d)
        with open(os.path.join(d, "manifest.json"), "w") as f:
            f.write("{}")
        p = run(d, "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "summary.json")) as f:
            self.assertTrue(json.load(f)["partial"])

    def test_unwritable_out_dir_fails_with_exit_1(self):
        p = run(os.path.join(FIX, "partial"), "--out", "/proc/isolab-no-such-dir")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)

    def test_missing_probe_results_render_as_dnr_not_error(self):
        d = self.copy_fixture()
        os.unlink(os.path.join(d, "runs/1-cpu/probe.json"))
        p = run(d, "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "summary.json")) as f:
            s = json.load(f)
        self.assertTrue(phase(s, "cpu")["dnr"])


if __name__ == "__main__":
    try:
        unittest.main(verbosity=1)
    finally:
        Rendered.cleanup()
