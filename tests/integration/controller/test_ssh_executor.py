#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The ssh executor through a stand-in `ssh` that runs the command on this host.

`isolab deploy` copies the tools to ~/isolab/bin of each guest (a stand-in scp copies
into $HOME here). Every VM of the scenario has `ssh = ...`: the victim, the bomb and the probe are
started the way they would be on guests (setsid, `isolab-pgid` on stderr, PATH with
~/isolab/bin), stopped by killing their remote process group, and the files the run
put "remotely" are removed. Traffic stays on loopback.
"""
import glob
import json
import os
import shutil
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    common.need_root()  # the local backend still opens (cgroups) for the priorities
    common.need_tools(BIN)
    build = os.path.dirname(os.path.dirname(os.path.abspath(BIN)))
    tmp = tempfile.mkdtemp(prefix="isolab-it-ssh-")
    scn = os.path.join(tmp, "ssh.ini")
    with open(scn, "w") as f:
        f.write("""[global]
duration = 2s
warmup = 500ms
cooldown = 0
rounds = 1
victim_port = %d
victim_pages = 200
[vm web]
role = victim
ssh = me@web
addr = 127.0.0.1
[vm noisy]
role = neighbor
ssh = me@noisy
[vm client]
role = probe
ssh = me@client
[probe]
kind = http
concurrency = 2
[bomb cpu]
vm = noisy
kind = cpu
threads = 1
[phase baseline]
[phase cpu]
bombs = cpu
""" % free_port())
    # guests need no curl: the controller fetches /urls and uploads it through ssh
    nocurl = os.path.join(tmp, "nocurl")
    os.mkdir(nocurl)
    with open(os.path.join(nocurl, "curl"), "w") as f:
        f.write("#!/bin/sh\necho 'curl must not be needed' >&2\nexit 1\n")
    os.chmod(os.path.join(nocurl, "curl"), 0o755)
    path = ":".join([nocurl, os.path.join(HERE, "fake-ssh"), os.path.join(build, "bombs"),
                     os.path.join(build, "probes"), os.environ.get("PATH", "/usr/bin:/bin")])
    env = dict(os.environ, PATH=path, HOME=tmp, ISOLAB_STATE_DIR=os.path.join(tmp, "state"),
               ISOLAB_TOOL_DIR=os.path.join(tmp, "nowhere"))
    try:
        d = common.run([BIN, "deploy", scn], env, timeout=60)
        assert d.returncode == 0, d.stderr
        for t in ("isolab-bomb", "isolab-probe", "isolab-victim"):
            assert os.access(os.path.join(tmp, "isolab/bin", t), os.X_OK), "deploy: no " + t
        assert d.stdout.count("copied") == 3, d.stdout  # three guests
        p = common.run([BIN, "run", "--no-report", scn, "--results",
                        os.path.join(tmp, "results")], env, timeout=120)
        sys.stderr.write(p.stderr[-3000:])
        assert p.returncode == 0, "isolab run exited %d" % p.returncode
        run_dir = p.stdout.strip().splitlines()[-1]
        with open(os.path.join(run_dir, "manifest.json")) as f:
            m = json.load(f)
        assert m["status"] == "complete", m["status"]
        assert [r["status"] for r in m["runs"]] == ["ok", "ok", "ok"], m["runs"]  # + A/A
        with open(os.path.join(run_dir, "runs/1-cpu/bomb-cpu.json")) as f:
            assert json.load(f)["status"] == "interrupted"  # stopped through its group
        with open(os.path.join(run_dir, "runs/1-cpu/probe.json")) as f:
            assert json.load(f)["metrics"]["requests"] > 0
        rid = m["run_id"]
        assert not glob.glob("/tmp/isolab-*%s*" % rid), glob.glob("/tmp/isolab-*%s*" % rid)
        for cmd in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                with open(cmd, "rb") as f:
                    c = f.read()
            except OSError:
                continue
            assert rid.encode() not in c, "left running: %s" % c
        assert not os.listdir(env["ISOLAB_STATE_DIR"])
        print("ok: ssh executor ran %d runs" % len(m["runs"]))
    finally:
        common.run([BIN, "restore"], env, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
