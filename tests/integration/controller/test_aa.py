#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A/A on the local backend: a scenario with no bomb at all, whose four twins
of the baseline only change the victim's weight, over 5 rounds. Nothing hurts
the victim, so every twin must read "unaffected" against the baseline: a
verdict of an effect (hurt, better) or an undecided one (inconclusive) is a
false alarm. At most 1 in 20 twins may miss (the nominal error rate).

ISOLAB_AA_RUNS (default 1) runs the scenario that many times; the `long`
suite runs 5 (20 twins).
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
RUNS = int(os.environ.get("ISOLAB_AA_RUNS", "1"))

SCENARIO = """[global]
name = aa
duration = 1s
warmup = 300ms
cooldown = 500ms
rounds = 5
aa = no            ; the four twins below are the A/A
victim_pages = 2000

[vm web]
role = victim
[vm client]
role = probe
[probe]
vm = client
kind = http
target = victim
concurrency = 32
timeout = 5s

[phase baseline]
bombs = none
[phase same]
bombs = none
[phase w512]
weight.web = 512
[phase w1024]
weight.web = 1024
[phase w2048]
weight.web = 2048
"""
TWINS = ("same", "w512", "w1024", "w2048")


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


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-aa-")
    env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    seen, missed = 0, []
    try:
        ini = os.path.join(tmp, "aa.ini")
        with open(ini, "w") as f:
            f.write(SCENARIO)
        for n in range(1, RUNS + 1):
            p = common.run([BIN, "run", ini, "--results", os.path.join(tmp, "results")], env,
                           timeout=600)
            sys.stderr.write(p.stderr[-2000:])
            assert p.returncode == 0, "run %d: isolab run exited %d" % (n, p.returncode)
            run_dir = p.stdout.strip().splitlines()[-1]
            with open(os.path.join(run_dir, "manifest.json")) as f:
                m = json.load(f)
            assert m["status"] == "complete" and m["design"]["rounds_done"] == 5, m["design"]
            assert not common.leftovers(m["run_id"]), common.leftovers(m["run_id"])
            with open(os.path.join(run_dir, "summary.json")) as f:
                s = json.load(f)
            rounds_table(run_dir, ("baseline",) + TWINS)
            for ph in s["phases"]:
                if ph["name"] not in TWINS:
                    continue
                v = ph["vs_baseline"] or {}
                seen += 1
                line = "run %d %s: %s %s %s (%s)" % (n, ph["name"], v.get("verdict"),
                                                    v.get("difference"),
                                                    v.get("difference_ci"), v.get("reason"))
                print(line)
                if v.get("verdict") != "unaffected":
                    missed.append(line)
        allowed = seen // 20
        assert seen == 4 * RUNS, seen
        assert len(missed) <= allowed, "%d of %d twins not unaffected (at most %d): %s" % (
            len(missed), seen, allowed, "; ".join(missed))
        print("ok: %d of %d twins unaffected" % (seen - len(missed), seen))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
