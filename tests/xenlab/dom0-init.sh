#!/bin/bash
# SPDX-License-Identifier: MIT
# xenlab dom0 /init: mounts, loads Xen's dom0 modules, starts the toolstack
# (xenfs, oxenstored, xen-init-dom0, xenconsoled), brings up the xenbr0
# bridge, runs /lab/cmd.sh and reports through console markers that
# lab.py parses:
#   @@XENLAB:READY@@            toolstack up
#   @@XENLAB:BEGIN@@ ... @@XENLAB:END rc=N@@   the command's output and status
# then powers the machine off. Every failure still prints END with rc=255.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root TERM=dumb LANG=C
# Sanitizer builds of the isolab tools: keep ASan's quarantine small in
# 768 MB of dom0.
export ASAN_OPTIONS=quarantine_size_mb=16:malloc_context_size=10
xenbin=/usr/lib/xen-4.17/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
echo 1 >/proc/sys/kernel/printk 2>/dev/null
hostname dom0
ip link set lo up

fail() {
	echo "@@XENLAB:FAIL $*@@"
	echo "@@XENLAB:END rc=255@@"
	sync
	poweroff -f
	sleep 60
}

for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback bridge; do
	modprobe "$m" || fail "modprobe $m"
done
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
grep -q control_d /proc/xen/capabilities || fail "not dom0"
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/log/xen /var/lib/xenstored /var/run
[ -L /var/run ] || mount --bind /run /var/run

"$xenbin/oxenstored" --pid-file /run/xenstored.pid || fail "oxenstored"
for _ in $(seq 60); do
	xenstore-read -s / >/dev/null 2>&1 && break
	sleep 1
done
xenstore-read -s / >/dev/null 2>&1 || fail "xenstore did not come up"
"$xenbin/xen-init-dom0" >/dev/null || fail "xen-init-dom0"
mkdir -p /var/log/xen/console
"$xenbin/xenconsoled" --pid-file /run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled"

# Guest network: a host-only bridge, dom0 = 10.9.0.1. vif-bridge plugs the
# guests' vifs into it.
ip link add name xenbr0 type bridge stp_state 0 forward_delay 0
ip addr add 10.9.0.1/24 dev xenbr0
ip link set xenbr0 up

# The lab's cpupools, part of the boot (a hypervisor crash here is retried
# like any failed boot): Pool-0 = CPU 0 (dom0, the boot scheduler), p1 =
# CPU 1 on credit, p2 = CPU 2 on credit2. Guests contend inside one pool,
# so that weights bite (docs/xenlab.md). Pool-0 boots on credit2: taking a CPU
# out of a credit Pool-0 raced with credit's tick timer and crashed Xen 4.17
# under TCG (csched_tick, NULL pcpu).
mkpool() {
	xl cpupool-cpu-remove Pool-0 "$3" || fail "cpupool-cpu-remove $3"
	printf 'name = "%s"\nsched = "%s"\ncpus = ["%s"]\n' "$1" "$2" "$3" >"/etc/xen/pool-$1.cfg"
	xl cpupool-create "/etc/xen/pool-$1.cfg" >/dev/null || fail "cpupool-create $1"
}
if [ "$(xl info | awk '/^nr_cpus/ { print $3 }')" -ge 3 ]; then
	mkpool p1 credit 1
	mkpool p2 credit2 2
fi

echo "@@XENLAB:READY@@"
[ -x /lab/cmd.sh ] || fail "no /lab/cmd.sh"
echo "@@XENLAB:BEGIN@@"
cd /lab && /lab/cmd.sh </dev/null 2>&1
rc=$?
echo "@@XENLAB:END rc=$rc@@"
sync
poweroff -f
sleep 60
