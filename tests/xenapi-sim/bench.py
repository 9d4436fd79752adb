#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Benchmark: XenAPI calls per second and client CPU per call over one
keep-alive connection against the simulator, isolab's C client beside the
official Python client for reference. Prints one JSON object.

    XENAPI_DRIVER=... bench.py [N]    (N sched_get loops, 3 calls each)

Goal: isolab's client adds under 1 ms of CPU per call. Measure with a
build without sanitizers: meson setup build-rel --buildtype=release."""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ["XENAPI_DRIVER"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    sim = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "xenapi_sim.py"),
                            "--password", "bench"], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.mkdtemp(prefix="isolab-bench.")
    try:
        port = int(sim.stdout.readline())
        url = "http://127.0.0.1:%d" % port
        pw = os.path.join(tmp, "pw")
        with open(pw, "w") as f:
            f.write("bench")
        os.chmod(pw, 0o600)
        r = subprocess.run([DRIVER, "--url", url, "--user", "root", "--password-file", pw,
                            "bench", str(n), "victim"], capture_output=True, text=True,
                           check=True)
        c = json.loads(r.stdout)

        from os_xenapi.client import XenAPI
        s = XenAPI.Session(url)
        s.login_with_password("root", "bench", "1.0", "bench")
        t0, c0 = time.monotonic(), time.process_time()
        for _ in range(n):
            ref = s.xenapi.VM.get_by_name_label("victim")[0]
            s.xenapi.VM.get_record(ref)
            s.xenapi.VM.get_VCPUs_params(ref)
        t1, c1 = time.monotonic(), time.process_time()
        s.xenapi.session.logout()
        py = {"calls_per_s": 3 * n / (t1 - t0),
              "client_cpu_us_per_call": (c1 - c0) * 1e6 / (3 * n),
              "wall_us_per_call": (t1 - t0) * 1e6 / (3 * n)}
        out = {"calls": c["calls"], "isolab": {k: c[k] for k in (
            "calls_per_s", "client_cpu_us_per_call", "wall_us_per_call")},
            "os_xenapi_python": py, "goal_client_cpu_us_per_call": 1000}
        print(json.dumps(out, indent=2))
        return 0 if c["client_cpu_us_per_call"] < 1000 else 1
    finally:
        sim.kill()
        sim.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
