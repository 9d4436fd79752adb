#!/usr/bin/python3
"""Writes the golden results directories under fixtures/ (docs/results.md layout).

Every probe histogram is built from known latencies (uniform between two
bounds, shifted a little per round), and fixtures/<name>/expected.json holds
the statistics computed exactly from those latencies, plus the verdicts the
fixture was designed to produce. Re-run after changing this file:
    python3 tests/integration/reports/make-fixtures.py
"""
import json
import math
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
T0 = 1795341600  # 2026-11-22T10:00:00Z
DURATION = 10
WARMUP = 1


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ".%03dZ" % round((t % 1) * 1000)


def latencies(lo, hi, rnd, distinct=200, each=5):
    """Latencies in ns: `distinct` values uniform in [lo, hi] ms, `each` times, round shift."""
    shift = 1.0 + 0.01 * (rnd - 2)
    vals = []
    for i in range(distinct):
        ms = (lo + (hi - lo) * (i + 0.5) / distinct) * shift
        vals.append((int(round(ms * 1e6)), each))
    return vals


def pct(sorted_vals, p):
    n = len(sorted_vals)
    rank = max(1, math.ceil(p / 100.0 * n))
    return sorted_vals[rank - 1]


def stats_of(buckets):
    flat = []
    for v, c in buckets:
        flat.extend([v] * c)
    flat.sort()
    n = len(flat)
    mean = sum(flat) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in flat) / n)
    return {
        "count": n, "min": flat[0] / 1e6, "max": flat[-1] / 1e6, "mean": mean / 1e6,
        "stdev": sd / 1e6, "p50": pct(flat, 50) / 1e6, "p90": pct(flat, 90) / 1e6,
        "p99": pct(flat, 99) / 1e6, "p999": pct(flat, 99.9) / 1e6,
    }, flat


def hist_json(buckets):
    s, flat = stats_of(buckets)
    return {"unit": "ns", "count": len(flat), "min": flat[0], "max": flat[-1],
            "sum": sum(flat), "sum_sq": sum(x * x for x in flat),
            "buckets": [[v, c] for v, c in sorted(buckets)]}


def probe_json(buckets, failed, started, with_hist=True):
    s, flat = stats_of(buckets)
    ok = len(flat)
    req = ok + failed
    timeline = []
    for t in range(DURATION):
        timeline.append({"t_s": t, "requests": req // DURATION, "failures": failed // DURATION,
                         "p50_ms": round(s["p50"] * (1.0 + 0.02 * (t % 3)), 3),
                         "p99_ms": round(s["p99"] * (1.0 + 0.03 * (t % 4)), 3)})
    met = {
        "requests": req, "ok": ok, "failed": failed,
        "failed_by": {"timeout": failed, "connect": 0, "http_status": 0, "read": 0, "other": 0},
        "success_pct": 100.0 * ok / req, "throughput_rps": req / DURATION,
        "latency_ms": {k: round(s[k], 6) for k in
                       ("min", "mean", "stdev", "p50", "p90", "p99", "p999", "max")},
        "timeline": timeline,
    }
    if with_hist:
        met["histogram"] = hist_json(buckets)
    return {"tool": "isolab-probe", "version": "0.1.0", "kind": "http", "engine": "native",
            "status": "ok", "error": None, "started": iso(started),
            "elapsed_s": DURATION + WARMUP,
            "options": {"concurrency": 4, "warmup_s": WARMUP, "duration_s": DURATION},
            "metrics": met}


BOMB_KIND = {"cpu": ("cpu", "ops_per_s", 125000.0), "mem": ("mem", "bytes_resident", 2.0e9),
             "disk": ("disk", "write_bytes_per_s", 3.1e8), "net": ("net-send", "bits_per_s", 9.0e9),
             "fork": ("fork", "forks_per_s", 4200.0)}


