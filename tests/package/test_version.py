#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""One version: meson's project version. debian/changelog's newest entry, every
tool's --version and every built manual page's footer must say the same."""
import os
import re
import subprocess
import sys

SRC = os.environ["ISOLAB_SOURCE_ROOT"]
VERSION = os.environ["ISOLAB_VERSION"]
BUILT_MAN = os.environ.get("ISOLAB_BUILT_MAN", "")
failures = []


def expect(what, got):
    if got != VERSION:
        failures.append(what)
        print("FAIL: %s says %r, meson.build says %r" % (what, got, VERSION))
    else:
        print("ok: %s: %s" % (what, got))


def main():
    with open(os.path.join(SRC, "debian", "changelog")) as f:
        m = re.match(r"^isolab \(([^)]+)\) ", f.readline())
    if not m:
        print("FAIL: debian/changelog: no 'isolab (VERSION)' first line")
        return 1
    # a native package: the version is meson's exactly; a Debian revision would follow '-'
    expect("debian/changelog", m.group(1).split("-")[0])
    for env, name in (("ISOLAB_BIN", "isolab"), ("ISOLAB_BOMB", "isolab-bomb"),
                      ("ISOLAB_PROBE", "isolab-probe"), ("ISOLAB_VICTIM", "isolab-victim")):
        exe = os.environ.get(env)
        if not exe:
            continue
        out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                             timeout=30).stdout.split()
        expect(name + " --version", out[1] if len(out) == 2 and out[0] == name else repr(out))
    if BUILT_MAN and os.path.isdir(BUILT_MAN):
        for p in sorted(os.listdir(BUILT_MAN)):
            if not re.fullmatch(r"[a-z-]+\.[15]", p):
                continue
            with open(os.path.join(BUILT_MAN, p)) as f:
                th = re.search(r'^\.TH "[^"]*" "[15]" "[^"]*" "isolab ([^"]*)"', f.read(), re.M)
            expect("manual page " + p, th.group(1) if th else "no version in .TH")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
