#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The full default twice (`isolab run`, rounds = auto): the verdicts a user
signs must not change from one run to the next. Asserted for the phases
whose answer the default exists to give: cpu+prio and all+prio (protected,
partly protected or not protected — the same both times, and decided), and
each run within the 10-minute budget. The `long` suite: ~20 minutes.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
CHECKED = ("cpu+prio", "all+prio")
UNDECIDED = ("inconclusive", "indicative", "invalid")


def main():
    common.need_root()
    common.need_tools(BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-it-full-")
    env = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
    got = []
    try:
        for n in (1, 2):
            t0 = time.monotonic()
            p = common.run([BIN, "run", "--results", os.path.join(tmp, "results")], env,
                           timeout=1200)
            took = time.monotonic() - t0
            sys.stderr.write(p.stderr[-2000:])
            assert p.returncode == 0, "run %d: isolab run exited %d" % (n, p.returncode)
            run_dir = p.stdout.strip().splitlines()[-1]
            print("\n".join(p.stdout.strip().splitlines()[:-1]))
            with open(os.path.join(run_dir, "manifest.json")) as f:
                m = json.load(f)
            with open(os.path.join(run_dir, "summary.json")) as f:
                s = json.load(f)
            assert not common.leftovers(m["run_id"]), common.leftovers(m["run_id"])
            v = {p["phase"]: p["verdict"] for p in s["protection"]}
            print("run %d: %.0f s, %d rounds (%s), seed %d: %s" % (
                n, took, m["design"]["rounds_done"], m["design"]["stopped"],
                m["design"]["seed"], ", ".join("%s %s" % (k, v[k]) for k in CHECKED)))
            assert took <= 600, "run %d took %.0f s (budget 600 s)" % (n, took)
            got.append(v)
        for k in CHECKED:
            assert got[0][k] not in UNDECIDED, "%s undecided: %s" % (k, got[0][k])
            assert got[0][k] == got[1][k], "%s: %s, then %s" % (k, got[0][k], got[1][k])
        print("ok: the same verdicts twice: %s" % ", ".join("%s %s" % (k, got[0][k])
                                                            for k in CHECKED))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
