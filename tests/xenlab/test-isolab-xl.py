#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab's xl backend against real Xen, in dom0:

 (a) `isolab vms --backend xl` lists the guests (and not Domain-0);
     `isolab sched get/set --backend xl` round-trips weight and cap on a
     domain in a credit pool and on one in a credit2 pool, as `xl` itself
     reports them; out-of-range values (Xen's limits: weight 1-65535, cap
     0..100 per physical CPU) are refused and leave the setting alone.
 (b) the journal: `isolab run` (backend xl) sets a phase's priorities,
     is killed with SIGKILL mid-phase, and `isolab restore` puts back the
     original (non-default) weight and cap and kills the leftover tools.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
import labout  # noqa: E402

SCRIPT = r"""
. /lab/lib.sh
set -u
export ISOLAB_STATE_DIR=/run/isolab-state
mkdomu v1 p1
mkdomu v2 p2
wait_domu v1 v2
info domains created

# tagged command runner: RUN <name> rc=<rc> | OUT <name> <line>
t() {
	local name=$1; shift
	"$@" >/tmp/out 2>&1
	echo "RUN $name rc=$?"
	sed "s/^/OUT $name /" /tmp/out | head -n 20
}

t vms isolab vms --backend xl
t vms-json isolab vms --backend xl --json
t get-v1 isolab sched get v1 --backend xl --json
t get-v2 isolab sched get v2 --backend xl --json
t set-v1 isolab sched set v1 --backend xl --weight 1024 --cap 50
t set-v2 isolab sched set v2 --backend xl --weight 700 --cap 30
t xl-v1 xl sched-credit -d v1
t xl-v2 xl sched-credit2 -d v2
t get2-v1 isolab sched get v1 --backend xl --json
t get2-v2 isolab sched get v2 --backend xl --json
t bad-w0 isolab sched set v1 --backend xl --weight 0
t bad-w65536 isolab sched set v1 --backend xl --weight 65536
t bad-cap isolab sched set v1 --backend xl --cap 301
t bad-cap2 isolab sched set v2 --backend xl --cap 301
t bad-capneg isolab sched set v1 --backend xl --cap -1
t bad-vm isolab sched get nosuchvm --backend xl
t get3-v1 isolab sched get v1 --backend xl --json
t get3-v2 isolab sched get v2 --backend xl --json
info sched checks done

# (b) originals that are not the defaults, so restore cannot get lucky.
xl sched-credit -d v1 -w 300 -c 5
xl sched-credit2 -d v2 -w 400 -c 0
cat >/tmp/journal.ini <<'EOF'
[global]
backend = xl
duration = 120s
rounds = 1
warmup = 0s
cooldown = 0s
results = /tmp/results
[vm v1]
role = victim
[vm v2]
role = neighbor
[vm client]
role = probe
[probe]
vm = client
kind = http
target = victim
concurrency = 1
[bomb cpu]
vm = v2
kind = cpu
[phase cpu+prio]
bombs = cpu
weight.v1 = 2048
cap.v2 = 20
EOF
isolab check /tmp/journal.ini >/tmp/check.out 2>&1
echo "RUN check rc=$?"; sed 's/^/OUT check /' /tmp/check.out | head -n 10
setsid isolab run /tmp/journal.ini >/tmp/run.out 2>&1 </dev/null &
pid=$!
changed=no
for _ in $(seq 180); do
	w=$(xl sched-credit -d v1 | awk 'NR == 2 { print $3 }')
	if [ "$w" = 2048 ] && pgrep -f isolab-bomb >/dev/null; then changed=yes; break; fi
	kill -0 $pid 2>/dev/null || break
	sleep 1
done
echo "CHECK changed-during-run $changed"
kill -9 $pid
wait $pid 2>/dev/null
sleep 1
echo "CHECK after-kill-v1 $(xl sched-credit -d v1 | awk 'NR == 2 { print $3, $4 }')"
echo "CHECK after-kill-v2 $(xl sched-credit2 -d v2 | awk 'NR == 2 { print $3, $4 }')"
echo "CHECK leftover-before $(pgrep -f 'isolab-(bomb|victim|probe)' | wc -l)"
echo "CHECK journals-before $(ls $ISOLAB_STATE_DIR/*.journal 2>/dev/null | wc -l)"
sed 's/^/OUT run /' /tmp/run.out | head -n 40
t restore isolab restore
echo "CHECK restored-v1 $(xl sched-credit -d v1 | awk 'NR == 2 { print $3, $4 }')"
echo "CHECK restored-v2 $(xl sched-credit2 -d v2 | awk 'NR == 2 { print $3, $4 }')"
sleep 1
echo "CHECK leftover-after $(pgrep -f 'isolab-(bomb|victim|probe)' | wc -l)"
echo "CHECK journals-after $(ls $ISOLAB_STATE_DIR/*.journal 2>/dev/null | wc -l)"
t restore-again isolab restore
info journal checks done
"""


