#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Integration tests of the xenapi and xl backends: `xenapi_tests.py NAME`
runs one test. The xenapi tests talk to tests/xenapi-sim on loopback; the xl
tests use the fake xl / fake ssh next to this file.

Env: XENAPI_DRIVER (the binary that runs the backend: xenapi-driver, or
isolab), XENAPI_SIM, FAKE_XL, FAKE_SSH."""
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ.get("XENAPI_DRIVER")
SIM = os.environ.get("XENAPI_SIM", os.path.join(HERE, "../../xenapi-sim/xenapi_sim.py"))
FAKE_XL = os.environ.get("FAKE_XL", os.path.join(HERE, "fake-xl"))
FAKE_SSH = os.environ.get("FAKE_SSH", os.path.join(HERE, "fake-ssh"))
PASSWORD = "s3cr3t-Pa55-\u00e9&<x>"
GUESTS = ["caf\u00e9 & <db>", "halted-vm", "noisy1", "noisy2", "twin", "twin", "victim"]


class Sim:
    def __init__(self, tmp, *args):
        self.proc = subprocess.Popen(["/usr/bin/python3", SIM, "--password", PASSWORD] +
                                     list(args), stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.tmp = tmp
        self.tls = "--tls-cert" in args

    def rpc(self):
        if self.tls:
            import ssl
            return xmlrpc.client.ServerProxy("https://127.0.0.1:%d" % self.port,
                                             context=ssl._create_unverified_context())
        return xmlrpc.client.ServerProxy("http://127.0.0.1:%d" % self.port)

    def fault(self, kind, count, arg=""):
        self.rpc().sim.fault(kind, count, arg)

    def stats(self):
        return self.rpc().sim.stats()

    def params(self):
        return self.rpc().sim.vcpus_params()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@contextlib.contextmanager
def sim(*args):
    tmp = tempfile.mkdtemp(prefix="isolab-xenapi-test.")
    s = None
    try:
        s = Sim(tmp, *args)
        yield s
    finally:
        if s:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def pwfile(tmp, mode=0o600, text=PASSWORD + "\n"):
    p = os.path.join(tmp, "pw")
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    return p


def run(args, env=None, expect=0, timeout=60):
    e = dict(os.environ)
    e.pop("ISOLAB_XENAPI_PASSWORD", None)
    e.update(env or {})
    r = subprocess.run([DRIVER] + args, capture_output=True, text=True, env=e, timeout=timeout)
    assert PASSWORD not in r.stdout and PASSWORD not in r.stderr, "password leaked"
    if r.returncode != expect:
        raise AssertionError("exit %d (want %d): %s\nstdout: %s\nstderr: %s" %
                             (r.returncode, expect, args, r.stdout, r.stderr))
    out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
    return out, r.stderr


def xa(s, *cmd, url=None, extra=(), **kw):
    url = url or "http://127.0.0.1:%d" % s.port
    return run(["--backend", "xenapi", "--url", url, "--user", "root", "--password-file",
                pwfile(s.tmp)] + list(extra) + list(cmd), **kw)


def assert_clean(s):
    st = s.stats()
    assert st["sessions"] == 0, "sessions left open: %r" % st
    assert st["logins"] == st["logouts"], "login/logout mismatch: %r" % st


# ---- xenapi ----

def test_vms_lists_guests_without_templates_or_dom0():
    with sim() as s:
        out, _ = xa(s, "vms")
        vms = out["vms"]
        assert [v["name"] for v in vms] == GUESTS, vms
        by = {v["name"]: v for v in vms}
        assert (by["noisy1"]["weight"], by["noisy1"]["cap"]) == (512, 0)
        assert (by["noisy2"]["weight"], by["noisy2"]["cap"]) == (256, 50)
        assert by["noisy2"]["host"] == "xs2" and by["victim"]["host"] == "xs1"
        assert by["halted-vm"]["power_state"] == "Halted" and by["halted-vm"]["host"] is None
        assert by["caf\u00e9 & <db>"]["vcpus"] == 4
        assert all(v["id"].startswith("OpaqueRef:") for v in vms)
        assert s.stats()["originators"] == ["isolab"]
        assert_clean(s)


def test_sched_set_stores_vcpus_params_and_reads_back():
    with sim() as s:
        xa(s, "set", "noisy1", "768", "30")
        assert s.params()["noisy1"] == {"weight": "768", "cap": "30", "mask": "0,1"}
        out, _ = xa(s, "get", "noisy1")
        assert (out["weight"], out["cap"], out["live"]) == (768, 30, False), out
        # back to Xen's defaults: the keys go away, other keys stay
        xa(s, "set", "noisy1", "256", "0")
        assert s.params()["noisy1"] == {"mask": "0,1"}
        # only the weight: the cap is left alone
        xa(s, "set", "noisy2", "100", "-1")
        assert s.params()["noisy2"] == {"cap": "50", "weight": "100"}
        assert_clean(s)


def test_sched_set_utf8_name_with_entities():
    with sim() as s:
        xa(s, "set", "caf\u00e9 & <db>", "300", "-1")
        assert s.params()["caf\u00e9 & <db>"] == {"weight": "300"}


def test_sched_set_running_vm_without_dom0_says_next_start():
    with sim() as s:
        _, err = xa(s, "set", "victim", "512", "-1")
        assert "next start" in err and "live=false" in err, err
        out, _ = xa(s, "get", "victim")
        assert out["live"] is False and out["weight"] == 512
        assert s.stats()["methods"].get("VM.add_to_VCPUs_params_live", 0) == 1
        # a halted VM needs nothing live and says nothing
        _, err = xa(s, "set", "halted-vm", "512", "-1")
        assert "next start" not in err, err


def xl_state(s):
    state = os.path.join(s.tmp, "xl.json")
    doms = [{"name": n, "id": i, "mem": 512, "vcpus": 2, "state": "-b----", "time": 1.0,
             "pool": "Pool-0", "weight": 256, "cap": 0}
            for i, n in enumerate(["Domain-0", "victim", "noisy1", "noisy2", "cafe", "twin"])]
    doms[2]["weight"] = 512
    with open(state, "w") as f:
        json.dump({"nr_cpus": 8, "pools": {"Pool-0": "credit"}, "domains": doms}, f)
    env = {"ISOLAB_XL": FAKE_XL, "ISOLAB_SSH": FAKE_SSH, "ISOLAB_FAKE_XL_STATE": state,
           "ISOLAB_FAKE_SSH_LOG": os.path.join(s.tmp, "ssh.log")}
    return state, env


def read_json(path):
    with open(path) as f:
        return json.load(f)


def ssh_log(s):
    try:
        with open(os.path.join(s.tmp, "ssh.log")) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_sched_set_with_dom0_applies_live_through_xl():
    with sim() as s:
        state, env = xl_state(s)
        out, _ = xa(s, "get", "noisy1", extra=["--dom0", "root@xs1"], env=env)
        assert (out["weight"], out["live"]) == (512, True), out
        _, err = xa(s, "set", "victim", "768", "25", extra=["--dom0", "root@xs1"], env=env)
        assert "next start" not in err
        d1 = read_json(state)["domains"][1]
        assert (d1["weight"], d1["cap"]) == (768, 25), d1
        assert s.params()["victim"] == {"weight": "768", "cap": "25"}
        lines = ssh_log(s)
        assert lines and all(l.startswith("root@xs1 ") for l in lines), lines
        assert any("sched-credit -d 1 -w 768 -c 25" in l for l in lines), lines
        # the live call is not tried when xl can do it
        assert "VM.add_to_VCPUs_params_live" not in s.stats()["methods"]
        out, _ = xa(s, "caps", extra=["--dom0", "root@xs1"], env=env)
        assert out["live"] is True


def test_sched_set_never_uses_another_hosts_dom0():
    with sim() as s:
        state, env = xl_state(s)
        before = read_json(state)
        # noisy2 runs on xs2: domain 3 in xs1's dom0 is some other VM
        _, err = xa(s, "set", "noisy2", "900", "-1", extra=["--dom0", "root@xs1"], env=env)
        assert "not used" in err and "next start" in err, err
        assert read_json(state) == before
        assert not any("-w" in l for l in ssh_log(s)), ssh_log(s)
        out, _ = xa(s, "get", "noisy2", extra=["--dom0", "root@xs1"], env=env)
        assert (out["weight"], out["live"]) == (900, False), out


def test_dom0_template_reaches_each_resident_host():
    with sim() as s:
        state, env = xl_state(s)
        xa(s, "set", "noisy2", "900", "60", extra=["--dom0", "root@{host}"], env=env)
        d3 = read_json(state)["domains"][3]
        assert (d3["weight"], d3["cap"]) == (900, 60), d3
        assert any(l.startswith("root@127.0.0.2 ") and "-w 900" in l for l in ssh_log(s))
        out, _ = xa(s, "get", "noisy2", extra=["--dom0", "root@{host}"], env=env)
        assert (out["weight"], out["cap"], out["live"]) == (900, 60, True), out


def test_session_invalid_relogs_in_once_and_retries():
    with sim() as s:
        s.fault("session_invalid", 1, "1")
        out, _ = xa(s, "get", "victim")
        assert out["weight"] == 256
        st = s.stats()
        assert st["logins"] == 2 and st["sessions"] == 0, st


def test_host_is_slave_moves_to_coordinator():
    with sim("--member") as s:
        out, _ = xa(s, "caps", url="http://127.0.0.2:%d" % s.port)
        assert out["describe"]["coordinator_url"].startswith("http://127.0.0.1:%d" % s.port), out
        assert_clean(s)


def test_http_500_is_retried_with_backoff():
    with sim() as s:
        s.fault("http500", 2)
        t0 = time.monotonic()
        out, _ = xa(s, "get", "victim")
        assert out["weight"] == 256
        assert time.monotonic() - t0 >= 0.5  # 200 ms + 400 ms backoff
        assert s.stats()["http_requests"] >= 2 + 6


def test_http_500_persisting_fails_with_code():
    with sim() as s:
        s.fault("http500", 100)
        out, _ = xa(s, "vms", expect=1)
        assert out["error_code"] == "HTTP_5XX", out
        assert s.stats()["http_requests"] == 4  # first try + 3 retries


def test_malformed_answer_fails_cleanly():
    with sim() as s:
        s.fault("malformed", 1)
        out, _ = xa(s, "vms", expect=1)
        assert out["error_code"] == "BAD_RESPONSE" and "malformed" in out["error"], out


def test_truncated_answer_fails_cleanly():
    with sim() as s:
        xa(s, "vms")
        s.fault("truncated", 1)
        out, _ = xa(s, "vms", expect=1)
        assert out["error_code"] == "BAD_RESPONSE", out


def test_answer_over_size_cap_is_refused():
    with sim() as s:
        s.fault("huge", 1)
        out, _ = xa(s, "vms", expect=1)
        assert out["error_code"] == "EFBIG" and "larger than" in out["error"], out
        assert s.stats()["http_requests"] == 1  # not retried


def test_bad_timeout_setting_is_refused():
    with sim() as s:
        out, _ = xa(s, "vms", env={"ISOLAB_XENAPI_TIMEOUT": "soon"}, expect=1)
        assert out["error_code"] == "EINVAL" and "ISOLAB_XENAPI_TIMEOUT" in out["error"]
        assert s.stats()["logins"] == 0


def test_dropped_connection_is_retried():
    with sim() as s:
        s.fault("drop", 2)
        out, _ = xa(s, "get", "noisy2")
        assert out["cap"] == 50


def test_slow_answer_times_out_and_is_retried():
    with sim() as s:
        s.fault("slow", 1, "3")
        t0 = time.monotonic()
        out, _ = xa(s, "get", "victim", env={"ISOLAB_XENAPI_TIMEOUT": "1s"})
        assert out["weight"] == 256
        assert 1.0 <= time.monotonic() - t0 < 5


def test_connection_refused_fails_after_retries():
    with sim() as s:
        port = s.port
        s.stop()
        s.proc = subprocess.Popen(["true"])
        out, _ = xa(s, "vms", url="http://127.0.0.1:%d" % port, expect=1)
        assert out["error_code"] == "ECONNREFUSED", out


def test_xenapi_failure_carries_code_and_params():
    with sim() as s:
        s.fault("fail", 1, "INTERNAL_ERROR:disk on fire")
        out, _ = xa(s, "vms", expect=1)
        assert out["error_code"] == "INTERNAL_ERROR", out
        assert "disk on fire" in out["error"], out


def test_unknown_and_ambiguous_vm_names():
    with sim() as s:
        out, _ = xa(s, "get", "nope", expect=1)
        assert out["error_code"] == "ENOENT"
        out, _ = xa(s, "get", "twin", expect=1)
        assert out["error_code"] == "EEXIST"
        out, _ = xa(s, "get", "Debian Bookworm 12", expect=1)  # templates are not VMs
        assert out["error_code"] == "ENOENT"
        vms, _ = xa(s, "vms")
        twin = [v["id"] for v in vms["vms"] if v["name"] == "twin"][0]
        out, _ = xa(s, "set", twin, "999", "-1")
        assert_clean(s)


def test_out_of_range_values_refused_before_any_call():
    with sim() as s:
        out, _ = xa(s, "set", "victim", "70000", "-1", expect=1)
        assert out["error_code"] == "ERANGE"
        out, _ = xa(s, "set", "victim", "-1", "801", expect=1)  # 8 CPUs: cap <= 800
        assert out["error_code"] == "ERANGE"
        xa(s, "set", "victim", "-1", "800")
        assert "VM.set_VCPUs_params" in s.stats()["methods"]


def test_password_file_must_be_0600():
    with sim() as s:
        p = pwfile(s.tmp, 0o644)
        r = run(["--url", "http://127.0.0.1:%d" % s.port, "--user", "root", "--password-file",
                 p, "vms"], expect=1)[0]
        assert r["error_code"] == "EPERM" and "0600" in r["error"], r
        assert s.stats()["logins"] == 0


def test_password_from_environment():
    with sim() as s:
        out, _ = run(["--url", "http://127.0.0.1:%d" % s.port, "--user", "root", "vms"],
                     env={"ISOLAB_XENAPI_PASSWORD": PASSWORD})
        assert len(out["vms"]) == len(GUESTS)
        out, _ = run(["--url", "http://127.0.0.1:%d" % s.port, "--user", "root", "vms"],
                     expect=1)
        assert out["error_code"] == "EINVAL" and "password" in out["error"]


def test_wrong_password_fails_without_echoing_it():
    with sim() as s:
        p = pwfile(s.tmp, text="wrong-" + PASSWORD)
        r = subprocess.run([DRIVER, "--url", "http://127.0.0.1:%d" % s.port, "--user", "root",
                            "--password-file", p, "vms"], capture_output=True, text=True)
        assert r.returncode == 1
        assert "SESSION_AUTHENTICATION_FAILED" in r.stdout
        assert PASSWORD not in r.stdout + r.stderr


def test_credentials_in_url_refused():
    with sim() as s:
        out, _ = xa(s, "vms", url="http://root:pw@127.0.0.1:%d" % s.port, expect=1)
        assert out["error_code"] == "EINVAL"


def tls_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_tls_self_signed_refused_unless_ca_file_or_insecure():
    tmp = tempfile.mkdtemp(prefix="isolab-tls.")
    try:
        cert, key = tls_cert(tmp)
        with sim("--tls-cert", cert, "--tls-key", key) as s:
            url = "https://127.0.0.1:%d" % s.port
            out, _ = xa(s, "vms", url=url, expect=1)
            assert out["error_code"] == "TLS", out
            assert s.stats()["logins"] == 0
            out, err = xa(s, "vms", url=url, extra=["--ca-file", cert])
            assert len(out["vms"]) == len(GUESTS) and "NOT verified" not in err
            out, err = xa(s, "vms", url=url, extra=["--insecure"])
            assert "NOT verified" in err, err
            out, _ = xa(s, "caps", url=url, extra=["--insecure"])
            assert out["describe"]["tls_verified"] is False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_keep_alive_uses_one_connection():
    with sim() as s:
        before = s.stats()["connections"]
        out, _ = xa(s, "bench", "30", "victim")
        after = s.stats()["connections"]
        assert after - before == 2, (before, after)  # the driver's one + this stats call
        assert out["calls"] == 90


# ---- the real isolab CLI (controller) with the xenapi backend ----

ISOLAB = os.environ.get("ISOLAB")


def cli(s, *args, expect=0, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("ISOLAB_XENAPI_PASSWORD", None)
    e.update(env or {})
    r = subprocess.run([ISOLAB] + list(args) + [
        "--backend", "xenapi", "--url", "http://127.0.0.1:%d" % s.port, "--user", "root",
        "--password-file", pwfile(s.tmp)], capture_output=True, text=True, env=e,
        timeout=timeout)
    assert PASSWORD not in r.stdout + r.stderr, "password leaked"
    assert r.returncode == expect, (args, r.returncode, r.stdout, r.stderr)
    return r


def test_cli_vms_and_sched_get_set_json():
    with sim() as s:
        vms = json.loads(cli(s, "vms", "--json").stdout)
        assert [v["name"] for v in vms] == GUESTS, vms
        cli(s, "sched", "set", "victim", "--weight", "640", "--cap", "40")
        assert s.params()["victim"] == {"weight": "640", "cap": "40"}
        got = json.loads(cli(s, "sched", "get", "victim", "--json").stdout)
        assert got == {"vm": "victim", "backend": "xenapi", "weight": 640, "cap": 40,
                       "live": False}, got
        r = cli(s, "sched", "get", "no-such-vm", expect=1)
        assert "no VM named" in r.stderr
        assert_clean(s)


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
[vm noisy1]
role = neighbor

[probe]
vm = client
kind = http
target = victim
concurrency = 1

[bomb cpu]
vm = noisy1
kind = cpu

[phase cpu+prio]
bombs = cpu
weight.victim = 2048
cap.noisy1 = 50
[phase baseline]
bombs = none
"""