def bomb_json(name, started):
    kind, key, rate = BOMB_KIND[name]
    return {"tool": "isolab-bomb", "version": "0.1.0", "kind": kind, "engine": "native",
            "status": "interrupted", "error": None, "started": iso(started), "elapsed_s": 6.0,
            "options": {"duration_s": 30}, "metrics": {key: rate, "elapsed_s": 6.0}}


def slug(name):
    return "".join(c if c.isalnum() or c in "._+-" else "_" for c in name)


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def build(name, phases, rounds, spec, status="complete", skip=(), dnr_probe=(), dnr_bomb=(),
          no_hist=()):
    """phases: list of manifest phase dicts; spec: phase -> (lo_ms, hi_ms, failed)."""
    root = os.path.join(OUT, name)
    shutil.rmtree(root, ignore_errors=True)
    runs, expected = [], {"phases": {}}
    t = T0
    per_phase = {p["name"]: [] for p in phases}
    for rnd in range(1, rounds + 1):
        for ph in phases:
            pn = ph["name"]
            if (rnd, pn) in skip:
                continue
            d = "runs/%d-%s" % (rnd, slug(pn))
            run = {"round": rnd, "phase": pn, "dir": d, "status": "ok", "started": iso(t),
                   "ended": iso(t + 12), "probe": d + "/probe.json", "bombs": {}, "dnr": []}
            lo, hi, failed = spec[pn][:3]
            b = latencies(lo, hi, rnd, each=spec[pn][3] if len(spec[pn]) > 3 else 5)
            if (rnd, pn) in dnr_probe:
                run["dnr"].append("probe")
                run["status"] = "dnr"
            else:
                write(os.path.join(root, d, "probe.json"),
                      probe_json(b, failed, t, with_hist=pn not in no_hist))
                per_phase[pn].append((b, failed))
            for bomb in ph["bombs"]:
                run["bombs"][bomb] = d + "/bomb-%s.json" % bomb
                if (rnd, pn, bomb) in dnr_bomb:
                    run["dnr"].append(bomb)
                    run["status"] = "dnr"
                else:
                    write(os.path.join(root, d, "bomb-%s.json" % bomb), bomb_json(bomb, t + 3))
            with open(os.path.join(root, d, "probe.stderr") if os.path.isdir(os.path.join(root, d)) else os.devnull, "w") as f:
                f.write("")
            runs.append(run)
            t += 15
    for pn, lst in per_phase.items():
        if not lst:
            expected["phases"][pn] = {"dnr": True}
            continue
        allb = [x for b, _ in lst for x in b]
        s, _ = stats_of(allb)
        req = sum(sum(c for _, c in b) + f for b, f in lst)
        ok = sum(sum(c for _, c in b) for b, _ in lst)
        s.update({"dnr": False, "requests": req, "ok": ok, "rounds_reported": len(lst),
                  "success_pct": 100.0 * ok / req})
        expected["phases"][pn] = s
    bombs = sorted({b for p in phases for b in p["bombs"]})
    manifest = {
        "tool": "isolab", "version": "0.1.0", "run_id": "20261122-100000-%s" % name[:4],
        "status": status, "started": iso(T0), "ended": iso(t), "elapsed_s": t - T0,
        "scenario": {"file": "scenario.ini", "name": name, "duration_s": DURATION,
                     "warmup_s": WARMUP, "cooldown_s": 1, "rounds": rounds},
        "host": {"hostname": "fixture", "kernel": "6.1.0", "cpus": 2, "mem_bytes": 4 << 30,
                 "cgroup": "v2"},
        "backend": {"name": "local", "scheduler": "cgroup-v2", "weight": True, "cap": True,
                    "live": True},
        "probe_protection": "probe runs in cgroup isolab-fixture-probe with cpu.weight=10000",
        "vms": [{"name": "web", "role": "victim"}, {"name": "noisy", "role": "neighbor"},
                {"name": "client", "role": "probe"}],
        "bombs": [{"name": b, "vm": "noisy", "kind": BOMB_KIND[b][0], "options": {}} for b in bombs],
        "probe": {"vm": "client", "kind": "http", "options": {"concurrency": 4}},
        "phases": phases,
        "runs": runs,
    }
    write(os.path.join(root, "manifest.json"), manifest)
    with open(os.path.join(root, "scenario.ini"), "w") as f:
        f.write("# fixture %s\n" % name)
    return root, expected


