#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The Debian packages, end to end: dpkg-buildpackage -us -uc -b on a copy of
# the source tree, lintian (no error allowed), then both packages installed
# into a fresh Debian 12 root (debootstrap minbase with the packages'
# dependencies, cached as a tarball in the build directory) and, chrooted
# there in a mount namespace of its own with /proc, /sys (and so
# /sys/fs/cgroup), /dev and a /run bind-mounted or mounted:
#   isolab --version, man -w for every page, isolab check on every installed
#   example (tests/package/test_examples.py, run inside the root), isolab run
#   --quick --no-report, a run of a copy of isolab kept outside the install
#   prefix with decoy tools first in PATH (the compiled-in bindir wins), and
#   isolab deploy with a stand-in scp (the static bomb is the one copied).
# Nothing under /usr/local is used. Everything but the cached tarball is
# removed at the end, and the mount namespace takes its mounts with it.
set -Eeuo pipefail

src=${ISOLAB_SOURCE_ROOT:?}
build=${ISOLAB_BUILD_ROOT:?}
mirror=${ISOLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
t_start=$(date +%s)

log() { echo "package-test: $*"; }
die() {
	echo "package-test: FAIL: $*"
	exit 1
}
skip() {
	if [ "${CI:-}" = true ]; then die "$* (a skip would hide a failure in CI)"; fi
	echo "package-test: SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, cgroups)"
for t in dpkg-buildpackage dh lintian debootstrap unshare chroot; do
	command -v "$t" >/dev/null || skip "missing $t: scripts/install-deps.sh --package installs it"
done

work=$build/package-test
cache=$build/package-cache
rm -rf "$work"
mkdir -p "$work/build" "$cache"
cleanup() {
	# nothing is mounted outside the unshare'd namespace; rm never crosses a mount
	if grep -q " $work/" /proc/mounts; then
		echo "package-test: mounts left under $work:" >&2
		grep " $work/" /proc/mounts >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# 1. Build, from a copy of the tree: dpkg-buildpackage writes into the tree and
#    puts the packages in its parent directory.
log "copying the source tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work/build" --one-top-level=src
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . |
		tar -xf - -C "$work/build" --one-top-level=src
fi
# the source package too, for lintian (a native package: the tree as it is)
(cd "$work/build" && dpkg-source -b src) >"$work/source.log" 2>&1 ||
	{ cat "$work/source.log"; die "dpkg-source -b failed"; }
log "dpkg-buildpackage -us -uc -b"
t0=$(date +%s)
(cd "$work/build/src" && nice -n 10 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log"; die "dpkg-buildpackage failed"; }
t_build=$(($(date +%s) - t0))
deb_main=$(ls "$work"/build/isolab_*_*.deb)
deb_static=$(ls "$work"/build/isolab-bomb-static_*_*.deb)
for d in "$deb_main" "$deb_static"; do
	log "built in ${t_build} s: $(basename "$d"): $(stat -c %s "$d") bytes," \
		"$(dpkg-deb -f "$d" Installed-Size) KiB installed"
done

# 2. lintian: no error (warnings and notes are printed, not fatal)
log "lintian"
lrc=0
lintian --display-info "$work"/build/isolab_*.dsc "$deb_main" "$deb_static" \
	>"$work/lintian.log" 2>"$work/lintian.err" || lrc=$?
cat "$work/lintian.log"
# exit 1: tags at the fail-on level (errors); anything else: lintian itself failed
[ $lrc -le 1 ] || { cat "$work/lintian.err"; die "lintian failed (exit $lrc)"; }
if [ $lrc -ne 0 ] || grep -q '^E: ' "$work/lintian.log"; then die "lintian reports errors"; fi
log "lintian: no errors ($(grep -c '^[WIP]: ' "$work/lintian.log" || true) other tags)"

# 3. A fresh root with what the packages depend on (and man-db, python3 for the
#    examples test and its fake xl and XenAPI simulator), cached by that list.
deps=$( { dpkg-deb -f "$deb_main" Depends; dpkg-deb -f "$deb_static" Depends; } |
	tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$' | sort -u | tr '\n' ',')
include="${deps}man-db,python3"
key=$(echo "$suite $mirror $include" | sha256sum | cut -c1-16)
tarball=$cache/$suite-minbase-$key.tar
if [ ! -f "$tarball" ]; then
	log "debootstrap --variant=minbase $suite (cached afterwards in $tarball)"
	t0=$(date +%s)
	mkdir -p "$work/boot"
	debootstrap --variant=minbase --include="$include" "$suite" "$work/boot/root" "$mirror" \
		>"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log"; die "debootstrap failed (no network to $mirror?)"; }
	rm -rf "$work/boot/root/var/cache/apt/archives/"*.deb "$work/boot/root/var/lib/apt/lists/"*
	tar -C "$work/boot/root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	# one root is enough: the ones for other dependency lists are stale
	find "$cache" -maxdepth 1 -name "$suite-minbase-*.tar" ! -name "$(basename "$tarball")" -delete
	rm -rf "${work:?}/boot"
	log "debootstrap took $(($(date +%s) - t0)) s"
fi
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$tarball"

# what runs inside: the examples test with the fakes it needs, decoy tools
mkdir -p "$root/tmp/t/tests/package" "$root/tmp/t/tests/xenapi-sim" \
	"$root/tmp/t/tests/integration/xenapi" "$root/tmp/decoy"
cp "$src/tests/package/test_examples.py" "$root/tmp/t/tests/package/"
cp "$src/tests/xenapi-sim/xenapi_sim.py" "$src/tests/xenapi-sim/sim_lifecycle.py" \
	"$root/tmp/t/tests/xenapi-sim/"
cp "$src/tests/integration/xenapi/fake-xl" "$src/tests/integration/xenapi/fake-ssh" \
	"$root/tmp/t/tests/integration/xenapi/"
for t in isolab-bomb isolab-probe isolab-victim; do
	printf '#!/bin/sh\necho "decoy %s ran: $*" >>/tmp/decoy/ran\nexit 1\n' "$t" >"$root/tmp/decoy/$t"
	chmod +x "$root/tmp/decoy/$t"
done
# a stand-in scp: records what isolab deploy copies; ssh: the mkdir is run here
printf '#!/bin/sh\necho "$@" >>/tmp/decoy/scp-args\n' >"$root/tmp/decoy/scp"
printf '#!/bin/sh\nexit 0\n' >"$root/tmp/decoy/ssh"
chmod +x "$root/tmp/decoy/scp" "$root/tmp/decoy/ssh"
cp "$deb_main" "$deb_static" "$root/tmp/"
cat >"$root/tmp/t/deploy.ini" <<'EOF'
[vm web]
role = victim
ssh = root@guest.invalid
[vm c]
role = probe
[probe]
kind = http
[phase baseline]
bombs = none
EOF

cat >"$root/tmp/t/inside.sh" <<'EOF'
#!/bin/sh
# Runs in the chroot, as root.
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
fail() { echo "inside: FAIL: $*"; exit 1; }
dpkg -i /tmp/isolab_*.deb /tmp/isolab-bomb-static_*.deb >/tmp/dpkg.log 2>&1 ||
	{ cat /tmp/dpkg.log; fail "dpkg -i"; }
echo "inside: installed: $(dpkg-query -W -f '${Package} ${Version} ${Status}\n' isolab isolab-bomb-static | tr '\n' ';')"

v=$(isolab --version)
[ "$v" = "isolab @VERSION@" ] || fail "isolab --version: '$v'"
echo "inside: $v from $(command -v isolab)"
for t in isolab-bomb isolab-probe isolab-victim; do
	[ "$($t --version)" = "$t @VERSION@" ] || fail "$t --version"
done
/usr/libexec/isolab/isolab-bomb --version >/dev/null || fail "the static bomb does not run"

for p in isolab isolab-bomb isolab-probe isolab-victim; do
	m=$(man -w "$p") || fail "man -w $p"
	echo "inside: man -w $p: $m"
done
m=$(man -w 5 isolab-scenario) || fail "man -w 5 isolab-scenario"
echo "inside: man -w 5 isolab-scenario: $m"
[ -f /usr/share/bash-completion/completions/isolab ] || fail "no bash completion for isolab"
[ -f /usr/share/bash-completion/completions/isolab-bomb ] || fail "no bash completion for isolab-bomb"

# every installed example passes isolab check (the test the build tree runs)
ISOLAB_SOURCE_ROOT=/tmp/t ISOLAB_BIN=/usr/bin/isolab \
	ISOLAB_EXAMPLES=/usr/share/doc/isolab/examples CI=true \
	python3 /tmp/t/tests/package/test_examples.py || fail "isolab check on the examples"

# the default experiment, from the installed paths, decoys first in PATH
start=$(date +%s)
out=$(PATH=/tmp/decoy:$PATH isolab run --quick --no-report -r /tmp/results 2>/tmp/run.err) ||
	{ tail -n 30 /tmp/run.err; fail "isolab run --quick --no-report"; }
dir=$(echo "$out" | tail -n 1)
grep -q '"status": *"complete"' "$dir/manifest.json" ||
	{ tail -n 30 /tmp/run.err; fail "the quick run is not complete"; }
echo "inside: isolab run --quick --no-report: complete in $(($(date +%s) - start)) s ($dir)"

# a copy outside the prefix finds the tools through the compiled-in bindir, before PATH
mkdir -p /root/elsewhere
cp /usr/bin/isolab /root/elsewhere/isolab
out=$(PATH=/tmp/decoy:$PATH /root/elsewhere/isolab run --quick --no-report --phases baseline \
	-r /tmp/results 2>/tmp/run2.err) || { tail -n 20 /tmp/run2.err; fail "run from a copy"; }
grep -q '"status": *"complete"' "$(echo "$out" | tail -n 1)/manifest.json" ||
	fail "the run from a copy is not complete"
[ ! -e /tmp/decoy/ran ] || { cat /tmp/decoy/ran; fail "a decoy tool from PATH ran"; }
echo "inside: no decoy tool ran: the tools came from /usr/bin"

# isolab deploy copies the static bomb of isolab-bomb-static
PATH=/tmp/decoy:$PATH isolab deploy /tmp/t/deploy.ini >/tmp/deploy.out 2>&1 ||
	{ cat /tmp/deploy.out; fail "isolab deploy"; }
grep -q '/usr/libexec/isolab/isolab-bomb ' /tmp/decoy/scp-args ||
	{ cat /tmp/decoy/scp-args; fail "deploy did not copy the static bomb"; }
echo "inside: deploy copied: $(cat /tmp/decoy/scp-args)"

# nothing under /usr/local, and nothing of a run left behind
n=$(find /usr/local -type f | wc -l)
[ "$n" = 0 ] || { find /usr/local -type f; fail "files under /usr/local"; }
if dpkg -L isolab isolab-bomb-static | grep -q '^/usr/local'; then fail "packaged files under /usr/local"; fi
[ -z "$(ls -A /var/lib/isolab 2>/dev/null)" ] || { ls -la /var/lib/isolab; fail "journals left"; }
[ -z "$(ls /run/netns 2>/dev/null | grep isolab)" ] || fail "network namespaces left"
echo "inside: OK"
EOF
version=$(dpkg-deb -f "$deb_main" Version)
sed -i "s/@VERSION@/$version/g" "$root/tmp/t/inside.sh"
chmod +x "$root/tmp/t/inside.sh"

# 4. Chroot in a private mount namespace: its mounts vanish with it.
log "installing and running in the fresh root"
t0=$(date +%s)
status=0
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private /bin/sh -eu -c '
	r=$1
	# the root a mount point of its own: ip -n makes / rslave in each netns it enters
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --rbind /dev "$r/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	exec chroot "$r" /tmp/t/inside.sh
' sh "$root" || status=$?
log "inside the root: $(($(date +%s) - t0)) s"
[ $status -eq 0 ] || die "in the installed root (exit $status)"
# the runs' cgroups live in the host's hierarchy: none may be left
for d in "$root"/tmp/results/*/; do
	id=$(basename "$d")
	left=$(find /sys/fs/cgroup -name "isolab-$id*" 2>/dev/null | head -n 5)
	[ -z "$left" ] || die "cgroups of run $id left on the host: $left"
done
log "OK: build ${t_build} s, whole test $(($(date +%s) - t_start)) s"