def free_port():
    """A port nobody listens on now (other jobs on this machine run victims too)."""
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def run_env(s):
    return {"ISOLAB_STATE_DIR": os.path.join(s.tmp, "state")}


def scenario(s):
    path = os.path.join(s.tmp, "xen.ini")
    with open(path, "w") as f:
        f.write(SCENARIO % {"port": s.port, "pw": pwfile(s.tmp), "vport": free_port()})
    return path


def test_cli_run_quick_sets_and_restores_priorities():
    with sim() as s:
        before = s.params()
        r = subprocess.run([ISOLAB, "run", "--quick", "--no-report", "-r",
                            os.path.join(s.tmp, "results"), scenario(s)],
                           capture_output=True, text=True, env=dict(os.environ, **run_env(s)),
                           timeout=120, cwd=s.tmp)
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert PASSWORD not in r.stdout + r.stderr
        st = s.stats()
        # per round 2 set, 2 restored; --quick runs 3 rounds
        assert st["methods"]["VM.set_VCPUs_params"] == 4 * 3, st
        assert s.params() == before, s.params()
        man = open(os.path.join(r.stdout.strip().splitlines()[-1], "manifest.json")).read()
        assert PASSWORD not in man and '"xenapi"' in man
        assert_clean(s)


def test_cli_restore_after_sigkill_puts_priorities_back():
    import signal
    with sim() as s:
        before = s.params()
        p = subprocess.Popen([ISOLAB, "run", "--quick", "--no-report", "-r",
                              os.path.join(s.tmp, "results"), scenario(s)],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(s.tmp, "run.err"), "w"),
                             env=dict(os.environ, **run_env(s)), cwd=s.tmp,
                             start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while (s.params()["victim"].get("weight"), s.params()["noisy1"].get("cap")) != \
                    ("2048", "50"):
                assert time.monotonic() < deadline, "priorities never applied"
                assert p.poll() is None, "run ended early: " + open(os.path.join(s.tmp, "run.err")).read()
                time.sleep(0.1)
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        assert s.params()["noisy1"].get("cap") == "50"  # left behind by the killed run
        r = subprocess.run([ISOLAB, "restore"], capture_output=True, text=True,
                           env=dict(os.environ, **run_env(s)), timeout=60, cwd=s.tmp)
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert s.params() == before, (s.params(), before, r.stderr)


