# SPDX-License-Identifier: MIT
"""The quick run's verdicts on the cgroup2 guest, judged against the CFS
arithmetic (used by test-systemd-run.py).

Inside the guest, `isolab run --quick` pins the probe to the last vCPU and
the other VMs to the rest: on 2 vCPUs the victim and the CPU bomb share
vCPU 0. CFS gives a group min(demand, entitlement) of a contended CPU, the
entitlement its weight's share: equal weights (cpu) leave the victim 1/2 of
vCPU 0, weight 2048 against the bomb's 256 (cpu+prio) gives it 8/9. So the
verdicts follow from the victim's demand on that CPU beside a CPU bomb, and
that is what its CPU share in cpu+prio measures (8/9 exceeds it unless the
demand is above ~85 %): at the same load it is ~10 % above the baseline's
(cache and switch costs of a shared CPU; 1.1x on the v1 host as well).

Under TCG the guest has no steal time: whatever else runs on the host makes
the emulated CPU slower, and the victim looks busier at the same load. So
the demand is the mean over the cpu+prio rounds the host left alone (its
other processes below HOST_BUSY_CORES during the probe's window; all rounds
when fewer than 2 were), and every window's host load is printed. The same
goes for the calibration: measured while the host was busy, the victim's
capacity comes out low, the load (70 % of it) asks less of the victim, and
its demand lands at the equal share's edge (2026-11-30: the other processes
at 0.62 cores during the calibration, the victim's CPU per request there
1.28x the baseline's, demand 57 % beside the bomb; undisturbed, 1.12x and
71 %).

Asserted on the report's verdicts (summary.json), by the demand D:
- 65 <= D <= 80: equal weights leave the victim 50 of the >= 65 it needs,
  so `cpu` is hurt, and 8/9 covers it, so `cpu+prio` is protected (fully or
  partly);
- D <= 40: 50 covers it: `cpu` is not hurt;
- in between (the entitlement's edge: the rounds decide) no cpu verdict is
  asserted;
- D <= 80: cpu+prio against the baseline is unaffected (or better), and its
  protection is not "not protected";
- D > 80 (8/9's edge): cpu is hurt;
- always: the A/A twin is not hurt (the same phase twice).
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
import qemuboot  # noqa: E402

HOST_BUSY_CORES = qemuboot.HOST_BUSY_CORES
# the demand bands (victim CPU % beside the bomb): cpu hurt from HURT_MIN (1.3x the equal
# share: the rounds' own demand wanders +-10 %, and a starved victim serves in batches that
# cost less per request), cpu not hurt up to UNHURT_MAX, 8/9 covers it up to PRIO_MAX
HURT_MIN, UNHURT_MAX, PRIO_MAX = 65, 40, 80
PHASES = ("baseline", "baseline~aa", "cpu", "cpu+prio")

# Runs in the guest after test_run_quick.py kept its JSON (ISOLAB_QUICK_KEEP): one line
# "QUICK {...}" with what the host side needs (the tools' results are long: histograms).
GUEST_EXTRACT = r"""
import json, os, sys
d = sys.argv[1]
def load(p):
    with open(os.path.join(d, p)) as f:
        return json.load(f)
m, s = load("manifest.json"), load("summary.json")
def probe(p):
    x = load(p)
    met = x.get("metrics") or {}
    return {"started": x.get("started"), "warmup_s": x["options"].get("warmup_s"),
            "duration_s": x["options"].get("duration_s"), "good": met.get("good_pct"),
            "rps": met.get("throughput_rps"), "p99": (met.get("latency_ms") or {}).get("p99")}
runs = []
for r in m["runs"]:
    if r["phase"] not in %r:
        continue
    x = {"phase": r["phase"], "round": r["round"], "order": r.get("order"),
         "valid": r.get("valid"), "share": r.get("victim_cpu_share_pct"),
         "bomb": (r.get("bombs_achieved") or {}).get("cpu", {}).get("share_pct")}
    if r.get("probe"):
        x.update(probe(r["probe"]))
    runs.append(x)
cal = dict(m.get("calibration") or {})
if cal.get("result"):
    cal.update(probe(cal["result"]))
ph = {p["name"]: p for p in s.get("phases", [])}
prot = {p["phase"]: p for p in s.get("protection", [])}
def v(x):
    return {"verdict": (x or {}).get("verdict"), "reason": (x or {}).get("reason")}
print("QUICK " + json.dumps({
    "cal": cal, "load": m.get("load"), "design": m.get("design"), "runs": runs,
    "cpu": v(ph.get("cpu", {}).get("vs_baseline")),
    "prio_vs_baseline": v(ph.get("cpu+prio", {}).get("vs_baseline")),
    "prio": v(prot.get("cpu+prio")), "aa": v(s.get("aa"))}))
