#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Neighbours on demand against the XenAPI simulator: `provision_tests.py NAME`
runs one test. isolab makes a group of clones of a template, runs, destroys
them; every refusal of the pool and every bad name ends in one line with the
XenAPI code and nothing left behind; `kill -9` mid-provisioning followed by
`isolab restore` destroys the clones and only them.

Env: ISOLAB, XENAPI_SIM (as xenapi_tests.py)."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xenapi_tests import FAKE_XL, ISOLAB, PASSWORD, free_port, pwfile, sim  # noqa: E402

SCENARIO = """[global]
backend = xenapi
xenapi_url = http://127.0.0.1:%(port)d
xenapi_user = root
xenapi_password_file = %(pw)s
victim_port = %(vport)d
victim_pages = 100

[vm victim]
role = victim
[vm client]
role = probe
name = noisy2
[group noisy]
count = %(count)d
template = %(template)s
host = %(host)s
exec = local
%(extra)s
[probe]
vm = client
kind = http
target = victim
concurrency = 1

[bomb cpu]
vm = noisy
kind = cpu

[phase baseline]
bombs = none
[phase hogs]
bombs = cpu
hogs.noisy = %(hogs)s
weight.noisy = 128
"""
GROUP_LINE = 14  # [group noisy]


def write(s, count=3, template="isolab-neighbour", host="with-victim", extra="", hogs="1, 3"):
    path = os.path.join(s.tmp, "p.ini")
    with open(path, "w") as f:
        f.write(SCENARIO % {"port": s.port, "pw": pwfile(s.tmp), "vport": free_port(),
                            "count": count, "template": template, "host": host,
                            "extra": extra, "hogs": hogs})
    return path


def env(s):
    return dict(os.environ, ISOLAB_STATE_DIR=os.path.join(s.tmp, "state"))


def isolab(s, *args, expect=None, timeout=180):
    r = subprocess.run([ISOLAB] + list(args), capture_output=True, text=True, env=env(s),
                       timeout=timeout, cwd=s.tmp)
    assert PASSWORD not in r.stdout + r.stderr, "password leaked"
    if expect is not None:
        assert r.returncode == expect, (args, r.returncode, r.stdout, r.stderr[-3000:])
    return r


def run(s, path, **kw):
    return isolab(s, "run", "--quick", "--no-report", "-r", os.path.join(s.tmp, "results"),
                  path, **kw)


def rpc(s):
    return xmlrpc.client.ServerProxy("http://127.0.0.1:%d" % s.port)


def state(s):
    """Every VM (name, power state, tag) and VDI of the pool: what a run must leave as it was."""
    vms = sorted((v["name"], v["power_state"], v["is_a_template"],
                  json.dumps(v["other_config"], sort_keys=True))
                 for v in rpc(s).sim.vms().values())
    return vms, sorted(rpc(s).sim.vdis())


def clones(s):
    """Copies made by a run (isolab-RUNID-VM), the decoy included; not the templates."""
    return [v for v in rpc(s).sim.vms().values() if re.match(r"isolab-\d{8}-", v["name"])]


def journals(s):
    d = os.path.join(s.tmp, "state")
    return [f for f in os.listdir(d) if f.endswith(".journal")] if os.path.isdir(d) else []


def test_provision_group_runs_on_the_victims_host_and_leaves_nothing():
    with sim() as s:
        before = state(s)
        r = run(s, write(s), expect=0)
        calls = rpc(s).sim.calls()
        for m, n in (("VM.clone", 3), ("VM.provision", 3), ("VM.set_is_a_template", 3),
                     ("VM.add_to_other_config", 3), ("VM.set_affinity", 3),
                     ("VM.start_on", 3), ("VM.hard_shutdown", 3), ("VDI.destroy", 3),
                     ("VM.destroy", 3)):
            assert calls.count(m) == n, (m, calls.count(m), calls)
        assert "VM.start" not in calls  # pinned: start_on, never xapi's free placement
        # xapi's teardown order, per clone: shutdown, its disks, the VM
        i = calls.index("VM.hard_shutdown")
        assert calls.index("VDI.destroy", i) < calls.index("VM.destroy", i), calls[i:]
        assert state(s) == before, "the pool is not as it was"
        assert journals(s) == []
        man = json.load(open(os.path.join(r.stdout.strip().splitlines()[-1], "manifest.json")))
        assert [m["vm"] for m in man["made"]] == ["noisy-1", "noisy-2", "noisy-3"]
        assert all(m["destroyed"] and m["id"].startswith("isolab-") for m in man["made"])
        hogs = [(p["name"], p["hogs"]["count"], len(p["bombs"])) for p in man["phases"]
                if p.get("hogs")]
        assert hogs == [("hogs[hogs.noisy=1]", 1, 1), ("hogs[hogs.noisy=3]", 3, 3)], hogs


