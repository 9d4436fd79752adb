#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab-bomb against its peers, back to back on this machine.

Each comparison runs ours and the peer alternately for ROUNDS rounds of
DURATION seconds and prints median(ours) / median(peer):
  cpu   share of the given CPUs used (goal >= 0.99; stress-ng --cpu shown too)
  fork  forks/s vs stress-ng --fork (same workers, same procs per batch)
  mem   bandwidth bytes/s vs stress-ng --memrate memset MB/s
  disk  sequential O_DIRECT 1 MiB writes vs fio (psync, direct=1)
  net   net-send -> net-recv TCP over 127.0.0.1 vs iperf3 (1 stream)
Goals for the ratios: >= 1.0, never below 0.9.

Environment: ISOLAB_BOMB (binary), BENCH_ROUNDS (3), BENCH_DURATION (5),
BENCH_DIR (/var/tmp), BENCH_ONLY (comma list of comparisons).
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BOMB = os.environ.get("ISOLAB_BOMB", "isolab-bomb")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DUR = int(os.environ.get("BENCH_DURATION", "5"))
DIR = os.environ.get("BENCH_DIR", "/var/tmp")
CPUS = len(os.sched_getaffinity(0))


def bomb(*args):
    p = subprocess.run([BOMB] + list(args) + ["--json", "--quiet"], capture_output=True,
                       text=True, timeout=DUR * 4 + 60)
    if p.returncode != 0:
        raise RuntimeError("isolab-bomb %s: rc %d %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout)["metrics"]


def stressng(*args):
    with tempfile.NamedTemporaryFile(suffix=".yaml") as y:
        subprocess.run(["stress-ng"] + list(args) + ["--metrics-brief", "--yaml", y.name],
                       capture_output=True, timeout=DUR * 4 + 60, check=True)
        text = open(y.name).read()
    block = text[text.index("- stressor:"):]
    return {k: float(v) for k, v in re.findall(r"^\s+([\w-]+): ([0-9.]+)$", block, re.M)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- one measurement each: returns a number ------------------------------

def ours_cpu():
    return bomb("cpu", "--threads", str(CPUS), "--duration", str(DUR))["cpu_share"]


def peer_cpu():
    m = stressng("--cpu", str(CPUS), "-t", "%ds" % DUR)
    return (m["user-time"] + m["system-time"]) / (m["wall-clock-time"] * CPUS)


FORK_PROCS = 64


def ours_fork():
    return bomb("fork", "--threads", str(CPUS), "--max-procs", str(FORK_PROCS),
                "--duration", str(DUR))["forks_per_s"]


def peer_fork():
    per = (FORK_PROCS - CPUS) // CPUS
    m = stressng("--fork", str(CPUS), "--fork-max", str(per), "-t", "%ds" % DUR)
    return m["bogo-ops-per-second-real-time"]


MEM_PER = 128 << 20  # per thread; 2 x 128 MiB is beyond a 105 MiB L3


def ours_mem():
    return bomb("mem", "--mode", "bandwidth", "--threads", str(CPUS), "--bytes",
                str(MEM_PER * CPUS), "--duration", str(DUR))["bytes_touched_per_s"]


def peer_mem():
    # memrate cycles through ~30 methods: give it time to reach memset
    m = stressng("--memrate", str(CPUS), "--memrate-bytes", str(MEM_PER), "-t",
                 "%ds" % max(DUR, 12))
    # per instance (geometric mean), in 2^20-byte MB
    return m["memset-mb-per-sec"] * 1048576 * CPUS


DISK_SIZE = "1G"


def ours_disk():
    return bomb("disk", "--dir", DIR, "--mode", "write", "--direct", "--block-size", "1M",
                "--size", DISK_SIZE, "--duration", str(DUR))["write_bytes_per_s"]


def peer_disk():
    d = tempfile.mkdtemp(prefix="isolab-bench-fio-", dir=DIR)
    try:
        p = subprocess.run(["fio", "--name=seqwrite", "--rw=write", "--direct=1", "--bs=1M",
                            "--size=" + DISK_SIZE, "--ioengine=psync", "--time_based",
                            "--runtime=%d" % DUR, "--directory=" + d, "--unlink=1",
                            "--output-format=json"],
                           capture_output=True, text=True, timeout=DUR * 4 + 60, check=True)
        return json.loads(p.stdout)["jobs"][0]["write"]["bw_bytes"]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def ours_net():
    port = free_port()
    recv = subprocess.Popen([BOMB, "net-recv", "--listen", "127.0.0.1:%d" % port,
                             "--duration", "0", "--json", "--quiet"],
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        bomb("net-send", "--to", "127.0.0.1:%d" % port, "--duration", str(DUR))
        time.sleep(0.2)
    finally:
        recv.send_signal(signal.SIGTERM)
        out, _ = recv.communicate(timeout=10)
    return json.loads(out)["metrics"]["bits_per_s"]


def peer_net():
    port = free_port()
    srv = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        p = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(DUR),
                            "-J"], capture_output=True, text=True, timeout=DUR * 4 + 30,
                           check=True)
        return json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"]
    finally:
        srv.kill()
        srv.wait()


COMPARISONS = [
    # name, unit, ours, peer, peer name, goal, ratio is ours alone
    ("cpu", "share of %d CPUs" % CPUS, ours_cpu, peer_cpu, "stress-ng --cpu", 0.99, True),
    ("fork", "forks/s", ours_fork, peer_fork, "stress-ng --fork", 1.0, False),
    ("mem", "bytes/s", ours_mem, peer_mem, "stress-ng --memrate memset", 1.0, False),
    ("disk", "bytes/s", ours_disk, peer_disk, "fio seq direct write", 1.0, False),
    ("net", "bits/s", ours_net, peer_net, "iperf3 TCP loopback", 1.0, False),
]

PEER_TOOL = {"cpu": "stress-ng", "fork": "stress-ng", "mem": "stress-ng", "disk": "fio",
             "net": "iperf3"}


def fmt(v):
    for div, suf in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return "%.2f %s" % (v / div, suf)
    return "%.3f" % v


def main():
    only = [x for x in os.environ.get("BENCH_ONLY", "").split(",") if x]
    print("isolab-bomb benchmark: %s, %d CPUs, %d rounds of %d s, load average %s"
          % (BOMB, CPUS, ROUNDS, DUR, os.getloadavg()[0]))
    try:
        with open(shutil.which(BOMB) or BOMB, "rb") as f:
            data = f.read()
            if b"__asan_init" in data or b"__ubsan_handle" in data:
                print("warning: %s is built with sanitizers: these figures measure them too"
                      % BOMB)
    except OSError:
        pass
    worst = None
    rows = []
    for name, unit, ours, peer, peer_name, goal, alone in COMPARISONS:
        if only and name not in only:
            continue
        if not shutil.which(PEER_TOOL[name]):
            print("%-5s skipped: %s not installed" % (name, PEER_TOOL[name]))
            continue
        a, b = [], []
        for _ in range(ROUNDS):
            a.append(ours())
            b.append(peer())
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = ma if alone else (ma / mb if mb else float("inf"))
        if alone and mb < goal:
            # the machine gave stress-ng less than the goal too: it is busy,
            # so judge by the share relative to stress-ng's
            print("      (busy machine: stress-ng got %.3f; share relative to it %.3f)"
                  % (mb, ma / mb if mb else float("inf")))
            ratio = ma / mb if mb else float("inf")
        ok = ratio >= goal
        rows.append((name, unit, ma, mb, peer_name, ratio, goal, ok))
        print("%-5s %-18s ours %-10s %-26s %-10s ratio %.3f (goal >= %.2f) %s"
              % (name, unit, fmt(ma), peer_name, fmt(mb), ratio, goal, "ok" if ok else "SHORT"),
              flush=True)
        print("      ours %s | peer %s" % (", ".join(fmt(x) for x in a),
                                          ", ".join(fmt(x) for x in b)), flush=True)
        if worst is None or ratio / goal < worst:
            worst = ratio / goal
    print("load average at the end: %.2f" % os.getloadavg()[0])
    return 0 if worst is None or worst >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
