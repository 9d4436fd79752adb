#!/bin/bash
# SPDX-License-Identifier: MIT
# Why isolab's disk bombs did not get the share BFQ's weights promise on the cgroup2 guest
# (docs/local-backend.md, "The io-weight experiment on the guest"). Two groups a and b under
# /sys/fs/cgroup/io-share with io.bfq.weight (and cpu.weight) a:b, one reader of a given
# kind in each, 20 s per condition after a settling time; the share is from io.stat rbytes.
# Readers: dd (a new dd process per pass over a 32 MiB file, iflag=nocache), py (one
# python process reading 1 MiB blocks over and over, each dropped from the cache after
# it is read), pp4/pp32 (one python process with the bomb's pass pattern: fdatasync and
# POSIX_FADV_DONTNEED of the whole file, then 1 MiB reads over 4 or 32 MiB), bomb4 /
# bomb32 / bomb4d (isolab-bomb disk --mode read --size 4M / 32M / 4M --direct, as in
# test-io-weight.py), bomb4r (the same restarted every 8 s). Burner: a CPU spinner in a,
# everything pinned to CPU 0. IO_SET picks the conditions (1, 3, 4: the boots of
# 2026-11-30 18:06, 18:17 and 23:34; all by default). On the host:
#   (echo IO_SET=3; cat tests/cgroup2/io-share-causes.sh) | ISOLAB_BUILD_ROOT=$PWD/build \
#       /work/coord/lockq nice -n 10 python3 tests/cgroup2/guest.py --timeout 900 \
#       --disk-opts throttling.bps-total=4194304 -
# Prints one "SHARE <condition> ..." line per condition.
set -u
IO_SET=${IO_SET:-all}
D=/sys/fs/cgroup/io-share
SECS=${IO_SHARE_SECS:-20}
dev=$(cat /sys/block/vda/dev)
rbytes() {
	awk -v d="$dev" '$1 == d { for (i = 2; i <= NF; i++) if (sub(/^rbytes=/, "", $i)) print $i }' \
		"$1/io.stat"
}
PIN=""
reader() { # group, kind: reads its file over and over
	echo "$BASHPID" >"$D/$1/cgroup.procs"
	case $2 in
	dd) while :; do $PIN dd if="/var/tmp/f$1" of=/dev/null bs=1M iflag=nocache status=none; done ;;
	ddd) while :; do $PIN dd if="/var/tmp/f$1" of=/dev/null bs=1M iflag=direct status=none; done ;;
	bomb4) mkdir -p /var/tmp/d$1; exec $PIN "$ISOLAB_BOMB" disk --mode read --size 4M --dir /var/tmp/d$1 --duration 300s --quiet ;;
	bomb32) mkdir -p /var/tmp/d$1; exec $PIN "$ISOLAB_BOMB" disk --mode read --size 32M --dir /var/tmp/d$1 --duration 300s --quiet ;;
	bomb4r) mkdir -p /var/tmp/d$1; while :; do "$ISOLAB_BOMB" disk --mode read --size 4M --dir /var/tmp/d$1 --duration 8s --quiet >/dev/null; done ;;
	py) exec python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
while True:
    off = 0
    while True:
        b = os.pread(fd, 1 << 20, off)
        if not b: break
        os.posix_fadvise(fd, off, len(b), os.POSIX_FADV_DONTNEED)
        off += len(b)
' "/var/tmp/f$1" ;;
	pp4|pp32) exec python3 -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
