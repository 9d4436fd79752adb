#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Does prioritising the victim give it more of the disk? On the cgroup2
guest (systemd, pure v2), `isolab run` with the victim and a neighbour both
reading from the scratch disk (a disk bomb in each, buffered reads of their
own 16 MiB file, the page cache dropped before each pass), phases `disk`
(equal weights) and `disk+prio` (weight.web = 2048: cpu.weight 800, and
io.bfq.weight 800 against 100 where BFQ runs).

QEMU throttles the disk to 4 MiB/s, below what two readers on the emulated
CPU can pull (~11 MB/s measured at 32 MiB/s, where the CPU was the limit and
the CPU weight alone moved the split, BFQ or not): so the disk is the
bottleneck, and only an io weight can move it.

Twice: with the disk's default scheduler (mq-deadline, no io.cost), where no
io weight works, the run must say "CPU weight only: no I/O weight on this
host" and the split must stay about even; then with BFQ, where the victim's
share must follow its weight (BFQ arithmetic: 50 % equal, 800/900 = 89 %
prioritised). The victim's share is its bomb's bytes read over both bombs'
bytes read in the same phase, from the bombs' own JSON results.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

THROTTLE = "throttling.bps-total=%d" % (4 << 20)
ROUNDS = int(os.environ.get("CG2_IO_ROUNDS", "2"))

SCENARIO = """[global]
name = io-weight
backend = local
duration = 15s
warmup = 3s
cooldown = 1s
rounds = %d
victim_pages = 200

[vm web]
role = victim
[vm n-disk]
role = neighbor
memory_max = 256M
[vm client]
role = probe

[probe]
vm = client
kind = http
target = victim
concurrency = 2

; the victim's own disk traffic, what its weight should protect
[bomb vio]
vm = web
kind = disk
mode = read
size = 16M
[bomb disk]
vm = n-disk
kind = disk
mode = read
size = 16M

[phase disk]
bombs = vio, disk
[phase disk+prio]
bombs = vio, disk
weight.web = 2048
""" % ROUNDS

# In the guest: the bytes each bomb read, per run, and what the backend said about io.
SUMMARY = r"""
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
print("IOWEIGHT " + json.dumps(m["backend"].get("details", {}).get("io_weight")))
print("STATUS " + m["status"])
for r in m["runs"]:
    got = {}
    for b in ("vio", "disk"):
        p = r["bombs"].get(b)
        met = json.load(open(os.path.join(d, p)))["metrics"] if p else {}
        got[b] = met.get("bytes_read", 0)  # the write pass is buffered: not the disk's share
    print("IOSHARE %s %d %d %d" % (r["phase"], r["round"], got["vio"], got["disk"]))
"""

SCRIPT = r"""
. /lab/lib.sh
set -u
# the state directory holds the disk bombs' files: on the (throttled) scratch disk
export ISOLAB_STATE_DIR=/var/tmp/isolab-state
cat >/tmp/io.ini <<'EOF'
@SCENARIO@EOF
cat >/tmp/summary.py <<'EOF'
@SUMMARY@EOF
# what weight the victim's group holds, once a second, while a run goes
watch_web() {
	while :; do
		for g in $(find /sys/fs/cgroup -type d -name 'isolab-*-web' 2>/dev/null); do
			cat "$g/io.bfq.weight" 2>/dev/null | head -n1
		done
		sleep 1
	done
}
one_run() {
	local tag=$1 out
	watch_web >/tmp/web-$tag.txt &
	w=$!
	out=$("$ISOLAB" run /tmp/io.ini --results /tmp/results-$tag --no-report 2>/tmp/err-$tag.txt)
	check "run-$tag" "$?"
	kill $w
	tail -n 5 /tmp/err-$tag.txt
	python3 /tmp/summary.py "$(echo "$out" | tail -n1)" | sed "s/^/$tag /"
	check "web-weights-$tag" "$(sort -u /tmp/web-$tag.txt | tr '\n' ',')"
	leftovers "$tag"
}
check sched-default "$(cat /sys/block/vda/queue/scheduler)"
"$ISOLAB" check /tmp/io.ini 2>&1 | head -n 3
info "run with the default scheduler"
one_run default
modprobe bfq && echo bfq >/sys/block/vda/queue/scheduler
check sched-bfq "$(cat /sys/block/vda/queue/scheduler)"
info "run with bfq"
one_run bfq
info done
""".replace("@SCENARIO@", SCENARIO).replace("@SUMMARY@", SUMMARY)