def test_provision_ssh_guests_get_the_bomb_at_their_address():
    # ssh = root@{addr}: the address the guest agent reports; the bomb is copied there
    # (`isolab deploy`'s way) and runs there. The fake ssh and scp run on this host.
    with sim() as s:
        home = os.path.join(s.tmp, "home")
        os.mkdir(home)
        fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "controller",
                            "fake-ssh")
        path = write(s, count=2, hogs="1, 2")
        with open(path) as f:
            text = f.read().replace("exec = local", "ssh = root@{addr}")
        with open(path, "w") as f:
            f.write(text)
        rpc(s).sim.config("guest_ip", "127.0.0.1")
        r = subprocess.run([ISOLAB, "run", "--quick", "--no-report", "-r",
                            os.path.join(s.tmp, "results"), path], capture_output=True,
                           text=True, timeout=180, cwd=s.tmp,
                           env=dict(env(s), HOME=home,
                                    PATH=os.path.abspath(fake) + ":" + os.environ["PATH"]))
        assert r.returncode == 0, r.stderr[-3000:]
        assert os.access(os.path.join(home, "isolab", "bin", "isolab-bomb"), os.X_OK)
        # the first copy lands; the second "guest" is this host too, so it has it already
        copied = r.stderr.count("isolab-bomb copied to root@127.0.0.1")
        there = r.stderr.count(" is there already")
        assert copied == 1 and there == 1, r.stderr[-3000:]
        man = json.load(open(os.path.join(r.stdout.strip().splitlines()[-1], "manifest.json")))
        vms = {v["name"]: v for v in man["vms"]}
        assert vms["noisy-1"]["ssh"] == "root@127.0.0.1", vms["noisy-1"]
        assert vms["noisy-1"]["id"].startswith("isolab-"), vms["noisy-1"]
        assert clones(s) == []


# name, scenario changes, faults to arm (kind, count, arg), exit, XenAPI code in the error line
BAD = [
    ("no_template", {"template": "no-such-template"}, [], 2, "NO_TEMPLATE"),
    ("host_names_no_host", {"host": "xs9"}, [], 2, "NO_HOST"),
    ("ambiguous_sr", {"extra": "sr = Local storage"}, [], 2, "AMBIGUOUS"),
    ("no_room_for_count", {"count": 12, "hogs": "1, 12"}, [], 1,
     "HOST_NOT_ENOUGH_FREE_MEMORY"),
    ("disk_on_another_hosts_sr", {"template": "isolab-neighbour-local"}, [], 1,
     "VM_REQUIRES_SR"),
    ("provision_not_allowed", {},
     [("method", 1, "VM.provision=OPERATION_NOT_ALLOWED:provisioning is disabled")], 1,
     "OPERATION_NOT_ALLOWED"),
    ("memory_gone_at_start", {},
     [("method", 1, "VM.start_on=HOST_NOT_ENOUGH_FREE_MEMORY:1073741824|0")], 1,
     "HOST_NOT_ENOUGH_FREE_MEMORY"),
    ("clone_in_wrong_state", {},
     [("method", 1, "VM.clone=VM_BAD_POWER_STATE:OpaqueRef:x|halted|running")], 1,
     "VM_BAD_POWER_STATE"),
    ("host_vanished", {},
     [("method", 1, "VM.set_affinity=HANDLE_INVALID:host|OpaqueRef:gone")], 1,
     "HANDLE_INVALID"),
    ("session_lost_twice", {},
     [("method", 2, "VM.provision=SESSION_INVALID:OpaqueRef:s")], 1, "SESSION_INVALID"),
]


