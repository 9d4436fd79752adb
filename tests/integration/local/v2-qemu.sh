#!/bin/sh
# Runs test-local-real on a pure cgroup v2 kernel (Debian's linux-image, booted
# under QEMU with a busybox initramfs), for hosts that are cgroup v1 themselves.
# Manual, not in a suite: needs network for `apt-get download` the first time
# and about a minute of TCG boot.
#
#   tests/integration/local/v2-qemu.sh BUILD_DIR [CACHE_DIR]
#
# BUILD_DIR: a build without sanitizers, e.g.
#   meson setup /tmp/v2build -Db_sanitize=none -Dprobes=disabled
#   ninja -C /tmp/v2build tests/integration/local/test-local-real
# Exit status: the test's (0 ok), 2 on bad usage, 1 when the VM did not report.
set -eu

build=${1:?usage: v2-qemu.sh BUILD_DIR [CACHE_DIR]}
cache=${2:-/tmp/isolab-v2-qemu-cache}
kpkg=${ISOLAB_V2_KERNEL_PKG:-linux-image-6.1.0-56-amd64}
bin="$build/tests/integration/local/test-local-real"

[ -x "$bin" ] || { echo "v2-qemu: $bin not built" >&2; exit 2; }
for t in qemu-system-x86_64 busybox cpio ip; do
	command -v "$t" >/dev/null || { echo "v2-qemu: $t not found" >&2; exit 2; }
done

mkdir -p "$cache"
if [ ! -d "$cache/k/boot" ]; then
	(cd "$cache" && apt-get download "$kpkg" >/dev/null 2>&1 && dpkg-deb -x "$kpkg"_*.deb k)
fi
vmlinuz=$(ls "$cache"/k/boot/vmlinuz-* | head -n1)
mods=$(ls -d "$cache"/k/lib/modules/*/kernel | head -n1)

work=$(mktemp -d /tmp/isolab-v2-qemu-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
root="$work/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/run" "$root/tmp" "$root/dev" "$root/mods"
cp "$(command -v busybox)" "$root/bin/busybox"
cp "$bin" "$root/bin/test-local-real"
cp "$(command -v ip)" "$root/bin/ip"
for b in "$root/bin/test-local-real" "$root/bin/ip"; do
	ldd "$b" | grep -o '/[^ ]*'
done | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
for m in net/llc/llc net/802/stp net/bridge/bridge drivers/net/veth; do
	cp "$mods/$m.ko" "$root/mods/"
done
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for m in llc stp bridge veth; do insmod /mods/$m.ko; done
echo "+cpu +memory +io +pids" > /sys/fs/cgroup/cgroup.subtree_control  # as systemd does
ip link set lo up
CI=true /bin/test-local-real
echo "ISOLAB-V2-RESULT=$?"
echo "ISOLAB-V2-LEFT=$(ls /run/netns 2>/dev/null) $(ls -d /sys/fs/cgroup/isolab-* 2>/dev/null)"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$work/initrd.gz")

timeout 300 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 512 -smp 1 -nographic \
	-no-reboot -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3" > "$work/console" 2>&1 || true
grep -E '^\[|^#|ISOLAB-V2' "$work/console" || true
rc=$(sed -n 's/^ISOLAB-V2-RESULT=\([0-9]*\).*/\1/p' "$work/console")
left=$(sed -n 's/^ISOLAB-V2-LEFT=//p' "$work/console" | tr -d ' \r')
[ -n "$rc" ] || { echo "v2-qemu: the VM did not report" >&2; exit 1; }
[ -z "$left" ] || { echo "v2-qemu: left behind: $left" >&2; exit 1; }
exit "$rc"
