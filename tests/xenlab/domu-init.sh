#!/bin/sh
# SPDX-License-Identifier: MIT
# xenlab domU /init (busybox): network from the kernel command line
# (lab.ip=10.9.0.1N), dropbear for the controller's ssh executor, and an
# optional workload: lab.run=NAME runs /lab/NAME.sh (progress on hvc0).
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export HOME=/root
/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
for a in $(/bin/busybox --list-full); do
	[ -e "/$a" ] || /bin/busybox ln -s /bin/busybox "/$a"
done
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo 1 >/proc/sys/kernel/printk
ip=
run=
for a in $(cat /proc/cmdline); do
	case "$a" in
	lab.ip=*) ip=${a#lab.ip=} ;;
	lab.run=*) run=${a#lab.run=} ;;
	esac
done
hostname "domu-${ip##*.}"
ip link set lo up
if [ -n "$ip" ]; then
	modprobe xen-netfront
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -e /sys/class/net/eth0 ] && break
		sleep 1
	done
	ip addr add "$ip/24" dev eth0
	ip link set eth0 up
	/usr/sbin/dropbear -E -p 22 -r /etc/dropbear/dropbear_ed25519_host_key 2>/dev/null
	echo "xenlab-domu: up $ip"
fi
echo "xenlab-domu: ready"
if [ -n "$run" ] && [ -x "/lab/$run.sh" ]; then
	"/lab/$run.sh" </dev/null 2>&1
fi
while :; do sleep 3600; done
