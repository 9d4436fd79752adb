#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SIGKILL the controller at several points of a run, then `isolab restore`.

After each kill the run's cgroups, namespaces and processes may still be there;
`isolab restore` must remove every one of them and the journal, and a second
`isolab restore` must find nothing left to do.

Then a scenario with a [group] of 16 neighbours, killed while the local backend
makes them: every cgroup and namespace of the run that exists at the kill is
named by a `make` record of the journal (journalled before it was made), and
restore removes them all while a decoy of another run's name stays untouched.
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
SEED = "3"  # round 1 runs cpu+prio first (the rounds' phase orders come from the seed)
GROUP = 16
DECOY = "19700101-000000-dec0"  # another run's tag: restore of ours must not touch it

GROUP_SCENARIO = """[global]
duration = 2s
warmup = 500ms
rounds = 1
[vm web]
role = victim
[vm client]
role = probe
[group noisy]
count = %d
[probe]
vm = client
kind = http
target = victim
[bomb cpu]
vm = noisy
kind = cpu
[phase baseline]
bombs = none
[phase cpu]
bombs = cpu
""" % GROUP


def results_has(tmp, pattern):
    return lambda state: bool(glob.glob(os.path.join(tmp, "results", "*", "runs", pattern)))


def kill_points(tmp):
    """(what, when): seconds after start while preparing / starting the victim and
    during the calibration; then by the run's own progress, so that a faster or
    slower machine (the cgroup2 guest under emulation) still kills where meant: in
    the prio phase once its weight is journalled, in the cpu phase once its bomb
    has started."""
    return [("%.1f s" % t, t) for t in (0.3 * common.time_scale(), 2.5 * common.time_scale())] + [
        ("the cpu+prio phase, weights journalled", journalled_sched),
        ("the cpu phase, its bomb started", results_has(tmp, "*-cpu/bomb-cpu.stderr"))]


def wait_for(p, state, when):
    """Sleeps until `when` (seconds, or a condition on the state dir) holds; False when
    the run ended first or the bound passed."""
    if not callable(when):
        time.sleep(when)
        return p.poll() is None
    deadline = time.monotonic() + 120 * common.time_scale()
    while time.monotonic() < deadline and p.poll() is None:
        if when(state):
            return True
        time.sleep(0.02)
    return False


def run_id_of(state):
    js = glob.glob(os.path.join(state, "run-*.journal"))
    return os.path.basename(js[0])[4:-8] if js else None


def journalled_sched(state):
    """True once a run's journal holds a scheduler setting to undo."""
    for j in glob.glob(os.path.join(state, "run-*.journal")):
        try:
            with open(j) as f:
                if any(ln.startswith("sched ") for ln in f):
                    return True
        except OSError:
            pass
    return False


def journal_makes(state):
    """The (vm, key, value) of every `make` record of the run's journal."""
    out = []
    for j in glob.glob(os.path.join(state, "run-*.journal")):
        with open(j) as f:
            for ln in f:
                w = ln.split()
                if len(w) == 4 and w[0] == "make":
                    out.append(tuple(w[1:]))
    return out


def making_group(state):
    """True once the journal names a group member's first object."""
    return any(vm.startswith("noisy-") for vm, _, _ in journal_makes(state))


def hierarchies():
    """The cgroup v2 root, or each v1 hierarchy's."""
    if os.path.exists("/sys/fs/cgroup/cgroup.procs"):
        return ["/sys/fs/cgroup"]
    return [h for h in glob.glob("/sys/fs/cgroup/*") if os.path.exists(h + "/cgroup.procs")]


def decoy(make):
    """Creates (make=True) or lists a cgroup and a namespace named like another run's VM."""
    cgs = [os.path.join(h, "isolab-" + DECOY, "isolab-%s-noisy-1" % DECOY)
           for h in hierarchies()]
    ns = "isolab-%s-noisy-1" % DECOY
    if make:
        for d in cgs:
            os.makedirs(d, exist_ok=True)
        subprocess.run(["ip", "netns", "add", ns], check=True)
    return [d for d in cgs if os.path.isdir(d)] + \
        [ns for ns in [ns] if os.path.exists("/run/netns/" + ns)]


def decoy_remove():
    for h in hierarchies():
        for d in (os.path.join(h, "isolab-" + DECOY, "isolab-%s-noisy-1" % DECOY),
                  os.path.join(h, "isolab-" + DECOY)):
            if os.path.isdir(d):
                os.rmdir(d)
    subprocess.run(["ip", "netns", "del", "isolab-%s-noisy-1" % DECOY],
                   stderr=subprocess.DEVNULL)