# ---- xl ----

def xl(tmp, *cmd, dom0=None, expect=0, env=None):
    e = {"ISOLAB_XL": FAKE_XL, "ISOLAB_SSH": FAKE_SSH,
         "ISOLAB_FAKE_XL_STATE": os.path.join(tmp, "xl.json"),
         "ISOLAB_FAKE_SSH_LOG": os.path.join(tmp, "ssh.log")}
    e.update(env or {})
    return run(["--backend", "xl"] + (["--dom0", dom0] if dom0 else []) + list(cmd), env=e,
               expect=expect)


@contextlib.contextmanager
def tmpdir():
    tmp = tempfile.mkdtemp(prefix="isolab-xl-test.")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_xl_vms_lists_domains_without_dom0():
    with tmpdir() as t:
        out, _ = xl(t, "vms")
        assert [v["name"] for v in out["vms"]] == ["d1", "d2", "web"]
        web = out["vms"][2]
        assert (web["id"], web["vcpus"], web["weight"], web["cap"]) == ("3", 2, 512, 0)
        out, _ = xl(t, "caps")
        assert out["scheduler"] == "credit2" and out["cap"] is True
        assert out["describe"]["nr_cpus"] == 2


def test_xl_set_get_round_trip_across_cpupools():
    with tmpdir() as t:
        xl(t, "set", "d1", "1024", "10")   # d1 sits in a credit pool, Pool-0 is credit2
        out, _ = xl(t, "get", "d1")
        assert (out["weight"], out["cap"], out["live"]) == (1024, 10, True)
        xl(t, "set", "web", "-1", "150")
        out, _ = xl(t, "get", "web")
        assert (out["weight"], out["cap"]) == (512, 150)