def test_provision_refusals_are_one_line_and_leave_nothing():
    for name, change, faults, code, xcode in BAD:
        with sim() as s:
            before = state(s)
            path = write(s, **change)
            for f in faults:
                rpc(s).sim.fault(*f)
            r = run(s, path, expect=code)
            lines = [l for l in r.stderr.splitlines() if "[%s]" % xcode in l]
            assert len(lines) >= 1, (name, r.stderr[-2000:])
            assert "p.ini:" in lines[0], (name, lines)
            assert state(s) == before, (name, "left behind", clones(s))
            assert journals(s) == [], (name, journals(s))
            if code == 2 and not faults:
                # bad input is refused before anything is made
                assert "VM.clone" not in rpc(s).sim.calls(), name
            print("ok %s: %s" % (name, lines[0]))


def test_provision_survives_session_invalid_mid_provisioning():
    with sim() as s:
        before = state(s)
        rpc(s).sim.fault("session_invalid_on", 1, "VM.provision")
        run(s, write(s, count=2, hogs="1, 2"), expect=0)
        assert rpc(s).sim.stats()["logins"] >= 2
        assert state(s) == before


def test_provision_teardown_failure_is_reported_and_retried_by_restore():
    with sim() as s:
        before = state(s)
        # VDI.destroy happens only in the teardown: a clone's disk cannot go, so the clone
        # stays; the run says so with the XenAPI code, exits 1, and restore finishes the job
        rpc(s).sim.fault("method", 5, "VDI.destroy=OPERATION_NOT_ALLOWED:VDI is busy")
        r = run(s, write(s, count=2, hogs="1, 2"), expect=1)
        assert "[OPERATION_NOT_ALLOWED]" in r.stderr and "isolab restore" in r.stderr, \
            r.stderr[-2000:]
        assert clones(s) and journals(s)
        rpc(s).sim.reset()
        isolab(s, "restore", expect=0)
        assert state(s) == before and journals(s) == []


def decoy(s):
    """A VM that looks like a clone of another run: restore must never touch it."""
    r = rpc(s)
    x = xmlrpc.client.ServerProxy("http://127.0.0.1:%d" % s.port)
    sess = x.session.login_with_password("root", PASSWORD, "1.0", "t")["Value"]
    tpl = [k for k, v in r.sim.vms().items() if v["name"] == "isolab-neighbour"][0]
    ref = x.VM.clone(sess, tpl, "isolab-19990101-000000-dead-noisy-1")["Value"]
    x.VM.set_is_a_template(sess, ref, False)
    x.VM.add_to_other_config(sess, ref, "isolab_run", "19990101-000000-dead")
    x.session.logout(sess)


