#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Does prioritising the victim give it more of the disk? On the cgroup2
guest (systemd, pure v2), `isolab run` with the victim and a neighbour both
reading from the scratch disk (a disk bomb in each, buffered reads of their
own 4 MiB file, the page cache dropped before each pass), phases `disk`
(equal weights) and `disk+prio` (weight.web = 2048: cpu.weight 800, and
io.bfq.weight 800 against 100 where BFQ runs).

What it asserts, twice (the disk's default scheduler, then BFQ): on the
default one (none), no io weight works and the run says "CPU weight only:
no I/O weight on this host", and the two bombs share the disk about evenly;
on BFQ the backend picks io.bfq.weight, the victim's group holds 800 during
the prioritised phases and 100 otherwise (read from the kernel once a second),
the equal-weight split is about even, and on both the kernel's io.stat
charges each group with what its own bomb read (the reads reached the disk,
in the right group). And the report (isolab report, rendered in the guest)
says beside disk+prio what happened: "CPU weight only" on the default
scheduler; on BFQ "I/O weight did not take effect" or "I/O weight took
effect" with the victim's disk share, its equal-weight share and the 89 %
the weights give -- the same figures and the same claim the bombs'
bombs_achieved give here (less than half the way from the equal split to
89 %: did not take effect).

What it measures and prints but does not assert: whether the share follows
the weight. On this emulated disk BFQ gives a long-lived reader 60-76 % at
800:100, not 89 %, and isolab's bomb about 68-75 % (53.7 % in one 2-round
run); the bare dd readers' 84-91 % (tests/cgroup2/io-share.sh) came partly
from BFQ's low_latency weight-raising of each newly started dd (65 % with
low_latency 0): tests/cgroup2/io-share-causes.sh and docs/local-backend.md,
"The io-weight experiment on the guest".

QEMU throttles the disk to 4 MiB/s, below what two readers on the emulated
CPU can pull (~11 MB/s measured at 32 MiB/s, where the CPU was the limit and
the CPU weight alone moved the split, BFQ or not): so the disk is the
bottleneck, and only an io weight can move it. The files are small so that
each bomb's write pass (its file written once, before it reads) is a second,
not most of a phase: with 16 MiB files the neighbour's bomb read nothing in
2 of 4 phases on the default scheduler (still writing), and the split
measured who finished writing first.

Without isolab, on this emulated disk (4 MiB/s, one dd reader in each of two
groups, 20 s per condition: tests/cgroup2/io-share.sh), the first group's
share was 50 % at 800:100 on the default scheduler (none); with BFQ 38-48 %
at 100:100 and 84-91 % at 800:100.
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
; a baseline (without its A/A twin) so that the report has its protection table, where
; it says beside disk+prio whether the io weight took effect
aa = no

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
size = 4M
[bomb disk]
vm = n-disk
kind = disk
mode = read
size = 4M