def kill_while_making_group(tmp, env, state):
    """Kills the run while it makes the group; the failures found."""
    failures = []
    scn = os.path.join(tmp, "group.ini")
    with open(scn, "w") as f:
        f.write(GROUP_SCENARIO)
    before = decoy(True)
    p = subprocess.Popen([BIN, "run", "--no-report", "--results", os.path.join(tmp, "results"),
                          scn], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60 * common.time_scale()
    while p.poll() is None and time.monotonic() < deadline and not making_group(state):
        time.sleep(0.005)
    run_id = run_id_of(state)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    time.sleep(0.5)  # an `ip` it had started finishes (what it makes was journalled first)
    makes = journal_makes(state)
    if run_id is None or not making_group(state):
        return ["group: no `make` record for a member before the kill (exit %s): %s" %
                (p.returncode, err[-1500:])]
    # what exists now must be either the run's own parent/switch/scope or journalled
    noted = {v for _, k, v in makes if k in ("cgroup", "netns")}
    pat = "isolab-" + run_id
    for obj in common.leftovers(run_id):
        kind, path = obj.split(" ", 1)
        leaf = os.path.basename(path)
        if kind == "process" or leaf in (pat, pat + "-sw", pat + ".scope"):
            continue
        if (path if kind == "cgroup" else leaf) not in noted:
            failures.append("group: %s exists but no `make` record names it" % obj)
    members = sorted({vm for vm, k, _ in makes if vm.startswith("noisy-") and k == "name"})
    print("kill while making the group: run %s, %d of %d members begun, %d leftovers" %
          (run_id, len(members), GROUP, len(common.leftovers(run_id))))
    r = common.run([BIN, "restore"], env, timeout=60)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        failures.append("group: restore exited %d" % r.returncode)
    if common.leftovers(run_id):
        failures.append("group: left behind: %s" % common.leftovers(run_id))
    for vm in members:
        if "VM %s of run %s destroyed" % (vm, run_id) not in r.stderr:
            failures.append("group: restore did not go through %s's make records" % vm)
    if decoy(False) != before:
        failures.append("group: restore touched another run's objects: %s, now %s" %
                        (before, decoy(False)))
    return failures


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-kill-")
    state = os.path.join(tmp, "state")
    env = dict(os.environ, ISOLAB_STATE_DIR=state)
    failures = []
    try:
        points = kill_points(tmp)
        for at, when in points:
            shutil.rmtree(os.path.join(tmp, "results"), ignore_errors=True)
            p = subprocess.Popen([BIN, "run", "--quick", "--no-report", "--phases",
                                  "cpu+prio,cpu", "--seed", SEED, "--results",
                                  os.path.join(tmp, "results")],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if not wait_for(p, state, when):
                failures.append("the run ended or stalled before %s (exit %s)" % (at, p.poll()))
            run_id = run_id_of(state)
            os.kill(p.pid, signal.SIGKILL)  # only the controller; its tools stay orphaned
            p.wait()
            p.stderr.close()
            if run_id is None:
                print("kill at %s: no journal yet, nothing to restore" % at)
                continue
            time.sleep(0.2)
            print("kill at %s: run %s, before restore: %d leftovers" %
                  (at, run_id, len(common.leftovers(run_id))))
            r = common.run([BIN, "restore"], env, timeout=60)
            sys.stderr.write(r.stderr)
            left = common.leftovers(run_id)
            if r.returncode != 0:
                failures.append("restore exited %d after kill at %s" % (r.returncode, at))
            if left:
                failures.append("after kill at %s left behind: %s" % (at, left))
            if glob.glob(os.path.join(state, "run-*")):
                failures.append("journal or scratch dir kept after kill at %s: %s" %
                                (at, os.listdir(state)))
            r2 = common.run([BIN, "restore"], env, timeout=60)
            if r2.returncode != 0 or "0 run(s) restored" not in r2.stderr:
                failures.append("second restore not idle: %s" % r2.stderr.strip())
        # SIGTERM: the controller itself stops the tools, restores, tears down, keeps
        # what it measured (partial) and removes its journal
        shutil.rmtree(os.path.join(tmp, "results"), ignore_errors=True)
        p = subprocess.Popen([BIN, "run", "--quick", "--no-report", "--phases",
                              "cpu+prio,cpu", "--seed", SEED, "--results",
                              os.path.join(tmp, "results")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # after the calibration and the first run: in round 1's cpu phase
        if not wait_for(p, state, results_has(tmp, "*-cpu/bomb-cpu.stderr")):
            failures.append("SIGTERM: the run ended or stalled before its cpu phase")
        run_id = run_id_of(state)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30 * common.time_scale())
        lines = out.strip().splitlines()
        if p.returncode != 1 or not lines:
            failures.append("SIGTERM: exit %d, stdout %r, stderr %s" % (p.returncode, out,
                                                                         err[-1500:]))
        else:
            import json
            with open(os.path.join(lines[-1], "manifest.json")) as f:
                st = json.load(f)["status"]
            if st != "partial":
                failures.append("SIGTERM: manifest status %s, expected partial" % st)
        if run_id and common.leftovers(run_id):
            failures.append("SIGTERM left behind: %s" % common.leftovers(run_id))
        if glob.glob(os.path.join(state, "run-*")):
            failures.append("SIGTERM kept the journal: %s" % os.listdir(state))
        failures += kill_while_making_group(tmp, env, state)
    finally:
        decoy_remove()
        # never leave anything behind, even when an assertion failed
        subprocess.run([BIN, "restore"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok: restore left nothing behind after %d kills; SIGTERM ended cleanly" % len(points))


if __name__ == "__main__":
    main()
