#!/usr/bin/python3
"""Runs the isolab under test (env ISOLAB) for the reports tests: one of its
commands, output captured, a sanitizer report in stderr a failure."""
import os
import subprocess

ISOLAB = os.environ.get("ISOLAB", "isolab")


def run(command, *args):
    env = dict(os.environ, UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    p = subprocess.run([ISOLAB, command, *args], capture_output=True, text=True, timeout=60,
                       env=env)
    for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer"):
        if bad in p.stderr:
            raise AssertionError("%r: sanitizer report:\n%s" % (args, p.stderr))
    return p


def report(*args):
    return run("report", *args)


def compare(*args):
    return run("compare", *args)
