#!/bin/bash
# Installs what the tests need, builds with -Dwerror=true and ASan/UBSan, and runs the
# whole default test suite: unit, integration, xenapi, xenlab, cgroup2 (Debian 12 with
# systemd on pure cgroup v2 under QEMU), and package (the Debian packages built, installed
# into a fresh root and run there; when dpkg-buildpackage is present). Run as root on
# Debian 12. .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test --package

builddir=${ISOLAB_TEST_BUILDDIR:-build-test}
opts=(-Dwerror=true -Db_sanitize=address,undefined -Dbuildtype=debugoptimized)
if [ -f "$builddir/build.ninja" ]; then
	meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
	meson setup "$builddir" "${opts[@]}"
fi
meson compile -C "$builddir"

status=0
# unit tests in parallel; the rest one at a time, since they measure latency and share
# the machine's cgroups, namespaces and CPUs
meson test -C "$builddir" --suite unit --print-errorlogs --logbase unit || status=1
meson test -C "$builddir" --suite xenapi --print-errorlogs --logbase xenapi || status=1
meson test -C "$builddir" --suite integration --num-processes 1 --print-errorlogs \
	--logbase integration || status=1
if [ "${ISOLAB_SKIP_XENLAB:-}" != 1 ]; then
	meson test -C "$builddir" --suite xenlab --num-processes 1 --print-errorlogs \
		--logbase xenlab || status=1
fi
# Debian 12 with systemd on pure cgroup v2, under QEMU: the local backend where users are
# (~4-7 min). ISOLAB_SKIP_CGROUP2=1 leaves it out
if [ "${ISOLAB_SKIP_CGROUP2:-}" != 1 ]; then
	meson test -C "$builddir" --suite cgroup2 --num-processes 1 --print-errorlogs \
		--logbase cgroup2 || status=1
fi
if [ "${ISOLAB_SKIP_PACKAGE:-}" != 1 ] && command -v dpkg-buildpackage >/dev/null; then
	meson test -C "$builddir" --suite package --num-processes 1 --print-errorlogs \
		--logbase package || status=1
fi

# one closing line over every suite: "N passed, N failed, N skipped"
/usr/bin/python3 - "$builddir/meson-logs" <<'PY'
import json, os, sys
d = sys.argv[1]
counts = {"passed": 0, "failed": 0, "skipped": 0}
for base in ("unit", "xenapi", "integration", "xenlab", "cgroup2", "package"):
    path = os.path.join(d, base + ".json")
    if not os.path.exists(path):
        continue
    for line in open(path):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif r == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
print("%d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"], counts["skipped"]))
PY
exit $status
