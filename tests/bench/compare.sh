#!/bin/sh
# SPDX-License-Identifier: MIT
# The performance comparison, self-contained: builds a release build in build-bench/
# (sanitizers would measure themselves) and runs tests/bench/compare.py there; prints the
# table and writes build-bench/bench-results.json. Arguments go to compare.py, e.g.
#   tests/bench/compare.sh --only net,mem --rounds 3
# Run it at nice 0 on a machine doing nothing else; the load average is in every row.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
b=$root/build-bench
if [ ! -f "$b/build.ninja" ]; then
	meson setup "$b" "$root" --buildtype=release -Db_sanitize=none >/dev/null
else
	meson configure "$b" --buildtype=release -Db_sanitize=none -Dprobes=auto \
		-Dtests=auto >/dev/null
fi
meson compile -C "$b" bombs/isolab-bomb probes/isolab-probe tests/bench/isolab-bench-delay \
	>/dev/null
ISOLAB_BOMB=$b/bombs/isolab-bomb ISOLAB_PROBE=$b/probes/isolab-probe \
	ISOLAB_DELAY=$b/tests/bench/isolab-bench-delay \
	exec /usr/bin/python3 "$here/compare.py" --json "$b/bench-results.json" "$@"