""" % (PHASES,)


def ts(s):
    """ISO 8601 UTC (...Z) to epoch seconds."""
    s = s.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(s, fmt).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def host_load(samples, x, offset):
    """The host's (QEMU cores, other cores) over a probe's run (warmup and measurement:
    a --quick window is 1.3 s, the samples 1 s apart, so half a second either side),
    the guest's clock moved by offset onto the host's."""
    if not x.get("started") or x.get("duration_s") is None:
        return None
    t0 = ts(x["started"]) + offset
    t1 = t0 + float(x.get("warmup_s") or 0) + float(x["duration_s"])
    inside = [s for s in samples if t0 - 0.5 <= s[0] <= t1 + 0.5]
    if not inside:
        return None
    return (sum(s[1] for s in inside) / len(inside), sum(s[2] for s in inside) / len(inside))


def parse_vcpu(lines):
    """The guest's 'VCPU <epoch> cpu0 <ticks...> cpu1 <ticks...>' samples as (t, busy ticks
    of vCPU 0, of vCPU 1): all but idle and iowait, in USER_HZ (100) ticks."""
    out = []
    for ln in lines:
        f = ln.split()
        try:
            t = float(f[0])
            i0, i1 = f.index("cpu0"), f.index("cpu1")
            a = [int(x) for x in f[i0 + 1:i1]]
            b = [int(x) for x in f[i1 + 1:]]
            out.append((t, sum(a) - a[3] - a[4], sum(b) - b[3] - b[4]))
        except (ValueError, IndexError):
            continue
    return out


def vcpu_busy(vs, x):
    """Each vCPU's busy share (cores) over a probe's run, from the guest's samples
    (interpolated at both ends), or None."""
    if not x.get("started") or x.get("duration_s") is None:
        return None
    t0 = ts(x["started"])
    t1 = t0 + float(x.get("warmup_s") or 0) + float(x["duration_s"])

    def at(t):
        for s0, s1 in zip(vs, vs[1:]):
            if s0[0] <= t <= s1[0] and s1[0] > s0[0]:
                f = (t - s0[0]) / (s1[0] - s0[0])
                return [s0[k] + f * (s1[k] - s0[k]) for k in (1, 2)]
        return None
    a, b = at(t0), at(t1)
    if a is None or b is None:
        return None
    return tuple((b[k] - a[k]) / 100.0 / (t1 - t0) for k in (0, 1))


def demand(xs):
    """Mean victim share over the rounds the host left alone (qemuboot.calm_mean)."""
    return qemuboot.calm_mean(xs, lambda x: x.get("share"),
                              lambda x: x["host"][1] if x.get("host") else None)


def fmt(v, f="%.1f"):
    return "-" if v is None else f % v


def judge(q, samples, offset, vcpu=()):
    """(lines to print, failed expectations) for the QUICK record q; samples: the host's
    (t, QEMU cores, other cores); offset: host clock - guest clock; vcpu: parse_vcpu()."""
    out, fails = [], []

    def expect(cond, what):
        out.append(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    per = {}
    for x in q["runs"]:
        x["host"] = host_load(samples, x, offset)
        x["vcpu"] = vcpu_busy(vcpu, x)
        per.setdefault(x["phase"], []).append(x)
    cal = q.get("cal") or {}
    ch = host_load(samples, cal, offset)
    cv = vcpu_busy(vcpu, cal)
    out.append("calibration: %s req/s, victim CPU %s %%, p99 %s ms; guest vCPUs busy %s / %s; "
               "host during it: QEMU %s, other %s cores" % (
                   cal.get("capacity_rps"), fmt(cal.get("victim_cpu_share_pct")),
                   fmt(cal.get("p99_ms")), fmt(cv and cv[0], "%.2f"), fmt(cv and cv[1], "%.2f"),
                   fmt(ch and ch[0], "%.2f"), fmt(ch and ch[1], "%.2f")))
    out.append("load %s req/s, SLO %s ms; rounds %s (%s)" % (
        (q.get("load") or {}).get("rate_rps"), (q.get("load") or {}).get("slo_ms"),
        (q.get("design") or {}).get("rounds_done"), (q.get("design") or {}).get("stopped")))
    out.append("| phase | round | order | good % | p99 ms | victim CPU % | bomb % | valid "
               "| vCPU0 | vCPU1 | host: QEMU | other |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for ph in PHASES:
        for x in sorted(per.get(ph, []), key=lambda x: x["round"]):
            h = x["host"]
            v = x["vcpu"]
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                ph, x["round"], x.get("order"), fmt(x.get("good")), fmt(x.get("p99"), "%.0f"),
                fmt(x.get("share")), fmt(x.get("bomb"), "%.0f"), x.get("valid"),
                fmt(v and v[0], "%.2f"), fmt(v and v[1], "%.2f"),
                fmt(h and h[0], "%.2f"), fmt(h and h[1], "%.2f")))
    if samples and cal.get("started"):
        # when the host was busy, in seconds from the calibration's start: spans of samples
        t_cal = ts(cal["started"]) + offset
        spans = []
        for t, _, other in samples:
            if other < HOST_BUSY_CORES:
                continue
            if spans and t - spans[-1][1] <= 1.5:
                spans[-1][1], spans[-1][2] = t, max(spans[-1][2], other)
            else:
                spans.append([t, t, other])
        out.append("host's other processes >= %.2f cores, seconds from the calibration's start "
                   "(peak): %s" % (HOST_BUSY_CORES, ", ".join(
                       "%+.0f..%+.0f (%.2f)" % (a - t_cal, b - t_cal, m) for a, b, m in spans)
                       or "never"))
    if samples:
        out.append("host over the boot: QEMU %.2f cores on average; other %.2f on average, "
                   "%.2f at most" % (sum(s[1] for s in samples) / len(samples),
                                     sum(s[2] for s in samples) / len(samples),
                                     max(s[2] for s in samples)))
    d_alone, w_a = demand(per.get("baseline", []) + per.get("baseline~aa", []))
    d, w_d = demand(per.get("cpu+prio", []))
    d_cpu, w_c = demand(per.get("cpu", []))
    out.append("victim CPU share, rounds whose other host load was < %.2f cores: alone %s (%s); "
               "beside the bomb at weight 2048 (its demand there) %s (%s); at equal weights "
               "%s (%s)" % (HOST_BUSY_CORES, fmt(d_alone), w_a, fmt(d), w_d, fmt(d_cpu), w_c))
    why = "(cpu: %s: %s; cpu+prio: %s: %s; cpu+prio vs baseline: %s; A/A: %s)" % (
        q["cpu"]["verdict"], q["cpu"]["reason"], q["prio"]["verdict"], q["prio"]["reason"],
        q["prio_vs_baseline"]["verdict"], q["aa"]["verdict"])
    # why the demand is what it is: the victim's CPU per request at the calibration
    # (saturated, closed loop) against the baseline's (open loop at the load)
    rate = (q.get("load") or {}).get("rate_rps")
    cap, cshare = cal.get("capacity_rps"), cal.get("victim_cpu_share_pct")
    if rate and cap and cshare and d_alone:
        c_cal, c_base = 10.0 * cshare / cap, 10.0 * d_alone / rate
        out.append("victim CPU per request: %.2f ms saturated in the calibration, %.2f ms at the "
                   "load alone (x%.2f): a load of %.0f %% of the capacity asks %.0f %% of a CPU "
                   "alone, %s beside the bomb" % (c_cal, c_base, c_base / c_cal,
                                                  100.0 * rate / cap, d_alone, fmt(d, "%.0f %%")))
    if ch and ch[1] >= HOST_BUSY_CORES:
        out.append("the calibration ran while the host's other processes used %.2f cores: the "
                   "emulated CPU was slower and the guest cannot see it (no steal time), so the "
                   "capacity is under-measured and the load asks the victim for less than 70 %% "
                   "of it" % ch[1])
    expect(d is not None, "the victim's demand beside the bomb was measured (cpu+prio shares)")
    expect(q["aa"]["verdict"] != "hurt", "the A/A twin is not hurt %s" % why)
    if d is None:
        return out, fails
    if HURT_MIN <= d <= PRIO_MAX:
        expect(q["cpu"]["verdict"] == "hurt" and
               q["prio"]["verdict"] in ("protected", "partly protected"),
               "the report: a demand of %.0f %% beside the bomb exceeds the 50 %% of equal "
               "weights by 30 %% or more and fits the 89 %% of 2048:256: cpu hurt, cpu+prio "
               "protected %s" % (d, why))
    elif d <= UNHURT_MAX:
        expect(q["cpu"]["verdict"] != "hurt",
               "the report: a demand of %.0f %% fits the 50 %% of equal weights: cpu is not "
               "hurt %s" % (d, why))
    elif d > PRIO_MAX:
        expect(q["cpu"]["verdict"] == "hurt",
               "the report: a demand of %.0f %% far exceeds 50 %%: cpu hurt %s" % (d, why))
    else:
        out.append("no cpu verdict asserted: a demand of %.0f %% is within 30 %% of the 50 %% "
                   "of equal weights, where the rounds decide %s" % (d, why))
    if d <= PRIO_MAX:
        expect(q["prio_vs_baseline"]["verdict"] in ("unaffected", "better") and
               q["prio"]["verdict"] != "not protected",
               "the report: 2048:256 gives the victim the %.0f %% it needs: cpu+prio served as "
               "the baseline (unaffected), not 'not protected' %s" % (d, why))
    return out, fails