def kill_during(s, path, wait_for, fault=None):
    if fault:
        rpc(s).sim.fault(*fault)
    p = subprocess.Popen([ISOLAB, "run", "--quick", "--no-report", "-r",
                          os.path.join(s.tmp, "results"), path], env=env(s), cwd=s.tmp,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not wait_for(rpc(s).sim.calls()):
            assert time.monotonic() < deadline, "never got there"
            assert p.poll() is None, "run ended early: %s" % p.stderr.read()[-2000:]
            time.sleep(0.02)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_provision_kill9_then_restore_destroys_the_clones_and_only_them():
    # killed while a clone is still a template without its tag; then while all three run
    for point, fault, wait_for in (
            ("mid-provision", ("delay", 1, "VM.provision=30"),
             lambda c: "VM.provision" in c),
            ("running", None, lambda c: "VM.set_VCPUs_params" in c)):
        with sim() as s:
            decoy(s)
            before = state(s)
            kill_during(s, write(s), wait_for, fault)
            left = clones(s)
            assert any("dead" not in v["name"] for v in left), (point, left)
            r = isolab(s, "restore", expect=0)
            assert state(s) == before, (point, r.stderr[-2000:], clones(s))
            assert journals(s) == [], point
            print("ok %s: %d clone(s) destroyed" % (point, len(left) - 1))


def test_hosts_json_and_human_from_one_list():
    with sim() as s:
        args = ["--backend", "xenapi", "--url", "http://127.0.0.1:%d" % s.port, "--user",
                "root", "--password-file", pwfile(s.tmp)]
        j = json.loads(isolab(s, "hosts", "--json", *args, expect=0).stdout)
        human = isolab(s, "hosts", *args, expect=0).stdout.splitlines()
        assert j["backend"] == "xenapi" and [h["name"] for h in j["hosts"]] == ["xs1", "xs2"]
        xs1 = j["hosts"][0]
        assert (xs1["cpus"], xs1["scheduler"], xs1["memory_total_bytes"]) == \
            (8, "credit", 16 << 30), xs1
        assert "victim" in xs1["resident_vms"] and "noisy2" in j["hosts"][1]["resident_vms"]
        assert human[1].split()[:4] == ["xs1", "127.0.0.1", "credit", "8"], human
        assert "11.0 GiB / 16.0 GiB" in human[1] and "victim" in human[1], human
        r = isolab(s, "hosts", "--backend", "local", expect=2)
        assert "has no pool" in r.stderr


# ---- xl: copies of one domain configuration, through a fake xl ----

XL_SCENARIO = """[global]
backend = xl
victim_port = %(vport)d
victim_pages = 100

[vm web]
role = victim
[vm client]
role = probe
[group noisy]
count = %(count)d
config = %(config)s
pool = %(pool)s
xl.extra = console=hvc0 lab.ip=10.9.0.{n+20}
exec = local

[probe]
vm = client
kind = http
target = victim
concurrency = 1

[bomb cpu]
vm = noisy
kind = cpu

[phase hogs]
bombs = cpu
hogs.noisy = 1, %(count)d
weight.noisy = 128
"""
XL_GROUP_LINE = 11


class XlLab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.state = os.path.join(tmp, "xl.json")
        self.log = os.path.join(tmp, "xl.log")
        self.config = os.path.join(tmp, "neighbour.cfg")
        with open(self.config, "w") as f:
            f.write('type = "pv"\nkernel = "/boot/vmlinuz"\nmemory = 128\nvcpus = 1\n'
                    'extra = "console=hvc0"\n')
        self.env = dict(os.environ, ISOLAB_XL=FAKE_XL, ISOLAB_FAKE_XL_STATE=self.state,
                        ISOLAB_FAKE_XL_LOG=self.log,
                        ISOLAB_STATE_DIR=os.path.join(tmp, "state"))
        self.xl("sched-credit", "-d", "d1", "-w", "256")  # writes the state file

    def creates(self):
        """xl create calls that make a domain (not the dry runs of a check)."""
        lines = open(self.log).read().splitlines() if os.path.exists(self.log) else []
        return [l for l in lines if l.startswith("create ") and not l.startswith("create -n")]

    def xl(self, *args):
        return subprocess.run([FAKE_XL] + list(args), capture_output=True, text=True,
                              env=self.env, timeout=30).stdout

    def domains(self):
        """xl list's names and pools: what a run must leave as it was."""
        st = json.load(open(self.state))
        return sorted((d["name"], d["pool"], d["weight"], d["cap"]) for d in st["domains"])

    def scenario(self, count=3, config=None, pool="p1"):
        path = os.path.join(self.tmp, "x.ini")
        with open(path, "w") as f:
            f.write(XL_SCENARIO % {"vport": free_port(), "count": count,
                                   "config": config or self.config, "pool": pool})
        return path

    def isolab(self, *args, expect=None, extra_env=None, timeout=180):
        r = subprocess.run([ISOLAB] + list(args), capture_output=True, text=True,
                           env=dict(self.env, **(extra_env or {})), timeout=timeout,
                           cwd=self.tmp)
        if expect is not None:
            assert r.returncode == expect, (args, r.returncode, r.stderr[-3000:])
        return r

    def run(self, path, **kw):
        return self.isolab("run", "--quick", "--no-report", "-r",
                           os.path.join(self.tmp, "results"), path, **kw)

    def journals(self):
        d = os.path.join(self.tmp, "state")
        return [f for f in os.listdir(d) if f.endswith(".journal")] if os.path.isdir(d) else []


def xl_lab():
    import contextlib
    import shutil
    import tempfile

    @contextlib.contextmanager
    def lab():
        tmp = tempfile.mkdtemp(prefix="isolab-xl-prov.")
        try:
            yield XlLab(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return lab()


def test_xl_provision_group_from_one_config_and_destroy():
    with xl_lab() as x:
        before = x.domains()
        x.run(x.scenario(), expect=0)
        log = open(x.log).read().splitlines()
        creates = x.creates()
        assert len(creates) == 3, creates
        for k, line in enumerate(creates, 1):
            assert re.search(r'name="isolab-\d{8}-\d{6}-[0-9a-f]{4}-noisy-%d"' % k, line), line
            assert 'pool="p1"' in line and "lab.ip=10.9.0.%d" % (20 + k) in line, line
        assert len([l for l in log if l.startswith("destroy isolab-")]) == 3, log
        assert x.domains() == before and x.journals() == []


def test_xl_provision_refusals_leave_nothing():
    for name, kw, env, code, what in (
            ("config_missing", {"config": "/nonexistent/n.cfg"}, {}, 2, "[NO_CONFIG]"),
            ("pool_missing", {"pool": "nope"}, {}, 2, "[NO_POOL]"),
            ("no_room", {"count": 8}, {}, 1, "[HOST_NOT_ENOUGH_FREE_MEMORY]"),
            ("second_create_fails", {}, {"ISOLAB_FAKE_XL_CREATE_FAIL_AT": "2"}, 1,
             "Cannot allocate memory"),
            # made, then crashed while booting: said at once, not after ready_timeout (10 min)
            ("second_copy_crashes_booting", {}, {"ISOLAB_FAKE_XL_CRASH_AT": "2"}, 1,
             "[DOMAIN_GONE]")):
        with xl_lab() as x:
            before = x.domains()
            t0 = time.monotonic()
            r = x.run(x.scenario(**kw), expect=code, extra_env=env)
            elapsed = time.monotonic() - t0
            lines = [l for l in r.stderr.splitlines() if what in l]
            assert lines and "x.ini:" in lines[0], (name, r.stderr[-2000:])
            assert elapsed < 60, (name, elapsed)
            assert x.domains() == before, (name, x.domains())
            assert x.journals() == [], name
            print("ok %s: %s" % (name, lines[0]))


def test_xl_provision_kill9_then_restore_leaves_xl_list_as_before():
    with xl_lab() as x:
        # a domain named like another run's copy: never touched
        x.xl("create", x.config, 'name="isolab-19990101-000000-dead-noisy-1"')
        before = x.domains()
        p = subprocess.Popen([ISOLAB, "run", "--quick", "--no-report", "-r",
                              os.path.join(x.tmp, "results"), x.scenario()],
                             env=dict(x.env, ISOLAB_FAKE_XL_CREATE_DELAY="1"), cwd=x.tmp,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            # the run's second create under way: one copy made, one building (whose
            # create dies with isolab: restore waits for it a moment, in case it shows)
            while len([c for c in x.creates() if 'name="isolab-2' in c]) < 2:
                assert time.monotonic() < deadline and p.poll() is None, p.stderr.read()
                time.sleep(0.05)
            time.sleep(0.3)
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        made = [d for d in x.domains() if d not in before]
        assert made, "nothing was made before the kill"
        x.isolab("restore", expect=0)
        assert x.domains() == before, (x.domains(), before)
        assert x.journals() == []
        print("ok: %d domain(s) destroyed by restore, the decoy kept" % len(made))


if __name__ == "__main__":
    if len(sys.argv) != 2 or not ISOLAB:
        sys.exit("usage: ISOLAB=... provision_tests.py TEST")
    globals()["test_" + sys.argv[1]]()
