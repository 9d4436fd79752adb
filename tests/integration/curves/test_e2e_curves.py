#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sensitivity curves end to end on the local backend.

An intensity sweep of a CPU bomb (0, 50, 100 %), equal weights and the victim
at weight 8192 (per-value twins), and a load sweep without a bomb (10 % and
40 % of the calibrated capacity). Asserts: every member ran with the bomb's
--intensity (none at 0) and the probe at its share of the capacity; the
report draws both curves; each curve is monotone within its intervals (a
higher intensity or load is never surely better for the victim); the
prioritised victim never surely tolerates less than the equal-weight one;
the bomb's achieved intensity is reported beside the requested one.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

PHASES = """[phase cpu]
bombs = cpu
intensity.cpu = 0, 50, 100
[phase cpu+prio]
bombs = cpu
weight.web = 8192
intensity.cpu = 0, 50, 100
[phase quiet]
bombs = none
load = 10%, 40%
"""


def main():
    e2e.common.need_root()
    e2e.common.need_tools(e2e.BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-e2e-curves-")
    try:
        d = e2e.run(tmp, e2e.scenario(tmp, "curves", PHASES))
        m = e2e.load(d, "manifest.json")
        cap = m["calibration"]["capacity_rps"]
        for r in m["runs"]:
            ph = r["phase"]
            if "intensity.cpu=" in ph:
                x = int(ph.split("=")[1].rstrip("]"))
                if x == 0:
                    assert r["bombs"] == {}, r
                    continue
                bomb = e2e.load(d, r["bombs"]["cpu"])
                assert bomb["options"]["intensity_pct"] == x, bomb["options"]
            if "load=" in ph:
                pct = int(ph.split("=")[1].rstrip("]"))
                rate = e2e.load(d, r["probe"])["metrics"]["rate_rps"]
                assert abs(rate - cap * pct / 100) < 0.01 * rate + 0.01, (ph, rate, cap)
        s = e2e.load(d, "summary.json")
        curves = {c["key"]: c for c in s["curves"]}
        assert set(curves) == {"intensity.cpu", "load"}, curves.keys()
        fams = {f["name"]: f for f in curves["intensity.cpu"]["families"]}
        assert set(fams) == {"cpu", "cpu+prio"}, fams.keys()
        for name, f in list(fams.items()) + [("quiet", curves["load"]["families"][0])]:
            print("%s: tolerated %s; points %s" % (name, f["tolerated"], [
                (p["x"], p["x_achieved"], round(p["score"], 1),
                 [round(v, 1) for v in p["score_ci"]] if p["score_ci"] else None)
                for p in f["points"]]))
            assert f["monotone"], f
            assert len(f["points"]) == (3 if name != "quiet" else 2), f
        eq, pr = fams["cpu"]["tolerated"], fams["cpu+prio"]["tolerated"]
        assert not (not pr["hi_above_last_point"] and not eq["lo_below_first_point"] and
                    pr["hi"] < eq["lo"]), (eq, pr)
        for f in fams.values():
            for p in f["points"]:
                if p["x"] > 0:
                    assert p["x_achieved"] is not None and 0 < p["x_achieved"], p
        with open(os.path.join(d, "report.html")) as f:
            assert "Victim good responses against cpu bomb intensity" in f.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
