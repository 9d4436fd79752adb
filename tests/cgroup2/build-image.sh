#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds the cgroup2 lab's image from Debian packages, never touching the
# host's /boot: what a fresh Debian 12 machine runs, systemd as PID 1 on the
# unified cgroup hierarchy.
#   vmlinuz     Debian's 6.1 kernel (the one linux-image-amd64 points to)
#   root.cpio   debootstrapped bookworm: systemd, systemd-sysv, dbus,
#               iproute2, procps, kmod, python3 (the integration tests run
#               inside unchanged), plus the modules a lab needs: virtio
#               (the scratch disk), ext4 (+ crc32c, its soft dependency), bfq,
#               bridge, veth
#
# Usage: build-image.sh CACHE_ROOT      prints the image directory on stdout
#
# The image directory is CACHE_ROOT/img-<key>, key = hash of this script,
# the shared image library and the Debian package versions, so a rerun
# with the same inputs reuses it. The isolab binaries, the systemd units
# that run a test and the tests themselves are NOT in here: guest.py
# appends them per boot (a second cpio archive), so the image survives
# rebuilds of the C code and edits of the tests.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${1:?usage: build-image.sh CACHE_ROOT}
dimg_name=cgroup2-image
# shellcheck source=../qemu/debian-image.sh
. "$here/../qemu/debian-image.sh"

# shellcheck disable=SC2119
dimg_check_host
dimg_resolve_kernel
sdver=$(apt-cache policy systemd | sed -n 's/^ *Candidate: //p')
key=$( { cat "$here/build-image.sh" "$here/../qemu/debian-image.sh";
	echo "$kpkg=$kpver systemd=$sdver $mirror $suite"; } | sha256sum | cut -c1-16)
dimg_begin "$cache_root" "$key"
log "building $img ($kpkg $kpver, systemd $sdver)"

dimg_fetch "$kpkg"
dimg_kernel

root=$tmp/root
dimg_debootstrap "$root" systemd,systemd-sysv,dbus,iproute2,procps,kmod,python3
# Docs, locales, hwdb, apt state; python's test suite and bytecode caches
# (the tests run with PYTHONDONTWRITEBYTECODE).
dimg_prune "$root" /usr/share/perl '/usr/lib/python3*/test' '/usr/lib/python3*/idlelib' \
	'/usr/lib/python3*/ensurepip' '/usr/lib/python3*/lib2to3' '/usr/lib/python3*/tkinter'
find "$root/usr/lib" -name __pycache__ -prune -exec rm -rf {} +
install_mods "$root" virtio_pci virtio_blk ext4 crc32c_generic crc32c_intel bfq bridge veth
# A fixed machine id: no first-boot work (systemd-firstboot, machine-id-commit).
echo 6973 6f6c 6162 6367 7232 6c61 6200 0001 | tr -d ' ' >"$root/etc/machine-id"
echo cg2lab >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 cg2lab\n' >"$root/etc/hosts"
: >"$root/etc/fstab"

log "packing the initramfs"
dimg_pack "$root" "$img/root.cpio"
echo "systemd=$sdver" >"$img/info"
dimg_finish