def phase(name, bombs=(), twin=None, weight=None, sweep=None):
    p = {"name": name, "bombs": list(bombs), "priority": None}
    if twin:
        p["twin"] = twin
    if weight:
        p["priority"] = {"weight": {"web": weight}}
    p["sweep"] = sweep
    return p


def main():
    os.makedirs(OUT, exist_ok=True)
    # basic: every verdict, a failing phase and a weight sweep
    phases = [phase("baseline"),
              phase("cpu", ["cpu"]), phase("cpu+prio", ["cpu"], "cpu", 2048),
              phase("mem", ["mem"]), phase("mem+prio", ["mem"], "mem", 2048),
              phase("disk", ["disk"]), phase("disk+prio", ["disk"], "disk", 2048),
              phase("net", ["net"]), phase("net+prio", ["net"], "net", 2048)]
    for w in (512, 1024, 4096):
        phases.append(phase("cpu+prio[weight.web=%d]" % w, ["cpu"], "cpu", None,
                            {"key": "weight.web", "value": w}))
    spec = {"baseline": (1, 3, 0), "cpu": (2, 10, 0), "cpu+prio": (1, 3.05, 0),
            "mem": (2, 10, 200, 4), "mem+prio": (2, 9.8, 200, 4),
            "disk": (2, 10, 0), "disk+prio": (1.5, 6, 0),
            "net": (1, 3.02, 0), "net+prio": (1, 3, 0),
            "cpu+prio[weight.web=512]": (2, 8, 0), "cpu+prio[weight.web=1024]": (1.5, 5, 0),
            "cpu+prio[weight.web=4096]": (1, 3.02, 0)}
    root, exp = build("basic", phases, 3, spec)
    exp["partial"] = False
    # measured before calibration: judged on good responses per second, indicative;
    # only mem costs successful responses (20 %), so only mem+prio has a loss to recover
    exp["verdicts"] = {"cpu+prio": "unaffected", "mem+prio": "not protected",
                       "disk+prio": "unaffected", "net+prio": "unaffected"}
    exp["sweep_ratios"] = [1.0, 2.0, 4.0, 16.0]
    write(os.path.join(root, "expected.json"), exp)

    # dnr: the probe died under the fork bomb in every round, once under cpu
    phases = [phase("baseline"), phase("cpu", ["cpu"]), phase("cpu+prio", ["cpu"], "cpu", 2048),
              phase("fork", ["fork"]), phase("fork+prio", ["fork"], "fork", 2048)]
    spec = {"baseline": (1, 3, 0), "cpu": (2, 10, 0), "cpu+prio": (1, 3.05, 0),
            "fork": (1, 3, 0), "fork+prio": (1, 4, 0)}
    dnr_probe = {(r, "fork") for r in (1, 2, 3)} | {(2, "cpu")}
    root, exp = build("dnr", phases, 3, spec, dnr_probe=dnr_probe,
                      dnr_bomb={(1, "fork", "fork"), (2, "fork", "fork"), (3, "fork", "fork")})
    exp["partial"] = False
    # fork's bomb never reported: those runs are invalid; cpu's DNR round counts as 0
    exp["verdicts"] = {"cpu+prio": "inconclusive", "fork+prio": "invalid"}
    write(os.path.join(root, "expected.json"), exp)

    # partial: interrupted in round 2, no histograms in the cpu phase (older probe)
    phases = [phase("baseline"), phase("cpu", ["cpu"]), phase("cpu+prio", ["cpu"], "cpu", 2048)]
    spec = {"baseline": (1, 3, 0), "cpu": (2, 10, 0), "cpu+prio": (1, 3.05, 0)}
    root, exp = build("partial", phases, 3, spec, status="partial",
                      skip={(2, "cpu"), (2, "cpu+prio"), (3, "baseline"), (3, "cpu"),
                            (3, "cpu+prio")}, no_hist={"cpu"})
    exp["partial"] = True
    exp["verdicts"] = {"cpu+prio": "indicative"}  # one round of cpu and cpu+prio
    write(os.path.join(root, "expected.json"), exp)
    main_v2()


