#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`isolab check` passes on every example scenario.

What check verifies here: the file parses with every reference resolved (VMs,
bombs, phases, sweeps, twins, ${VM} in options), the backend opens and
reports what it can set, and every VM whose weight or cap a phase changes is
a VM of that backend. Local examples run against this host's cgroups (root).
The XenAPI example runs against tests/xenapi-sim (its pool holds the VMs the
example names; the example's https URL is replaced by the simulator's); the xl
examples against tests/integration/xenapi/fake-xl, whose domains the test
names as the examples do, with a fake ssh for dom0 = user@host. Not verified:
that the guests answer ssh, that the pool's certificate verifies, that the
PostgreSQL database or the URLs exist.

ISOLAB_EXAMPLES (default: the source tree's examples/ plus the built
local-default.ini) points at an installed copy in the package test.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["ISOLAB_SOURCE_ROOT"]
BUILD = os.environ.get("ISOLAB_BUILD_ROOT", "")
ISOLAB = os.environ["ISOLAB_BIN"]
SIM = os.path.join(SRC, "tests", "xenapi-sim", "xenapi_sim.py")
FAKE = os.path.join(SRC, "tests", "integration", "xenapi")
EXAMPLES = os.environ.get("ISOLAB_EXAMPLES", "")

# example: (phases, VMs, bombs) that check must report; a scenario with a baseline
# also runs its A/A twin, baseline~aa (issue 11)
EXPECT = {
    "local-default.ini": (16, 8, 8),
    "weight-sweep.ini": (8, 3, 1),
    "xenapi-pool.ini": (6, 4, 3),
    "xl-host.ini": (5, 3, 1),
    "postgresql.ini": (6, 3, 2),
    "url-list.ini": (4, 3, 1),
}
# the domains an xl host would have for the xl examples
XL_DOMAINS = ["web-vm", "noisy-vm", "db-vm", "shop-vm", "batch-vm"]
failures = []


def need_root():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            print("FAIL: needs root in CI (the local backend reads and opens cgroups)")
            sys.exit(1)
        print("SKIP: needs root (the local backend)")
        sys.exit(77)


def example_paths():
    if EXAMPLES:
        d = EXAMPLES
        return {n: os.path.join(d, n) for n in EXPECT}
    paths = {n: os.path.join(SRC, "examples", n) for n in EXPECT}
    paths["local-default.ini"] = os.path.join(BUILD, "examples", "local-default.ini")
    return paths


def check(name, path, args=(), env=None):
    r = subprocess.run([ISOLAB, "check", path] + list(args), capture_output=True, text=True,
                       env=env, timeout=60)
    phases, vms, bombs = EXPECT[name]
    want = "OK: %d VMs, %d bombs, %d phases" % (vms, bombs, phases)
    if r.returncode != 0 or want not in r.stdout:
        failures.append(name)
        print("FAIL: %s: exit %d, wanted '%s'\nstdout: %s\nstderr: %s"
              % (name, r.returncode, want, r.stdout.strip(), r.stderr.strip()))
        return
    print("ok: %s: %s" % (name, r.stdout.strip().splitlines()[-1]))


def xl_state(tmp):
    doms = [{"name": "Domain-0", "id": 0, "mem": 1024, "vcpus": 2, "state": "r-----",
             "time": 25.3, "pool": "Pool-0", "weight": 256, "cap": 0}]
    for i, n in enumerate(XL_DOMAINS, 1):
        doms.append({"name": n, "id": i, "mem": 512, "vcpus": 1, "state": "-b----",
                     "time": 1.0, "pool": "Pool-0", "weight": 256, "cap": 0})
    path = os.path.join(tmp, "xl-state.json")
    with open(path, "w") as f:
        json.dump({"nr_cpus": 2, "pools": {"Pool-0": "credit2"}, "domains": doms}, f)
    return path


def start_sim(tmp):
    password = "example-check-%d" % os.getpid()
    pw = os.path.join(tmp, "pw")
    with open(pw, "w") as f:
        f.write(password + "\n")
    os.chmod(pw, 0o600)
    proc = subprocess.Popen(["/usr/bin/python3", SIM, "--password", password],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, port, pw


def main():
    need_root()
    paths = example_paths()
    tmp = tempfile.mkdtemp(prefix="isolab-examples-")
    sim = None
    try:
        env = dict(os.environ, ISOLAB_XL=os.path.join(FAKE, "fake-xl"),
                   ISOLAB_SSH=os.path.join(FAKE, "fake-ssh"),
                   ISOLAB_FAKE_XL_STATE=xl_state(tmp))
        env.pop("ISOLAB_XENAPI_PASSWORD", None)
        for name in ("local-default.ini", "weight-sweep.ini"):
            check(name, paths[name], env=env)
        for name in ("xl-host.ini", "postgresql.ini", "url-list.ini"):
            check(name, paths[name], env=env)
        sim, port, pw = start_sim(tmp)
        check("xenapi-pool.ini", paths["xenapi-pool.ini"],
              ["--url", "http://127.0.0.1:%d" % port, "--password-file", pw], env=env)
        # the sweep's five members, named as --phases and the report name them
        r = subprocess.run([ISOLAB, "check", "--list-phases", paths["weight-sweep.ini"]],
                           capture_output=True, text=True, timeout=60)
        want = ["baseline", "cpu"] + ["sweep[weight.web=%d]" % w
                                      for w in (256, 512, 1024, 2048, 4096)] + ["baseline~aa"]
        if r.stdout.split() != want:
            failures.append("weight-sweep phases")
            print("FAIL: weight-sweep.ini phases %r, expected %r" % (r.stdout.split(), want))
    finally:
        if sim:
            sim.terminate()
            sim.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    missing = [n for n, p in paths.items() if not os.path.isfile(p)]
    if missing:
        print("FAIL: examples missing: %s" % missing)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
