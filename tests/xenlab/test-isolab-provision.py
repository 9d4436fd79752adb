#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Neighbours on demand on real Xen (backend xl), in dom0. One argument
says which part (each boots the lab once):

 run   (suite xenlab, default) `isolab run` creates three neighbour domUs
     from one xl configuration (a [group] with config =, one cpupool, each
     copy its own address on the kernel command line), waits until each
     answers ssh, runs a one-bomb phase on them (the CPU bomb on every
     member) beside the victim, and destroys them: `xl list` afterwards is
     as before. The wall time of provisioning each domU under emulation is
     printed.
 kill  (suite long) the same run killed with SIGKILL once its bomb phase
     started; then `isolab restore` destroys the three copies, and `xl
     list` is as before the run (the victim domain is left alone). The
     fake-xl integration test xenapi-xl_provision_kill9_then_restore_...
     checks the same logic in the default run in seconds.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402

SCENARIO = """[global]
backend = xl
name = xenlab-provision
duration = 8s
rounds = 1
warmup = 3s
cooldown = 1s
results = /tmp/results
victim_pages = 200

[vm web]
role = victim
name = v1
ssh = root@10.9.0.11

[vm client]
role = probe

[group noisy]
count = 3
config = /etc/xen/neighbour.cfg
pool = p1
xl.extra = console=hvc0 rdinit=/init quiet loglevel=3 lab.ip=10.9.0.{n+20}
addr = 10.9.0.{n+20}
ssh = root@{addr}
ready_timeout = 10m

[probe]
vm = client
kind = http
target = victim
concurrency = 4

[bomb cpu]
vm = noisy
kind = cpu

[phase baseline]
bombs = none

[phase cpu]
bombs = cpu
"""

SCRIPT_COMMON = r"""
. /lab/lib.sh
set -u
export ISOLAB_STATE_DIR=/run/isolab-state
mkdomu v1 p1 10.9.0.11 "" 256
wait_domu v1
need_ssh v1 10.9.0.11
cat >/etc/xen/neighbour.cfg <<EOF
name = "neighbour"
type = "pv"
kernel = "/vmlinuz"
ramdisk = "/lab/domu.cpio"
extra = "console=hvc0 rdinit=/init quiet loglevel=3"
memory = 256
vcpus = 1
on_crash = "destroy"
vif = [ 'bridge=xenbr0,script=/lab/vif-lab' ]
EOF
names() { xl list | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' '; }
echo "LIST before $(names)"
info victim up
"""

SCRIPT_RUN = r"""
isolab check /lab/scenario.ini >/tmp/check.out 2>&1
echo "RUN check rc=$?"; sed 's/^/OUT check /' /tmp/check.out | head -n 10

# (a) the whole run
isolab run --no-report /lab/scenario.ini >/tmp/run.out 2>/tmp/run.err
echo "RUN run rc=$?"
info run done
sed 's/^/OUT runlog /' /tmp/run.err | head -n 400
dir=$(tail -n 1 /tmp/run.out)
for f in "$dir"/*.stderr "$dir"/runs/*/*.stderr; do
	[ -s "$f" ] && sed "s|^|OUT stderr ${f#$dir/}: |" "$f" | head -n 15
done
echo "FILE manifest.json $(tr -d '\n' <"$dir/manifest.json")"
for f in "$dir"/runs/*/bomb-*.json; do
	# the status and CPU time alone: the whole result is long for a serial line
	[ -f "$f" ] && echo "BOMB ${f#$dir/} $(tr -d '\n ' <"$f" | grep -o '"status":"[a-z]*"\|"cpu_seconds":[0-9.e+-]*' | head -n 2 | tr '\n' ' ')"
done
echo "LIST after $(names)"
# the copies' consoles (xenconsoled keeps them after the domain is gone): why one did not come up
for f in /var/log/xen/console/guest-isolab-*.log; do
	[ -f "$f" ] && tail -n 12 "$f" | sed "s|^|CONSOLE ${f##*/guest-} |"
done
echo "CHECK journals $(ls /run/isolab-state 2>/dev/null | grep -c journal)"
"""

