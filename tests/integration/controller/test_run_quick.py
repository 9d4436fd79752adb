#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`isolab run --quick` end to end on the local backend, three times in a row.

Run 1 is the whole quick default (16 phases x 3 rounds, up to 6 while a
verdict is undecided); runs 2 and 3 take the
phases the verdicts below need (baseline, its A/A twin, cpu, cpu+prio). Each
must give the verdicts a QoS engineer expects of a CPU bomb against a victim
loaded open loop at 70 % of its calibrated capacity (more than the half of the
CPUs an equal-weight neighbour leaves it, less than the 8/9 its weight 2048
gives it): `cpu` hurts the victim, and
`cpu+prio` (the victim at 8x the neighbour's weight) protects it, fully or
partly. No retries: 3 of 3.

Run 1 also checks the contract of docs/results.md: the calibration, the load,
the design (seed, shuffled rounds, the A/A twin), each run's validity and
mechanism, the probe's good-response fields, the verdict table printed before
the results directory line, nothing left on the host.

The probe has a CPU of its own (the local backend pins it to the last CPU and
the other VMs to the rest), so on 2 CPUs the victim and the bomb share one:
equal weights leave the victim half of it, less than the 70 % it needs, and
weight 2048 gives it 8/9. Before the probe had its own CPU these verdicts
failed 3 of 3 on the 2-vCPU development host (the calibration and the
baseline moved with where the scheduler placed the probe); pinned, on the
quiet host (2026-11-30 14:33 UTC), 3 of 3 passed with the cpu phase at 0 %
good in every round and cpu+prio at 98.6-99.9 %.

ISOLAB_QUICK_RUNS=1 makes it one run (the whole quick default): the cgroup2
guest, where one run takes minutes under emulation. ISOLAB_QUICK_VERDICTS=0
prints the verdicts without asserting them, the contract still asserted, and
ISOLAB_QUICK_KEEP=DIR keeps each run's JSON in DIR/run-N: the cgroup2 guest
again, whose host side judges the verdicts against the CFS arithmetic for the
demand the victim showed and the host's load in each probe window
(tests/cgroup2/quick_verdicts.py): under TCG the victim's demand at the
calibrated 70 % depends on whether the host was quiet during the calibration
(beside the bomb: 57 % after a busy one, near the 50 % equal weights leave it,
where the rounds decide; 71-76 % after quiet ones).
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
RUNS = int(os.environ.get("ISOLAB_QUICK_RUNS", "3"))
assert RUNS in (1, 3), "ISOLAB_QUICK_RUNS is 1 or 3"
VERDICTS = os.environ.get("ISOLAB_QUICK_VERDICTS", "1") != "0"
VERDICT_PHASES = "baseline,cpu,cpu+prio"
# ISOLAB_QUICK_KEEP=DIR: each run's JSON files (manifest, summary, the tools' results) are
# copied to DIR/run-N before the results are removed, for a caller that judges them itself
# (the cgroup2 guest: its host side reads the victim's demand and the host's load per round)
KEEP = os.environ.get("ISOLAB_QUICK_KEEP")


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = {k for k in keys if keys.count(k) > 1}
    assert not dups, "duplicate JSON keys: %s" % dups
    return dict(pairs)


def load(run_dir, name):
    with open(os.path.join(run_dir, name)) as f:
        return json.load(f, object_pairs_hook=no_dup_keys)


def check_contract(run_dir, m, stdout):
    """The verdict fields of docs/results.md, in the manifest and the tools' results."""
    phases = {ph["name"]: ph for ph in m["phases"]}
    assert phases["baseline~aa"]["aa_of"] == "baseline", phases["baseline~aa"]
    assert phases["baseline~aa"]["bombs"] == [] and phases["baseline~aa"]["priority"] is None
    assert phases["cpu+prio"]["twin"] == "cpu"
    d = m["design"]
    # rounds = auto: 3, and up to 6 while a verdict is undecided and the 2 minutes allow
    assert d["rounds_mode"] == "auto" and 3 <= d["rounds_done"] <= 6, d
    assert d["stopped"] in ("decided", "max_rounds", "max_time"), d
    assert d["order"] == "shuffled" and 0 <= d["seed"] < 2 ** 53 and d["aa"] is True, d
    assert d["min_valid_rounds"] == 3 and d["min_bomb_share_pct"] > 0, d
    cal = m["calibration"]
    assert cal["status"] == "ok" and cal["capacity_rps"] > 0, cal
    assert os.path.isfile(os.path.join(run_dir, cal["result"])), cal
    calp = load(run_dir, cal["result"])["metrics"]
    assert calp["mode"] == "closed" and calp["ok"] > 0, calp
    ld = m["load"]
    assert ld["mode"] == "open" and ld["share_pct"] == 70, ld
    assert abs(ld["rate_rps"] - cal["capacity_rps"] * 0.7) < 0.01 * ld["rate_rps"], (ld, cal)
    assert ld["slo_ms"] >= 10 and ld["slo_source"].startswith("derived: "), ld
    assert len(m["runs"]) == len(phases) * d["rounds_done"], len(m["runs"])
    orders = {}
    for r in m["runs"]:
        assert r["status"] in ("ok", "dnr"), r
        assert r["probe"], "the probe reported in %s" % r["dir"]
        for k in ("order", "valid", "invalid", "victim_cpu_share_pct", "victim_cpu_source",
                  "sched", "bombs_achieved"):
            assert k in r, (k, r)
        assert r["valid"] == (r["invalid"] == []), r
        assert r["victim_cpu_share_pct"] is not None and r["victim_cpu_share_pct"] >= 0, r
        assert r["sched"]["start"]["web"]["live"] is True, r["sched"]
        assert set(r["bombs_achieved"]) == set(phases[r["phase"]]["bombs"]), r
        orders.setdefault(r["round"], []).append((r["order"], r["phase"]))
        p = load(run_dir, r["probe"])["metrics"]
        assert p["mode"] == "open" and abs(p["rate_rps"] - ld["rate_rps"]) < 0.01, p
        assert p["slo_ms"] == ld["slo_ms"], (p["slo_ms"], ld)
        assert p["offered"] == p["requests"] + p["outstanding_at_end"] + p["not_sent"], p
        assert p["good"] <= p["ok"], p
    # every round runs every phase once; the rounds' orders are shuffled, not rotated
    seqs = []
    for rnd, lst in sorted(orders.items()):
        assert sorted(o for o, _ in lst) == list(range(1, len(phases) + 1)), (rnd, lst)
        assert sorted(p for _, p in lst) == sorted(phases), (rnd, lst)
        seqs.append([p for _, p in sorted(lst)])
    rotations = [seqs[0][i:] + seqs[0][:i] for i in range(len(seqs[0]))]
    assert not all(s in rotations for s in seqs[1:]), "rounds are rotations: %s" % seqs
    # the verdict table, then the results directory as the last line
    lines = stdout.strip().splitlines()
    assert lines[-1] == run_dir, lines[-1]
    assert any(ln.startswith("Verdicts:") for ln in lines[:-1]), stdout[-2000:]
    assert any(ln.split() and ln.split()[0] == "cpu" for ln in lines[:-1]), stdout[-2000:]
    assert any(ln.split() and ln.split()[0] == "A/A" for ln in lines[:-1]), stdout[-2000:]


def check_pinned(m):
    """With 2+ CPUs the probe has the last one to itself, the VMs the rest: the manifest
    says so, and no run's victim used more CPU than the VMs' CPUs hold."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return
    rest = cpus[:-1]
    span = "%d" % rest[0] if len(rest) == 1 else "%d-%d" % (rest[0], rest[-1])
    want = " on CPU %d (the other VMs on CPUs %s)" % (cpus[-1], span)
    assert want in m["probe_protection"], (want, m["probe_protection"])
    for r in m["runs"]:
        share = r["victim_cpu_share_pct"]
        assert share <= 100.0 * len(rest) + 5, ("victim off its CPUs", r["phase"], share)
    share = m["calibration"]["victim_cpu_share_pct"]
    assert share <= 100.0 * len(rest) + 5, ("victim off its CPUs in the calibration", share)


def rounds_table(run_dir, names):
    """Per phase, each round's good % / victim CPU % (and * when invalid): the evidence."""
    with open(os.path.join(run_dir, "manifest.json")) as f:
        m = json.load(f)
    rows = {}
    for r in sorted(m["runs"], key=lambda r: r["round"]):
        if r["phase"] not in names:
            continue
        good = "dnr"
        if r["probe"]:
            with open(os.path.join(run_dir, r["probe"])) as f:
                good = "%.1f" % json.load(f)["metrics"]["good_pct"]
        cpu = r.get("victim_cpu_share_pct")
        rows.setdefault(r["phase"], []).append("%s/%s%s" % (
            good, "%.0f" % cpu if cpu is not None else "-", "" if r.get("valid") else "*"))
    cal = m.get("calibration") or {}
    print("  capacity %s req/s (victim CPU %s %%), load %s req/s, SLO %s ms; good %% / victim "
          "CPU %% per round (* invalid):" % (
              cal.get("capacity_rps"), cal.get("victim_cpu_share_pct"),
              (m.get("load") or {}).get("rate_rps"), (m.get("load") or {}).get("slo_ms")))
    for n in names:
        print("    %-12s %s" % (n, "  ".join(rows.get(n, []))))


def verdicts(run_dir):
    """(verdict of cpu against baseline, verdict of cpu+prio, the lines for a message)."""
    s = load(run_dir, "summary.json")
    cpu = next(p for p in s["phases"] if p["name"] == "cpu")
    prot = next(p for p in s["protection"] if p["phase"] == "cpu+prio")
    hurt = (cpu.get("vs_baseline") or {}).get("verdict")
    why = "cpu: %s (%s); cpu+prio: %s (%s); A/A: %s" % (
        hurt, (cpu.get("vs_baseline") or {}).get("reason"), prot["verdict"], prot.get("reason"),
        (s.get("aa") or {}).get("verdict"))
    return hurt, prot["verdict"], why


def one_run(env, tmp, phases, n):
    args = [BIN, "run", "--quick", "--results", os.path.join(tmp, "results")]
    if phases:
        args += ["--phases", phases]
    t0 = time.monotonic()
    p = common.run(args, env, timeout=600)
    took = time.monotonic() - t0
    sys.stderr.write(p.stderr[-3000:])
    assert p.returncode == 0, "run %d: isolab run exited %d" % (n, p.returncode)
    run_dir = p.stdout.strip().splitlines()[-1]
    assert os.path.isdir(run_dir), "last stdout line is not the run dir: %r" % run_dir
    m = load(run_dir, "manifest.json")
    assert m["status"] == "complete", m["status"]
    left = common.leftovers(m["run_id"])
    assert not left, "left behind: %s" % left
    if KEEP:
        shutil.copytree(run_dir, os.path.join(KEEP, "run-%d" % n),
                        ignore=lambda d, names: [x for x in names if not x.endswith(".json")
                                                 and not os.path.isdir(os.path.join(d, x))])
    return run_dir, m, p.stdout, took


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-run-")
    env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    got = []
    try:
        plan = ((1, ""), (2, VERDICT_PHASES), (3, VERDICT_PHASES))[:RUNS]
        for n, phases in plan:
            run_dir, m, out, took = one_run(env, tmp, phases, n)
            if n == 1:
                check_contract(run_dir, m, out)
                for f in ("report.html", "summary.csv", "summary.md", "summary.json"):
                    assert os.path.isfile(os.path.join(run_dir, f)), "no %s" % f
                assert m["probe_protection"], "manifest says how the probe is protected"
                check_pinned(m)
            hurt, prot, why = verdicts(run_dir)
            print("run %d (%.0f s, %d runs, seed %d): %s" % (n, took, len(m["runs"]),
                                                           m["design"]["seed"], why))
            rounds_table(run_dir, ("baseline", "baseline~aa", "cpu", "cpu+prio"))
            got.append((hurt, prot, why))
        state = os.listdir(env["ISOLAB_STATE_DIR"])
        assert not state, "state dir not empty: %s" % state
        if not VERDICTS:
            print("ok: the quick run's contract (verdicts printed, not asserted: "
                  "ISOLAB_QUICK_VERDICTS=0)")
            return
        bad = [g[2] for g in got
               if g[0] != "hurt" or g[1] not in ("protected", "partly protected")]
        assert not bad, "%d of %d runs without 'cpu hurt, cpu+prio protected or partly': %s" % (
            len(bad), RUNS, "; ".join(bad))
        print("ok: %d of %d runs: cpu hurt, cpu+prio protected or partly protected" % (RUNS, RUNS))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
