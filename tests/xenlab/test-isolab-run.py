#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An isolation experiment on real Xen, run by `isolab run` (backend xl).

The victim domU (isolab-victim, reached over a bridged vif: xen-netback +
xenbr0 in dom0) and a neighbour domU (isolab-bomb cpu) share a one-CPU
credit cpupool; isolab-probe runs in dom0 (its own CPU) and measures the
victim over the network. The controller starts both tools over ssh
(dropbear in the guests). Phases baseline (and its A/A twin), cpu, cpu+prio
(victim weight 1024 against the neighbour's 256), `rounds = auto` with the
project's default bounds (docs/results.md): 3 rounds, the fewest a verdict
takes, and more while a verdict is undecided (at most 8, none ending past
9 min). One round the host disturbed is outvoted by more rounds, as the
verdict rule intends, instead of leaving a fixed 3-round run inconclusive.

What the credit scheduler guarantees: a domain gets min(demand, entitlement)
of a contended CPU, the entitlement being its weight's share (256:256 ->
50 %, 1024:256 -> 80 %). A closed-loop victim's demand wanders with the
network round trips (an assertion of "~80 % at 1024:256" flaked at 68 %);
the probe here offers a fixed open-loop load instead, 80 % of the capacity
the calibration measured with the victim alone, so the victim's demand is
what it uses in the baseline. Under emulation the victim uses ~80 % of its
CPU at capacity (the rest of the path is dom0's), so its demand is ~65 %:
above the 50 % that 256:256 entitles it to, below the 80 % of 1024:256.
Asserted, per phase over the rounds the host did not disturb (its other
processes below HOST_BUSY_CORES during the probe window; all rounds when
fewer than 2 were undisturbed), with the victim's demand measured as its CPU
share alone (the baseline):
- cpu (256:256): the victim gets min(demand, 50 %), within 10 points;
- cpu+prio (1024:256): it gets min(demand, 80 %), within 10 points;
- the report's verdicts follow: a demand well inside the equal share (< 40 %)
  leaves the victim unaffected (nothing to protect); one between the two
  entitlements (60-75 %) makes cpu hurt and cpu+prio protected (fully or
  partly); at an entitlement's edge no verdict is asserted (printed);
- the victim CPU share the report shows per phase (isolab reads it with
  `xl list`) matches the one this test samples with `xl list`, within 5
  points;
- the scheduler isolab read back is the one set, live, in the lab's cpupool;
  v1 back at 256/0.
Per run the test prints the host's CPU use during the probe's window (QEMU's
and everything else's, in cores, sampled by the harness; QEMU runs in a cpu
cgroup of its own, tests/qemu/qemuboot.py): TCG has no steal time, so a
host that takes CPU from QEMU makes the victim look slower and busier.
Measured under emulation: the victim uses only ~25 % of its CPU even at
capacity (the rest of the path, dom0's netback and the probe, is the
bottleneck), so its demand fits the equal share at any load: unaffected.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
import labout  # noqa: E402
import qemuboot  # noqa: E402

DURATION = int(os.environ.get("XENLAB_RUN_DURATION", "12"))
ROUNDS = 3  # rounds = auto starts with these (SCN_MIN_VALID_ROUNDS) and adds more
WARMUP = 3
LOAD_PCT = 80
HOST_BUSY_CORES = qemuboot.HOST_BUSY_CORES

# cooldown (labout.credit_scenario): an overloaded phase leaves v1 up to ~10 s of abandoned
# requests (49 req/s offered for 12 s at a capacity of ~61), which the next run would otherwise
# measure; a settled victim adds nothing.
SCENARIO = labout.credit_scenario("xenlab-credit", DURATION, WARMUP, LOAD_PCT,
                                  extra_global="rounds = auto\n",
                                  extra_phases="\n[phase cpu+prio]\nbombs = cpu\nweight.web = 1024\n")

SCRIPT = r"""
. /lab/lib.sh
set -u
export ISOLAB_STATE_DIR=/run/isolab-state
mkdomu v1 p1 10.9.0.11 "" 512
mkdomu v2 p1 10.9.0.12 "" 256
wait_domu v1 v2
info domains created
need_ssh v1 10.9.0.11
need_ssh v2 10.9.0.12
info ssh up
echo "CHECK ping $(busybox ping -c 1 -W 5 10.9.0.11 >/dev/null 2>&1 && echo ok || echo fail)"
echo "CHECK remote-tool $(ssh -o BatchMode=yes root@10.9.0.11 'isolab-victim --version' 2>&1 | head -n1)"
# The victim by hand first, as the ssh executor starts it: how long until ready?
t0=$(date +%s)
ssh -o BatchMode=yes root@10.9.0.11 'exec setsid -w sh -c "echo isolab-pgid \$\$ >&2; exec isolab-victim --listen 0.0.0.0:8099 --db /tmp/hand.db --pages 200 --ready-fd 2 --quiet"' \
	>/tmp/hand.out 2>/tmp/hand.err &
hand=$!
for _ in $(seq 120); do grep -q isolab-ready /tmp/hand.err && break; sleep 1; done
echo "CHECK hand-victim-ready $(grep -c isolab-ready /tmp/hand.err) after $(($(date +%s) - t0)) s (dom0 clock)"
sed 's/^/OUT hand /' /tmp/hand.err | head -n 20
ssh -o BatchMode=yes root@10.9.0.11 'pkill isolab-victim; rm -f /tmp/hand.db' 2>/dev/null
kill $hand 2>/dev/null
isolab check /lab/scenario.ini >/tmp/check.out 2>&1
echo "RUN check rc=$?"; sed 's/^/OUT check /' /tmp/check.out | head -n 10
# The victim's CPU time every second (stamped before and after xl read it), for its
# share over each measurement.
( while :; do
	t0=$(date +%s.%N); v=$(cputime v1); t1=$(date +%s.%N)
	echo "SAMPLE $t0 $t1 $v"
	sleep 1
  done ) >/tmp/samples &
sampler=$!
info run starting
isolab run /lab/scenario.ini >/tmp/run.out 2>/tmp/run.err
echo "RUN run rc=$?"
info run done
kill $sampler
cat /tmp/samples
sed 's/^/OUT runlog /' /tmp/run.err | tail -n 80
dir=$(tail -n 1 /tmp/run.out)
echo "CHECK dir $dir"
for f in "$dir"/*.stderr "$dir"/runs/*/*.stderr; do
	[ -s "$f" ] && sed "s|^|OUT stderr ${f#$dir/}: |" "$f" | head -n 15
done
echo "FILE manifest.json $(tr -d '\n' <"$dir/manifest.json")"
for f in "$dir"/runs/*/probe.json "$dir"/runs/*/bomb-*.json; do
	emit_json "${f#$dir/}" "$f"
done
emit_json calibration/probe.json "$dir/calibration/probe.json"
[ -f "$dir/summary.md" ] && sed 's/^/SUMMARY /' "$dir/summary.md"
[ -f "$dir/summary.json" ] && echo "FILE summary.json $(tr -d '\n' <"$dir/summary.json")"
sed -n '/^Verdicts:/,$p' /tmp/run.out | sed 's/^/VERDICTS /'
echo "CHECK sched-after $(xl sched-credit -d v1 | awk 'NR == 2 { print $3, $4 }')"
"""


def victim_share(samples, t0, t1):
    """The victim's CPU use over [t0, t1] in % of one CPU, from the 1 s xl samples
    (interpolated at both ends: the samples are a second apart)."""
    def at(t):
        for s0, s1 in zip(samples, samples[1:]):
            if s0[0] <= t <= s1[0] and s1[0] > s0[0]:
                f = (t - s0[0]) / (s1[0] - s0[0])
                return s0[1] + f * (s1[1] - s0[1])
        return None
    a, b = at(t0), at(t1)
    if a is None or b is None or t1 <= t0:
        return None
    return 100.0 * (b - a) / (t1 - t0)


def main():
    lb = lab.Lab()
    missing = lb.need("isolab", "isolab-bomb", "isolab-probe", "isolab-victim")
    if missing:
        lab.cannot_run("binaries not built: " + ", ".join(missing))
    try:
        res = lb.run(SCRIPT, timeout=1800, name="isolab-run",
                     files={"scenario.ini": SCENARIO})
    except lab.LabError as e:
        print("FAIL: " + str(e))
        return 1
    out = labout.parse(res)
    runs, checks, files, samples = out.runs, out.checks, out.files, out.samples
    fails = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    expect(runs.get("run") == 0, "isolab run exits 0 (got %s)" % runs.get("run"))
    man = files.get("manifest.json") or {}
    design = man.get("design") or {}
    # a partial run says why it stopped (the victim's ssh session gone, a signal...):
    # see "OUT runlog" above
    expect(man.get("status") == "complete",
           "manifest status complete (got %s: %d runs, %s rounds done, stopped: %s)"
           % (man.get("status"), len(man.get("runs", [])), design.get("rounds_done"),
              design.get("stopped")))
    cal = man.get("calibration") or {}
    load = man.get("load") or {}
    expect(cal.get("status") == "ok" and (cal.get("capacity_rps") or 0) > 0,
           "the calibration measured the victim's capacity (%s)" % cal)
    expect(load.get("mode") == "open" and abs((load.get("rate_rps") or 0) - LOAD_PCT / 100.0 *
                                             (cal.get("capacity_rps") or 0)) < 0.01,
           "every phase offers %d %% of it, open loop (%s)" % (LOAD_PCT, load))
    per_phase = {}
    for r in man.get("runs", []):
        probe = files.get("%s/probe.json" % r.get("dir")) or {}
        m = probe.get("metrics", {})
        lat = m.get("latency_ms", {})
        xl_share = host = None
        try:
            # the measurement window: after the probe's warmup, for its duration
            t0, t1 = labout.probe_window(probe, DURATION)
            xl_share = victim_share(samples, t0, t1)
            # dom0's clock (set from the host's at boot) against the host's samples
            host = qemuboot.host_cpu_between(res.host_cpu, t0, t1)
        except (TypeError, KeyError, ValueError):  # no window (no probe.json) or no samples
            pass
        start = ((r.get("sched") or {}).get("start") or {}).get("web") or {}
        per_phase.setdefault(r["phase"], []).append({
            "round": r.get("round"), "status": r.get("status"), "valid": r.get("valid"),
            "good": m.get("good_pct"), "rps": m.get("throughput_rps"),
            "p99": lat.get("p99"), "share": r.get("victim_cpu_share_pct"),
            "source": r.get("victim_cpu_source"), "xl": xl_share, "host": host,
            "weight": start.get("weight"),
            "live": start.get("live"), "sched": (r.get("sched") or {}).get("scheduler"),
            "pool": ((r.get("sched") or {}).get("details") or {}).get("cpupool")})
    print("\nhost: QEMU in cpu cgroup %s; during each probe window the host's CPU use in "
          "cores (of %d): QEMU's, everything else's" % (res.cpu_group, os.cpu_count()))
    print("| phase | round | good % | req/s | p99 ms | victim CPU % (isolab) | (xl) "
          "| host: QEMU | other |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ph in ("baseline", "baseline~aa", "cpu", "cpu+prio"):
        for x in per_phase.get(ph, []):
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                ph, x["round"], "%.1f" % x["good"] if x["good"] is not None else "-",
                "%.1f" % x["rps"] if x["rps"] is not None else "-",
                "%.2f" % x["p99"] if x["p99"] is not None else "-",
                "%.1f" % x["share"] if x["share"] is not None else "-",
                "%.1f" % x["xl"] if x["xl"] is not None else "-",
                "%.2f" % x["host"][0] if x["host"] else "-",
                "%.2f" % x["host"][1] if x["host"] else "-"))
    print(labout.host_summary(res))
    print()
    # the cooldown after each run, in run order: the host (dom0), then the victim (v1)
    print("cooldown: victim at rest %s" % (design.get("cooldown") or {}).get("victim"))
    for r in man.get("runs", []):
        c = r.get("cooldown_after") or {}
        print("cooldown after %s round %s: host settled %s in %s s; victim settled %s after "
              "%s s more, %s %% of a CPU" % (r.get("phase"), r.get("round"),
                                            c.get("host_settled"), c.get("host_waited_s"),
                                            c.get("victim_settled"), c.get("victim_waited_s"),
                                            c.get("victim_cpu_pct")))
    print()

    def mean(ph, key):
        v = [x[key] for x in per_phase.get(ph, []) if x[key] is not None]
        return sum(v) / len(v) if v else None

    for ph in ("baseline", "baseline~aa", "cpu", "cpu+prio"):
        expect(len(per_phase.get(ph, [])) >= ROUNDS, "%s ran %d rounds (at least %d)"
               % (ph, len(per_phase.get(ph, [])), ROUNDS))
        for x in per_phase.get(ph, []):
            expect(x["status"] == "ok" and x["valid"], "%s round %s reported, valid (%s)"
                   % (ph, x["round"], x["status"]))
            expect(x["source"] == "xl list" and x["share"] is not None,
                   "%s round %s: isolab read the victim's CPU share from xl (%s)" % (
                       ph, x["round"], x["source"]))
        # the share the report shows for the phase (the mean of its rounds) against the
        # one this test sampled with xl over the same windows
        rep, lab_xl = mean(ph, "share"), mean(ph, "xl")
        expect(rep is not None and lab_xl is not None and abs(rep - lab_xl) <= 5,
               "%s: the report's victim CPU share %s %% matches xl's %s %% within 5 points"
               % (ph, rep, lab_xl))
    for x in per_phase.get("cpu+prio", []):
        expect(x["weight"] == 1024 and x["live"] is True and x["pool"] == "p1",
               "cpu+prio round %s: read back weight %s live %s in cpupool %s" % (
                   x["round"], x["weight"], x["live"], x["pool"]))
    def mean_undisturbed(ph):
        return qemuboot.calm_mean(per_phase.get(ph, []), lambda x: x["share"],
                                  lambda x: x["host"][1] if x["host"] else None)

    # credit's guarantee: a domain gets min(demand, entitlement) of the contended CPU. The
    # shares come from the rounds the host did not disturb: in a disturbed one the host's
    # stolen time counts as the victim's (TCG), which says nothing about Xen's scheduler
    (demand, w_d), (s_cpu, w_c), (s_prio, w_p) = (mean_undisturbed(ph) for ph in (
        "baseline", "cpu", "cpu+prio"))
    print("victim CPU share, rounds where the host's other processes used < %.2f cores: alone "
          "(its demand at %d %% load) %s (%s), 256:256 %s (%s), 1024:256 %s (%s)" % (
              HOST_BUSY_CORES, LOAD_PCT, demand, w_d, s_cpu, w_c, s_prio, w_p))
    expect(demand is not None and s_cpu is not None and
           abs(s_cpu - min(demand, 50)) <= 10,
           "256:256: the victim gets min(its demand %s, 50 %%) (got %s)" % (demand, s_cpu))
    expect(demand is not None and s_prio is not None and
           abs(s_prio - min(demand, 80)) <= 10,
           "1024:256: the victim gets min(its demand %s, 80 %%) (got %s)" % (demand, s_prio))
    # the verdicts follow from it: no hurt when the demand fits the equal share; hurt
    # and protected when it exceeds 50 % and fits 80 %
    summ = files.get("summary.json") or {}
    cpu = next((p for p in summ.get("phases", []) if p.get("name") == "cpu"), {})
    prot = next((p for p in summ.get("protection", []) if p.get("phase") == "cpu+prio"), {})
    v_cpu = (cpu.get("vs_baseline") or {}).get("verdict")
    v_prot = prot.get("verdict")
    why = "(cpu: %s: %s; cpu+prio: %s: %s)" % (v_cpu, (cpu.get("vs_baseline") or {}).get(
        "reason"), v_prot, prot.get("reason"))
    if demand is not None and demand < 40:
        expect(v_cpu == "unaffected" and v_prot == "unaffected",
               "the report: a demand of %.0f %% fits the equal share, so the CPU bomb "
               "leaves the victim unaffected and there is nothing to protect %s"
               % (demand, why))
    elif demand is not None and 60 < demand < 75:
        expect(v_cpu == "hurt" and v_prot in ("protected", "partly protected"),
               "the report: a demand of %.0f %% exceeds the equal share and fits the "
               "prioritised one: cpu hurt, cpu+prio protected %s" % (demand, why))
    else:
        print("no verdict asserted: a demand of %s %% sits at an entitlement's edge %s"
              % (demand, why))
    expect(checks.get("sched-after") == "256 0", "the run restored v1 to 256/0 at the end")
    return labout.finish(res, fails)


if __name__ == "__main__":
    sys.exit(main())
