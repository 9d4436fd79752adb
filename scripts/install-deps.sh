#!/bin/sh
# Installs everything isolab needs to build, run and test, from Debian 12 packages.
# Usage (as root): scripts/install-deps.sh [--test] [--package]
#   --test     also installs the peers and servers the test suite and benchmarks use.
#   --package  also installs what building the Debian packages needs
#              (dpkg-buildpackage -us -uc -b) and what the 'package' test suite uses.
set -eu

build_pkgs="build-essential meson ninja-build pkg-config \
	libcurl4-openssl-dev libxml2-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libjansson-dev \
	libsystemd-dev \
	iproute2 openssh-client procps ca-certificates"
test_pkgs="libcmocka-dev clang libclang-rt-14-dev valgrind \
	stress-ng fio iperf3 wrk nginx-light postgresql sqlite3 \
	python3 python3-os-xenapi openssl chromium \
	qemu-system-x86 debootstrap cpio busybox-static xz-utils zstd kmod e2fsprogs \
	bash-completion scdoc man-db"
package_pkgs="dpkg-dev debhelper scdoc bash-completion lintian debootstrap man-db util-linux"

pkgs="$build_pkgs"
for arg in "$@"; do
	case "$arg" in
	--test) pkgs="$pkgs $test_pkgs" ;;
	--package) pkgs="$pkgs $package_pkgs" ;;
	*)
		echo "install-deps: unknown option '$arg' (expected --test, --package)" >&2
		exit 2
		;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
