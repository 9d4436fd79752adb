#!/usr/bin/python3
"""isolab report on the golden fixtures: statistics, verdicts, CSV columns,
summary.json against the schema in docs/reports.md, determinism, bad input.

Env: ISOLAB (the isolab binary), ISOLAB_SOURCE_ROOT.
"""
import csv
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
import schema  # noqa: E402

ROOT = os.environ.get("ISOLAB_SOURCE_ROOT", os.path.join(HERE, "..", "..", ".."))
FIX = os.path.join(HERE, "fixtures")
CSV_COLUMNS = ["phase", "round", "bombs", "priority", "requests", "ok", "failed", "success_pct",
               "throughput_rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms", "stdev_ms"]
HIST_TOL = 0.005  # the histogram keeps values within 0.1 %; allow 0.5 %


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
                    # intervals are over rounds (issue 11): none from a single round
                    if p["rounds_reported"] >= 2:
                        self.assertIsNotNone(ci, "%s has no %s interval" % (pname, k))
                    else:
                        self.assertIsNone(ci, "%s: an interval from one round" % pname)
                    if ci:
                        v = p["latency_ms"]["mean" if k == "mean_ms" else "p99"]
                        # contains the estimate, and is tight: rounds differ by 1 % only
                        # (a t-interval from 2 rounds has t(1) = 6.3: wider)
                        tight = 0.08 if p["rounds_reported"] >= 3 else 0.3
                        self.assertLessEqual(ci[0], v * 1.001)
                        self.assertGreaterEqual(ci[1], v * 0.999)
                        self.assertLess(ci[1] - ci[0], tight * v, "%s %s %r" % (pname, k, ci))
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
        """recovered = (prioritised - equal) / (baseline - equal), means over the rounds
        where all three are valid (the primary measure, no longer p99)."""
        _, s, exp = Rendered.get("verdicts")
        sc = exp["scores"]
        bad = {tuple(x) for x in exp["invalid"]}
        for name, twin in (("disk+prio", "disk"), ("cpu+prio", "cpu"), ("mem+prio", "mem")):
            rounds = [r for r in range(5) if not {(r + 1, name), (r + 1, twin)} & bad]
            val = lambda ph, r: sc[ph][r] if sc[ph][r] is not None else 0.0
            b = sum(val("baseline", r) for r in rounds) / len(rounds)
            e = sum(val(twin, r) for r in rounds) / len(rounds)
            q = sum(val(name, r) for r in rounds) / len(rounds)
            p = [x for x in s["protection"] if x["phase"] == name][0]
            self.assertEqual(p["rounds"], len(rounds))
            self.assertAlmostEqual(p["recovered_pct"], 100 * (q - e) / (b - e), places=6)
            self.assertLessEqual(p["recovered_pct_ci"][0], p["recovered_pct"])
            self.assertGreaterEqual(p["recovered_pct_ci"][1], p["recovered_pct"])

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



def paired(exp, phase_name, ref="baseline"):
    """Per-round differences phase - ref over the rounds both are valid (DNR = 0 good)."""
    bad = {tuple(x) for x in exp["invalid"]}
    sc = exp["scores"]
    out = []
    for r in range(len(sc[ref])):
        if (r + 1, phase_name) in bad or (r + 1, ref) in bad:
            continue
        a, b = sc[phase_name][r], sc[ref][r]
        out.append((a if a is not None else 0.0) - (b if b is not None else 0.0))
    return out


