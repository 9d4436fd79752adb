#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`isolab run --quick` end to end on the local backend.

Asserts: the last stdout line is the run directory; manifest.json is complete and
lists every planned run with its results; the CPU bomb with equal weights raises the
victim's p99 clearly above baseline, and the prioritised twin brings it back down;
nothing of the run is left on the host; the journal is gone.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
# the whole default, or just the three phases the assertion needs (ISOLAB_QUICK_PHASES)
PHASES = os.environ.get("ISOLAB_QUICK_PHASES", "")


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = {k for k in keys if keys.count(k) > 1}
    assert not dups, "duplicate JSON keys: %s" % dups
    return dict(pairs)


def p99(run_dir, entry):
    """The victim's tail latency in one run: (p90, p99) in ms."""
    with open(os.path.join(run_dir, entry["probe"])) as f:
        lat = json.load(f)["metrics"]["latency_ms"]
    return (lat["p90"], lat["p99"])


def print_victim(run_dir, entry):
    """One line of the victim's figures in one run, for the log."""
    with open(os.path.join(run_dir, entry["probe"])) as f:
        met = json.load(f)["metrics"]
    lat = met["latency_ms"]
    good = met.get("good_pct")
    print("phase %-14s round %d: victim p50 %7.2f ms, p99 %7.2f ms, %6.0f req/s, %5.1f %% ok%s"
          % (entry["phase"], entry["round"], lat["p50"], lat["p99"], met["throughput_rps"],
             met["success_pct"], "" if good is None else ", %.1f %% good" % good))


def verdict(samples):
    """None when the CPU bomb clearly hurts and prioritisation clearly helps.

    Judged on the median over measurements of the tail, p99 or p90: with a victim
    that is not CPU-bound, p99 alone is often set by a few scheduler wake-up delays
    that weights do not change, while p90 follows the CPU share."""
    problems = []
    for i, name in ((1, "p99"), (0, "p90")):
        med = {n: sorted(x[i] for x in v)[len(v) // 2] for n, v in samples.items()}
        if med["cpu"] <= 1.5 * med["baseline"]:
            problems.append("the CPU bomb did not raise %s clearly above baseline" % name)
        elif med["cpu+prio"] >= med["cpu"] / 1.5:
            problems.append("prioritising the victim did not bring %s back down" % name)
        else:
            return None
    return "; ".join(problems) + ": %s" % samples


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-run-")
    env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    try:
        args = [BIN, "run", "--quick", "--results", os.path.join(tmp, "results")]
        if PHASES:
            args += ["--phases", PHASES]
        p = common.run(args, env, timeout=240)
        sys.stderr.write(p.stderr[-4000:])
        assert p.returncode == 0, "isolab run exited %d" % p.returncode
        run_dir = p.stdout.strip().splitlines()[-1]
        assert os.path.isdir(run_dir), "last stdout line is not the run dir: %r" % run_dir
        with open(os.path.join(run_dir, "manifest.json")) as f:
            m = json.load(f, object_pairs_hook=no_dup_keys)
        assert m["status"] == "complete", m["status"]
        for out in ("report.html", "summary.csv", "summary.md", "summary.json"):
            assert os.path.isfile(os.path.join(run_dir, out)), "no %s: report not rendered" % out
        assert m["backend"]["name"] == "local"
        assert m["probe_protection"], "manifest says how the probe is protected"
        assert os.path.isfile(os.path.join(run_dir, "scenario.ini"))
        phases = {ph["name"]: ph for ph in m["phases"]}
        assert len(m["runs"]) == len(phases) * m["scenario"]["rounds"]
        for r in m["runs"]:
            assert r["status"] in ("ok", "dnr"), r
            assert r["probe"], "probe reported in %s" % r["phase"]
            for b in phases[r["phase"]]["bombs"]:
                if b not in r["dnr"]:
                    assert os.path.isfile(os.path.join(run_dir, r["bombs"][b])), (r, b)
        assert phases["cpu+prio"]["twin"] == "cpu"
        left = common.leftovers(m["run_id"])
        assert not left, "left behind: %s" % left
        for r in m["runs"]:
            print_victim(run_dir, r)
        runs = {r["phase"]: r for r in m["runs"] if r["round"] == 1}
        with open(os.path.join(run_dir, runs["cpu"]["bombs"]["cpu"])) as f:
            share = json.load(f)["metrics"].get("cpu_share", 1.0)
        if share < 0.25 and os.environ.get("CI") != "true":
            # the CPU bomb itself got almost no CPU: the host is busy with other work and
            # latencies measure that, not the bomb (in CI the machine is ours: assert)
            print("SKIP: host too busy to measure (the CPU bomb got %.0f %% of the CPUs); "
                  "everything but the latency ordering passed" % (share * 100))
            sys.exit(common.SKIP)
        samples = {n: [p99(run_dir, runs[n])] for n in ("baseline", "cpu", "cpu+prio")}
        # one 3 s round is noisy on a busy host: when the ordering does not show, measure
        # the three phases up to four more times and judge on the median
        for _ in range(4):
            if verdict(samples) is None:
                break
            more = common.run([BIN, "run", "--quick", "--no-report", "--phases",
                               "baseline,cpu,cpu+prio", "--results",
                               os.path.join(tmp, "results")], env, timeout=120)
            assert more.returncode == 0, more.stderr[-2000:]
            d = more.stdout.strip().splitlines()[-1]
            with open(os.path.join(d, "manifest.json")) as f:
                for r in json.load(f)["runs"]:
                    samples[r["phase"]].append(p99(d, r))
        med = {n: sorted(x[1] for x in v)[len(v) // 2] for n, v in samples.items()}
        print("victim p99 (median of %d): baseline %.2f ms, cpu %.2f ms, cpu+prio %.2f ms" %
              (len(samples["cpu"]), med["baseline"], med["cpu"], med["cpu+prio"]))
        problem = verdict(samples)
        assert problem is None, problem
        state = os.listdir(env["ISOLAB_STATE_DIR"])
        assert not state, "state dir not empty: %s" % state
        print("ok: %s, %d runs in %.1f s, controller CPU %.2f s" %
              (run_dir, len(m["runs"]), m["elapsed_s"], m["controller_cpu_s"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
