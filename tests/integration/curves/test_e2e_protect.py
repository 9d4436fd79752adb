#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Time-to-protect end to end on the local backend, with a stated bound.

Phase `capped` starts with the victim capped at 1 % of a CPU (at 1000 req/s
it needs about 14 %: its requests wait), and `at.1s = cap.web=0` lifts the
cap one second into the measurement (timed from the probe's ready line). The controller must apply
the change at 1 s (issued within 0.25 s of it), journal and restore it; the
report must see the victim worse than the baseline's band before the change
and back within it afterwards in every round, with a mean time to recover
under the bound: 2 s (the backlog of one second at 1000 req/s drains in well under
that at the victim's capacity, even on a busy host). The window is 4 s: the change
at 1 s, a recovery up to the bound and the 0.5 s it must hold all fit inside it (with
3 s, a round that recovered after 1.5 s could not be seen to).

With ISOLAB_E2E_FIGURES=1 a second run does it the way the feature is meant
to be used — a CPU bomb with equal weights, then weight.web = 8192 at 1 s —
and prints its figures (not asserted: on a shared host the CPU bomb's harm
depends on the others).
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

BOUND_S = 2.0


def show(run_dir, phase):
    s = e2e.load(run_dir, "summary.json")
    t = [t for t in s["time_to_protect"] if t["phase"] == phase][0]
    print("%s: band %.1f %% good (%.2f s intervals), before %.1f %%, after %.1f %%, time to "
          "recover %s s %s, %d of %d rounds" % (
              phase, t["band_good_pct"], t["interval_s"], t["good_pct_before"] or -1,
              t["good_pct_after"] or -1, t["recover_s"], t["recover_s_ci"],
              t["rounds_recovered"], t["rounds"]))
    for r in t["per_round"]:
        print("  round %d: change at %.3f s, recovered %s after %.3f s (good %.1f -> %s)" % (
            r["round"], r["change_s"], r["recovered"], r["recover_s"],
            r["good_pct_before"], r["good_pct_after"]))
    return t


def main():
    e2e.common.need_root()
    e2e.common.need_tools(e2e.BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-e2e-protect-")
    try:
        ini = e2e.scenario(tmp, "protect", "[phase capped]\nbombs = none\ncap.web = 1\n"
                                          "at.1s = cap.web=0\n", duration="4s", rate=1000,
                           slo="100ms")
        d = e2e.run(tmp, ini)
        m = e2e.load(d, "manifest.json")
        ph = [p for p in m["phases"] if p["name"] == "capped"][0]
        assert ph["at"] == [{"t_s": 1, "key": "cap.web", "value": 0}], ph
        for r in m["runs"]:
            if r["phase"] != "capped":
                assert "at" not in r, r
                continue
            at = r["at"][0]
            assert at["ok"] and abs(at["issued_s"] - 1.0) < 0.25, at
            assert at["applied_s"] >= at["issued_s"], at
            # the phase's cap was set and read back at the start, restored after
            assert r["sched"]["start"]["web"]["cap"] == 1, r["sched"]
        t = show(d, "capped")
        assert not t["nothing_to_recover"], t
        assert t["rounds_recovered"] == t["rounds"] == 3, t
        assert t["good_pct_before"] < t["band_good_pct"], t
        assert t["recover_s"] < BOUND_S, t
        print("time to recover %.3f s, interval %s: under the %.1f s bound" % (
            t["recover_s"], t["recover_s_ci"], BOUND_S))
        # the feature as meant: a CPU bomb, then the victim's weight (figures only, on
        # request: ISOLAB_E2E_FIGURES=1)
        if os.environ.get("ISOLAB_E2E_FIGURES") != "1":
            return 0
        ini = e2e.scenario(tmp, "protect-weight", "[phase cpu-then-prio]\nbombs = cpu\n"
                                                 "at.1s = weight.web=8192\n", duration="3s",
                           rate=1000, slo="20ms")
        show(e2e.run(tmp, ini), "cpu-then-prio")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
