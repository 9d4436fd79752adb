# SPDX-License-Identifier: MIT
"""What the xenlab tests share: the scenario of the one-CPU credit pool, what they read back
from a boot's output, and how they end (the run and advise tests).

dom0's script prints tagged lines: "RUN NAME rc=N", "CHECK KEY VALUE", "FILE NAME {json}"
(lab-lib.sh's emit_json), "SAMPLE T0 T1 CPU_S" (the victim's CPU time from xl, stamped
before and after xl read it)."""
import datetime
import json


class Output:
    def __init__(self):
        self.runs = {}     # RUN: name -> exit status
        self.checks = {}   # CHECK: key -> value
        self.files = {}    # FILE: name -> parsed JSON (None if it did not parse)
        self.samples = []  # SAMPLE: (wall time, CPU seconds)


def parse(res, echo=True):
    """The tagged lines of a lab Result; echo prints all but SAMPLE and FILE lines."""
    out = Output()
    for ln in res.lines():
        tag, _, rest = ln.partition(" ")
        if tag == "RUN":
            name, _, rc = rest.partition(" rc=")
            out.runs[name] = int(rc)
        elif tag == "CHECK":
            k, _, v = rest.partition(" ")
            out.checks[k] = v.strip()
        elif tag == "FILE":
            name, _, body = rest.partition(" ")
            try:
                out.files[name] = json.loads(body)
            except ValueError:
                out.files[name] = None
        elif tag == "SAMPLE":
            try:
                t0, t1, v = (float(x) for x in rest.split())
                out.samples.append(((t0 + t1) / 2, v))  # xl read it in between
            except ValueError:
                pass
        if echo and tag not in ("SAMPLE", "FILE"):
            print(ln)
    return out


def ts(s):
    """ISO 8601 UTC (…Z) to epoch seconds."""
    s = s.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(s, fmt).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def probe_window(probe, duration):
    """The probe's measurement window (after its warmup) in wall-clock seconds, or None."""
    try:
        t0 = ts(probe["started"]) + float(probe["options"]["warmup_s"])
    except (TypeError, KeyError, ValueError):
        return None
    return t0, t0 + duration


def host_summary(res):
    """One line: the host's CPU use over the whole boot (QEMU's, everything else's)."""
    if not res.host_cpu:
        return "host: no CPU samples"
    n = len(res.host_cpu)
    return ("host over the whole boot: QEMU %.2f cores on average; everything else %.2f "
            "on average, %.2f at most (1 s samples)" % (
                sum(h[1] for h in res.host_cpu) / n, sum(h[2] for h in res.host_cpu) / n,
                max(h[2] for h in res.host_cpu)))


def credit_scenario(name, duration, warmup, load_pct, extra_global="", extra_phases=""):
    """The scenario of the credit-pool tests: victim v1 (web) and CPU-bomb v2 (noisy) in the
    one-CPU pool p1, the probe in dom0 at load_pct % of the calibrated capacity, open loop;
    phases baseline and cpu, then extra_phases. The cooldown: at most 8 s for dom0 to settle,
    then for the victim's own CPU use (an overloaded phase leaves v1 seconds of abandoned
    requests, which the next run would otherwise measure)."""
    return """[global]
backend = xl
name = %(name)s
duration = %(d)ds
%(extra)swarmup = %(w)ds
cooldown = 8s
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
concurrency = 16
load = %(load)d%%
timeout = 10s

[bomb cpu]
vm = noisy
kind = cpu

[phase baseline]
bombs = none

[phase cpu]
bombs = cpu
%(phases)s""" % {"name": name, "d": duration, "w": warmup, "load": load_pct,
                  "extra": extra_global, "phases": extra_phases}


def finish(res, fails):
    """The boot's timing, then FAILED N checks (exit status 1) or PASS (0)."""
    print(timing(res))
    if fails:
        print("FAILED %d checks" % len(fails))
        return 1
    print("PASS")
    return 0


def timing(res):
    return "timing: boot %.0f s, total %.0f s, attempts %d" % (res.boot_s, res.total_s,
                                                               res.attempts)