size = int(sys.argv[2]) << 20
gaps = []
t_end = None
while True:
    t0 = time.monotonic()
    os.fdatasync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    off = 0
    first = True
    while off < size:
        b = os.pread(fd, 1 << 20, off)
        if first and t_end is not None:
            pass
        if first:
            gaps.append(time.monotonic() - t0)
            first = False
            if len(gaps) % 4 == 0:
                g = sorted(gaps)
                open(sys.argv[3], "w").write("passes %d gap+first-read median %.1f ms max %.1f ms\n" % (len(g), 1000 * g[len(g) // 2], 1000 * g[-1]))
        off += len(b)
' "/var/tmp/f$1" "${2#pp}" "/tmp/gap-$1" ;;
	bomb4d) mkdir -p /var/tmp/d$1; exec $PIN "$ISOLAB_BOMB" disk --mode read --size 4M --direct --dir /var/tmp/d$1 --duration 300s --quiet ;;
	esac
}
burner() {
	echo "$BASHPID" >"$D/$1/cgroup.procs"
	exec taskset -c 0 /bin/sh -c 'while :; do :; done'
}
measure() { # label, weight a, weight b, kind, burn(0/1)
	local a0 b0 t0 a1 b1 t1
	echo "default $2" >"$D/a/io.bfq.weight"
	echo "default $3" >"$D/b/io.bfq.weight"
	echo $(( $2 )) >"$D/a/cpu.weight"
	echo $(( $3 )) >"$D/b/cpu.weight"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if [ "$5" = 1 ]; then PIN="taskset -c 0"; burner a & else PIN=""; fi
	reader a "$4" &
	reader b "$4" &
	sleep ${SETTLE:-4}
	a0=$(rbytes "$D/a") b0=$(rbytes "$D/b") t0=$(cut -d' ' -f1 /proc/uptime)
	sleep "$SECS"
	a1=$(rbytes "$D/a") b1=$(rbytes "$D/b") t1=$(cut -d' ' -f1 /proc/uptime)
	ua=$(awk '$1=="usage_usec"{print $2}' $D/a/cpu.stat); ub=$(awk '$1=="usage_usec"{print $2}' $D/b/cpu.stat)
	echo 1 >"$D/a/cgroup.kill"
	echo 1 >"$D/b/cgroup.kill"
	wait
	python3 -c "
a, b, s = ($a1 - ${a0:-0}) / 2**20, ($b1 - ${b0:-0}) / 2**20, $t1 - $t0
print('SHARE %-34s a %5.1f MiB  b %5.1f MiB  %4.2f MiB/s  a: %5.1f %%  (%.1f s) cpu a %.1f s b %.1f s'
      % ('$1', a, b, (a + b) / s, 100 * a / (a + b) if a + b else -1, s, $ua/1e6, $ub/1e6))"
}
echo +io +cpu >/sys/fs/cgroup/cgroup.subtree_control
mkdir "$D" "$D/a" "$D/b"
echo +io +cpu +memory >"$D/cgroup.subtree_control"
for f in a b; do dd if=/dev/zero of="/var/tmp/f$f" bs=1M count=32 conv=fsync status=none; done
modprobe bfq && echo bfq >/sys/block/vda/queue/scheduler
echo "scheduler: $(cat /sys/block/vda/queue/scheduler)"
grep . /sys/block/vda/queue/iosched/* /sys/block/vda/queue/read_ahead_kb 2>/dev/null
Q=/sys/block/vda/queue/iosched
defaults() {
	echo 1 >$Q/low_latency
	echo 0 >$Q/strict_guarantees
	echo 8 >$Q/slice_idle
}
want() { [ "$IO_SET" = all ] || [ "$IO_SET" = "$1" ]; }
if want 1; then
	defaults
	measure "dd-cached 800:100" 800 100 dd 0
	measure "bomb4 800:100" 800 100 bomb4 0
	measure "bomb4 800:100 pinned+burner-in-a" 800 100 bomb4 1
	measure "dd-cached 800:100 pinned+burner-in-a" 800 100 dd 1
	measure "bomb32 800:100" 800 100 bomb32 0
	measure "bomb4-direct 800:100" 800 100 bomb4d 0
	echo 0 >$Q/low_latency
	measure "bomb4 800:100 lowlat0" 800 100 bomb4 0
	measure "bomb4 800:100 pinned+burner lowlat0" 800 100 bomb4 1
fi
if want 3; then
	defaults
	measure "dd-cached 800:100" 800 100 dd 0
	measure "py-persistent 800:100" 800 100 py 0
	measure "bomb4 800:100" 800 100 bomb4 0
	measure "bomb4-restart8s 800:100" 800 100 bomb4r 0
	echo 1 >$Q/strict_guarantees
	measure "bomb4 800:100 strict" 800 100 bomb4 0
	measure "py-persistent 800:100 strict" 800 100 py 0
	echo 0 >$Q/strict_guarantees
	echo 0 >$Q/low_latency
	measure "dd-cached 800:100 lowlat0" 800 100 dd 0
	measure "py-persistent 800:100 lowlat0" 800 100 py 0
fi
if want 4; then
	defaults
	measure "py-pass-pattern 4M 800:100" 800 100 pp4 0
	cat /tmp/gap-a /tmp/gap-b
	measure "py-pass-pattern 32M 800:100" 800 100 pp32 0
	cat /tmp/gap-a /tmp/gap-b
	SETTLE=22 measure "bomb32 800:100 (after its write pass)" 800 100 bomb32 0
	echo 0 >$Q/slice_idle
	measure "py-pass-pattern 4M 800:100 slice_idle0" 800 100 pp4 0
fi
defaults
rmdir "$D/a" "$D/b" "$D"
rm -rf /var/tmp/fa /var/tmp/fb /var/tmp/da /var/tmp/db
echo EXP-DONE
