#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""An isolation experiment on real Xen, run by `isolab run` (backend xl).

The victim domU (isolab-victim, reached over a bridged vif: xen-netback +
xenbr0 in dom0) and a neighbour domU (isolab-bomb cpu) share a one-CPU
credit cpupool; isolab-probe runs in dom0 (its own CPU) and measures the
victim over the network. The controller starts both tools over ssh
(dropbear in the guests). Phases baseline, cpu, cpu+prio (victim weight
1024 against the neighbour's 256), 2 rounds.

Credit arithmetic: a CPU-bound victim gets 100 % of the CPU alone, 50 %
against an equal-weight spinner and 1024/(1024+256) = 80 % with priority.
Asserted: the victim's CPU share (from `xl list`, sampled in dom0 during
each measurement) is ~50 % in `cpu` and ~80 % in `cpu+prio`, and its
throughput drops in `cpu` and recovers (partly) in `cpu+prio`.
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402

DURATION = int(os.environ.get("XENLAB_RUN_DURATION", "15"))
ROUNDS = int(os.environ.get("XENLAB_RUN_ROUNDS", "2"))
WARMUP = 3

SCENARIO = """[global]
backend = xl
name = xenlab-credit
duration = %(d)ds
rounds = %(r)d
warmup = %(w)ds
cooldown = 1s
results = /tmp/results
victim_pages = 200

[vm web]
role = victim
name = v1
ssh = root@10.9.0.11

[vm noisy]
role = neighbor
name = v2
ssh = root@10.9.0.12

[vm client]
role = probe

[probe]
vm = client
kind = http
target = victim
concurrency = 4

[bomb cpu]
vm = noisy
kind = cpu

[phase baseline]
bombs = none

[phase cpu]
bombs = cpu

[phase cpu+prio]
bombs = cpu
weight.web = 1024
""" % {"d": DURATION, "r": ROUNDS, "w": WARMUP}

SCRIPT = r"""
. /lab/lib.sh
set -u
export ISOLAB_STATE_DIR=/run/isolab-state
mkdomu v1 p1 10.9.0.11 "" 512
mkdomu v2 p1 10.9.0.12 "" 256
wait_domu v1 v2
info domains created
wait_ssh 10.9.0.11 300 || { tail -n 30 /var/log/xen/console/guest-v1.log; die "no ssh to v1"; }
wait_ssh 10.9.0.12 300 || { tail -n 30 /var/log/xen/console/guest-v2.log; die "no ssh to v2"; }
info ssh up
echo "CHECK ping $(busybox ping -c 1 -W 5 10.9.0.11 >/dev/null 2>&1 && echo ok || echo fail)"
echo "CHECK remote-tool $(ssh -o BatchMode=yes root@10.9.0.11 'isolab-victim --version' 2>&1 | head -n1)"
isolab check /lab/scenario.ini >/tmp/check.out 2>&1
echo "RUN check rc=$?"; sed 's/^/OUT check /' /tmp/check.out | head -n 10
# CPU time of both guests, every second, for the shares per measurement.
( while :; do
	echo "SAMPLE $(date +%s.%N) $(cputime v1) $(cputime v2)"
	sleep 1
  done ) >/tmp/samples &
sampler=$!
info run starting
isolab run /lab/scenario.ini >/tmp/run.out 2>/tmp/run.err
echo "RUN run rc=$?"
info run done
kill $sampler
cat /tmp/samples
sed 's/^/OUT runlog /' /tmp/run.err | head -n 60
dir=$(tail -n 1 /tmp/run.out)
echo "CHECK dir $dir"
echo "FILE manifest.json $(tr -d '\n' <"$dir/manifest.json")"
for f in "$dir"/runs/*/probe.json "$dir"/runs/*/bomb-*.json; do
	[ -f "$f" ] || continue
	# the histogram buckets are long and not needed here
	echo "FILE ${f#$dir/} $(tr -d '\n' <"$f" | sed 's/"histogram":{[^}]*}/"histogram":null/')"
done
if isolab report --help >/dev/null 2>&1; then
	isolab report "$dir" >/tmp/report.out 2>&1
	echo "RUN report rc=$?"
	[ -f "$dir/summary.md" ] && sed 's/^/SUMMARY /' "$dir/summary.md"
fi
echo "CHECK sched-after $(xl sched-credit -d v1 | awk 'NR == 2 { print $3, $4 }')"
"""