SCRIPT_KILL = r"""
# (b) killed in its bomb phase, then restore
setsid isolab run --no-report /lab/scenario.ini >/tmp/run2.out 2>/tmp/run2.err &
pid=$!
for _ in $(seq 900); do
	grep -q 'phase cpu' /tmp/run2.err && break
	kill -0 $pid 2>/dev/null || break
	sleep 1
done
sleep 3
echo "LIST killed $(names)"
kill -KILL -$pid 2>/dev/null; kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
echo "RUN killed-run rc=$?"
sed 's/^/OUT run2 /' /tmp/run2.err | grep -v 'warning: ' | tail -n 15
isolab restore >/tmp/restore.out 2>&1
echo "RUN restore rc=$?"
sed 's/^/OUT restore /' /tmp/restore.out | head -n 20
echo "LIST restored $(names)"
echo "CHECK journals $(ls /run/isolab-state 2>/dev/null | grep -c journal)"
"""


def main():
    part = sys.argv[1] if len(sys.argv) == 2 else ""
    if part not in ("run", "kill"):
        sys.stderr.write("usage: test-isolab-provision.py run|kill\n")
        return 2
    lb = lab.Lab()
    missing = lb.need("isolab", "isolab-bomb", "isolab-probe", "isolab-victim")
    if missing:
        lab.cannot_run("binaries not built: " + ", ".join(missing))
    script = SCRIPT_COMMON + (SCRIPT_RUN if part == "run" else SCRIPT_KILL)
    try:
        res = lb.run(script, timeout=2400, name="isolab-provision-" + part,
                     files={"scenario.ini": SCENARIO})
    except lab.LabError as e:
        print("FAIL: " + str(e))
        return 1
    runs, lists, checks, man, bombs = {}, {}, {}, {}, {}
    for ln in res.lines():
        tag, _, rest = ln.partition(" ")
        if tag == "RUN":
            name, _, rc = rest.partition(" rc=")
            runs[name] = int(rc)
        elif tag == "LIST":
            k, _, v = rest.partition(" ")
            lists[k] = v.split()
        elif tag == "CHECK":
            k, _, v = rest.partition(" ")
            checks[k] = v.strip()
        elif tag == "FILE":
            try:
                man = json.loads(rest.partition(" ")[2])
            except ValueError:
                man = {}
        elif tag == "BOMB":
            name, _, body = rest.partition(" ")
            b = {}
            for kv in body.split():
                k, _, v = kv.partition(":")
                b[k.strip('"')] = v.strip('"')
            bombs[name] = b
        if tag != "FILE":
            print(ln)
    fails = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    if part == "run":
        expect(runs.get("check") == 0,
               "isolab check accepts the group (rc %s)" % runs.get("check"))
        expect(runs.get("run") == 0, "isolab run exits 0 (got %s)" % runs.get("run"))
        made = man.get("made", [])
        expect([m.get("vm") for m in made] == ["noisy-1", "noisy-2", "noisy-3"],
               "three domUs made (%s)" % [m.get("vm") for m in made])
        expect(all(m.get("destroyed") for m in made), "every made domU destroyed")
        # the run stops its bombs at the phase's end: "interrupted" with metrics is their
        # normal result, "ok" when one ran out its own duration first; "failed" is not
        ok_bombs = [n for n, b in bombs.items()
                    if b.get("status") in ("ok", "interrupted") and
                    float(b.get("cpu_seconds") or 0) > 0]
        expect(len(ok_bombs) == 3,
               "the cpu bomb reported CPU work from each of the three (%s)" % bombs)
        expect(lists.get("after") == lists.get("before"),
               "xl list after the run as before (%s vs %s)" % (lists.get("after"),
                                                               lists.get("before")))
        print("\n| domU | xl create (s) | then up, ssh and tools (s) | destroy (s) |")
        print("|---|---:|---:|---:|")
        for m in made:
            print("| %s | %.1f | %.1f | %.1f |" % (m.get("vm"), m.get("provision_s", 0),
                                                   m.get("ready_s", 0), m.get("destroy_s", 0)))
    else:
        killed = [n for n in lists.get("killed", []) if n.startswith("isolab-")]
        expect(len(killed) == 3, "three copies running when killed (%s)" % killed)
        expect(runs.get("restore") == 0,
               "isolab restore exits 0 (got %s)" % runs.get("restore"))
        expect(lists.get("restored") == lists.get("before"),
               "xl list after restore as before the run (%s vs %s)" % (lists.get("restored"),
                                                                      lists.get("before")))
    expect(checks.get("journals") == "0", "no journal left (%s)" % checks.get("journals"))
    print("\ntiming: boot %.0f s, total %.0f s, attempts %d" % (res.boot_s, res.total_s,
                                                               res.attempts))
    if fails:
        print("FAILED %d checks" % len(fails))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
