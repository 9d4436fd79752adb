#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The soak (issue 14): SIGKILL `isolab run` at many random moments of a quick
run, run `isolab restore` after each, and count what is left of that run.

    soak.py local  [--kills 50] [--seed N]     the local backend (root)
    soak.py xenapi [--kills 50] [--seed N]     the XenAPI simulator

Moments are drawn three ways, so that every stage is hit, not just the long
measurement: most uniformly over the run (stratified: one per slice of the
shorter of two timed whole runs, preparing included), some just after the
prioritised phase's probe result appears (the run stops its bombs, restores
the priorities, writes the manifest), some just after the last phase's
results appear (restoring, writing the final manifest, tearing down). A kill
that finds the run already ended is drawn again earlier (up to three times).
Each kill only hits the controller; its tools are orphaned as after a crash.

After each `isolab restore` the soak checks, for that run only (others run
isolab on this machine at the same time): no process carrying the soak's
per-kill tag in its environment and none in the run's cgroups; no cgroup and
no network namespace named after the run; no journal or scratch directory in
the state dir, nothing named after the run in /tmp; every VM's scheduler
setting as before (the simulator's VCPUs_params; the local backend's
settings live in the run's own cgroups). `isolab restore` must exit 0 and a
second one must find nothing to do.

The seed is printed first; the same --seed replays the same moments.
Exit 0: no leftovers after any kill; 1: the list of what was left, per kill.
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("ISOLAB_BIN", "isolab")
if os.sep in BIN:  # the runs start in a scratch dir
    BIN = os.path.abspath(BIN)
PHASES = "cpu+prio,cpu"


def sh(args, env, timeout=120):
    return subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def tagged_processes(tag):
    """Live processes whose environment carries tag (what the killed run started)."""
    found = []
    needle = ("ISOLAB_SOAK_TAG=" + tag).encode() + b"\0"
    for env in glob.glob("/proc/[0-9]*/environ"):
        pid = env.split("/")[2]
        try:
            with open(env, "rb") as f:
                if needle not in f.read() + b"\0":
                    continue
            with open("/proc/%s/stat" % pid) as f:
                st = f.read()
            if st.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                continue  # dead, waiting to be reaped by init
            with open("/proc/%s/comm" % pid) as f:
                found.append("process %s (%s)" % (pid, f.read().strip()))
        except (OSError, IndexError):
            pass
    return found


def local_leftovers(run_id):
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
                    continue
            found.append("process %s in the run's cgroups" % pid)
        except (OSError, IndexError):
            pass
    return found


def file_leftovers(state, run_id):
    found = ["state " + p for p in glob.glob(os.path.join(state, "run-*"))]
    if run_id:
        found += ["scratch " + p for p in glob.glob("/tmp/*" + run_id + "*")]
        found += ["scratch " + p for p in glob.glob("/dev/shm/*" + run_id + "*")]
    return found


class Target:
    """What differs between backends: the scenario, the environment, the settings."""
    n_phases = 2

    def __init__(self, tmp):
        self.tmp = tmp

    def args(self):
        return []

    def env(self):
        return {}

    def settings(self):
        return None

    def close(self):
        pass


class Local(Target):
    def args(self):
        return ["--phases", PHASES]


class XenapiSim(Target):
    def __init__(self, tmp):
        super().__init__(tmp)
        sys.path.insert(0, os.path.join(HERE, "..", "integration", "xenapi"))
        import xenapi_tests as xt
        self.xt = xt
        self.sim = xt.Sim(tmp)
        self.scn = os.path.join(tmp, "xen.ini")
        with open(self.scn, "w") as f:
            f.write(xt.SCENARIO % {"port": self.sim.port, "pw": xt.pwfile(tmp),
                                   "vport": xt.free_port()})
        self.before = self.sim.params()

    def args(self):
        return [self.scn]

    def settings(self):
        now = self.sim.params()
        return None if now == self.before else "VCPUs_params %r, before %r" % (now, self.before)

    def close(self):
        self.sim.stop()


def start_run(target, env, results):
    return subprocess.Popen([BIN, "run", "--quick", "--no-report", "--results", results] +
                            target.args(), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=target.tmp)


def run_id_of(state):
    js = glob.glob(os.path.join(state, "run-*.journal"))
    return os.path.basename(js[0])[4:-8] if js else None


def run_dir_of(results):
    dirs = [d for d in glob.glob(os.path.join(results, "*")) if os.path.isdir(d)]
    return max(dirs, key=os.path.getmtime) if dirs else None


def wait_for(pred, p, limit):
    """Polls pred() every 2 ms until true; False when the run ended or limit passed."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and p.poll() is None:
        if pred():
            return True
        time.sleep(0.002)
    return False


def one_kill(target, base_env, i, moment, results):
    """Starts a run, kills it at moment, restores; returns (what, leftovers)."""
    tag = uuid.uuid4().hex
    state = base_env["ISOLAB_STATE_DIR"]
    env = dict(base_env, ISOLAB_SOAK_TAG=tag)
    kind, arg = moment
    res = os.path.join(results, "k%02d" % i)
    t0 = time.monotonic()
    p = start_run(target, env, res)
    what = ""
    try:
        if kind == "at":
            while time.monotonic() - t0 < arg and p.poll() is None:
                time.sleep(0.002)
            what = "at %.2f s" % arg
        else:
            # after a probe result appears (the prioritised phase's, or the last
            # phase's), plus a random delay: bombs stop, priorities are restored,
            # the manifest is written, the run is torn down
            def appeared():
                d = run_dir_of(res)
                if not d:
                    return False
                got = glob.glob(os.path.join(d, "runs", "*", "probe.json"))
                if kind == "prio":
                    return any("prio" in os.path.basename(os.path.dirname(g)) for g in got)
                return len(got) >= target.n_phases
            if wait_for(appeared, p, 120):
                time.sleep(arg)
            what = "%.0f ms after the %s phase's probe.json (%.2f s)" % (
                arg * 1000, "prioritised" if kind == "prio" else "last",
                time.monotonic() - t0)
        run_id = run_id_of(state)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        else:
            what += ": the run had already ended (exit %d): %s" % (
                p.returncode, p.stderr.read().strip().splitlines()[-1:])
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stderr.close()
    run_id = run_id or run_id_of(state)
    if run_id is None and os.path.isdir(res):
        d = run_dir_of(res)
        run_id = os.path.basename(d) if d else None
    left = []
    r = sh([BIN, "restore"], env)
    if r.returncode != 0:
        left.append("isolab restore exited %d: %s" % (r.returncode, r.stderr.strip()[-400:]))
    r2 = sh([BIN, "restore"], env)
    if r2.returncode != 0 or "0 run(s) restored" not in r2.stderr:
        left.append("a second restore was not idle: %s" % r2.stderr.strip()[-300:])
    left += tagged_processes(tag)
    if run_id:
        left += local_leftovers(run_id)
    left += file_leftovers(state, run_id)
    s = target.settings()
    if s:
        left.append("scheduler settings not restored: " + s)
    return "kill %2d %s (run %s)" % (i, what, run_id or "-"), left


def moments(rng, n, full_s):
    """n moments: 70 % stratified over a whole run, 15 % as the prioritised phase
    ends, 15 % as the run ends."""
    n_end = max(1, n * 15 // 100)
    n_prio = max(1, n * 15 // 100)
    n_at = n - n_end - n_prio
    # over 95 % of a whole run: runs vary, a kill after the end would hit nothing
    out = [("at", (k + rng.random()) * 0.95 * full_s / n_at) for k in range(n_at)]
    out += [("prio", rng.uniform(0, 0.08)) for _ in range(n_prio)]
    out += [("end", rng.uniform(0, 0.3)) for _ in range(n_end)]
    rng.shuffle(out)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backend", choices=["local", "xenapi"])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    if os.geteuid() != 0 and a.backend == "local":
        print("SKIP: the local backend needs root")
        sys.exit(1 if os.environ.get("CI") == "true" else 77)
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 32)
    print("soak %s: %d kills, seed %d (replay: soak.py %s --kills %d --seed %d)" %
          (a.backend, a.kills, seed, a.backend, a.kills, seed), flush=True)
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="isolab-soak-")
    base_env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    base_env.pop("ISOLAB_XENAPI_PASSWORD", None)
    target = XenapiSim(tmp) if a.backend == "xenapi" else Local(tmp)
    failures, clean, missed = [], 0, 0
    try:
        # two whole runs first: they must pass, and the shorter times the stages
        full = []
        for n in range(2):
            t0 = time.monotonic()
            p = start_run(target, base_env, os.path.join(tmp, "full%d" % n))
            _, err = p.communicate(timeout=300)
            full.append(time.monotonic() - t0)
            if p.returncode != 0:
                print("FAIL: an uninterrupted run failed (exit %d): %s" %
                      (p.returncode, err[-2000:]))
                sys.exit(1)
        full_s = min(full)
        print("an uninterrupted run takes %.1f s (%s)" %
              (full_s, ", ".join("%.1f" % f for f in full)), flush=True)
        for i, m in enumerate(moments(rng, a.kills, full_s), 1):
            for attempt in range(3):
                what, left = one_kill(target, base_env, i, m, os.path.join(tmp, "results"))
                if "already ended" not in what:
                    break
                # the run was quicker than the timed one: the same stage, earlier
                print("%s: missed, again" % what, flush=True)
                m = (m[0], m[1] * 0.7)
            print("%s: %s" % (what, "clean" if not left else "%d LEFT" % len(left)), flush=True)
            missed += "already ended" in what
            if left:
                failures.append((what, left))
            else:
                clean += 1
    finally:
        r = subprocess.run([BIN, "restore"], env=base_env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
        target.close()
        if failures or r.returncode != 0 or glob.glob(os.path.join(tmp, "state", "run-*")):
            # the journals are what `isolab restore` needs to clean up by hand
            print("kept %s for inspection: ISOLAB_STATE_DIR=%s/state isolab restore" %
                  (tmp, tmp))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("soak %s: %d of %d kills left nothing behind, %d of them hit a live run (seed %d)" %
          (a.backend, clean, a.kills, a.kills - missed, seed))
    if failures:
        for what, left in failures:
            print("FAIL %s:\n  %s" % (what, "\n  ".join(left)))
        sys.exit(1)


if __name__ == "__main__":
    main()