class Verdicts(unittest.TestCase):
    """fixtures/verdicts: the contract's fields, every verdict, recomputed here."""

    def test_paired_differences_and_t_intervals(self):
        _, s, exp = Rendered.get("verdicts")
        for name, want in exp["verdicts"].items():
            d = paired(exp, name)
            n = len(d)
            mean = sum(d) / n
            sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
            half = exp["t90"][str(n - 1)] * sd / math.sqrt(n)
            vs = phase(s, name)["vs_baseline"]
            with self.subTest(phase=name):
                self.assertEqual(vs["rounds"], n)
                self.assertAlmostEqual(vs["difference"], mean, places=9)
                self.assertAlmostEqual(vs["difference_ci"][0], mean - half, delta=1e-5)
                self.assertAlmostEqual(vs["difference_ci"][1], mean + half, delta=1e-5)
                self.assertEqual(vs["verdict"], want)
        prot = {p["phase"]: p["verdict"] for p in s["protection"]}
        self.assertEqual(prot, exp["protection"])

    def test_dnr_counts_as_zero_good_and_the_invalid_run_is_excluded(self):
        _, s, exp = Rendered.get("verdicts")
        cpu = phase(s, "cpu")
        self.assertEqual(cpu["dnr_rounds"], 1)
        self.assertEqual(cpu["vs_baseline"]["rounds"], 5)  # the DNR round counts
        self.assertAlmostEqual(cpu["good_pct"], (40 + 0 + 45 + 38 + 42) / 5.0, places=9)
        mem = phase(s, "mem")
        self.assertEqual((mem["rounds_valid"], mem["rounds_invalid"]), (4, 1))
        self.assertEqual(mem["vs_baseline"]["rounds"], 4)
        self.assertEqual(s["invalid"], [{"round": 3, "phase": "mem", "reasons": [
            "bomb mem achieved 30 % of its requested load (< 50 %)"]}])
        run = [r for r in s["runs"] if r["round"] == 3 and r["phase"] == "mem"][0]
        self.assertFalse(run["valid"])

    def test_aa_reads_no_effect_and_gives_the_noise_floor(self):
        _, s, exp = Rendered.get("verdicts")
        aa = s["aa"]
        self.assertEqual(aa["phase"], "baseline~aa")
        self.assertEqual(aa["verdict"], "unaffected")
        self.assertFalse(aa["too_noisy"])
        self.assertAlmostEqual(aa["noise_floor"], max(abs(x) for x in aa["difference_ci"]))

    def test_mechanism_beside_the_verdict(self):
        out, s, _ = Rendered.get("verdicts")
        self.assertAlmostEqual(phase(s, "cpu")["mechanism"]["victim_cpu_share_pct"], 34.1)
        self.assertAlmostEqual(phase(s, "cpu+prio")["mechanism"]["victim_cpu_share_pct"], 86.1)
        ach = phase(s, "cpu")["mechanism"]["bombs_achieved"][0]
        self.assertEqual((ach["bomb"], ach["unit"]), ("cpu", "cpus"))
        self.assertAlmostEqual(ach["share_pct"], sum(98.0 - r * 0.5 for r in range(1, 6)) / 5)
        sched = phase(s, "cpu+prio")["mechanism"]["sched"]
        self.assertEqual(sched["start"]["web"], {"weight": 2048, "cap": 0, "live": True})
        with open(os.path.join(out, "summary.md")) as f:
            md = f.read()
        self.assertIn("34 % → 86 %", md)
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        self.assertIn("victim CPU share 34 % → 86 % with weight 2048", html)

    def test_cpu_weight_only_beside_disk_prio_where_no_io_weight_works(self):
        """The fixture's backend says no io weight works (mq-deadline, no io.cost): the
        disk phase's protection verdict says so in every output, the CPU one does not."""
        caveat = "CPU weight only: no I/O weight on this host"
        out, _, _ = Rendered.get("verdicts")
        with open(os.path.join(out, "summary.md")) as f:
            rows = [ln for ln in f if ln.startswith("| ") and caveat in ln]
        self.assertEqual([ln.split("|")[1].strip() for ln in rows], ["disk+prio"])
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        self.assertEqual(html.count(caveat), 1)
        self.assertIn("uses mq-deadline without io.cost", html)
        p = run(os.path.join(FIX, "verdicts"), "--out", tempfile.mkdtemp(
            prefix="isolab-report-test-"), "--format", "json")
        disk = [ln for ln in p.stdout.splitlines() if ln.startswith("  disk ")]
        self.assertEqual(len(disk), 1, p.stdout)
        self.assertIn("disk+prio: partly protected", disk[0])
        self.assertIn("(" + caveat + ")", disk[0])
        self.assertNotIn(caveat, [ln for ln in p.stdout.splitlines()
                                  if ln.startswith("  cpu ")][0])

    def test_every_output_lists_the_invalid_run(self):
        out, _, _ = Rendered.get("verdicts")
        reason = "bomb mem achieved 30 % of its requested load (&lt; 50 %)"
        with open(os.path.join(out, "report.html")) as f:
            self.assertIn("round 3 mem: " + reason, f.read())
        with open(os.path.join(out, "summary.md")) as f:
            self.assertIn("round 3 mem: " + reason.replace("&lt;", "<"), f.read())
        with open(os.path.join(out, "summary.csv"), newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["valid"] == "false"]
        self.assertEqual([(r["round"], r["phase"]) for r in rows], [("3", "mem")])
        self.assertIn("30 %", rows[0]["invalid"])

    def test_terminal_table_one_line_per_bomb_then_aa_and_invalid(self):
        p = run(os.path.join(FIX, "verdicts"), "--out", tempfile.mkdtemp(
            prefix="isolab-report-test-"), "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("Verdicts: good responses (within 20 ms)"))
        first = {l.split()[0]: l for l in lines[1:] if l.startswith("  ") and
                 not l.startswith("    ")}
        self.assertEqual(list(first)[:5], ["cpu", "mem", "disk", "net", "fork"])
        self.assertIn("hurt -65.8 pt [-83.3, -48.3] | cpu+prio: protected, recovered 99 %",
                      first["cpu"])
        self.assertIn("victim CPU 34 % -> 86 % with weight 2048", p.stdout)
        self.assertIn("mem+prio: not protected", first["mem"])
        self.assertIn("disk+prio: partly protected", first["disk"])
        self.assertIn("net+prio: unaffected (nothing to protect)", first["net"])
        self.assertIn("inconclusive -14.8 pt [-28.8, -0.8], needs ~9 rounds", first["fork"])
        self.assertIn("no effect +0.1 pt [-0.4, +0.6]: noise floor 0.6 pt", first["A/A"])
        self.assertIn("1 of 60 runs excluded", first["invalid"])
        self.assertIn("round 3 mem: bomb mem achieved 30 %", p.stdout)
        # the summary line (the results directory) follows on stderr
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertIn("12 phases, 60 runs ->", p.stderr)
        q = run(os.path.join(FIX, "verdicts"), "--out", tempfile.mkdtemp(
            prefix="isolab-report-test-"), "--format", "json", "-q")
        self.assertEqual((q.stdout, q.stderr), ("", ""))


class NoiseAndIndicative(unittest.TestCase):
    def test_a_noisy_aa_says_so_and_holds_effects_back(self):
        out, s, exp = Rendered.get("noisy")
        self.assertEqual(s["aa"]["verdict"], "inconclusive")
        self.assertTrue(s["aa"]["too_noisy"])
        floor = s["aa"]["noise_floor"]
        self.assertGreater(floor, 30)
        v = {x["name"]: x["vs_baseline"]["verdict"] for x in s["phases"] if x["vs_baseline"]}
        self.assertEqual(v["cpu"], "inconclusive")  # -18.7 [-19.6, -17.7], under the floor
        self.assertEqual(v["mem"], "indicative")  # 2 valid rounds
        self.assertIn("noise floor", phase(s, "cpu")["vs_baseline"]["reason"])
        self.assertIn("a verdict needs 3", phase(s, "mem")["vs_baseline"]["reason"])
        msg = "effects below %.1f pt cannot be told from noise here" % floor
        p = run(os.path.join(FIX, "noisy"), "--out", out, "--format", "json")
        self.assertIn(msg, p.stdout)
        with open(os.path.join(out, "summary.md")) as f:
            self.assertIn("the host is too noisy", f.read())

    def test_closed_loop_is_judged_on_good_responses_per_second(self):
        _, s, exp = Rendered.get("closed")
        self.assertEqual(s["measure"]["name"], "good_per_s")
        cpu = phase(s, "cpu")
        ratios = [100 * (c / b - 1) for c, b in zip(exp["scores"]["cpu"],
                                                    exp["scores"]["baseline"])]
        self.assertAlmostEqual(cpu["vs_baseline"]["difference"], sum(ratios) / 4, places=6)
        self.assertEqual(cpu["vs_baseline"]["verdict"], "hurt")
        self.assertEqual(s["protection"][0]["verdict"], "protected")
        self.assertIsNone(s["aa"])

    def test_results_measured_before_calibration_are_indicative(self):
        for name in ("basic", "dnr", "partial", "controller-quick"):
            out, s, _ = Rendered.get(name)
            with self.subTest(fixture=name):
                self.assertTrue(s["measure"]["indicative"])
                self.assertIn("measured before calibration: verdicts indicative",
                              s["warnings"])
                with open(os.path.join(out, "summary.md")) as f:
                    self.assertIn("measured before calibration: verdicts indicative",
                                  f.read())
                for p in s["protection"]:
                    self.assertTrue(p["indicative"])

    def test_a_bomb_that_never_reported_makes_its_runs_invalid(self):
        _, s, _ = Rendered.get("dnr")
        fork = phase(s, "fork")
        self.assertEqual(fork["rounds_invalid"], 3)
        self.assertEqual(fork["vs_baseline"]["verdict"], "invalid")
        self.assertIn("derived: bomb fork did not report", fork["vs_baseline"]["reason"])


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
        for name in ("basic", "dnr", "partial", "verdicts", "noisy", "closed"):
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

    def test_min_effect_changes_the_verdict(self):
        """mem costs 28.4 points [26.6, 30.1]: hurt beyond 5 points, not surely beyond 30."""
        out = tempfile.mkdtemp(prefix="isolab-report-test-")
        try:
            p = run(os.path.join(FIX, "verdicts"), "--out", out, "--format", "json", "-q",
                    "--min-effect", "30")
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            v = {x["name"]: x["vs_baseline"]["verdict"] for x in s["phases"] if x["vs_baseline"]}
            self.assertEqual(v["mem"], "inconclusive")
            self.assertEqual(v["disk"], "hurt")
            self.assertEqual(s["thresholds"]["min_effect"], 30)
            self.assertEqual(s["thresholds"]["min_effect_source"], "option")
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
        self.assert_bad([d, "--min-effect", "150"], "--min-effect")
        self.assert_bad([d, "--min-effect", "-1"], "--min-effect")
        self.assert_bad([d, "--confidence", "40"], "--confidence")
        self.assert_bad([d, "--protected-pct", "150"], "--protected-pct")
        self.assert_bad([d, "--partial-pct", "90"], "partial-pct")
        self.assert_bad([d, "extra"], "unexpected argument")
        self.assert_bad([], "missing RUN_DIR")
        self.assert_bad([d, "--bogus"], "bad option")

    def test_bad_verdict_fields(self):
        """The contract's fields, malformed: one line naming the file and field, exit 2."""
        cases = [
            ("manifest.json", lambda o: o["design"].update(min_effect_pct=150),
             "design.min_effect_pct"),
            ("manifest.json", lambda o: o["design"].update(rounds_mode="sometimes"),
             "design.rounds_mode"),
            ("manifest.json", lambda o: o["load"].update(mode="sideways"), "load.mode"),
            ("manifest.json", lambda o: o.update(calibration=[1]), "calibration"),
            ("manifest.json", lambda o: o["runs"][0].update(valid="yes"), "runs[0].valid"),
            ("manifest.json", lambda o: o["runs"][0].update(victim_cpu_share_pct=-3),
             "victim_cpu_share_pct"),
            ("manifest.json", lambda o: o["runs"][2].update(bombs_achieved={"cpu": 5}),
             "bombs_achieved.cpu"),
            ("manifest.json", lambda o: o["runs"][0]["sched"]["start"]["web"].update(
                weight="heavy"), "weight"),
            ("runs/1-baseline/probe.json", lambda o: o["metrics"].update(good_pct=120),
             "good_pct"),
            ("runs/1-baseline/probe.json", lambda o: o["metrics"].update(good=10 ** 9),
             "exceed metrics.offered"),
            ("runs/1-baseline/probe.json", lambda o: o["metrics"].update(good_pct=50.0),
             "disagrees"),
            ("runs/1-baseline/probe.json", lambda o: o["metrics"].update(mode="both"),
             "metrics.mode"),
        ]
        for rel, fn, needle in cases:
            with self.subTest(needle=needle):
                d = tempfile.mkdtemp(dir=self.tmp)
                shutil.copytree(os.path.join(FIX, "closed"), d, dirs_exist_ok=True)
                self.edit(d, rel, fn)
                self.assert_bad([d, "-q"], needle)

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
