#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The simulator's fidelity, checked with the official XenAPI client
(os_xenapi.client.XenAPI, Debian's python3-os-xenapi): the same calls
through the official client and through isolab's backend must agree.

    XENAPI_DRIVER=... fidelity_test.py"""
import json
import os
import subprocess
import sys
import tempfile

from os_xenapi.client import XenAPI

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ["XENAPI_DRIVER"]
PASSWORD = "fidelity-pw"


def driver(url, pwfile, *cmd, expect=0):
    r = subprocess.run([DRIVER, "--url", url, "--user", "root", "--password-file", pwfile] +
                       list(cmd), capture_output=True, text=True, timeout=60)
    assert r.returncode == expect, (cmd, r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def main():
    sim = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "xenapi_sim.py"),
                            "--password", PASSWORD], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.mkdtemp(prefix="isolab-fidelity.")
    try:
        port = int(sim.stdout.readline())
        url = "http://127.0.0.1:%d" % port
        pw = os.path.join(tmp, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD)
        os.chmod(pw, 0o600)

        s = XenAPI.Session(url)
        s.login_with_password("root", PASSWORD, "1.0", "fidelity")
        x = s.xenapi
        # the official client itself works against the simulator
        assert s.API_version == "2.21", s.API_version
        assert x.session.get_this_host(s._session) in x.host.get_all()

        # 1. the VM list: official records, filtered as isolab documents
        recs = x.VM.get_all_records()
        want = sorted(
            (r["name_label"], ref, r["power_state"], int(r["VCPUs_at_startup"]),
             int(r["VCPUs_params"].get("weight", 256)), int(r["VCPUs_params"].get("cap", 0)))
            for ref, r in recs.items()
            if not r["is_a_template"] and not r["is_control_domain"] and not r["is_a_snapshot"])
        got = sorted((v["name"], v["id"], v["power_state"], v["vcpus"], v["weight"], v["cap"])
                     for v in driver(url, pw, "vms")["vms"])
        assert got == want, "vms differ:\n%s\n%s" % (got, want)

        # 2. isolab writes, the official client reads
        driver(url, pw, "set", "victim", "777", "33")
        victim = x.VM.get_by_name_label("victim")[0]
        assert x.VM.get_VCPUs_params(victim) == {"weight": "777", "cap": "33"}

        # 3. the official client writes, isolab reads
        noisy = x.VM.get_by_name_label("noisy1")[0]
        x.VM.remove_from_VCPUs_params(noisy, "weight")
        x.VM.add_to_VCPUs_params(noisy, "weight", "1024")
        x.VM.add_to_VCPUs_params(noisy, "cap", "75")
        g = driver(url, pw, "get", "noisy1")
        assert (g["weight"], g["cap"]) == (1024, 75), g

        # 4. the same failure, seen by both
        for name in ("no-such-vm",):
            assert x.VM.get_by_name_label(name) == []
            assert driver(url, pw, "get", name, expect=1)["error_code"] == "ENOENT"
        try:
            x.VM.add_to_VCPUs_params_live(victim, "weight", "5")
            raise AssertionError("live call did not fail")
        except XenAPI.Failure as f:
            assert f.details == ["NOT_IMPLEMENTED", "add_to_VCPUs_params_live"], f.details
        try:
            x.VM.get_record("OpaqueRef:nope")
            raise AssertionError("bad ref did not fail")
        except XenAPI.Failure as f:
            official = f.details
        rpc = __import__("xmlrpc.client").client.ServerProxy(url)
        rpc.sim.fault("fail", 1, "%s:%s" % (official[0], official[1]))
        e = driver(url, pw, "vms", expect=1)
        assert e["error_code"] == official[0] and official[1] in e["error"], (e, official)

        # 5. both log out: nothing left open
        s.xenapi.session.logout()
        st = rpc.sim.stats()
        assert st["sessions"] == 0 and st["logins"] == st["logouts"], st
        print("fidelity: official client and isolab agree on %d VMs" % len(want))
    finally:
        sim.kill()
        sim.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
