#!/bin/bash
# SPDX-License-Identifier: MIT
# The io-weight experiment without isolab, for the cgroup2 guest: can this
# disk be shared by weight at all? Two groups under /sys/fs/cgroup/io-share,
# each with one dd reader of its own 32 MiB file on /var/tmp (the scratch
# disk), 20 s per condition; the share is from the kernel's io.stat rbytes.
# On the host:
#   ISOLAB_BUILD_ROOT=$PWD/build nice -n 10 python3 tests/cgroup2/guest.py \
#       --timeout 900 --disk-opts throttling.bps-total=4194304 tests/cgroup2/io-share.sh
# (guest.py copies a build's binaries in whatever the script: hence the build root)
# Prints one "SHARE <condition> ..." line per condition.
set -u
D=/sys/fs/cgroup/io-share
SECS=${IO_SHARE_SECS:-20}
dev=$(cat /sys/block/vda/dev)

rbytes() {
	awk -v d="$dev" '$1 == d { for (i = 2; i <= NF; i++) if (sub(/^rbytes=/, "", $i)) print $i }' \
		"$1/io.stat"
}
reader() { # group, dd flag: reads its file over and over
	echo "$BASHPID" >"$D/$1/cgroup.procs"
	while :; do dd if="/var/tmp/f$1" of=/dev/null bs=1M "$2" status=none; done
}
measure() { # label, weight a, weight b, dd flag
	local a0 b0 t0 a1 b1 t1
	[ -f "$D/a/io.bfq.weight" ] && echo "default $2" >"$D/a/io.bfq.weight" &&
		echo "default $3" >"$D/b/io.bfq.weight"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	reader a "$4" &
	reader b "$4" &
	sleep 2
	a0=$(rbytes "$D/a") b0=$(rbytes "$D/b") t0=$(cut -d' ' -f1 /proc/uptime)
	sleep "$SECS"
	a1=$(rbytes "$D/a") b1=$(rbytes "$D/b") t1=$(cut -d' ' -f1 /proc/uptime)
	echo 1 >"$D/a/cgroup.kill"
	echo 1 >"$D/b/cgroup.kill"
	wait
	python3 -c "
a, b, s = ($a1 - ${a0:-0}) / 2**20, ($b1 - ${b0:-0}) / 2**20, $t1 - $t0
print('SHARE %-26s a %5.1f MiB  b %5.1f MiB  %4.2f MiB/s  a: %5.1f %%  (%.1f s)'
      % ('$1', a, b, (a + b) / s, 100 * a / (a + b) if a + b else -1, s))"
}

echo +io >/sys/fs/cgroup/cgroup.subtree_control
mkdir "$D" "$D/a" "$D/b"
echo +io >"$D/cgroup.subtree_control"
for f in a b; do dd if=/dev/zero of="/var/tmp/f$f" bs=1M count=32 conv=fsync status=none; done
echo "scheduler: $(cat /sys/block/vda/queue/scheduler)"
measure "default direct 800:100" 800 100 iflag=direct
measure "default cached 800:100" 800 100 iflag=nocache
modprobe bfq && echo bfq >/sys/block/vda/queue/scheduler
echo "scheduler: $(cat /sys/block/vda/queue/scheduler)"
measure "bfq direct 100:100" 100 100 iflag=direct
measure "bfq direct 800:100" 800 100 iflag=direct
measure "bfq cached 100:100" 100 100 iflag=nocache
measure "bfq cached 800:100" 800 100 iflag=nocache
rmdir "$D/a" "$D/b" "$D"
rm -f /var/tmp/fa /var/tmp/fb
