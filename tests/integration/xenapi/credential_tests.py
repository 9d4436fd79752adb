#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The XenAPI password stays secret, and TLS stays verified (issue 14):
`credential_tests.py NAME` runs one test against tests/xenapi-sim.

- During a whole `isolab run` (xenapi backend, live changes through xl in
  dom0 over a stand-in ssh), no process isolab starts, nor isolab itself,
  carries the password on its command line or in its environment, whether
  it came from a 0600 file or from ISOLAB_XENAPI_PASSWORD.
- No results file, state or journal file, log line or error message holds it.
- TLS is verified by default (a self-signed pool is refused before any
  login); --insecure / insecure = yes says so exactly once per command.

Env: ISOLAB, XENAPI_SIM, FAKE_XL, FAKE_SSH (as for xenapi_tests.py)."""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xenapi_tests as xt  # noqa: E402

ISOLAB = os.environ.get("ISOLAB")
# isolab wipes the variable's value at start; /proc/PID/environ (the block
# the process started with) may keep the name, never a value.
LIVE_VAR = re.compile(rb"ISOLAB_XENAPI_PASSWORD=[^\0]")
# Every encoding of the password (raw, XML-escaped, percent-encoded) holds this.
MARK = xt.PASSWORD.split("-\u00e9")[0].encode()
assert MARK == b"s3cr3t-Pa55"

SCENARIO = """[global]
backend = xenapi
xenapi_url = %(url)s
xenapi_user = root
%(pwline)s
dom0 = root@xs1
victim_port = %(vport)d
victim_pages = 100
%(extra)s
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


def write_scenario(s, url=None, pw_file=True, extra=""):
    path = os.path.join(s.tmp, "cred.ini")
    with open(path, "w") as f:
        f.write(SCENARIO % {
            "url": url or "http://127.0.0.1:%d" % s.port,
            "pwline": "xenapi_password_file = %s" % xt.pwfile(s.tmp) if pw_file else "",
            "vport": xt.free_port(), "extra": extra})
    return path


