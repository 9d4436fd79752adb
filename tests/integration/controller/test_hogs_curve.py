#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The hogs curve on the local backend: a [group] of four CPU-bomb neighbours,
1, 2 and 4 of them running at once, with equal weights and with the victim
prioritised, over 4 rounds. The probe runs closed loop (judged on throughput):
in the open loop at 50 % of capacity one two-thread hog already takes the
victim's good responses to ~0 % on a 2-CPU host, so the curve would be flat
at the floor.

Asserts: the group's members are made and removed by the run (nothing left);
the phases run 1, 2 and 4 bombs; the victim's loss against the baseline grows
with the number of hogs, judged on the intervals of issue 11's statistics
(4 hogs' whole interval below 1 hog's); the report (terminal, summary.md,
summary.json) states how many hogs the victim tolerates, equal and prioritised.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]

SCENARIO = """[global]
duration = 2s
warmup = 500ms
cooldown = 200ms
rounds = 4
victim_pages = 500

[vm web]
role = victim
memory_max = 512M
[vm client]
role = probe
[group noisy]
count = 4
memory_max = 64M

[probe]
vm = client
kind = http
target = victim
concurrency = 4
timeout = 5s
mode = closed

[bomb cpu]
vm = noisy
kind = cpu

[phase baseline]
bombs = none
[phase hogs]
bombs = cpu
hogs.noisy = 1, 2, 4
[phase hogs+prio]
bombs = cpu
hogs.noisy = 1, 2, 4
weight.web = 4096
"""


def hog_share(run_dir, m):
    """The median share of the CPUs the one hog got with equal weights, over rounds."""
    shares = []
    for r in m["runs"]:
        if r["phase"] != "hogs[hogs.noisy=1]":
            continue
        for path in r["bombs"].values():
            with open(os.path.join(run_dir, path)) as f:
                shares.append(json.load(f)["metrics"].get("cpu_share", 0.0))
    return sorted(shares)[len(shares) // 2] if shares else 0.0


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-hogs-")
    env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    try:
        path = os.path.join(tmp, "hogs.ini")
        with open(path, "w") as f:
            f.write(SCENARIO)
        p = common.run([BIN, "run", "--results", os.path.join(tmp, "results"), path], env,
                       timeout=600)
        sys.stderr.write(p.stderr[-3000:])
        assert p.returncode == 0, "isolab run exited %d" % p.returncode
        run_dir = p.stdout.strip().splitlines()[-1]
        with open(os.path.join(run_dir, "manifest.json")) as f:
            m = json.load(f)
        assert not common.leftovers(m["run_id"]), common.leftovers(m["run_id"])
        assert [v["name"] for v in m["vms"] if v.get("group") == "noisy"] == \
            ["noisy-1", "noisy-2", "noisy-3", "noisy-4"]
        bombs = {ph["name"]: len(ph["bombs"]) for ph in m["phases"]}
        assert bombs["hogs[hogs.noisy=1]"] == 1 and bombs["hogs[hogs.noisy=4]"] == 4, bombs
        assert bombs["hogs+prio[hogs.noisy=2]"] == 2, bombs
        with open(os.path.join(run_dir, "summary.json")) as f:
            curve = json.load(f)["hogs"]
        assert len(curve) == 1 and curve[0]["group"] == "noisy", curve
        pts = {p["hogs"]: p for p in curve[0]["points"]}
        assert sorted(pts) == [1, 2, 4], pts
        eq = {k: (p["equal"]["vs_baseline"], p["equal"]["vs_baseline_ci"]) for k, p in
              pts.items()}
        print("victim vs baseline (%s), equal weights: %s" % (curve[0]["measure"], eq))
        print("prioritised: %s" % {k: (p["prio"]["vs_baseline"], p["prio"]["vs_baseline_ci"])
                                   for k, p in pts.items()})
        print("tolerated hogs: equal %d, prioritised %d" % (curve[0]["tolerated_equal"],
                                                           curve[0]["tolerated_prio"]))
        rep = common.run([BIN, "report", run_dir, "--out", os.path.join(tmp, "report")], env,
                         timeout=60)
        assert rep.returncode == 0, rep.stderr
        line = [l for l in rep.stdout.splitlines() if "tolerated:" in l]
        assert line, "the terminal table states it: %s" % rep.stdout
        print(line[0].strip())
        with open(os.path.join(run_dir, "summary.md")) as f:
            md = f.read()
        assert "## Hogs curve: group noisy" in md and "Tolerated hogs" in md, md[-2000:]
        with open(os.path.join(run_dir, "report.html")) as f:
            assert 'id="hogs"' in f.read()
        assert not os.listdir(env["ISOLAB_STATE_DIR"])
        share = hog_share(run_dir, m)
        if share < 0.25 and os.environ.get("CI") != "true":
            # one hog got almost no CPU: the host is busy with other work, and the victim's
            # figures measure that, not the hogs (in CI the machine is ours: assert)
            print("SKIP: host too busy to measure (one CPU hog got %.0f %% of the CPUs, "
                  "median over rounds); everything but the curve's ordering passed" %
                  (share * 100))
            sys.exit(common.SKIP)
        lo1, hi4 = eq[1][1][0], eq[4][1][1]
        # the loss grows with the hogs: 4 hogs' whole interval lies below 1 hog's
        assert hi4 < lo1, "4 hogs [.., %.1f] not clearly worse than 1 hog [%.1f, ..]: %s" % \
            (hi4, lo1, eq)
        # and 2 hogs in between (within 5 points of noise on either side)
        assert eq[4][0] - 5 <= eq[2][0] <= eq[1][0] + 5, "2 hogs out of order: %s" % eq
        print("ok: %s, %d runs in %.1f s" % (run_dir, len(m["runs"]), m["elapsed_s"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
