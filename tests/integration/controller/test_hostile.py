#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hostile input cannot hurt the controller (issue 14): nothing from outside
becomes a command, and the probe measures only what the scenario names.

Every VM is reached through a recording stand-in ssh ($ISOLAB_SSH): it keeps
each command line isolab sends, then runs it with sh in $HOME, as sshd would
on a guest. The "guest" tools are wrappers in ~/isolab/bin that keep their
argv and exec the real tools (or a fake victim). The hostile strings carry
every shell metacharacter, and canaries: `:>CANARY` creates a file with
shell builtins alone, so an injected command leaves a trace whatever PATH is.

1. A run whose bomb option, probe URL, phase and scenario name carry the
   payload, and whose victim's /urls lists paths with it: the run completes,
   no canary appears, each tool got the payload as one argv word, verbatim,
   and every command that went through ssh is one of isolab's own shapes.
2. Hostile ssh targets and VM addresses: refused with one line, exit 2,
   nothing goes through ssh.
3. A victim whose /urls answer is 100 MB, binary junk, or URLs of other
   hosts: the run fails with one clear error and the probe never starts.
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

BIN = os.environ["ISOLAB_BIN"]
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(BIN)))

# Shell metacharacters, each with a canary that only a shell which runs it creates.
PAYLOAD = ("q'\"$(:>CANARY1)`:>CANARY2`;:>CANARY3|:>CANARY4&:>CANARY5&&"
           "$HOME*?[a]{b,c}~!#<>\\\\%^")
CANARIES = ["CANARY%d" % i for i in range(1, 8)]

RECORDING_SSH = r"""#!/usr/bin/python3
# The recording stand-in ssh: keeps argv, then runs the command with sh in $HOME.
import json, os, sys
with open(os.environ["HOSTILE_SSH_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
a = sys.argv[1:]
while a and a[0].startswith("-") and a[0] != "--":
    a = a[2:] if a[0] == "-o" else a[1:]
if a and a[0] == "--":
    a = a[1:]
if len(a) != 2:
    sys.stderr.write("stand-in ssh: expected -- HOST COMMAND, got %r\n" % (sys.argv,))
    sys.exit(255)
os.chdir(os.environ["HOME"])
os.execv("/bin/sh", ["sh", "-c", a[1]])
"""

TOOL_WRAPPER = r"""#!/usr/bin/python3
# A guest tool: keeps its argv, then runs the real one.
import json, os, sys
with open(os.environ["HOSTILE_TOOL_LOG"], "a") as f:
    f.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]) + "\n")
os.execv(%(real)r, [%(real)r] + sys.argv[1:])
"""

FAKE_VICTIM = r"""#!/usr/bin/python3
# A victim whose GET /urls answers per $HOSTILE_URLS; every other page is "ok".
import http.server, os, signal, socketserver, sys
mode = os.environ.get("HOSTILE_URLS", "shell")
args = sys.argv[1:]
listen = args[args.index("--listen") + 1]
host, port = listen.rsplit(":", 1)
bodies = {
    "shell": lambda: ("/wiki/%(p)s\n%(p)s\n/x?%(p)s\n" %
                      {"p": os.environ["HOSTILE_PAYLOAD"]}).encode(),
    "huge": lambda: b"/wiki/A\n" * (100 * 1024 * 1024 // 8),
    "junk": lambda: bytes(range(256)) * 64,
    "offhost": lambda: b"/wiki/A\nhttp://203.0.113.9/steal\n",
}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.environ["HOSTILE_PATH_LOG"], "a") as f:
            f.write(self.path + "\n")
        body = bodies[mode]() if self.path == "/urls" else b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
s = S(("0.0.0.0" if host == "0.0.0.0" else host, int(port)), H)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
os.write(2, b"isolab-ready\n")
s.serve_forever()
"""

SCENARIO = """[global]
name = %(payload)s
duration = 2s
warmup = 300ms
cooldown = 0
rounds = 1
victim_port = %(port)d
victim_pages = 50
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
concurrency = 1
; a fixed load and SLO: the probe's URL carries the payload and is no page of the
; victim's, so a calibration would measure nothing
rate = 20
slo = 500ms
%(probe_target)s
[bomb disk]
vm = noisy
kind = disk
dir = %(dir)s
size = 8M
threads = 1
[phase %(phase)s]
bombs = disk
"""

