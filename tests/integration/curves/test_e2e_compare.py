#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`isolab compare` on two real runs made to differ, on the local backend.

Run A caps the victim at 2 % of a CPU in phase `x` (at 400 req/s it needs
about five times that); run B runs `x` without the cap. Whatever else the
shared host does, compare must call `x` better in B (a hard cap, not a
weight, so the host's other load cannot blur it) and not call the baseline
better or worse. Then the refusal: a third run with another SLO.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402


def main():
    e2e.common.need_root()
    e2e.common.need_tools(e2e.BIN)
    tmp = tempfile.mkdtemp(prefix="isolab-e2e-compare-")
    try:
        a = e2e.run(tmp, e2e.scenario(tmp, "capped", "[phase x]\nbombs = none\ncap.web = 2\n"))
        b = e2e.run(tmp, e2e.scenario(tmp, "free", "[phase x]\nbombs = none\n"))
        out = os.path.join(tmp, "cmp")
        p = e2e.isolab(tmp, "compare", a, b, "--out", out, "--labels", "capped,free")
        assert p.returncode == 0, p.stderr
        print(p.stdout)
        js = e2e.load(out, "compare.json")
        row = {r["name"]: r for r in js["phases"]}
        assert row["x"]["verdicts"] == ["better"], row["x"]
        assert row["baseline"]["verdicts"][0] not in ("better", "worse"), row["baseline"]
        diff = row["x"]["measures"]["good_pct"]["runs"][1]["vs_reference"]
        print("x: free - capped = %.1f points %s" % (diff["estimate"], diff["ci"]))
        # a run with another SLO is refused in one line
        c = e2e.run(tmp, e2e.scenario(tmp, "slo", "[phase x]\nbombs = none\n", slo="30ms"))
        p = e2e.isolab(tmp, "compare", a, c, "--out", out)
        assert p.returncode == 2 and "different SLOs" in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
