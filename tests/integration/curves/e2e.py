# SPDX-License-Identifier: MIT
"""Helpers for the end-to-end tests of curves, time-to-protect, compare and advise:
a small local scenario, one `isolab run`, its results."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "controller"))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]

# A victim, a probe, one CPU neighbour. The load is a fixed, modest rate with a
# lenient SLO so that the baseline meets it even on a busy shared host.
HEAD = """[global]
name = {name}
backend = local
duration = {duration}
warmup = 500ms
cooldown = 500ms
rounds = {rounds}
aa = no
[vm web]
role = victim
[vm client]
role = probe
[vm n-cpu]
role = neighbor
[probe]
vm = client
kind = http
target = victim
{offer}
slo = {slo}
[bomb cpu]
vm = n-cpu
kind = cpu
threads = 8
[phase baseline]
bombs = none
"""


def scenario(tmp, name, phases, duration="2s", rounds=3, rate=400, slo="20ms", load=None):
    """load: a share of the calibrated capacity ("30%") instead of a fixed rate."""
    path = os.path.join(tmp, name + ".ini")
    offer = "load = %s" % load if load else "rate = %s" % rate
    with open(path, "w") as f:
        f.write(HEAD.format(name=name, duration=duration, rounds=rounds, offer=offer, slo=slo))
        f.write(phases)
    return path


def env_for(tmp):
    return dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"),
                UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")


def check_sanitizers(p, what):
    for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer"):
        if bad in p.stderr:
            raise AssertionError("%s: sanitizer report:\n%s" % (what, p.stderr[-4000:]))


def run(tmp, ini, timeout=900):
    """isolab run; returns the results directory (the last stdout line)."""
    p = common.run([BIN, "run", ini, "--results", os.path.join(tmp, "results")],
                   env_for(tmp), timeout=timeout)
    check_sanitizers(p, "isolab run " + ini)
    if p.returncode != 0:
        raise AssertionError("isolab run %s: exit %d\n%s" % (ini, p.returncode,
                                                              p.stderr[-3000:]))
    run_dir = p.stdout.strip().splitlines()[-1]
    left = common.leftovers(os.path.basename(run_dir))
    assert not left, "left behind: %s" % left
    return run_dir


def load(run_dir, name):
    with open(os.path.join(run_dir, name)) as f:
        return json.load(f)


def isolab(tmp, *args, timeout=120):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                       env=env_for(tmp))
    check_sanitizers(p, " ".join(args))
    return p
