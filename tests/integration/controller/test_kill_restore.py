#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SIGKILL the controller at several points of a run, then `isolab restore`.

After each kill the run's cgroups, namespaces and processes may still be there;
`isolab restore` must remove every one of them and the journal, and a second
`isolab restore` must find nothing left to do.
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
# seconds after start: while preparing / starting the victim, during the calibration,
# during the prio phase (weights changed), during the bomb phase (later on a slower
# machine). SEED makes round 1 run cpu+prio first (the rounds' phase orders are
# shuffled from the seed).
KILL_AT = [t * common.time_scale() for t in (0.3, 2.5, 5.4, 7.6)]
SEED = "3"


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


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-kill-")
    state = os.path.join(tmp, "state")
    env = dict(os.environ, ISOLAB_STATE_DIR=state)
    failures = []
    try:
        for at in KILL_AT:
            p = subprocess.Popen([BIN, "run", "--quick", "--no-report", "--phases",
                                  "cpu+prio,cpu", "--seed", SEED, "--results",
                                  os.path.join(tmp, "results")],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(at)
            run_id = run_id_of(state)
            os.kill(p.pid, signal.SIGKILL)  # only the controller; its tools stay orphaned
            p.wait()
            p.stderr.close()
            if run_id is None:
                print("kill at %.1f s: no journal yet, nothing to restore" % at)
                continue
            time.sleep(0.2)
            print("kill at %.1f s: run %s, before restore: %d leftovers" %
                  (at, run_id, len(common.leftovers(run_id))))
            r = common.run([BIN, "restore"], env, timeout=60)
            sys.stderr.write(r.stderr)
            left = common.leftovers(run_id)
            if r.returncode != 0:
                failures.append("restore exited %d after kill at %.1f s" % (r.returncode, at))
            if left:
                failures.append("after kill at %.1f s left behind: %s" % (at, left))
            if glob.glob(os.path.join(state, "run-*")):
                failures.append("journal or scratch dir kept after kill at %.1f s: %s" %
                                (at, os.listdir(state)))
            r2 = common.run([BIN, "restore"], env, timeout=60)
            if r2.returncode != 0 or "0 run(s) restored" not in r2.stderr:
                failures.append("second restore not idle: %s" % r2.stderr.strip())
        # SIGTERM: the controller itself stops the tools, restores, tears down, keeps
        # what it measured (partial) and removes its journal
        p = subprocess.Popen([BIN, "run", "--quick", "--no-report", "--phases",
                              "cpu+prio,cpu", "--seed", SEED, "--results",
                              os.path.join(tmp, "results")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(7.0 * common.time_scale())  # after the calibration and the first run
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
    finally:
        # never leave anything behind, even when an assertion failed
        subprocess.run([BIN, "restore"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok: restore left nothing behind after %d kills; SIGTERM ended cleanly" % len(KILL_AT))


if __name__ == "__main__":
    main()