def ts(s):
    """ISO 8601 UTC (…Z) to epoch seconds."""
    s = s.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(s, fmt).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def share_between(samples, t0, t1):
    inside = [s for s in samples if t0 <= s[0] <= t1]
    if len(inside) < 2:
        return None
    a = inside[-1][1] - inside[0][1]
    b = inside[-1][2] - inside[0][2]
    if a + b <= 0:
        return None
    return 100.0 * a / (a + b)


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
    runs, checks, files, samples = {}, {}, {}, []
    for ln in res.lines():
        tag, _, rest = ln.partition(" ")
        if tag == "RUN":
            name, _, rc = rest.partition(" rc=")
            runs[name] = int(rc)
        elif tag == "CHECK":
            k, _, v = rest.partition(" ")
            checks[k] = v.strip()
        elif tag == "FILE":
            name, _, body = rest.partition(" ")
            try:
                files[name] = json.loads(body)
            except ValueError:
                files[name] = None
        elif tag == "SAMPLE":
            try:
                samples.append(tuple(float(x) for x in rest.split()))
            except ValueError:
                pass
        if tag not in ("SAMPLE", "FILE"):
            print(ln)
    fails = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    expect(runs.get("run") == 0, "isolab run exits 0 (got %s)" % runs.get("run"))
    man = files.get("manifest.json") or {}
    expect(man.get("status") == "complete", "manifest status complete (got %s)"
           % man.get("status"))
    per_phase = {}
    for r in man.get("runs", []):
        probe = files.get("%s/probe.json" % r.get("dir"))
        m = (probe or {}).get("metrics", {})
        lat = m.get("latency_ms", {})
        share = None
        try:
            # the probe's own measurement: the last `duration` s of its run
            t1 = ts(probe["started"]) + float(probe["elapsed_s"])
            share = share_between(samples, t1 - DURATION, t1)
        except (TypeError, KeyError, ValueError):
            pass
        per_phase.setdefault(r["phase"], []).append({
            "round": r.get("round"), "status": r.get("status"),
            "rps": m.get("throughput_rps"), "p50": lat.get("p50"), "p99": lat.get("p99"),
            "ok": m.get("success_pct"), "share": share})
    print("\n| phase | round | victim CPU share %% | throughput req/s | p50 ms | p99 ms | ok %% |")
    print("|---|---|---|---|---|---|---|")
    for ph in ("baseline", "cpu", "cpu+prio"):
        for x in per_phase.get(ph, []):
            print("| %s | %s | %s | %s | %s | %s | %s |" % (
                ph, x["round"], "%.1f" % x["share"] if x["share"] is not None else "-",
                "%.1f" % x["rps"] if x["rps"] is not None else "-",
                "%.2f" % x["p50"] if x["p50"] is not None else "-",
                "%.2f" % x["p99"] if x["p99"] is not None else "-",
                x["ok"]))
    print()

    def mean(ph, key):
        v = [x[key] for x in per_phase.get(ph, []) if x[key] is not None]
        return sum(v) / len(v) if v else None

    for ph in ("baseline", "cpu", "cpu+prio"):
        expect(len(per_phase.get(ph, [])) >= ROUNDS, "%s ran %d rounds" % (ph, ROUNDS))
        for x in per_phase.get(ph, []):
            expect(x["status"] == "ok" and x["rps"], "%s round %s reported (status %s)"
                   % (ph, x["round"], x["status"]))
    s_cpu, s_prio = mean("cpu", "share"), mean("cpu+prio", "share")
    expect(s_cpu is not None and 38 <= s_cpu <= 62,
           "victim CPU share with equal weights ~50 %% (got %s)" % s_cpu)
    expect(s_prio is not None and 68 <= s_prio <= 92,
           "victim CPU share with weight 1024:256 ~80 %% (got %s)" % s_prio)
    r_base, r_cpu, r_prio = mean("baseline", "rps"), mean("cpu", "rps"), mean("cpu+prio", "rps")
    if r_base and r_cpu and r_prio:
        print("throughput vs baseline: cpu %.0f %%, cpu+prio %.0f %%"
              % (100 * r_cpu / r_base, 100 * r_prio / r_base))
        expect(r_cpu < 0.85 * r_base, "the CPU bomb degrades the victim (cpu < 85 %% of baseline)")
        expect(r_prio > r_cpu * 1.15, "priority protects the victim (cpu+prio > 1.15 x cpu)")
    else:
        expect(False, "throughput measured in every phase")
    expect(checks.get("sched-after") == "256 0", "the run restored v1 to 256/0 at the end")
    print("timing: boot %.0f s, total %.0f s, attempts %d" % (res.boot_s, res.total_s,
                                                                res.attempts))
    if fails:
        print("FAILED %d checks" % len(fails))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
