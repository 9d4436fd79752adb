#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Integration tests for isolab-bomb: run the binary as a user would.

Usage: test_bombs.py CASE   (ISOLAB_BOMB = path of the binary)
Each case exits 0 (pass), 1 (fail) or 77 (skip).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BOMB = os.environ.get("ISOLAB_BOMB", "isolab-bomb")
ENVELOPE = ("tool", "version", "kind", "engine", "status", "error", "started",
            "elapsed_s", "options", "metrics")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, timeout=30, env=None):
    """Runs the bomb to its end; returns (rc, parsed JSON or None, stderr)."""
    p = subprocess.run([BOMB] + args, capture_output=True, text=True, timeout=timeout,
                       env=env)
    doc = None
    if p.stdout.strip():
        lines = p.stdout.strip().split("\n")
        check(len(lines) == 1, "more than one line on stdout: %r" % p.stdout)
        doc = json.loads(lines[0])
    return p.returncode, doc, p.stderr


def check_envelope(doc, kind, status="ok", engine="native"):
    for k in ENVELOPE:
        check(k in doc, "no %r in %s" % (k, doc))
    check(doc["tool"] == "isolab-bomb", doc["tool"])
    check(doc["kind"] == kind, "kind %r" % doc["kind"])
    check(doc["engine"] == engine, "engine %r" % doc["engine"])
    check(doc["status"] == status, "status %r (error %r)" % (doc["status"], doc["error"]))
    if status != "failed":
        check(doc["error"] is None, "error %r" % doc["error"])
        check(doc["elapsed_s"] > 0, "elapsed_s %r" % doc["elapsed_s"])
    else:
        check(isinstance(doc["error"], str) and doc["error"], "error %r" % doc["error"])


