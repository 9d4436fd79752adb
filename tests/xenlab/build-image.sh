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
mirror=${XENLAB_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

log() { echo "xenlab-image: $*" >&2; }
die() { echo "xenlab-image: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, device nodes in the initramfs)"
for t in apt-get apt-cache dpkg-deb debootstrap cpio busybox ssh-keygen sha256sum; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done

# Which kernel: the one linux-image-amd64 points to today.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a 6.1 kernel (apt-get update?)"
kver=${kpkg#linux-image-}
xpkg=xen-hypervisor-4.17-amd64
xver=$(apt-cache policy "$xpkg" | sed -n 's/^ *Candidate: //p')
kpver=$(apt-cache policy "$kpkg" | sed -n 's/^ *Candidate: //p')
[ -n "$xver" ] && [ "$xver" != "(none)" ] || die "$xpkg not available from apt"

key=$( { cat "$here/build-image.sh";
	echo "$kpkg=$kpver $xpkg=$xver $mirror $suite"; } | sha256sum | cut -c1-16)
img=$cache_root/img-$key
if [ -f "$img/.complete" ]; then
	log "cached image $img"
	echo "$img"
	exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [ -f "$img/.complete" ]; then
	echo "$img"
	exit 0
fi
log "building $img ($xpkg $xver, $kpkg $kpver)"
t0=$(date +%s)
rm -rf "$img"
mkdir -p "$img/tmp/dl" "$img/tmp/x"
tmp=$img/tmp
cleanup() {
	# debootstrap mounts /proc etc. in the target; never rm -rf through them.
	grep -o " $tmp/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "xenlab-image: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

# 1. Xen and the kernel: download and unpack, not install.
(cd "$tmp/dl" && apt-get download -q "$xpkg" "$kpkg" >&2) ||
	die "apt-get download $xpkg $kpkg failed (no network to the Debian mirror?)"
for d in "$tmp"/dl/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
xgz=$(ls "$tmp"/x/boot/xen-4.17*-amd64.gz 2>/dev/null | head -n1)
[ -n "$xgz" ] || die "no xen-4.17*.gz in $xpkg"
gunzip -c "$xgz" >"$img/xen.elf"
cp "$tmp/x/boot/vmlinuz-$kver" "$img/vmlinuz"
mods=$tmp/x/lib/modules/$kver

# Copies module NAME (dashes and underscores alike) and what it depends on
# (modinfo) into ROOT; built-in modules need nothing.
copy_mod() {
	local root=$1 name=$2 f dep alt
	alt=${name//_/-}
	f=$(find "$mods/kernel" \( -name "$name.ko*" -o -name "$alt.ko*" \) | head -n1)
	if [ -z "$f" ]; then
		grep -Eq "/($name|$alt)\.ko" "$mods/modules.builtin" && return 0
		die "module $name not found in $kpkg"
	fi
	[ -f "$root/lib/modules/$kver/${f#$mods/}" ] && return 0
	mkdir -p "$root/lib/modules/$kver/$(dirname "${f#$mods/}")"
	cp "$f" "$root/lib/modules/$kver/${f#$mods/}"
	for dep in $(/sbin/modinfo -F depends "$f" | tr , ' '); do
		copy_mod "$root" "$dep"
	done
}
install_mods() {
	local root=$1 m
	shift
	mkdir -p "$root/lib/modules/$kver"
	cp "$mods"/modules.builtin "$mods"/modules.order "$root/lib/modules/$kver/"
	[ -f "$mods/modules.builtin.modinfo" ] && cp "$mods/modules.builtin.modinfo" "$root/lib/modules/$kver/"
	for m in "$@"; do copy_mod "$root" "$m"; done
	/sbin/depmod -b "$root" "$kver"
}

# 2. dom0: debootstrapped bookworm with the toolstack.
root=$tmp/dom0
log "debootstrap $suite from $mirror (about a minute)"
debootstrap --variant=minbase \
	--include=xen-utils-4.17,busybox,iproute2,procps,kmod,openssh-client,dropbear-bin \
	"$suite" "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (no network to $mirror?)"; }
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
rm -rf "$root"/usr/share/{doc,man,info,locale,i18n,zoneinfo,perl,common-licenses} \
	"$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/* \
	"$root"/usr/share/python3 "$root"/usr/lib/python3* "$root"/usr/bin/python3* \
	"$root"/usr/lib/udev/hwdb.d "$root"/usr/lib/udev/hwdb.bin "$root"/etc/udev/hwdb.bin \
	"$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/usr/lib/xen-4.17/boot \
	"$root"/var/lib/dpkg/info/*.md5sums "$root"/usr/lib/xen-4.17/lib/python*
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

# 4. Pack. Uncompressed: decompressing ~130 MB under TCG costs more than
#    reading it.
log "packing initramfs images"
(cd "$root" && find . -mount | cpio -o -H newc --quiet) >"$img/dom0.cpio"
(cd "$du" && find . | cpio -o -H newc --quiet) >"$img/domu.cpio"
cat >"$img/info" <<EOF
xen=$xpkg $xver
kernel=$kpkg $kpver
kver=$kver
mirror=$mirror
built=$(date -u +%FT%TZ)
build_seconds=$(($(date +%s) - t0))
EOF
rm -rf "$tmp"
trap - EXIT
touch "$img/.complete"
# Keep only this image in the cache.
for old in "$cache_root"/img-*; do
	[ "$old" = "$img" ] || rm -rf "$old"
done
log "image ready in $(($(date +%s) - t0)) s: $(du -sh "$img" | cut -f1)"
echo "$img"
