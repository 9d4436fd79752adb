#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds the xenlab base image from Debian packages, never touching the
# host's /boot:
#   xen.elf       Xen 4.17 hypervisor (gunzipped, QEMU loads it as multiboot)
#   vmlinuz       Debian's 6.1 kernel, used for dom0 and the domUs
#   dom0.cpio     debootstrapped bookworm with the Xen toolstack + /init
#   domu.cpio     busybox + dropbear + xen-netfront: a tiny PV guest
#   id_lab        ssh client key dom0 uses to reach the guests
#
# Usage: build-image.sh CACHE_ROOT      prints the image directory on stdout
#
# The image directory is CACHE_ROOT/img-<key>, where key hashes this script,
# the init scripts and the Debian package versions the mirror offers now,
# so a rerun with the same inputs reuses it. The isolab binaries are NOT in
# here: lab.py appends them per boot (concatenated cpio archives), so the
# image survives rebuilds of the C code.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${1:?usage: build-image.sh CACHE_ROOT}
dimg_name=xenlab-image
# shellcheck source=../qemu/debian-image.sh
. "$here/../qemu/debian-image.sh"

dimg_check_host busybox ssh-keygen

# Which kernel: the one linux-image-amd64 points to today.
dimg_resolve_kernel
xpkg=xen-hypervisor-4.17-amd64
xver=$(apt-cache policy "$xpkg" | sed -n 's/^ *Candidate: //p')
[ -n "$xver" ] && [ "$xver" != "(none)" ] || die "$xpkg not available from apt"

key=$( { cat "$here/build-image.sh" "$here/../qemu/debian-image.sh";
	echo "$kpkg=$kpver $xpkg=$xver $mirror $suite"; } | sha256sum | cut -c1-16)
dimg_begin "$cache_root" "$key"
log "building $img ($xpkg $xver, $kpkg $kpver)"

# 1. Xen and the kernel: download and unpack, not install.
dimg_fetch "$xpkg" "$kpkg"
xgz=$(ls "$tmp"/x/boot/xen-4.17*-amd64.gz 2>/dev/null | head -n1)
[ -n "$xgz" ] || die "no xen-4.17*.gz in $xpkg"
gunzip -c "$xgz" >"$img/xen.elf"
dimg_kernel

# 2. dom0: debootstrapped bookworm with the toolstack.
root=$tmp/dom0
dimg_debootstrap "$root" xen-utils-4.17,busybox,iproute2,procps,kmod,openssh-client,dropbear-bin
# debootstrap sees bookworm only; bring the toolstack to the hypervisor's
# version (bookworm-security) so xl and Xen are one release.
xenpkgs=$(chroot "$root" dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' \
	'libxen*' 'xen-utils*' 'xenstore-utils' 2>/dev/null |
	awk -v v="$xver" '$1 == "ii" && $3 != v { print $2 "=" v }')
if [ -n "$xenpkgs" ]; then
	mkdir -p "$tmp/xdl"
	# shellcheck disable=SC2086
	if (cd "$tmp/xdl" && apt-get download -q $xenpkgs >&2); then
		cp "$tmp"/xdl/*.deb "$root/tmp/"
		chroot "$root" sh -c 'dpkg -i /tmp/*.deb' >"$tmp/dpkg.log" 2>&1 ||
			{ tail -n 20 "$tmp/dpkg.log" >&2; die "updating the Xen toolstack to $xver failed"; }
		rm -f "$root"/tmp/*.deb
	else
		log "warning: could not download toolstack $xver; keeping bookworm's"
	fi
fi
# Prune what a lab dom0 never runs: every MB here is copied by the emulated
# CPU at each boot (docs, locales, udev's hwdb, python for pygrub, the PVH
# shim, apt's and dpkg's state).
dimg_prune "$root" /usr/share/perl /usr/share/python3 '/usr/lib/python3*' '/usr/bin/python3*' \
	/usr/lib/xen-4.17/boot '/usr/lib/xen-4.17/lib/python*'
install_mods "$root" xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback \
	xen-netback bridge
install -m 0755 "$here/dom0-init.sh" "$root/init"
cp "$img/vmlinuz" "$root/vmlinuz"
mkdir -p "$root/root/.ssh" "$root/lab" "$root/etc/xen/auto"
ssh-keygen -q -t ed25519 -N '' -C xenlab -f "$img/id_lab"
cp "$img/id_lab" "$root/root/.ssh/id_ed25519"
cat >"$root/root/.ssh/config" <<'EOF'
Host *
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
	ConnectTimeout 20
	ServerAliveInterval 5
	ServerAliveCountMax 6
EOF
chmod 700 "$root/root/.ssh"
chmod 600 "$root/root/.ssh/"*
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
10.9.0.1 dom0
EOF
for i in $(seq 2 9); do echo "10.9.0.1$i domu$i" >>"$root/etc/hosts"; done
echo dom0 >"$root/etc/hostname"

# 3. domU base: static busybox, dropbear (+ its libs from dom0's root),
#    xen-netfront. lab.py appends the isolab binaries and their libraries.
du=$tmp/domu
mkdir -p "$du"/{bin,sbin,etc,proc,sys,dev,tmp,run,root/.ssh,etc/dropbear,lib64,usr/lib/x86_64-linux-gnu,lib/x86_64-linux-gnu,var/log}
cp "$(command -v busybox)" "$du/bin/busybox"
file -L "$du/bin/busybox" 2>/dev/null | grep -q 'statically linked' || ldd "$du/bin/busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "host busybox is not static (install busybox-static)"
for a in sh ash cat echo ls mkdir mount umount ip ifconfig sleep ps kill grep sed awk \
	 head tail date hostname poweroff reboot halt dmesg insmod modprobe env uname \
	 cut tr wc seq rm cp ln mv chmod find true false timeout nproc stat top free \
	 cpio; do
	ln -sf busybox "$du/bin/$a"
done
for b in dropbear dropbearkey dbclient; do
	p=$(cd "$root" && find usr/sbin usr/bin -name "$b" | head -n1)
	[ -n "$p" ] || continue
	mkdir -p "$du/$(dirname "$p")"
	cp "$root/$p" "$du/$p"
	for lib in $(chroot "$root" /usr/bin/ldd "/$p" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$du/$(dirname "$lib")"
		cp -L "$root$lib" "$du$lib"
	done
done
[ -x "$du/usr/sbin/dropbear" ] || die "dropbear-bin did not install"
chroot "$root" /usr/bin/dropbearkey -t ed25519 -f /tmp/dropbear_ed25519_host_key >/dev/null 2>&1
mv "$root/tmp/dropbear_ed25519_host_key" "$du/etc/dropbear/"
cp "$img/id_lab.pub" "$du/root/.ssh/authorized_keys"
chmod 700 "$du/root/.ssh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$du/etc/passwd"
echo 'root:*:0:0:99999:7:::' >"$du/etc/shadow"
echo 'root:x:0:' >"$du/etc/group"
echo /bin/sh >"$du/etc/shells"
cp "$root/etc/hosts" "$du/etc/hosts"
cp -a "$root/etc/nsswitch.conf" "$du/etc/" 2>/dev/null || true
install_mods "$du" xen-netfront
install -m 0755 "$here/domu-init.sh" "$du/init"

# 4. Pack.
log "packing initramfs images"
dimg_pack "$root" "$img/dom0.cpio"
(cd "$du" && find . | cpio -o -H newc --quiet) >"$img/domu.cpio"
echo "xen=$xpkg $xver" >"$img/info"
dimg_finish