def parse(res):
    runs, outs = {}, {}
    for rest in res.tagged("RUN"):
        name, _, rc = rest.partition(" rc=")
        runs[name] = int(rc)
    for rest in res.tagged("OUT"):
        name, _, line = rest.partition(" ")
        outs.setdefault(name, []).append(line)
    return runs, outs, res.keyed("CHECK")


def jget(outs, name):
    try:
        return json.loads("\n".join(outs.get(name, [])))
    except ValueError:
        return None


def main():
    lb = lab.Lab()
    missing = lb.need("isolab", "isolab-bomb", "isolab-probe", "isolab-victim")
    if missing:
        lab.cannot_run("binaries not built: " + ", ".join(missing))
    try:
        res = lb.run(SCRIPT, timeout=1500, name="isolab-xl")
    except lab.LabError as e:
        print("FAIL: " + str(e))
        return 1
    print(res.output)
    runs, outs, checks = parse(res)
    fails = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    # (a) vms
    expect(runs.get("vms") == 0, "isolab vms --backend xl exits 0")
    names = [ln.split()[0] for ln in outs.get("vms", [])[1:] if ln.strip()]
    expect("v1" in names and "v2" in names, "isolab vms lists v1 and v2 (got %s)" % names)
    expect("Domain-0" not in names, "isolab vms leaves out the control domain")
    vj = jget(outs, "vms-json") or []
    byname = {v.get("name"): v for v in vj if isinstance(v, dict)}
    expect(set(byname) >= {"v1", "v2"}, "isolab vms --json has v1 and v2")
    expect(byname.get("v1", {}).get("weight") == 256, "vms --json: v1 weight 256")
    # (a) sched get/set round trip, credit and credit2
    for vm, w, c, xl in (("v1", 1024, 50, "xl-v1"), ("v2", 700, 30, "xl-v2")):
        g0 = jget(outs, "get-" + vm) or {}
        expect((g0.get("weight"), g0.get("cap")) == (256, 0),
               "%s starts at weight 256 cap 0 (got %s)" % (vm, g0))
        expect(runs.get("set-" + vm) == 0, "sched set %s exits 0" % vm)
        row = [ln.split() for ln in outs.get(xl, []) if ln.startswith(vm + " ")]
        got = (int(row[0][2]), int(row[0][3])) if row and len(row[0]) >= 4 else None
        expect(got == (w, c), "xl itself reports %s weight %d cap %d (got %s)"
               % (vm, w, c, got))
        g2 = jget(outs, "get2-" + vm) or {}
        expect((g2.get("weight"), g2.get("cap")) == (w, c),
               "sched get %s reads back %d/%d (got %s)" % (vm, w, c, g2))
    for bad in ("bad-w0", "bad-w65536", "bad-capneg"):
        expect(runs.get(bad) == 2, "%s refused with exit 2 (got %s)" % (bad, runs.get(bad)))
        expect(len(outs.get(bad, [])) >= 1, "%s says why on stderr" % bad)
    for bad in ("bad-cap", "bad-cap2"):
        msg = " ".join(outs.get(bad, []))
        expect(runs.get(bad) not in (None, 0) and "range" in msg,
               "cap 301 > 100 x 3 CPUs refused with Xen's limit (%s: %s)" % (runs.get(bad), msg))
    expect(runs.get("bad-vm") not in (None, 0), "an unknown domain is an error")
    for vm, w, c in (("v1", 1024, 50), ("v2", 700, 30)):
        g3 = jget(outs, "get3-" + vm) or {}
        expect((g3.get("weight"), g3.get("cap")) == (w, c),
               "%s unchanged after the refused values (got %s)" % (vm, g3))
    # (b) journal
    if runs.get("check") != 0:
        # The probe VM runs in dom0 (no ssh): `isolab check` wants every
        # [vm] to be a domain, `isolab run` does not. Reported, not asserted.
        print("note: isolab check refused the scenario: %s" % " ".join(outs.get("check", [])[:1]))
    expect(checks.get("changed-during-run") == "yes",
           "isolab run applied weight 2048 to v1 and started the bomb")
    expect(checks.get("after-kill-v1") == "2048 5",
           "after kill -9 the run's weight is still on v1 (got %s)" % checks.get("after-kill-v1"))
    expect(checks.get("after-kill-v2") == "400 20",
           "after kill -9 the run's cap is still on v2 (got %s)" % checks.get("after-kill-v2"))
    expect(checks.get("journals-before") == "1", "one journal left by the dead run")
    expect(runs.get("restore") == 0, "isolab restore exits 0")
    expect(checks.get("restored-v1") == "300 5",
           "restore puts back v1's original 300/5 (got %s)" % checks.get("restored-v1"))
    expect(checks.get("restored-v2") == "400 0",
           "restore puts back v2's original 400/0 (got %s)" % checks.get("restored-v2"))
    expect(checks.get("leftover-after") == "0", "no isolab tool left running after restore")
    expect(checks.get("journals-after") == "0", "restore removed the journal")
    expect(runs.get("restore-again") == 0, "a second restore is a no-op")
    return labout.finish(res, fails)


if __name__ == "__main__":
    sys.exit(main())
