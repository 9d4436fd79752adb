#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Real Xen, no isolab: the lab boots, xl sees the domains, and the credit
scheduler splits one contended CPU the way its weights and caps say.

Two spinning one-vCPU domUs share a one-CPU credit pool; their CPU time
from `xl list` over a window gives the shares: 256:256 -> 50/50,
1024:256 -> 80/20, cap 10 -> 10/90. Also a credit2 pool accepts and
reports a weight, and Xen rejects a weight of 0 / 65536."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
import labout  # noqa: E402

WINDOW = int(os.environ.get("XENLAB_WINDOW", "12"))

SCRIPT = r"""
. /lab/lib.sh
set -u
echo "CHECK xl-list $(xl list | awk 'NR > 1 { print $1 }' | tr '\n' ' ')"
echo "CHECK dom0-sched $(xl sched-credit2 -d Domain-0 | awk 'NR == 2 { print $3, $4 }')"
echo "CHECK xl-info-sched $(xl info | awk -F': ' '/^xen_scheduler/ { print $2 }')"
mkdomu d1 p1 "" spin
info d1 created
mkdomu d2 p1 "" spin
info d2 created
wait_domu d1 d2
wait_console d1 xenlab-spin || die "d1 did not start spinning"
wait_console d2 xenlab-spin || die "d2 did not start spinning"
info both spinning
echo "CHECK pools $(xl cpupool-list | awk 'NR > 1 { print $1 ":" $3 ":" $4 }' | tr '\n' ' ')"
sleep 3
share equal WINDOW d1 d2
xl sched-credit -d d1 -w 1024
echo "CHECK d1-weight $(xl sched-credit -d d1 | awk 'NR == 2 { print $3 }')"
sleep 2
share w1024 WINDOW d1 d2
xl sched-credit -d d1 -w 256 -c 10
echo "CHECK d1-cap $(xl sched-credit -d d1 | awk 'NR == 2 { print $4 }')"
sleep 2
share cap10 WINDOW d1 d2
xl sched-credit -d d1 -c 0
# credit2: move d2 into the credit2 pool, set and read a weight there.
xl cpupool-migrate d2 p2 || die "cpupool-migrate"
xl sched-credit2 -d d2 -w 700
echo "CHECK credit2-weight $(xl sched-credit2 -d d2 | awk 'NR == 2 { print $3 }')"
xl sched-credit -d d1 -w 0 >/dev/null 2>&1; echo "CHECK reject-w0 $?"
xl sched-credit -d d1 -w 65536 >/dev/null 2>&1; echo "CHECK reject-w65536 $?"
echo "CHECK d1-weight-after-reject $(xl sched-credit -d d1 | awk 'NR == 2 { print $3 }')"
info measured
xl destroy d1; xl destroy d2
info destroyed
""".replace("WINDOW", str(WINDOW))


def main():
    lb = lab.Lab()
    try:
        res = lb.run(SCRIPT, timeout=1200, name="xl-credit")
    except lab.LabError as e:
        print("FAIL: " + str(e))
        return 1
    print(res.output)
    fails = []
    if res.rc != 0:
        fails.append("dom0 script exited %d" % res.rc)
    checks = res.keyed("CHECK")
    shares = {}
    for rest in res.tagged("SHARE"):
        f = rest.split()
        shares[f[0]] = dict(kv.split("=") for kv in f[1:])

    def expect(cond, what):
        if not cond:
            fails.append(what)

    expect("Domain-0" in checks.get("xl-list", ""), "xl list shows Domain-0")
    expect(checks.get("dom0-sched") == "256 0", "dom0 has weight 256 cap 0 (got %r)"
           % checks.get("dom0-sched"))
    expect(checks.get("xl-info-sched") == "credit2", "Xen boots on credit2 (its default)")
    expect("p1:credit:y" in checks.get("pools", "") and "p2:credit2:y" in checks.get("pools", ""),
           "cpupools p1 (credit) and p2 (credit2) exist (got %r)" % checks.get("pools"))
    expect(checks.get("d1-weight") == "1024", "weight 1024 reads back")
    expect(checks.get("d1-cap") == "10", "cap 10 reads back")
    expect(checks.get("credit2-weight") == "700", "credit2 weight 700 reads back")
    expect(checks.get("reject-w0") not in (None, "0"), "xl rejects weight 0")
    expect(checks.get("reject-w65536") not in (None, "0"), "xl rejects weight 65536")
    expect(checks.get("d1-weight-after-reject") == "256",
           "a rejected weight leaves the old one")

    bounds = {"equal": (40, 60), "w1024": (70, 90), "cap10": (5, 16)}
    for tag, (lo, hi) in bounds.items():
        s = shares.get(tag)
        if not s:
            fails.append("no share measured for " + tag)
            continue
        d1 = float(s["d1"])
        expect(lo <= d1 <= hi, "%s: d1 share %.1f %% outside [%d, %d]" % (tag, d1, lo, hi))
        if tag != "cap10":
            busy = float(s["total"]) / float(s["window"])
            expect(busy > 0.7, "%s: the contended CPU was busy only %.0f %%" % (tag, busy * 100))
    print(labout.timing(res))
    for tag in ("equal", "w1024", "cap10"):
        if tag in shares:
            print("RESULT %s d1=%s%% d2=%s%%" % (tag, shares[tag]["d1"], shares[tag]["d2"]))
    if fails:
        for f in fails:
            print("FAIL: " + f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