def test_xl_out_of_range_refused():
    with tmpdir() as t:
        out, _ = xl(t, "set", "d1", "0", "-1", expect=1)
        assert out["error_code"] == "ERANGE"
        out, _ = xl(t, "set", "d1", "-1", "201", expect=1)  # 2 CPUs
        assert out["error_code"] == "ERANGE"


def test_xl_unknown_domain_reports_xl_message():
    with tmpdir() as t:
        out, _ = xl(t, "get", "nope", expect=1)
        assert "invalid domain identifier" in out["error"], out


def test_xl_through_ssh_runs_in_dom0():
    with tmpdir() as t:
        xl(t, "set", "web", "300", "-1", dom0="root@xenhost")
        with open(os.path.join(t, "ssh.log")) as f:
            lines = f.read().splitlines()
        assert lines and all(l.startswith("root@xenhost ") for l in lines)
        out, _ = xl(t, "vms", dom0="root@xenhost")
        assert out["vms"][0]["host"] == "xenhost"
        out, _ = xl(t, "vms", dom0="root@unreachable", expect=1)
        assert out["error_code"] == "XL_FAILED" and "unreachable" in out["error"], out
        out, _ = xl(t, "vms", dom0="-oProxyCommand=evil", expect=1)
        assert out["error_code"] == "EINVAL"


