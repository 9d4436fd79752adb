#!/bin/bash
# SPDX-License-Identifier: MIT
# cgroup2 lab, in the guest: run by cg2-lab.service once systemd has
# reached multi-user.target. Mounts the scratch disk on /var/tmp, then
# reports through console markers that guest.py parses:
#   @@CG2:READY@@                          the machine is up
#   @@CG2:BEGIN@@ ... @@CG2:END rc=N@@     /lab/cmd.sh's output and status
# and powers the machine off. Every failure still prints END (rc=255).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C CI=true PYTHONDONTWRITEBYTECODE=1
# temporary files (the tests' state and results directories, so the disk bombs' files)
# on the scratch disk, as /tmp is on a disk on a real host: the root here is in RAM
export TMPDIR=/var/tmp
# ASan builds of the tools: a small quarantine in a 2.5 GB machine.
export ASAN_OPTIONS=quarantine_size_mb=16:malloc_context_size=10
set -a
. /lab/env
set +a

off() {
	sync
	systemctl poweroff --force --force
	sleep 60
}
fail() {
	dmesg | tail -n 15
	echo "@@CG2:FAIL $*@@"
	echo "@@CG2:END rc=255@@"
	off
}

echo 1 >/proc/sys/kernel/printk
modprobe -a virtio_pci virtio_blk ext4 || fail "modprobe virtio_pci virtio_blk ext4"
for _ in $(seq 100); do
	[ -b /dev/vda ] && break
	sleep 0.1
done
[ -b /dev/vda ] || fail "no scratch disk /dev/vda"
mount -o noatime /dev/vda /var/tmp || fail "mount /dev/vda /var/tmp"
chmod 1777 /var/tmp

echo "@@CG2:READY@@"
echo "@@CG2:BEGIN@@"
cd /lab && /bin/bash /lab/cmd.sh </dev/null 2>&1
rc=$?
echo "@@CG2:END rc=$rc@@"
off