def shares(res, tag):
    """{phase: [victim share % per round]} from the IOSHARE lines of run tag."""
    out = {}
    for rest in res.tagged(tag):
        f = rest.split()
        if f[0] != "IOSHARE":
            continue
        vio, disk = int(f[3]), int(f[4])
        out.setdefault(f[1], []).append(100.0 * vio / (vio + disk) if vio + disk else -1)
    return out


def io_weight(res, tag):
    for rest in res.tagged(tag):
        if rest.startswith("IOWEIGHT "):
            return json.loads(rest[len("IOWEIGHT "):])
    return None


def mean(v):
    return sum(v) / len(v) if v else -1


def main():
    g = guest.Guest()
    try:
        res = g.run(SCRIPT, timeout=2400, name="io-weight", disk_opts=THROTTLE)
    except guest.BootError as e:
        print("FAIL: " + str(e))
        return 1
    print(res.output)
    checks = {}
    for rest in res.tagged("CHECK"):
        k, _, v = rest.partition(" ")
        checks[k] = v.strip()
    fails = []

    def expect(cond, what):
        if not cond:
            fails.append(what)

    expect(res.rc == 0, "guest script exited %d" % res.rc)
    expect("[bfq]" not in checks.get("sched-default", ""), "the disk starts on BFQ already")
    expect("[bfq]" in checks.get("sched-bfq", ""), "BFQ could not be selected")
    for tag in ("default", "bfq"):
        expect(checks.get("run-" + tag) == "0", "isolab run (%s) exited %r" %
               (tag, checks.get("run-" + tag)))
        expect(checks.get("leftovers-" + tag) == "", "left behind after the %s run: %r" %
               (tag, checks.get("leftovers-" + tag)))
    # the default scheduler: no io weight works, and the run says so
    iw = io_weight(res, "default") or {}
    expect(iw.get("effective") is False, "default scheduler: io weight claimed effective: %s" % iw)
    expect((iw.get("note") or "").startswith("CPU weight only: no I/O weight on this host: vda"),
           "default scheduler: no 'CPU weight only' note: %s" % iw)
    # BFQ: the weight reaches the disk and the victim's share follows it
    iw = io_weight(res, "bfq") or {}
    expect(iw.get("effective") is True and iw.get("knob") == "io.bfq.weight",
           "bfq: io weight not effective through io.bfq.weight: %s" % iw)
    seen = checks.get("web-weights-bfq", "")
    expect("default 100" in seen and "default 800" in seen,
           "bfq: the victim's io.bfq.weight did not go 100 -> 800 -> back: %r" % seen)
    s_def, s_bfq = shares(res, "default"), shares(res, "bfq")
    eq, prio = mean(s_bfq.get("disk", [])), mean(s_bfq.get("disk+prio", []))
    print("victim share of the disk (bytes read), mean of %d rounds:" % ROUNDS)
    print("  default scheduler: equal %.1f %%, prioritised %.1f %% (%s)" %
          (mean(s_def.get("disk", [])), mean(s_def.get("disk+prio", [])), s_def))
    print("  bfq:               equal %.1f %%, prioritised %.1f %% (%s)" % (eq, prio, s_bfq))
    print("timing: boot %.0f s, whole boot %.0f s" % (res.boot_s, res.total_s))
    d_eq, d_prio = mean(s_def.get("disk", [])), mean(s_def.get("disk+prio", []))
    expect(30 <= d_eq <= 70 and 30 <= d_prio <= 70,
           "default scheduler: victim share %.1f %% equal, %.1f %% prioritised: expected "
           "30-70 %% both (no io weight; the disk, not the CPU, is the bottleneck)" %
           (d_eq, d_prio))
    expect(30 <= eq <= 70, "bfq, equal weights: victim share %.1f %%, expected 30-70 %%" % eq)
    expect(prio >= 70 and prio >= eq + 15,
           "bfq, weight 2048 vs 256: victim share %.1f %% (equal: %.1f %%), expected >= 70 %% "
           "(BFQ arithmetic: 89 %%)" % (prio, eq))
    if fails:
        print("FAIL:\n  " + "\n  ".join(fails))
        return 1
    print("ok: no io weight without BFQ is said; with BFQ the victim's disk share follows "
          "its weight")
    return 0


if __name__ == "__main__":
    sys.exit(main())