def ppid_map():
    m = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses
            m[int(d)] = int(st[st.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return m


def descendants(root, m):
    out, todo = {root}, [root]
    while todo:
        p = todo.pop()
        for c, pp in m.items():
            if pp == p and c not in out:
                out.add(c)
                todo.append(c)
    return out


class Watcher(threading.Thread):
    """Reads cmdline and environ of the run and each of its descendants until stopped."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.stop, self.seen, self.leaks, self.checked = root, False, set(), [], 0

    def run(self):
        while not self.stop:
            pids = descendants(self.root, ppid_map())
            if len(pids) == 1:
                # the run has no child yet: it may not have wiped a password the
                # user gave it in its environment (xapi_cred_capture_env) yet
                time.sleep(0.005)
                continue
            for pid in pids:
                try:
                    with open("/proc/%d/comm" % pid) as f:
                        comm = f.read().strip()
                    with open("/proc/%d/cmdline" % pid, "rb") as f:
                        cmdline = f.read()
                    with open("/proc/%d/environ" % pid, "rb") as f:
                        environ = f.read()
                except OSError:
                    continue  # it ended meanwhile
                self.seen.add(comm)
                self.checked += 1
                for what, data in (("cmdline", cmdline), ("environ", environ)):
                    if MARK in data or LIVE_VAR.search(data):
                        self.leaks.append((pid, comm, what))
            time.sleep(0.005)


def files_holding(top, mark=MARK):
    hits = []
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            try:
                with open(p, "rb") as f:
                    if mark in f.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


def recording_ssh(s):
    """A stand-in ssh that keeps its own argv and environment, then runs fake-ssh."""
    path = os.path.join(s.tmp, "recording-ssh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                "cat /proc/$$/cmdline /proc/$$/environ >> %s/ssh-seen\n"
                "exec %s \"$@\"\n" % (s.tmp, xt.FAKE_SSH))
    os.chmod(path, 0o755)
    return path


def run_watched(s, scn, env):
    state = os.path.join(s.tmp, "state")
    e = dict(os.environ)
    e.pop("ISOLAB_XENAPI_PASSWORD", None)
    e.update(env)
    e["ISOLAB_STATE_DIR"] = state
    e["ISOLAB_SSH"] = recording_ssh(s)
    p = subprocess.Popen([ISOLAB, "run", "--quick", "-r", os.path.join(s.tmp, "results"), scn],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=s.tmp)
    w = Watcher(p.pid)
    w.start()
    try:
        out, err = p.communicate(timeout=180)
    finally:
        w.stop = True
        w.join()
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, (p.returncode, out, err)
    return w, out, err


def check_no_leak(s, w, out, err):
    assert not w.leaks, w.leaks[:5]
    # the check saw the run's children: it could have caught a leak
    for tool in ("isolab", "isolab-victim", "isolab-probe", "isolab-bomb"):
        assert tool in w.seen, (tool, w.seen)
    # each ssh to dom0 (xl sched-credit) kept what isolab gave it
    with open(os.path.join(s.tmp, "ssh-seen"), "rb") as f:
        seen = f.read()
    assert b"sched-credit" in seen and MARK not in seen, seen[:400]
    assert MARK not in out + err, "password in the run's output"
    assert not files_holding(os.path.join(s.tmp, "results")), "password in results"
    assert not files_holding(os.path.join(s.tmp, "state")), "password in state/journal"
    assert os.path.isdir(os.path.join(s.tmp, "results"))
    return w.checked


def test_password_from_file_never_on_argv_environ_or_disk():
    with xt.sim() as s:
        _, env = xt.xl_state(s)
        w, out, err = run_watched(s, write_scenario(s), env)
        n = check_no_leak(s, w, out, err)
        assert xt.ssh_log(s), "xl never ran in dom0: the watch missed its children"
        print("checked %d process snapshots of %s" % (n, sorted(w.seen)))


def test_password_from_environment_never_on_argv_environ_or_disk():
    with xt.sim() as s:
        _, env = xt.xl_state(s)
        env["ISOLAB_XENAPI_PASSWORD"] = xt.PASSWORD
        w, out, err = run_watched(s, write_scenario(s, pw_file=False), env)
        n = check_no_leak(s, w, out, err)
        print("checked %d process snapshots of %s" % (n, sorted(w.seen)))


def test_errors_never_echo_the_password():
    with xt.sim() as s:
        e = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(s.tmp, "state"))
        # a wrong password: the pool's refusal is reported, the password is not
        p = xt.pwfile(s.tmp, text="wrong-" + xt.PASSWORD)
        r = subprocess.run([ISOLAB, "vms", "--backend", "xenapi", "--url",
                            "http://127.0.0.1:%d" % s.port, "--user", "root", "--password-file",
                            p], capture_output=True, env=e)
        assert r.returncode == 1 and b"SESSION_AUTHENTICATION_FAILED" in r.stderr, r
        assert MARK not in r.stdout + r.stderr
        # a password file readable by others is refused by name, not by content
        p = xt.pwfile(s.tmp, mode=0o644)
        r = subprocess.run([ISOLAB, "vms", "--backend", "xenapi", "--url",
                            "http://127.0.0.1:%d" % s.port, "--user", "root", "--password-file",
                            p], capture_output=True, env=e)
        assert r.returncode != 0 and b"0600" in r.stderr, r
        assert MARK not in r.stdout + r.stderr
        # a password in the scenario is refused without repeating it
        scn = os.path.join(s.tmp, "pw.ini")
        with open(scn, "w") as f:
            f.write("[global]\nxenapi_password = %s\n" % xt.PASSWORD)
        r = subprocess.run([ISOLAB, "check", scn], capture_output=True, env=e)
        assert r.returncode == 2 and b"pw.ini:2: xenapi_password" in r.stderr, r
        assert MARK not in r.stdout + r.stderr


def test_tls_verified_by_default_and_insecure_warns_once():
    import shutil
    import tempfile
    tmp = tempfile.mkdtemp(prefix="isolab-tls.")
    try:
        cert, key = xt.tls_cert(tmp)
        with xt.sim("--tls-cert", cert, "--tls-key", key) as s:
            url = "https://127.0.0.1:%d" % s.port
            _, env = xt.xl_state(s)
            e = dict(os.environ, ISOLAB_STATE_DIR=os.path.join(s.tmp, "state"), **env)
            # by default the self-signed pool is refused before any login
            r = subprocess.run([ISOLAB, "run", "--quick", "-r", os.path.join(s.tmp, "r0"),
                                write_scenario(s, url=url)], capture_output=True, text=True,
                               env=e, cwd=s.tmp, timeout=120)
            assert r.returncode != 0, r
            assert "certificate" in r.stderr.lower() or "tls" in r.stderr.lower(), r.stderr
            assert s.stats()["logins"] == 0
            # insecure = yes: the whole run works and says so once
            w, out, err = run_watched(s, write_scenario(s, url=url, extra="insecure = yes"),
                                      env)
            assert err.count(b"NOT verified") == 1, err
            check_no_leak(s, w, out, err)
            # so does --insecure for one command
            r = subprocess.run([ISOLAB, "vms", "--backend", "xenapi", "--url", url, "--user",
                                "root", "--password-file", xt.pwfile(s.tmp), "--insecure"],
                               capture_output=True, text=True, env=e)
            assert r.returncode == 0, r
            assert r.stderr.count("NOT verified") == 1, r.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not ISOLAB:
        sys.exit("usage: ISOLAB=... credential_tests.py TEST")
    globals()["test_" + sys.argv[1]]()
