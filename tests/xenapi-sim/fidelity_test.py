#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The simulator's fidelity, checked with the official XenAPI client
(os_xenapi.client.XenAPI, Debian's python3-os-xenapi): the same calls
through the official client and through isolab's backend (and its
provisioning calls, xapi-vm.c) must agree, failures included.

    XENAPI_DRIVER=... XAPI_VM_DRIVER=... fidelity_test.py"""
import json
import os
import subprocess
import sys
import tempfile

from os_xenapi.client import XenAPI

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ["XENAPI_DRIVER"]
VM_DRIVER = os.environ["XAPI_VM_DRIVER"]
PASSWORD = "fidelity-pw"


def driver(url, pwfile, *cmd, expect=0):
    r = subprocess.run([DRIVER, "--url", url, "--user", "root", "--password-file", pwfile] +
                       list(cmd), capture_output=True, text=True, timeout=60)
    assert r.returncode == expect, (cmd, r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def vmd(url, pwfile, *cmd, expect=0):
    """isolab's provisioning calls, through tests/xenapi-sim/xapi-vm-driver."""
    r = subprocess.run([VM_DRIVER, "--url", url, "--user", "root", "--password-file", pwfile] +
                       list(cmd), capture_output=True, text=True, timeout=60)
    assert r.returncode == expect, (cmd, r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def failure(fn, *args):
    """The official client's ErrorDescription for a call that must fail."""
    try:
        fn(*args)
    except XenAPI.Failure as f:
        return f.details
    raise AssertionError("%s%r did not fail" % (fn, args))


def official_make(x, template, name, tag):
    """What isolab does before a start, with the official client."""
    ref = x.VM.clone(template, name)
    x.VM.provision(ref)
    x.VM.set_is_a_template(ref, False)
    x.VM.add_to_other_config(ref, "isolab_run", tag)
    return ref


def disk_vdis(x, vm):
    return sorted(x.VBD.get_VDI(b) for b in x.VM.get_VBDs(vm) if x.VBD.get_type(b) == "Disk")


def provisioning(s, url, pw, rpc):
    x = s.xenapi
    tpl = [r for r in x.VM.get_by_name_label("isolab-neighbour") if x.VM.get_is_a_template(r)]
    assert len(tpl) == 1, tpl
    t = vmd(url, pw, "template", "isolab-neighbour")
    assert t["ref"] == tpl[0] and t["memory_static_max"] == int(
        x.VM.get_memory_static_max(tpl[0])), t
    tpl_vdis = disk_vdis(x, tpl[0])
    cd = [x.VBD.get_VDI(b) for b in x.VM.get_VBDs(tpl[0]) if x.VBD.get_type(b) == "CD"]

    # hosts: the same figures both ways
    want = {}
    for h, rec in x.host.get_all_records().items():
        m = x.host_metrics.get_record(rec["metrics"])
        want[h] = (rec["name_label"], rec["address"], rec["sched_policy"],
                   int(rec["cpu_info"]["cpu_count"]), int(m["memory_total"]),
                   int(x.host.compute_free_memory(h)),
                   sorted(x.VM.get_name_label(v) for v in rec["resident_VMs"]
                          if not x.VM.get_is_control_domain(v)))
    got = {h["ref"]: (h["name"], h["address"], h["sched"], h["cpus"], h["mem_total"],
                      h["mem_free"], sorted(h["resident"])) for h in vmd(url, pw, "hosts")["hosts"]}
    assert got == want, (got, want)

    # isolab makes, the official client reads
    a = vmd(url, pw, "make", "isolab-neighbour", "isolab-fid-a", "fid")["ref"]
    rec = x.VM.get_record(a)
    assert (rec["name_label"], rec["is_a_template"], rec["other_config"].get("isolab_run"),
            rec["power_state"]) == ("isolab-fid-a", False, "fid", "Halted"), rec
    assert disk_vdis(x, a) and not set(disk_vdis(x, a)) & set(tpl_vdis), "disks not cloned"
    assert cd[0] in [x.VBD.get_VDI(b) for b in x.VM.get_VBDs(a)], "CD not kept"
    # the official client makes, isolab reads: its own disks are the clone's, not the ISO
    b = official_make(x, tpl[0], "isolab-fid-b", "fid")
    assert vmd(url, pw, "disks", b)["vdis"] == disk_vdis(x, b)

    # placement: isolab start_on the victim's host; official affinity + start
    h1 = x.VM.get_resident_on(x.VM.get_by_name_label("victim")[0])
    free0 = int(x.host.compute_free_memory(h1))
    vmd(url, pw, "start", a, h1)
    assert (x.VM.get_power_state(a), x.VM.get_resident_on(a)) == ("Running", h1)
    assert int(x.host.compute_free_memory(h1)) == free0 - int(rec["memory_static_max"])
    x.VM.set_affinity(b, h1)
    x.VM.start(b, False, False)
    assert vmd(url, pw, "resident", b)["host"] == x.VM.get_resident_on(b) == h1
    nets = x.VM_guest_metrics.get_networks(x.VM.get_guest_metrics(a))
    assert vmd(url, pw, "ip", a)["ip"] == nets["0/ip"], nets

    # the same failure, seen by both
    def same(official, *cmd):
        e = vmd(url, pw, *cmd, expect=1)
        assert e["error_code"] == official[0], (e, official)
        for p in official[1:]:
            assert p in e["error"], (e, official)
    same(failure(x.VM.start, a, False, False), "start", a)           # VM_BAD_POWER_STATE
    same(failure(x.VM.hard_shutdown, "OpaqueRef:gone"), "unmake", "OpaqueRef:gone")
    local = official_make(x, x.VM.get_by_name_label("isolab-neighbour-local")[0], "isolab-fid-l",
                          "fid")
    off = failure(x.VM.start_on, local, h1, False, False)
    assert off[0] == "VM_REQUIRES_SR", off
    same(off, "start", local, h1)
    rpc.sim.config("host_memory", str(4 << 30))  # xs1 is now full
    c = vmd(url, pw, "make", "isolab-neighbour", "isolab-fid-c", "fid")["ref"]
    off = failure(x.VM.start_on, c, h1, False, False)
    assert off[0] == "HOST_NOT_ENOUGH_FREE_MEMORY", off
    same(off, "start", c, h1)
    rpc.sim.config("host_memory", str(16 << 30))
    for who in ("official", "isolab"):
        rpc.sim.fault("method", 1, "VM.provision=OPERATION_NOT_ALLOWED:provisioning is disabled")
        if who == "official":
            off = failure(official_make, x, tpl[0], "isolab-fid-d", "fid")
        else:
            same(off, "make", "isolab-neighbour", "isolab-fid-e", "fid")
    # SESSION_INVALID in the middle of provisioning: both log in again and finish
    logins = rpc.sim.stats()["logins"]
    rpc.sim.fault("session_invalid_on", 1, "VM.provision")
    f = official_make(x, tpl[0], "isolab-fid-f", "fid")
    rpc.sim.fault("session_invalid_on", 1, "VM.provision")
    g = vmd(url, pw, "make", "isolab-neighbour", "isolab-fid-g", "fid")["ref"]
    assert rpc.sim.stats()["logins"] == logins + 3, "one re-login each, plus the driver's"
    assert not x.VM.get_is_a_template(f) and not x.VM.get_is_a_template(g)

    # unmake: isolab's teardown, then the official one; both leave only what they did not make
    a_disks = disk_vdis(x, a)
    assert vmd(url, pw, "unmake", a)["destroyed_vdis"] == a_disks
    assert failure(x.VM.get_record, a)[0] == "HANDLE_INVALID"
    for v in a_disks:
        assert failure(x.VDI.get_record, v)[0] == "HANDLE_INVALID"
    x.VM.hard_shutdown(b)
    for v in disk_vdis(x, b):
        x.VDI.destroy(v)
    x.VM.destroy(b)
    assert vmd(url, pw, "resident", b, expect=1)["error_code"] == "HANDLE_INVALID"
    for v in tpl_vdis + cd:
        x.VDI.get_record(v)  # the template's disk and the ISO are still there
    # halted leftovers from the error cases: isolab tears down the ones the official client made
    for vm in [local, c, f, g] + x.VM.get_by_name_label("isolab-fid-d") + \
            x.VM.get_by_name_label("isolab-fid-e"):
        e = vmd(url, pw, "unmake", vm, expect=1)  # halted: hard_shutdown refuses
        assert e["error_code"] == "VM_BAD_POWER_STATE" and "halted" in e["error"], e
        for v in disk_vdis(x, vm):
            x.VDI.destroy(v)
        x.VM.destroy(vm)
    left = [r["name_label"] for r in x.VM.get_all_records().values()
            if r["name_label"].startswith("isolab-fid")]
    assert left == [], left


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

        # 6. provisioning: isolab's xapi-vm.c and the official client, call for call
        provisioning(s, url, pw, rpc)

        # 7. both log out: nothing left open
        s.xenapi.session.logout()
        st = rpc.sim.stats()
        # every session logged out, but the two the simulator invalidated in step 6
        assert st["sessions"] == 0 and st["logins"] == st["logouts"] + 2, st
        print("fidelity: official client and isolab agree on %d VMs" % len(want))
    finally:
        sim.kill()
        sim.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