# What isolab itself sends through ssh (anything else would be injected).
SHAPES = [
    re.compile(r"""^PATH="\$HOME/isolab/bin:\$PATH"; export PATH; exec setsid -w sh -c """
               r"""'echo isolab-pgid \$\$ >&2; exec "\$0" "\$@"' isolab-(bomb|probe|victim) """),
    re.compile(r"^kill -(TERM|KILL) -\d+( 2>/dev/null; true)?$"),
    re.compile(r"^cat > /tmp/isolab-urls-[0-9a-f-]+\.txt$"),
    re.compile(r"^rm -f /tmp/isolab-(urls|victim)-[0-9a-f-]+\.(txt|db)\*?$"),
    re.compile(r"^curl -fsS --max-filesize 8388608 --noproxy '\*' -o "
               r"/tmp/isolab-urls-[0-9a-f-]+\.txt http://127\.0\.0\.1:\d+/urls$"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="isolab-it-hostile-")
        self.ssh_log = os.path.join(self.tmp, "ssh.log")
        self.tool_log = os.path.join(self.tmp, "tools.log")
        bindir = os.path.join(self.tmp, "isolab", "bin")
        os.makedirs(bindir)
        ssh = os.path.join(self.tmp, "recording-ssh")
        with open(ssh, "w") as f:
            f.write(RECORDING_SSH)
        os.chmod(ssh, 0o755)
        real = {"isolab-bomb": os.path.join(BUILD, "bombs", "isolab-bomb"),
                "isolab-probe": os.path.join(BUILD, "probes", "isolab-probe"),
                "isolab-victim": os.path.join(self.tmp, "fake-victim")}
        with open(real["isolab-victim"], "w") as f:
            f.write(FAKE_VICTIM)
        os.chmod(real["isolab-victim"], 0o755)
        for name, path in real.items():
            w = os.path.join(bindir, name)
            with open(w, "w") as f:
                f.write(TOOL_WRAPPER % {"real": path})
            os.chmod(w, 0o755)
        # the bomb's --dir: a real directory named by the payload
        self.dir = os.path.join(self.tmp, "d" + PAYLOAD.replace("/", "_"))
        os.mkdir(self.dir)
        self.env = dict(os.environ, HOME=self.tmp, ISOLAB_SSH=ssh,
                        ISOLAB_STATE_DIR=os.path.join(self.tmp, "state"),
                        ISOLAB_TOOL_DIR=os.path.join(self.tmp, "nowhere"),
                        HOSTILE_SSH_LOG=self.ssh_log, HOSTILE_TOOL_LOG=self.tool_log,
                        HOSTILE_PATH_LOG=os.path.join(self.tmp, "paths.log"),
                        HOSTILE_PAYLOAD=PAYLOAD)

    def scenario(self, port, probe_target="", phase="p" + PAYLOAD.replace("[", "(")
                 .replace("]", ")").replace("=", "_").replace(",", "_")[:40],
                 extra_vm=""):
        path = os.path.join(self.tmp, "hostile.ini")
        with open(path, "w") as f:
            f.write(SCENARIO % {"payload": PAYLOAD, "port": port, "dir": self.dir,
                                "probe_target": probe_target, "phase": phase} + extra_vm)
        return path

    def run(self, scn, mode="shell", expect=None):
        for log in (self.ssh_log, self.tool_log):
            if os.path.exists(log):
                os.unlink(log)
        env = dict(self.env, HOSTILE_URLS=mode)
        r = common.run([BIN, "run", "--no-report", scn, "--results",
                        os.path.join(self.tmp, "results")], env, timeout=180)
        if expect is not None and r.returncode != expect:
            raise AssertionError("isolab run exited %d, expected %d:\n%s" %
                                 (r.returncode, expect, r.stderr[-3000:]))
        return r

    def log(self, path):
        try:
            with open(path) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def canaries(self):
        found = []
        for c in CANARIES:
            found += glob.glob(os.path.join(self.tmp, "**", c + "*"), recursive=True)
            found += glob.glob(os.path.join("/", c + "*"))
        return found

    def close(self):
        common.run([BIN, "restore"], self.env, timeout=60)
        shutil.rmtree(self.tmp, ignore_errors=True)


def remote_commands(lab):
    cmds = []
    for argv in lab.log(lab.ssh_log):
        assert "--" in argv, argv
        i = argv.index("--")
        assert len(argv) == i + 3, "ssh argv: %r" % argv
        cmds.append(argv[i + 2])
    return cmds


def check_shapes(cmds):
    for c in cmds:
        assert any(s.search(c) for s in SHAPES), "an unexpected command went through ssh: %r" % c


def test_payload_reaches_tools_verbatim(lab):
    port = free_port()
    # the scenario's target list is split at blanks and commas: none in this URL
    url = "http://127.0.0.1:%d/x%s" % (port, PAYLOAD.replace(",", "_"))
    scn = lab.scenario(port, probe_target="target = " + url)
    r = lab.run(scn, mode="shell", expect=0)
    assert not lab.canaries(), "a payload ran: %s" % lab.canaries()
    tools = lab.log(lab.tool_log)
    bombs = [a for a in tools if a[0] == "isolab-bomb"]
    probes = [a for a in tools if a[0] == "isolab-probe"]
    assert bombs and probes, tools
    for a in bombs:
        assert a[a.index("--dir") + 1] == lab.dir, a  # one word, verbatim
    for a in probes:
        assert a[a.index("--url") + 1] == url, a
    cmds = remote_commands(lab)
    check_shapes(cmds)
    run_dir = r.stdout.strip().splitlines()[-1]
    with open(os.path.join(run_dir, "manifest.json")) as f:
        m = json.load(f)
    assert m["status"] == "complete", m["status"]
    assert m["scenario"]["name"] == PAYLOAD, m["scenario"]
    print("ok: %d commands through ssh, all isolab's own; %d tool starts, payload verbatim" %
          (len(cmds), len(tools)))


def test_victim_urls_with_payload_paths(lab):
    """The victim's own /urls carries the payload: uploaded as data, requested as paths."""
    scn = lab.scenario(free_port())
    lab.run(scn, mode="shell", expect=0)
    assert not lab.canaries(), lab.canaries()
    cmds = remote_commands(lab)
    check_shapes(cmds)
    assert any(c.startswith("cat > /tmp/isolab-urls-") for c in cmds), cmds
    with open(os.path.join(lab.tmp, "paths.log")) as f:
        asked = f.read().splitlines()
    hostile = [p for p in asked if "CANARY1" in p]
    assert hostile, "the probe never requested the listed paths: %r" % asked[:5]
    print("ok: /urls with the payload in its paths: %d of %d requests carried it, no canary" %
          (len(hostile), len(asked)))


def test_hostile_targets_and_addresses_refused(lab):
    bad = ["-oProxyCommand=:>CANARY6", "me@web;:>CANARY6", "me@$(:>CANARY6)", "me@`x`",
           "me@web|x", "me@we b"]
    for i, t in enumerate(bad):
        scn = lab.scenario(free_port())
        with open(scn) as f:
            text = f.read().replace("ssh = me@web\n", "ssh = %s\n" % t)
        with open(scn, "w") as f:
            f.write(text)
        r = lab.run(scn, expect=2)
        lines = [l for l in r.stderr.strip().splitlines() if l]
        assert len(lines) == 1 and "hostile.ini:" in lines[0], (t, r.stderr)
        assert not lab.log(lab.ssh_log), "ssh ran for target %r" % t
    for a in ["127.0.0.1;:>CANARY7", "$(:>CANARY7)", "-x", "1.2.3.4 5", "a'b", "h|x"]:
        scn = lab.scenario(free_port())
        with open(scn) as f:
            text = f.read().replace("addr = 127.0.0.1\n", "addr = %s\n" % a)
        with open(scn, "w") as f:
            f.write(text)
        r = lab.run(scn, expect=2)
        lines = [l for l in r.stderr.strip().splitlines() if l]
        assert len(lines) == 1 and "addr:" in lines[0], (a, r.stderr)
        assert not lab.log(lab.ssh_log), "ssh ran for addr %r" % a
    assert not lab.canaries(), lab.canaries()
    print("ok: %d hostile targets and addresses refused before any ssh" % (len(bad) + 6))


def test_victim_urls_huge_junk_offhost(lab):
    want = {"huge": "the answer is larger than 8 MiB",
            "junk": "holds a NUL byte",
            "offhost": "'http://203.0.113.9/steal' is not on the victim"}
    for mode, msg in want.items():
        r = lab.run(lab.scenario(free_port()), mode=mode, expect=1)
        errors = [l for l in r.stderr.splitlines() if "/urls" in l]
        assert len(errors) == 1 and msg in errors[0], (mode, r.stderr[-2000:])
        probes = [a for a in lab.log(lab.tool_log) if a[0] == "isolab-probe"]
        assert not probes, "the probe started on a refused list: %r" % probes
        check_shapes(remote_commands(lab))
        print("ok: /urls %s: %s" % (mode, errors[0]))


def main():
    common.need_root()  # the local backend opens (cgroups) for the priorities
    common.need_tools(BIN)
    lab = Lab()
    try:
        test_payload_reaches_tools_verbatim(lab)
        test_victim_urls_with_payload_paths(lab)
        test_hostile_targets_and_addresses_refused(lab)
        test_victim_urls_huge_junk_offhost(lab)
    finally:
        lab.close()


if __name__ == "__main__":
    main()
