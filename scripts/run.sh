#!/bin/bash
# Installs what isolab needs, builds it, and runs the default experiment on this host
# (local backend: cgroups + network namespaces). Run as root on Debian 12.
# Extra arguments go to `isolab run` (e.g. --quick, or a scenario file).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

builddir=${ISOLAB_BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" -Dbuildtype=release -Dtests=disabled
fi
meson compile -C "$builddir"
exec "$builddir/controller/isolab" run "$@"
