# SPDX-License-Identifier: MIT
"""Shared helpers for the controller's integration tests (Debian python3, stdlib only)."""
import glob
import os
import subprocess
import sys

SKIP = 77


def need_root():
    """Skip (77) without root, except in CI where a skip would hide a failure."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            print("FAIL: needs root in CI")
            sys.exit(1)
        print("SKIP: needs root (cgroups and network namespaces)")
        sys.exit(SKIP)


def need_tools(bin_path):
    """The tools are found next to isolab's build dir; skip until they are built."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(bin_path)))
    missing = [t for t in ("bombs/isolab-bomb", "probes/isolab-probe", "probes/isolab-victim")
               if not os.access(os.path.join(build, t), os.X_OK)]
    if missing:
        if os.environ.get("CI") == "true":
            print("FAIL: missing " + ", ".join(missing))
            sys.exit(1)
        print("SKIP: not built yet: " + ", ".join(missing))
        sys.exit(SKIP)


def leftovers(run_id):
    """Every cgroup, namespace and process of run run_id still on the host."""
    found = []
    pat = "isolab-" + run_id
    for d in glob.glob("/sys/fs/cgroup/**/" + pat + "*", recursive=True):
        found.append("cgroup " + d)
    for d in glob.glob("/run/netns/" + pat + "*"):
        found.append("netns " + d)
    for cg in glob.glob("/proc/[0-9]*/cgroup"):
        pid = cg.split("/")[2]
        try:
            with open(cg) as f:
                if pat not in f.read():
                    continue
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    continue  # dead, waiting for its parent (init) to reap it
            found.append("process " + pid)
        except (OSError, IndexError):
            pass
    return found


def time_scale():
    """ISOLAB_TEST_TIME_SCALE: how many times slower this machine is than the CI host (an
    emulated guest: several); bounds and waits grow with it, assertions do not."""
    return float(os.environ.get("ISOLAB_TEST_TIME_SCALE", "1"))


def run(args, env, timeout):
    return subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout * time_scale())