[phase baseline]
bombs = none
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
    # what the report measures the share from: each bomb's bytes moved per second
    ach = r.get("bombs_achieved") or {}
    print("ACHIEVED %s %d %s %s" % (r["phase"], r["round"],
                                    (ach.get("vio") or {}).get("achieved"),
                                    (ach.get("disk") or {}).get("achieved")))
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
# once a second while a run goes, the kernel's view of the two disk readers' groups:
# "IOSAMPLE uptime web:cpu.weight web:io.bfq.weight web:rbytes n-disk:rbytes" (rbytes
# from io.stat for vda: what reached the disk, charged to the group)
watch_groups() {
	local dev web nd
	dev=$(cat /sys/block/vda/dev)
	rb() { awk -v d="$dev" '$1 == d { for (i = 2; i <= NF; i++) if (sub(/^rbytes=/, "", $i)) print $i }' "$1/io.stat" 2>/dev/null; }
	while :; do
		web=$(find /sys/fs/cgroup -type d -name 'isolab-*-web' 2>/dev/null | head -n1)
		nd=$(find /sys/fs/cgroup -type d -name 'isolab-*-n-disk' 2>/dev/null | head -n1)
		if [ -n "$web" ] && [ -n "$nd" ]; then
			cw=$(cat "$web/cpu.weight" 2>/dev/null)
			bw=$(head -n1 "$web/io.bfq.weight" 2>/dev/null | tr ' ' :)
			a=$(rb "$web")
			b=$(rb "$nd")
			echo "IOSAMPLE $(cut -d' ' -f1 /proc/uptime) ${cw:--} ${bw:--} ${a:-0} ${b:-0}"
		fi
		sleep 1
	done
}
one_run() {
	local tag=$1 out
	watch_groups >/tmp/samples-$tag.txt &
	w=$!
	out=$("$ISOLAB" run /tmp/io.ini --results /tmp/results-$tag --no-report 2>/tmp/err-$tag.txt)
	check "run-$tag" "$?"
	kill $w
	tail -n 5 /tmp/err-$tag.txt
	python3 /tmp/summary.py "$(echo "$out" | tail -n1)" | sed "s/^/$tag /"
	# the report's own line beside disk+prio (summary.md's verdict table)
	"$ISOLAB" report "$(echo "$out" | tail -n1)" --out /tmp/report-$tag --format md -q
	check "report-$tag" "$?"
	grep '^| disk+prio |' /tmp/report-$tag/summary.md | head -n1 | sed "s/^/$tag REPORTROW /"
	sed "s/^/$tag /" /tmp/samples-$tag.txt
	check "web-weights-$tag" "$(awk '{ print $4 }' /tmp/samples-$tag.txt | sort -u | tr '\n' ',')"
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


def kernel_bytes(res, tag):
    """From the IOSAMPLE lines of run tag, what io.stat charged to the victim's and the
    neighbour's groups: ({cpu.weight: [web bytes, n-disk bytes]} over the seconds the
    victim's cpu.weight held that value at both ends, [web, n-disk] over the whole run)."""
    samples = []
    for rest in res.tagged(tag):
        f = rest.split()
        if f[0] == "IOSAMPLE" and len(f) == 6:
            samples.append((f[2], int(f[4]), int(f[5])))
    by, total = {}, [0, 0]
    for (w0, a0, b0), (w1, a1, b1) in zip(samples, samples[1:]):
        if a1 < a0 or b1 < b0:
            # a child group (a tool's) was removed: Linux 6.1 drops its counts from the
            # parent's io.stat, so this second cannot be told
            continue
        total[0] += a1 - a0
        total[1] += b1 - b0
        if w0 == w1:
            acc = by.setdefault(w0, [0, 0])
            acc[0] += a1 - a0
            acc[1] += b1 - b0
    return by, total


def achieved_shares(res, tag):
    """{phase: mean victim share %} from the ACHIEVED lines (the bombs' bytes moved per
    second, what the report measures from)."""
    by = {}
    for rest in res.tagged(tag):
        f = rest.split()
        if f[0] != "ACHIEVED" or f[3] == "None" or f[4] == "None":
            continue
        a, b = float(f[3]), float(f[4])
        if a + b > 0:
            by.setdefault(f[1], []).append(100.0 * a / (a + b))
    return {k: sum(v) / len(v) for k, v in by.items()}


def report_row(res, tag):
    for rest in res.tagged(tag):
        if rest.startswith("REPORTROW "):
            return rest[len("REPORTROW "):]
    return ""


def check_report(res, expect):
    """The report's own words beside disk+prio: on the default scheduler "CPU weight only";
    on BFQ what the measured shares say, with the report's share equal to the one the
    bombs' results give and its claim ("did not take effect" / "took effect") the one
    those numbers call for: moved less than half the way from the equal split to 89 %."""
    row = report_row(res, "default")
    expect("CPU weight only: no I/O weight on this host" in row,
           "default scheduler: the report says no 'CPU weight only' beside disk+prio: %r" % row)
    row = report_row(res, "bfq")
    a = achieved_shares(res, "bfq")
    eq, prio = a.get("disk"), a.get("disk+prio")
    if eq is None or prio is None:
        expect(False, "bfq: no bombs_achieved for the disk phases: %s" % a)
        return
    weights = 800.0 / 900 * 100
    claim = ("I/O weight did not take effect" if prio - eq < (weights - eq) / 2
             else "I/O weight took effect")
    said = "%s: victim's disk share %.0f %% (%.0f %% at equal weights; its io weight gives " \
           "%.0f %%)" % (claim, prio, eq, weights)
    print("report beside disk+prio (bfq): %s" % row)
    print("expected from the bombs' results: %s" % said)
    expect(said in row, "bfq: the report does not say %r beside disk+prio: %r" % (said, row))


def share(pair):
    return 100.0 * pair[0] / (pair[0] + pair[1]) if pair and pair[0] + pair[1] else -1


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
    checks = res.keyed("CHECK")
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
    # BFQ: the weight reaches the disk's scheduler
    iw = io_weight(res, "bfq") or {}
    expect(iw.get("effective") is True and iw.get("knob") == "io.bfq.weight",
           "bfq: io weight not effective through io.bfq.weight: %s" % iw)
    seen = checks.get("web-weights-bfq", "")
    expect("default:100" in seen and "default:800" in seen,
           "bfq: the victim's io.bfq.weight did not go 100 -> 800 -> back: %r" % seen)
    s_def, s_bfq = shares(res, "default"), shares(res, "bfq")
    # the kernel's own accounting: io.stat charged each group with (at least most of) what
    # its own bomb read: the reads reached the disk, per group
    k = {}
    for tag in ("default", "bfq"):
        by, total = kernel_bytes(res, tag)
        bombs = [0, 0]
        for r in res.tagged(tag):
            if r.startswith("IOSHARE "):
                bombs[0] += int(r.split()[3])
                bombs[1] += int(r.split()[4])
        k[tag] = (share(by.get("100")), share(by.get("800")))
        for i, (vm, bomb) in enumerate((("web", "vio"), ("n-disk", "disk"))):
            print("  %-7s %-6s io.stat %6.1f MiB read, its bomb %6.1f MiB" %
                  (tag, vm, total[i] / 2**20, bombs[i] / 2**20))
            expect(bombs[i] > 0 and total[i] >= 0.75 * bombs[i],
                   "%s: io.stat charged %.1f MiB of reads to %s, its bomb %s read %.1f MiB: "
                   "the reads did not reach the disk or were charged elsewhere" %
                   (tag, total[i] / 2**20, vm, bomb, bombs[i] / 2**20))
    d_eq, d_prio = mean(s_def.get("disk", [])), mean(s_def.get("disk+prio", []))
    eq, prio = mean(s_bfq.get("disk", [])), mean(s_bfq.get("disk+prio", []))
    # Measured, not asserted: on this emulated disk, isolab's disk bombs did not show the
    # weight (docs/local-backend.md, "The io-weight experiment on the guest")
    print("victim share of the disk, mean of %d rounds (bombs' bytes read; io.stat):" % ROUNDS)
    print("  %s: equal %.1f %%; %.1f %%, weight 2048 vs 256 %.1f %%; %.1f %% (%s)" %
          (checks.get("sched-default"), d_eq, k["default"][0], d_prio, k["default"][1], s_def))
    print("  bfq: equal %.1f %%; %.1f %%, weight 2048 vs 256 %.1f %%; %.1f %% "
          "(BFQ arithmetic: 89 %%) (%s)" % (eq, k["bfq"][0], prio, k["bfq"][1], s_bfq))
    print("timing: boot %.0f s, whole boot %.0f s" % (res.boot_s, res.total_s))
    # without an io weight, two readers of the one disk share it about evenly
    expect(30 <= d_eq <= 70 and 30 <= d_prio <= 70,
           "default scheduler: victim share %.1f %% equal, %.1f %% prioritised: expected "
           "30-70 %% both (no io weight)" % (d_eq, d_prio))
    expect(30 <= eq <= 70, "bfq, equal weights: victim share %.1f %%, expected 30-70 %%" % eq)
    for tag in ("default", "bfq"):
        expect(checks.get("report-" + tag) == "0", "isolab report (%s) exited %r" %
               (tag, checks.get("report-" + tag)))
    check_report(res, expect)
    if fails:
        print("FAIL:\n  " + "\n  ".join(fails))
        return 1
    print("ok: without BFQ the run says 'CPU weight only'; with BFQ the victim's "
          "io.bfq.weight is set and read back; io.stat charges each group its reads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