def test_xl_missing_binary_says_so():
    with tmpdir() as t:
        out, _ = xl(t, "vms", env={"ISOLAB_XL": "/nonexistent/xl"}, expect=1)
        assert "not found" in out["error"], out


XL_CHECK_SCENARIO = """[global]
backend = xl
duration = 1s
rounds = 1
[vm web]
role = victim
name = %s
[vm noisy]
role = neighbor
name = d1
[vm client]
role = probe
[probe]
vm = client
kind = http
target = victim
[bomb cpu]
vm = noisy
kind = cpu
[phase baseline]
bombs = none
[phase cpu+prio]
bombs = cpu
weight.web = 1024
"""


def test_xl_check_accepts_a_tools_only_vm():
    # the probe VM runs in dom0 (no domain of its own): `isolab check` must accept it, as
    # `isolab run` does, but still refuse a prioritised VM that is not a domain
    with tmpdir() as t:
        e = dict(os.environ, ISOLAB_XL=FAKE_XL, ISOLAB_FAKE_XL_STATE=os.path.join(t, "xl.json"))
        for ident, code in (("web", 0), ("nosuchdomain", 2)):
            path = os.path.join(t, "s.ini")
            with open(path, "w") as f:
                f.write(XL_CHECK_SCENARIO % ident)
            r = subprocess.run([ISOLAB, "check", path], capture_output=True, text=True,
                               env=e, timeout=30)
            assert r.returncode == code, (ident, r.returncode, r.stdout, r.stderr)
            if code == 0:
                assert "vm 'client'" in r.stdout and "OK" in r.stdout, r.stdout
            else:
                assert "vm 'web'" in r.stderr and "not found on xl" in r.stderr, r.stderr


if __name__ == "__main__":
    if len(sys.argv) != 2 or not DRIVER or (sys.argv[1].startswith("cli_") and not ISOLAB):
        sys.exit("usage: XENAPI_DRIVER=... xenapi_tests.py TEST")
    globals()["test_" + sys.argv[1]]()