def start(args):
    """Starts the bomb in its own process group, readiness on a pipe."""
    r, w = os.pipe()
    p = subprocess.Popen([BOMB] + args + ["--ready-fd", str(w)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, pass_fds=(w,),
                         start_new_session=True)
    os.close(w)
    with os.fdopen(r) as f:
        line = f.readline()
    check(line == "isolab-ready\n", "ready line %r" % line)
    return p


def stop(p, sig=signal.SIGTERM, within=1.5):
    """Signals p, checks it ends within `within` s; returns (rc, JSON)."""
    t0 = time.monotonic()
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise Fail("did not stop after %s" % sig)
    took = time.monotonic() - t0
    check(took < within, "took %.2f s to stop" % took)
    return p.returncode, json.loads(out), err


def group_procs(pgid):
    """PIDs still alive (not zombies of others) in process group pgid."""
    left = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:
            left.append(int(d))
    return left


# --- cases ---------------------------------------------------------------

def case_cpu_json():
    rc, doc, err = run(["cpu", "--duration", "1", "--threads", "2", "--json"])
    check(rc == 0, "rc %d: %s" % (rc, err))
    check_envelope(doc, "cpu")
    check(doc["options"]["threads"] == 2, doc["options"])
    check(doc["options"]["duration_s"] == 1, doc["options"])
    check(doc["options"]["intensity_pct"] == 100, doc["options"])
    m = doc["metrics"]
    check(m["ops"] > 0 and m["ops_per_s"] > 0, m)
    check(0 < m["cpu_seconds"] <= 2 * doc["elapsed_s"] * 1.05, m)
    check(0.9 < doc["elapsed_s"] < 1.6, doc["elapsed_s"])


def case_cpu_intensity():
    rc, doc, err = run(["cpu", "--duration", "1.5", "--threads", "1", "--intensity", "30",
                        "--json"])
    check(rc == 0, err)
    share = doc["metrics"]["cpu_share"]
    # no lower bound but "some": other work on the machine may take the CPU
    check(0 < share < 0.45, "cpu_share %.3f at 30 %%" % share)


def case_mem_fill():
    rc, doc, err = run(["mem", "--bytes", "64M", "--duration", "1", "--json"])
    check(rc == 0, err)
    check_envelope(doc, "mem")
    m = doc["metrics"]
    check(doc["options"]["bytes"] == 64 << 20, doc["options"])
    check(doc["options"]["mode"] == "fill", doc["options"])
    check(m["bytes_resident"] == 64 << 20, m)
    check(m["rss_bytes"] >= 64 << 20, m)
    check(m["bytes_touched_per_s"] > 0, m)


def case_mem_bandwidth():
    rc, doc, err = run(["mem", "--bytes", "64M", "--mode", "bandwidth", "--threads", "2",
                        "--duration", "1", "--json"])
    check(rc == 0, err)
    m = doc["metrics"]
    check(m["bytes_resident"] == 64 << 20, m)
    # at least 100 MB/s of memset, even under ASan on a loaded machine
    check(m["bytes_touched_per_s"] > 100e6, m)
    # on transparent huge pages when the kernel offers them (half the TLB misses' cost)
    try:
        thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read()
    except OSError:
        thp = "[never]"
    if "[never]" not in thp:
        check(m["huge_page_bytes"] >= 32 << 20, m)


def case_fork():
    rc, doc, err = run(["fork", "--max-procs", "16", "--duration", "1", "--json"])
    check(rc == 0, err)
    check_envelope(doc, "fork")
    m = doc["metrics"]
    check(doc["options"]["max_procs"] == 16, doc["options"])
    check(m["forks"] > 0 and m["forks_per_s"] > 0, m)
    check(2 <= m["peak_procs"] <= 16, m)


def case_disk():
    d = tempfile.mkdtemp(prefix="isolab-it-disk-")
    try:
        rc, doc, err = run(["disk", "--dir", d, "--size", "8M", "--block-size", "256K",
                            "--duration", "1", "--json"])
        check(rc == 0, err)
        check_envelope(doc, "disk")
        m = doc["metrics"]
        check(m["write_bytes_per_s"] > 0 and m["read_bytes_per_s"] > 0, m)
        check(m["iops"] > 0, m)
        check(doc["options"]["mode"] == "mixed", doc["options"])
        check(os.listdir(d) == [], "left behind: %s" % os.listdir(d))
    finally:
        shutil.rmtree(d)


def net_pair(proto, streams, senders=1):
    port = free_port()
    recv = start(["net-recv", "--listen", "127.0.0.1:%d" % port, "--duration", "0", "--json"])
    try:
        procs = [subprocess.Popen([BOMB, "net-send", "--to", "127.0.0.1:%d" % port,
                                   "--proto", proto, "--streams", str(streams),
                                   "--duration", "1", "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(senders)]
        sent = []
        for p in procs:
            out, err = p.communicate(timeout=20)
            check(p.returncode == 0, "net-send rc %d: %s" % (p.returncode, err))
            sent.append(json.loads(out))
        time.sleep(0.3)
    finally:
        rc, got, err = stop(recv)
    check(rc == 0, "net-recv rc %d: %s" % (rc, err))
    return sent, got


def case_net_tcp():
    sent, got = net_pair("tcp", 2)
    check_envelope(sent[0], "net-send")
    check_envelope(got, "net-recv", status="interrupted")
    s, r = sent[0]["metrics"], got["metrics"]
    check(s["connections"] == 2, s)
    check(s["bits_per_s"] > 0 and s["packets_per_s"] > 0, s)
    check(r["connections"] == 2, r)
    check(r["bytes_received"] == s["bytes_sent"], "received %d of %d bytes"
          % (r["bytes_received"], s["bytes_sent"]))
    check(r["bits_per_s"] > 0 and r["packets_per_s"] > 0, r)


def case_net_udp():
    sent, got = net_pair("udp", 1)
    s, r = sent[0]["metrics"], got["metrics"]
    check(sent[0]["options"]["proto"] == "udp", sent[0]["options"])
    check(r["udp_datagrams"] > 0, r)
    check(r["packets_received"] <= s["packets_sent"], (r, s))
    check(r["bytes_received"] == r["packets_received"] * 1472, r)


def case_net_many_senders():
    sent, got = net_pair("tcp", 1, senders=3)
    r = got["metrics"]
    check(r["connections"] == 3, r)
    check(r["bytes_received"] == sum(x["metrics"]["bytes_sent"] for x in sent), r)


def case_net_send_no_peer():
    port = free_port()
    rc, doc, err = run(["net-send", "--to", "127.0.0.1:%d" % port, "--duration", "30",
                        "--json"], timeout=20)
    check(rc == 1, "rc %d" % rc)
    check_envelope(doc, "net-send", status="failed")
    check("refused" in doc["error"], doc["error"])


def case_net_send_ready_once_connected():
    """net-send says it is ready only once a connection is up."""
    port = free_port()
    r, w = os.pipe()
    p = subprocess.Popen([BOMB, "net-send", "--to", "127.0.0.1:%d" % port, "--duration", "0",
                          "--ready-fd", str(w), "--json", "--quiet"], stdout=subprocess.PIPE,
                         text=True, pass_fds=(w,), start_new_session=True)
    os.close(w)
    recv = None
    try:
        os.set_blocking(r, False)
        time.sleep(0.6)
        try:
            early = os.read(r, 64)
        except BlockingIOError:
            early = b""
        check(early == b"", "ready before any peer: %r" % early)
        recv = start(["net-recv", "--listen", "127.0.0.1:%d" % port, "--duration", "0",
                      "--json"])
        os.set_blocking(r, True)
        with os.fdopen(r) as f:
            check(f.readline() == "isolab-ready\n", "no ready line once connected")
    finally:
        rc, doc, err = stop(p)
        if recv:
            stop(recv)
    check(rc == 0 and doc["metrics"]["connections"] >= 1, doc)


def case_net_recv_port_in_use():
    port = free_port()
    first = start(["net-recv", "--listen", "127.0.0.1:%d" % port, "--duration", "0", "--json"])
    try:
        rc, doc, err = run(["net-recv", "--listen", "127.0.0.1:%d" % port, "--duration", "5",
                            "--json"])
    finally:
        stop(first)
    check(rc == 1, "rc %d" % rc)
    check_envelope(doc, "net-recv", status="failed")
    check("in use" in doc["error"], doc["error"])


def stopped_stressng():
    """PIDs of stopped (state T) stress-ng processes, whoever started them."""
    found = set()
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm.startswith("stress-ng") and stat[stat.rindex(")") + 2] == "T":
            found.add(int(d))
    return found


def case_stressng_intensity_sigterm():
    """The SIGSTOP/SIGCONT duty cycle never leaves stress-ng stopped."""
    if not shutil.which("stress-ng"):
        return 77
    before = stopped_stressng()
    p = start(["fork", "--engine", "stress-ng", "--max-procs", "8", "--intensity", "30",
               "--duration", "0", "--json", "--quiet"])
    time.sleep(1.0)
    rc, doc, err = stop(p)
    check(rc == 0, err)
    check_envelope(doc, "fork", status="interrupted", engine="stress-ng")
    check(doc["metrics"]["forks"] > 0, doc["metrics"])
    check(not group_procs(p.pid), "left: %s" % group_procs(p.pid))
    # children that left its process group (setsid) must not stay stopped
    time.sleep(0.2)
    left = stopped_stressng() - before
    check(not left, "stopped stress-ng processes left: %s" % sorted(left))
    return 0


SIGTERM_RUNS = {
    "cpu": ["cpu", "--threads", "2"],
    "mem": ["mem", "--bytes", "64M"],
    "mem-bandwidth": ["mem", "--bytes", "64M", "--mode", "bandwidth"],
    "fork": ["fork", "--max-procs", "16"],
    "disk": ["disk", "--size", "16M", "--block-size", "256K"],
    "net-recv": ["net-recv", "--listen", "127.0.0.1:0"],
}


def sigterm_case(name, sig=signal.SIGTERM):
    args = list(SIGTERM_RUNS[name])
    d = None
    if name == "disk":
        d = tempfile.mkdtemp(prefix="isolab-it-disk-")
        args += ["--dir", d]
    if name == "net-recv":
        args[2] = "127.0.0.1:%d" % free_port()
    try:
        p = start(args + ["--duration", "0", "--json"])
        time.sleep(0.5)
        rc, doc, err = stop(p, sig)
        check(rc == 0, "rc %d: %s" % (rc, err))
        check_envelope(doc, args[0], status="interrupted")
        check(doc["options"]["duration_s"] == 0, doc["options"])
        left = group_procs(p.pid)
        check(not left, "processes left: %s" % left)
        if d:
            check(os.listdir(d) == [], "files left: %s" % os.listdir(d))
            check(doc["metrics"]["write_bytes_per_s"] > 0, doc["metrics"])
        if name == "fork":
            check(doc["metrics"]["forks"] > 0, doc["metrics"])
    finally:
        if d:
            shutil.rmtree(d)


def case_sigint_fork():
    sigterm_case("fork", signal.SIGINT)


def case_parent_death_stops_forkers():
    """A fork bomb whose parent is SIGKILLed leaves no forker behind."""
    p = start(["fork", "--max-procs", "16", "--duration", "0"])
    time.sleep(0.3)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    deadline = time.monotonic() + 2
    while group_procs(p.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(not group_procs(p.pid), "left: %s" % group_procs(p.pid))


BAD = [
    [],
    ["nuke"],
    ["cpu", "--intensity", "0"],
    ["cpu", "--intensity", "101"],
    ["cpu", "--duration", "abc"],
    ["cpu", "--threads", "0"],
    ["cpu", "--bytes", "1M"],
    ["cpu", "--frobnicate"],
    ["mem", "--bytes", "1X"],
    ["mem", "--mode", "fast"],
    ["fork", "--max-procs", "1"],
    ["disk", "--dir", "/nonexistent/isolab"],
    ["disk", "--dir", "/tmp", "--direct", "--block-size", "1000"],
    ["net-send"],
    ["net-send", "--to", "127.0.0.1"],
    ["net-send", "--to", "127.0.0.1:99999"],
    ["net-send", "--to", "127.0.0.1:5000", "--proto", "udp", "--msg-size", "100K"],
    ["net-recv"],
    ["net-recv", "--listen", "x:y"],
    ["net-recv", "--listen", "5000", "--engine", "stress-ng"],
    ["cpu", "--engine", "other"],
    ["cpu", "--ready-fd", "999"],
]


def case_bad_options():
    for args in BAD:
        t0 = time.monotonic()
        p = subprocess.run([BOMB] + args + ["--json"], capture_output=True, text=True,
                           timeout=10)
        check(p.returncode == 2, "%s: rc %d" % (args, p.returncode))
        check(p.stdout == "", "%s: stdout %r" % (args, p.stdout))
        lines = p.stderr.strip().split("\n")
        check(len(lines) == 1 and lines[0].startswith("isolab-bomb: "),
              "%s: stderr %r" % (args, p.stderr))
        # well before any default duration: nothing was started
        check(time.monotonic() - t0 < 10, "%s: slow" % args)


def case_help_version():
    p = subprocess.run([BOMB, "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and "net-recv" in p.stdout and p.stderr == "", p)
    p = subprocess.run([BOMB, "mem", "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and "--bytes" in p.stdout, p)
    p = subprocess.run([BOMB, "--version"], capture_output=True, text=True)
    check(p.returncode == 0 and p.stdout.startswith("isolab-bomb "), p)


def out_lines(args):
    p = subprocess.run([BOMB] + args, capture_output=True, text=True, timeout=10)
    check(p.returncode == 0 and p.stderr == "", "%s: %r" % (args, p))
    return p.stdout.splitlines()


def case_list_kinds_options():
    """The machine-readable lists agree with --help and with each other."""
    kinds = out_lines(["--list-kinds"])
    check(kinds == ["cpu", "mem", "fork", "disk", "net-send", "net-recv"], kinds)
    helptext = "\n".join(out_lines(["--help"]))
    common = out_lines(["--list-options"])
    check("--duration" in common and "--list-options" in common and "--bytes" not in common,
          common)
    for o in common:
        check(o.startswith("--") and " " not in o, "common option %r" % o)
        check(o in helptext, "%s listed but not in --help" % o)
    for k in kinds:
        check("  %s " % k in helptext, "kind %s not in --help" % k)
        opts = out_lines(["--list-options", k])
        check(opts == out_lines([k, "--list-options"]), "%s: two spellings differ" % k)
        check(opts and not set(opts) & set(common), "%s: %s" % (k, opts))
        kh = out_lines([k, "--help"])
        shown = [l.split()[0] for l in kh if l.startswith("  --")]
        check(shown == opts, "%s: --help shows %s, --list-options %s" % (k, shown, opts))
    check(out_lines(["--list-options", "mem"]) == ["--bytes", "--mode", "--threads"], "mem")
    p = subprocess.run([BOMB, "--list-options", "gpu"], capture_output=True, text=True)
    check(p.returncode == 2 and p.stdout == "" and len(p.stderr.splitlines()) == 1, p)


def case_human_output():
    p = subprocess.run([BOMB, "cpu", "--duration", "0.3"], capture_output=True, text=True)
    check(p.returncode == 0 and p.stdout == "", p)
    check("ops_per_s=" in p.stderr, p.stderr)
    p = subprocess.run([BOMB, "cpu", "--duration", "0.3", "--quiet"], capture_output=True,
                       text=True)
    check(p.returncode == 0 and p.stdout == "" and p.stderr == "", p)


def case_stressng_engine():
    if not shutil.which("stress-ng"):
        return 77
    rc, doc, err = run(["cpu", "--engine", "stress-ng", "--threads", "1", "--duration", "1",
                        "--json", "--quiet"])
    check(rc == 0, err)
    check_envelope(doc, "cpu", engine="stress-ng")
    check(doc["metrics"]["ops"] > 0, doc["metrics"])
    rc, doc, err = run(["fork", "--engine", "stress-ng", "--max-procs", "8", "--duration", "1",
                        "--json", "--quiet"])
    check(rc == 0, err)
    check(doc["metrics"]["forks_per_s"] > 0, doc["metrics"])
    return 0


def case_stressng_sigterm():
    if not shutil.which("stress-ng"):
        return 77
    p = start(["mem", "--engine", "stress-ng", "--bytes", "32M", "--duration", "0",
               "--json", "--quiet"])
    time.sleep(0.5)
    rc, doc, err = stop(p)
    check(rc == 0, err)
    check_envelope(doc, "mem", status="interrupted", engine="stress-ng")
    check(not group_procs(p.pid), "left: %s" % group_procs(p.pid))
    return 0


def case_stressng_missing():
    env = dict(os.environ, PATH="/nonexistent")
    rc, doc, err = run(["cpu", "--engine", "stress-ng", "--duration", "1", "--json"], env=env)
    check(rc == 1, "rc %d" % rc)
    check_envelope(doc, "cpu", status="failed", engine="stress-ng")
    check("not installed" in doc["error"], doc["error"])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    name = sys.argv[1]
    try:
        if name.startswith("sigterm_"):
            r = sigterm_case(name[len("sigterm_"):])
        else:
            r = globals()["case_" + name]()
    except Fail as e:
        print("FAIL %s: %s" % (name, e), file=sys.stderr)
        return 1
    return r or 0


if __name__ == "__main__":
    sys.exit(main())