# ---- results with the verdict fields (docs/results.md, issue 11) ----

SLO_MS = 20
RATE = 200
DURATION_V2 = 10
OFFERED = RATE * DURATION_V2


def spread(n, lo, hi, distinct=50):
    """n latencies (ns) over at most `distinct` values uniform in [lo, hi] ms."""
    k = min(n, distinct)
    return [(int((lo + (hi - lo) * (i + 0.5) / max(k, 1)) * 1e6), n // k + (i < n % k))
            for i in range(k)]


def probe_v2(good_pct, started, closed=False, tput=None, rate=RATE, coarse=False):
    """An open-loop probe result with good_pct exactly; latencies split at the SLO.
    coarse: at most 50 distinct latencies each side of the SLO (smaller files)."""
    if closed:
        ok = int(round(tput * DURATION_V2))
        offered, good = ok, ok
    else:
        offered = rate * DURATION_V2
        good = int(round(good_pct * offered / 100.0))
        ok = offered
    bad = ok - good
    if coarse:
        buckets = spread(good, 1, 15) + spread(bad, 25, 200)
    else:
        buckets = [(int((1 + 14 * (i + 0.5) / max(good, 1)) * 1e6), 1) for i in range(good)]
        buckets += [(int((25 + 175 * (i + 0.5) / max(bad, 1)) * 1e6), 1) for i in range(bad)]
    s, flat = stats_of(buckets)
    met = {
        "mode": "closed" if closed else "open", "slo_ms": SLO_MS, "offered": offered,
        "good": good, "good_pct": 100.0 * good / offered, "outstanding_at_end": 0,
        "not_sent": 0, "requests": ok, "ok": ok, "failed": 0,
        "success_pct": 100.0, "throughput_rps": ok / DURATION_V2, "measured_s": DURATION_V2,
        "latency_ms": {k: round(s[k], 6) for k in
                       ("min", "mean", "stdev", "p50", "p90", "p99", "p999", "max")},
        "histogram": dict(hist_json(buckets), sum_sq=float(sum(v * v * c for v, c in buckets))),
    }
    if not closed:
        met["rate_rps"] = rate
    return {"tool": "isolab-probe", "version": "0.2.0", "kind": "http", "engine": "native",
            "status": "ok", "error": None, "started": iso(started),
            "elapsed_s": DURATION_V2 + WARMUP,
            "options": {"rate_rps": None if closed else rate, "warmup_s": WARMUP,
                        "duration_s": DURATION_V2, "slo_ms": SLO_MS},
            "metrics": met}


def sched(weight_web):
    vms = {"web": {"weight": weight_web, "cap": 0, "live": True},
           "noisy": {"weight": 256, "cap": 0, "live": True}}
    return {"start": vms, "end": vms, "scheduler": "cgroup-v2",
            "details": {"cgroup": "v2", "cpu.weight web": round(weight_web * 100 / 256)}}


BOMB_UNIT = {"cpu": ("cpus", 2.0), "mem": ("bytes_per_s", 4.0e9), "disk": ("bytes_per_s", 2.0e8),
             "net": ("bits_per_s", 5.0e9), "fork": ("forks_per_s", 5000.0)}


def build_v2(name, phases, rounds, scores, closed=False, cpu=None, invalid=None, aa=True,
             min_effect=5.0, shares=None, rates=None, coarse=False):
    """scores: phase -> per-round good % (or good/s when closed); None = probe DNR.
    shares: phase -> the bombs' achieved share of their request (default ~97 %);
    rates: phase -> the probe's rate (load sweeps; default RATE)."""
    shares = shares or {}
    rates = rates or {}
    root = os.path.join(OUT, name)
    shutil.rmtree(root, ignore_errors=True)
    invalid = invalid or {}
    cpu = cpu or {}
    runs, t = [], T0
    order = list(range(len(phases)))
    for rnd in range(1, rounds + 1):
        # a fixed "shuffle" per round, as a seeded run would record it
        order = order[1:] + order[:1] if rnd > 1 else order
        for pos, i in enumerate(order):
            ph = phases[i]
            pn = ph["name"]
            d = "runs/%d-%s" % (rnd, slug(pn))
            v = scores[pn][rnd - 1]
            run = {"round": rnd, "phase": pn, "dir": d, "order": pos + 1, "status": "ok",
                   "started": iso(t), "ended": iso(t + 12), "probe": d + "/probe.json",
                   "bombs": {}, "dnr": [], "valid": True, "invalid": [],
                   "victim_cpu_share_pct": cpu.get(pn, 25.0) + (rnd % 3 - 1) * 0.5,
                   "victim_cpu_source": "cgroup cpu.stat",
                   "sched": sched(2048 if ph.get("twin") else 256), "bombs_achieved": {}}
            if v is None:
                run["probe"] = None
                run["status"] = "dnr"
                run["dnr"].append("probe")
            else:
                write(os.path.join(root, d, "probe.json"),
                      probe_v2(v, t, closed=closed, tput=v, rate=rates.get(pn, RATE),
                               coarse=coarse))
            for bomb in ph["bombs"]:
                run["bombs"][bomb] = d + "/bomb-%s.json" % bomb
                write(os.path.join(root, d, "bomb-%s.json" % bomb), bomb_json(bomb, t + 3))
                unit, req = BOMB_UNIT[bomb]
                share = invalid.get((rnd, pn), (None, shares.get(pn, 98.0) - rnd * 0.5))[1]
                run["bombs_achieved"][bomb] = {"requested": req, "achieved": req * share / 100,
                                               "share_pct": share, "unit": unit}
            if (rnd, pn) in invalid:
                run["valid"] = False
                run["invalid"] = [invalid[(rnd, pn)][0]]
            runs.append(run)
            t += 15
    bombs = sorted({b for p in phases for b in p["bombs"]})
    manifest = {
        "tool": "isolab", "version": "0.2.0", "run_id": "20261130-100000-%s" % name[:4],
        "status": "complete", "started": iso(T0), "ended": iso(t), "elapsed_s": t - T0,
        "scenario": {"file": "scenario.ini", "name": name, "duration_s": DURATION_V2,
                     "warmup_s": WARMUP, "cooldown_s": 1, "rounds": rounds},
        "host": {"hostname": "fixture", "kernel": "6.1.0", "cpus": 2, "mem_bytes": 4 << 30,
                 "cgroup": "v2"},
        "backend": {"name": "local", "scheduler": "cgroup-v2", "weight": True, "cap": True,
                    "live": True},
        "probe_protection": "probe runs in cgroup isolab-fixture-probe with cpu.weight=10000",
        "vms": [{"name": "web", "role": "victim"}, {"name": "noisy", "role": "neighbor"},
                {"name": "client", "role": "probe"}],
        "bombs": [{"name": b, "vm": "noisy", "kind": BOMB_KIND[b][0], "options": {}}
                  for b in bombs],
        "probe": {"vm": "client", "kind": "http", "options": {"slo": "20ms"}},
        "design": {"seed": 1234567890123, "order": "shuffled", "rounds_mode": "fixed",
                   "rounds_planned": rounds, "max_rounds": rounds, "max_time_s": 600,
                   "min_effect_pct": min_effect, "aa": aa, "min_valid_rounds": 3,
                   "min_bomb_share_pct": 50},
        "calibration": {"status": "ok", "capacity_rps": 400 if not closed else 1000,
                        "concurrency": 16, "duration_s": 5, "p50_ms": 1.2, "p99_ms": 6.5,
                        "result": "calibration/probe.json"},
        "load": {"mode": "closed" if closed else "open",
                 "share_pct": None if closed else 50, "rate_rps": None if closed else RATE,
                 "slo_ms": SLO_MS, "slo_source": "derived: 3 x the calibrated p99, at least 20 ms"},
        "phases": phases,
        "runs": runs,
    }
    if name == "verdicts":
        # a host where no io weight works: the report says so beside disk+prio
        manifest["backend"]["details"] = {"io_weight": {
            "effective": False, "knob": None, "path": "/var/lib/isolab", "device": "vda",
            "scheduler": "mq-deadline", "io_cost": False,
            "note": "CPU weight only: no I/O weight on this host: vda (254:0, holding "
                    "/var/lib/isolab, where disk bombs write) uses mq-deadline without io.cost"}}
    write(os.path.join(root, "manifest.json"), manifest)
    with open(os.path.join(root, "scenario.ini"), "w") as f:
        f.write("# fixture %s\n" % name)
    return root


def aa_phase():
    return {"name": "baseline~aa", "bombs": [], "priority": None, "aa_of": "baseline",
            "sweep": None}


def main_v2():
    # verdicts: every verdict, the A/A, a DNR round (0 good) and an invalid run
    phases = [phase("baseline"), aa_phase()]
    for b in ("cpu", "mem", "disk", "net", "fork"):
        phases += [phase(b, [b]), phase(b + "+prio", [b], b, 2048)]
    scores = {
        "baseline": [99.0, 98.5, 99.5, 98.0, 99.0],
        "baseline~aa": [98.5, 99.0, 99.0, 98.5, 99.5],
        "cpu": [40.0, None, 45.0, 38.0, 42.0],
        "cpu+prio": [98.0, 97.5, 99.0, 97.5, 98.5],
        "mem": [70.0, 72.0, 95.0, 68.0, 71.0],
        "mem+prio": [71.0, 73.0, 96.0, 69.0, 70.0],
        "disk": [60.0, 62.0, 58.0, 61.0, 59.0],
        "disk+prio": [80.0, 81.0, 79.0, 80.0, 78.0],
        "net": [98.5, 98.0, 99.0, 98.0, 98.5],
        "net+prio": [99.0, 98.5, 99.0, 98.0, 99.0],
        "fork": [95.0, 70.0, 97.0, 65.0, 93.0],
        "fork+prio": [96.0, 90.0, 98.0, 88.0, 95.0],
    }
    cpu = {"baseline": 25.0, "baseline~aa": 25.0, "cpu": 34.0, "cpu+prio": 86.0}
    invalid = {(3, "mem"): ("bomb mem achieved 30 % of its requested load (< 50 %)", 30.0)}
    root = build_v2("verdicts", phases, 5, scores, cpu=cpu, invalid=invalid)
    exp = {"scores": scores, "invalid": [[3, "mem"]], "dnr": [[2, "cpu"]],
           "verdicts": {"baseline~aa": "unaffected", "cpu": "hurt", "mem": "hurt",
                        "disk": "hurt", "net": "unaffected", "fork": "inconclusive"},
           "protection": {"cpu+prio": "protected", "mem+prio": "not protected",
                          "disk+prio": "partly protected", "net+prio": "unaffected",
                          "fork+prio": "inconclusive"},
           "t90": {"4": 2.131847, "3": 2.353363, "2": 2.919986}}
    write(os.path.join(root, "expected.json"), exp)

    # noisy: the A/A disagrees by up to 28 points; 3 rounds; one bomb short of rounds
    phases = [phase("baseline"), aa_phase(), phase("cpu", ["cpu"]),
              phase("cpu+prio", ["cpu"], "cpu", 2048), phase("mem", ["mem"])]
    scores = {"baseline": [99.0, 98.0, 99.0], "baseline~aa": [99.0, 70.0, 97.0],
              "cpu": [80.0, 79.0, 81.0], "cpu+prio": [98.0, 97.0, 98.5],
              "mem": [70.0, 50.0, 72.0]}
    invalid = {(2, "mem"): ("bomb mem never became ready", 0.0)}
    root = build_v2("noisy", phases, 3, scores, invalid=invalid)
    exp = {"scores": scores, "invalid": [[2, "mem"]],
           "verdicts": {"baseline~aa": "inconclusive", "cpu": "inconclusive",
                        "mem": "indicative"},
           "protection": {"cpu+prio": "inconclusive"}}
    write(os.path.join(root, "expected.json"), exp)

    # closed: a closed-loop run judged on good responses per second, no A/A
    phases = [phase("baseline"), phase("cpu", ["cpu"]), phase("cpu+prio", ["cpu"], "cpu", 2048)]
    scores = {"baseline": [1000.0, 950.0, 1010.0, 990.0], "cpu": [500.0, 480.0, 520.0, 490.0],
              "cpu+prio": [980.0, 940.0, 1000.0, 985.0]}
    root = build_v2("closed", phases, 4, scores, closed=True, aa=False,
                    cpu={"baseline": 25.0, "cpu": 40.0, "cpu+prio": 80.0})
    exp = {"scores": scores, "invalid": [], "verdicts": {"cpu": "hurt"},
           "protection": {"cpu+prio": "protected"}}
    write(os.path.join(root, "expected.json"), exp)

    main_curves()
    main_protect()


QUIET = [0.0, 0.5, -0.5, 1.0, -1.0]  # round-to-round scatter, points
LOUD = [0.0, 2.0, -2.0, 3.0, -3.0]
INTENSITY = (0, 20, 40, 60, 80, 100)
LOADS = (10, 30, 50, 70, 90)
CURVES = {
    # good % of the offered load at each intensity of the cpu bomb
    "cpu": [99.0, 98.5, 97.0, 90.0, 70.0, 50.0],
    "cpu+prio": [99.0, 99.0, 98.5, 98.0, 96.0, 88.0],
    # good % at each offered load, without and with the bomb
    "idle": [99.5, 99.3, 99.0, 97.0, 80.0],
    "busy": [98.0, 96.0, 90.0, 70.0, 40.0],
}
# the bomb's achieved share of its request: less under contention, less still
# when the victim is prioritised
SHARES = {"cpu": [0, 99.0, 98.0, 96.0, 90.0, 82.0], "cpu+prio": [0, 99.0, 97.0, 93.0, 85.0, 75.0]}


def sweep_phase(fam, key, x, bombs, twin=None):
    name = "%s[%s=%d]" % (fam, key, x)
    p = phase(name, bombs, ("%s[%s=%d]" % (twin, key, x)) if twin else None,
              2048 if twin else None, {"key": key, "value": x})
    return name, p


def main_curves():
    """curves: an intensity sweep of the cpu bomb, equal and prioritised (per-value
    twins), and a load sweep without and with the bomb; 5 rounds."""
    phases = [phase("baseline"), aa_phase()]
    scores = {"baseline": [99.0 + d for d in QUIET], "baseline~aa": [99.0 - d for d in QUIET]}
    shares, rates, want = {}, {}, {}
    for fam in ("cpu", "cpu+prio"):
        for i, x in enumerate(INTENSITY):
            name, p = sweep_phase(fam, "intensity.cpu", x, ["cpu"] if x else [],
                                  "cpu" if fam == "cpu+prio" else None)
            phases.append(p)
            noise = QUIET if CURVES[fam][i] > 95 else LOUD
            scores[name] = [min(100.0, CURVES[fam][i] + d) for d in noise]
            shares[name] = SHARES[fam][i]
    for fam in ("idle", "busy"):
        for i, x in enumerate(LOADS):
            name, p = sweep_phase(fam, "load", x, ["cpu"] if fam == "busy" else [])
            phases.append(p)
            noise = QUIET if CURVES[fam][i] > 95 else LOUD
            scores[name] = [min(100.0, CURVES[fam][i] + d) for d in noise]
            rates[name] = 400 * x // 100
    root = build_v2("curves", phases, 5, scores, shares=shares, rates=rates, coarse=True)
    write(os.path.join(root, "expected.json"),
          {"scores": scores, "min_effect": 5.0, "intensity": list(INTENSITY),
           "loads": list(LOADS), "shares": SHARES, "t90_df4": 2.131847})


PROTECT_AT = 5.0
PROTECT_APPLIED = [5.002, 5.004, 5.001, 5.003, 5.002]  # when the weight took effect
PROTECT_RECOVER = [0.3, 0.5, 0.2, 0.4, 0.6]  # then the backlog drains: bad until then


def request_log(phase, rnd):
    """The probe's --log rows (t_s, latency_ms, ...) for one run: 200 req/s for 10 s."""
    rows, good = [], 0
    change = PROTECT_APPLIED[rnd - 1] if phase == "cpu-at" else None
    for i in range(RATE * DURATION_V2):
        t = i / RATE
        if change is None:
            ok = i % 100 != 7  # 1 % slow
        elif t < change:
            ok = (i * 7) % 10 >= 6  # 40 % good under the bomb, equal weights
        elif t < change + PROTECT_RECOVER[rnd - 1]:
            ok = (i * 7) % 10 >= 7  # the backlog: 30 % good
        else:
            ok = i % 100 != 7
        lat = 1 + (i % 13) if ok else 25 + (i * 37) % 170
        good += ok
        rows.append("%.6f,%.3f,%.3f,200,1000,ok,,http://victim/%d" % (t, lat, lat, i))
    return rows, 100.0 * good / (RATE * DURATION_V2)


def main_protect():
    """protect: a cpu bomb with equal weights until 5 s, then weight.web = 2048; the
    per-request logs say when the victim was back within the baseline's band."""
    at = [{"t_s": PROTECT_AT, "key": "weight.web", "value": 2048}]
    phases = [phase("baseline"), dict(phase("cpu-at", ["cpu"]), at=at)]
    logs, scores = {}, {"baseline": [], "cpu-at": []}
    for pn in scores:
        for rnd in range(1, 6):
            logs[(pn, rnd)], g = request_log(pn, rnd)
            scores[pn].append(g)
    root = build_v2("protect", phases, 5, scores, aa=False, coarse=True)
    path = os.path.join(root, "manifest.json")
    with open(path) as f:
        man = json.load(f)
    for run in man["runs"]:
        rows = logs[(run["phase"], run["round"])]
        with open(os.path.join(root, run["dir"], "probe-requests.csv"), "w") as f:
            f.write("t_s,latency_ms,uncorrected_ms,status,bytes,result,error,target\n")
            f.write("\n".join(rows) + "\n")
        if run["phase"] == "cpu-at":
            run["at"] = [{"t_s": PROTECT_AT, "applied_s": PROTECT_APPLIED[run["round"] - 1],
                          "ok": True, "error": None}]
    write(path, man)
    write(os.path.join(root, "expected.json"),
          {"applied_s": PROTECT_APPLIED, "recover_true_s": PROTECT_RECOVER, "rate": RATE,
           "scores": scores})


if __name__ == "__main__":
    sys.exit(main())
