#!/bin/sh
# SPDX-License-Identifier: MIT
# isolab-bomb against stress-ng, fio and iperf3 on this machine (see bombs.py).
#   tests/bench/bombs.sh [path/to/isolab-bomb]
# Without a path it builds an optimised, sanitizer-free isolab-bomb in
# build-bench/ (sanitizers would measure themselves, not the bombs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bomb=${1:-${ISOLAB_BOMB:-}}
if [ -z "$bomb" ]; then
	if [ ! -d "$root/build-bench" ]; then
		meson setup "$root/build-bench" "$root" --buildtype=release -Dprobes=disabled \
			-Dcontroller=disabled -Dtests=disabled >/dev/null
	fi
	meson compile -C "$root/build-bench" bombs/isolab-bomb >/dev/null
	bomb=$root/build-bench/bombs/isolab-bomb
fi
ISOLAB_BOMB=$bomb exec python3 "$here/bombs.py"
