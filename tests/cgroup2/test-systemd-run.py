#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab's embedded default where users are: Debian 12, systemd as PID 1,
pure cgroup v2. One boot of the cgroup2 guest runs, as root in an ordinary
system service, the same tests the v1 CI host runs, unchanged:

  integration-local-real   the local backend on the real kernel (cgroups,
                           namespaces, weights and caps sharing a CPU,
                           memory and pids limits, teardown, crash cleanup)
  test_run_quick.py        `isolab run --quick` on the built-in default,
                           once (ISOLAB_QUICK_RUNS=1): the results contract
                           (calibration, design, validity, mechanism),
                           nothing left; its verdicts are judged here, on
                           the host (ISOLAB_QUICK_VERDICTS=0 inside), by
                           quick_verdicts.py: against the CFS arithmetic
                           for the victim's demand beside the bomb (its CPU
                           share in cpu+prio over the rounds the host left
                           alone), with the host's load and each vCPU's
                           busy time per probe window printed
  test_kill_restore.py     `isolab run` killed with SIGKILL at four points,
                           `isolab restore` removes everything; SIGTERM ends
                           a run cleanly

and after each, that no isolab cgroup (anywhere in /sys/fs/cgroup), network
namespace or process is left. Asserted here: the machine really is systemd
on cgroup2 only, every step passed, nothing left, and the report's verdicts
where the arithmetic decides them (quick_verdicts.py): a demand D of 65-80 %
of a CPU beside the bomb (equal weights leave the victim 50 %, 2048:256 gives
it 89 %): cpu hurt and cpu+prio protected or partly; D <= 40: cpu not hurt;
D <= 80: cpu+prio served as the baseline (unaffected), never "not
protected"; always: the A/A twin not hurt. Between 40 and 65 the rounds
decide whether cpu hurts: printed, not asserted.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import quick_verdicts  # noqa: E402

STEPS = ("local-real", "run-quick", "kill-restore")

# Emulation makes everything slower (prepare of a run: ~10 s instead of 0.1 s on a
# loaded host): the tests' own bounds and waits grow by this factor, never their
# assertions.
TIME_SCALE = os.environ.get("CG2_TIME_SCALE", "5")

SCRIPT = r"""
. /lab/lib.sh
set -u
# the guest's clock against the host's (the host notes when it read READY, just before)
check clock "$(date +%s.%N)"
lab_env
leftovers boot
T=/opt/isolab/src/tests/integration/controller
export ISOLAB_BIN=$ISOLAB ISOLAB_TEST_TIME_SCALE=@SCALE@

# which path the local backend takes here, as isolab check says it
"$ISOLAB" run --print-default >/tmp/default.ini
check placement "$("$ISOLAB" check /tmp/default.ini 2>&1 | grep -o 'under systemd: [^;]*' | head -n1)"

step() {
	local name=$1 secs=$2 rc
	shift 2
	info "begin $name"
	timeout -k 10 "$secs" "$@" 2>&1
	rc=$?
	info "end $name rc=$rc"
	check "$name" "$rc"
	leftovers "$name"
	dmesg | grep -iE "oom-kill|killed process" | tail -n 3 | sed "s/^/kernel: /"
	dmesg -C
}
step local-real 600 "$ISOLAB_LOCAL_REAL"
# its verdicts are judged on the host (quick_verdicts.py), against the host's load and
# each vCPU's busy time (cumulative /proc/stat ticks, every second; bash builtins but sleep)
(
	while :; do
		mapfile -t -n 3 st </proc/stat
		echo "VCPU $EPOCHREALTIME ${st[1]} ${st[2]}"
		sleep 1
	done
) >/var/tmp/vcpu.log 2>&1 &
sampler=$!
step run-quick 1500 env ISOLAB_QUICK_RUNS=1 ISOLAB_QUICK_VERDICTS=0 \
	ISOLAB_QUICK_KEEP=/var/tmp/quick python3 "$T/test_run_quick.py"
kill $sampler
wait $sampler 2>/dev/null
cat /var/tmp/vcpu.log
python3 - /var/tmp/quick/run-1 <<'EOF_EXTRACT'
@EXTRACT@
EOF_EXTRACT
rm -rf /var/tmp/quick
step kill-restore 1200 python3 "$T/test_kill_restore.py"
info done
""".replace("@SCALE@", TIME_SCALE).replace("@EXTRACT@", quick_verdicts.GUEST_EXTRACT)


def main():
    g = guest.Guest()
    try:
        res = g.run(SCRIPT, timeout=3400, name="systemd-run")
    except guest.BootError as e:
        print("FAIL: " + str(e))
        return 1
    print(res.output)
    checks = res.keyed("CHECK")
    fails = []

    def expect(cond, what):
        if not cond:
            fails.append(what)

    expect(res.rc == 0, "guest script exited %d" % res.rc)
    expect(checks.get("pid1") == "systemd", "PID 1 is %r, not systemd" % checks.get("pid1"))
    expect(checks.get("cgroup-fs") == "cgroup2fs",
           "/sys/fs/cgroup is %r, not cgroup2fs" % checks.get("cgroup-fs"))
    expect(checks.get("v1-mounts") == "0", "v1 cgroup mounts: %r" % checks.get("v1-mounts"))
    expect("transient scope isolab-<run>.scope with Delegate=yes" in checks.get("placement", ""),
           "isolab check does not say the run goes into a systemd scope: %r" %
           checks.get("placement"))
    for s in STEPS:
        expect(checks.get(s) == "0", "%s exited %r" % (s, checks.get(s)))
    for s in ("boot",) + STEPS:
        left = checks.get("leftovers-" + s)
        expect(left == "", "left behind after %s: %r" % (s, left))
    quick = [json.loads(q) for q in res.tagged("QUICK")]
    expect(len(quick) == 1, "the guest printed the quick run's record (%d QUICK lines)"
           % len(quick))
    if quick:
        try:
            # the guest's clock onto the host's: READY was read just before "CHECK clock"
            offset = res.ready_wall - float(checks.get("clock"))
        except (TypeError, ValueError):
            offset = 0.0
        print("\nthe quick run (guest clock %+.2f s from the host's; QEMU in cpu cgroup %s; "
              "the host has %d CPUs):" % (-offset, res.cpu_group, os.cpu_count()))
        lines, bad = quick_verdicts.judge(quick[0], res.host_cpu, offset,
                                          quick_verdicts.parse_vcpu(res.tagged("VCPU")))
        print("\n".join(lines))
        fails += bad
    print("timing: image %.0f s, boot to multi-user %.0f s, whole boot %.0f s (%d attempt(s))"
          % (g.image_s, res.boot_s, res.total_s, res.attempts))
    if fails:
        print("FAIL:\n  " + "\n  ".join(fails))
        return 1
    print("ok: local-real, run-quick and kill-restore pass on systemd + cgroup2, "
          "nothing left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
