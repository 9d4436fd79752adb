# SPDX-License-Identifier: MIT
"""What the xenlab tests read back from a boot's output (shared by the run and advise tests).

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
