# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared by the QEMU labs' image builders (tests/xenlab/build-image.sh,
# tests/cgroup2/build-image.sh): Debian's own kernel and a debootstrapped
# bookworm root, from Debian packages only, never touching the host's /boot.
#
# Source it from a `set -Eeuo pipefail` bash script after setting
#   dimg_name    prefix of the messages ("xenlab-image")
# It sets mirror (XENLAB_MIRROR or deb.debian.org) and suite (bookworm).
#
#   dimg_check_host TOOL...        root and the tools needed, or die
#   dimg_resolve_kernel            kpkg, kver, kpver: what linux-image-amd64 points to
#   dimg_begin CACHE_ROOT KEY      img=CACHE_ROOT/img-KEY; prints it and exits 0 when
#                                  complete already; else locks the cache, makes tmp
#                                  ($img/tmp) and the cleanup trap
#   dimg_fetch PKG...              apt-get download + dpkg-deb -x into $tmp/x
#   dimg_kernel                    $img/vmlinuz from the fetched kernel; sets mods
#   install_mods ROOT MODULE...    modules (and what they depend on) + depmod
#   dimg_debootstrap ROOT INCLUDES minbase bookworm with the comma-separated INCLUDES
#   dimg_prune ROOT [PATTERN...]   removes docs, locales, hwdb, apt state, and PATTERNs
#   dimg_pack ROOT OUT             an uncompressed newc cpio of ROOT
#   dimg_finish                    info file, .complete, drops older images

mirror=${XENLAB_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

log() { echo "${dimg_name:?}: $*" >&2; }
die() { echo "${dimg_name:?}: error: $*" >&2; exit 1; }

dimg_check_host() {
	local t
	[ "$(id -u)" = 0 ] || die "needs root (debootstrap, device nodes in the initramfs)"
	for t in apt-get apt-cache dpkg-deb debootstrap cpio sha256sum "$@"; do
		command -v "$t" >/dev/null || die "missing tool: $t"
	done
}

dimg_resolve_kernel() {
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -n1)
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a 6.1 kernel (apt-get update?)"
	kver=${kpkg#linux-image-}
	kpver=$(apt-cache policy "$kpkg" | sed -n 's/^ *Candidate: //p')
}

dimg_cleanup() {
	# debootstrap mounts /proc etc. in the target; never rm -rf through them.
	grep -o " $tmp/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$tmp"
}

dimg_begin() {
	local cache_root=$1 key=$2
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
	dimg_cache_root=$cache_root
	dimg_t0=$(date +%s)
	rm -rf "$img"
	mkdir -p "$img/tmp/dl" "$img/tmp/x"
	tmp=$img/tmp
	trap dimg_cleanup EXIT
	trap 'echo "$dimg_name: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
}

dimg_fetch() {
	local d
	# as root, unsandboxed: the download directory is ours, not _apt's
	(cd "$tmp/dl" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2) ||
		die "apt-get download $* failed (no network to the Debian mirror?)"
	for d in "$tmp"/dl/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
}

dimg_kernel() {
	cp "$tmp/x/boot/vmlinuz-$kver" "$img/vmlinuz"
	mods=$tmp/x/lib/modules/$kver
}

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
	[ -f "$root/lib/modules/$kver/${f#"$mods"/}" ] && return 0
	mkdir -p "$root/lib/modules/$kver/$(dirname "${f#"$mods"/}")"
	cp "$f" "$root/lib/modules/$kver/${f#"$mods"/}"
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

dimg_debootstrap() {
	local root=$1 include=$2
	log "debootstrap $suite from $mirror (a minute or more)"
	debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" \
		>"$tmp/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (no network to $mirror?)"; }
}

# What a lab never reads: every MB is copied by the emulated CPU at each boot.
dimg_prune() {
	local root=$1 p
	shift
	rm -rf "$root"/usr/share/{doc,man,info,locale,i18n,zoneinfo,common-licenses} \
		"$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/* \
		"$root"/usr/lib/udev/hwdb.d "$root"/usr/lib/udev/hwdb.bin "$root"/etc/udev/hwdb.bin \
		"$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/var/lib/dpkg/info/*.md5sums
	# PATHs are patterns inside ROOT (quote them at the call)
	for p in "$@"; do
		# shellcheck disable=SC2086
		rm -rf "${root:?}"/${p#/}
	done
}

# Uncompressed: decompressing a hundred MB under TCG costs more than reading it.
dimg_pack() {
	(cd "$1" && find . -mount | cpio -o -H newc --quiet) >"$2"
}

dimg_finish() {
	local old
	cat >>"$img/info" <<EOF
kernel=$kpkg $kpver
kver=$kver
mirror=$mirror
built=$(date -u +%FT%TZ)
build_seconds=$(($(date +%s) - dimg_t0))
EOF
	rm -rf "$tmp"
	trap - EXIT
	touch "$img/.complete"
	# Keep only this image in the cache.
	for old in "$dimg_cache_root"/img-*; do
		[ "$old" = "$img" ] || rm -rf "$old"
	done
	log "image ready in $(($(date +%s) - dimg_t0)) s: $(du -sh "$img" | cut -f1)"
	echo "$img"
}
