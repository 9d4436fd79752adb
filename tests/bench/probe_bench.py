#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab-probe benchmark (suite 'bench', never in the default run).

The throughput, CPU-per-request and added-latency comparison with wrk is
tests/bench/compare.py (compare.sh). This prints what has no peer figure:
  1. latency agreement with wrk's percentiles on a server with a known 10 ms
     answer time, both tools running at the same time;
  2. a server that freezes ~1 s every few seconds: open loop at a fixed rate
     shows the freezes in the tail, closed loop with one connection hides them;
  3. probe CPU per request and peak RSS after N requests (flat with N).
Use a release build: ISOLAB_PROBE=build-rel/probes/isolab-probe.
Environment: BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_RSS_REQUESTS ("1000000,3000000").
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration", "probes"))
import servers  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RSS_REQUESTS = [int(x) for x in os.environ.get("BENCH_RSS_REQUESTS", "1000000,3000000").split(",")]
PROBE = servers.probe_bin()


def wait4_run(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return out.decode(), ru.ru_utime + ru.ru_stime, ru.ru_maxrss, time.monotonic() - t0


def wrk_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s)$", s)
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]


def run_probe(url, conns, threads, seconds, extra=()):
    out, cpu, rss, wall = wait4_run([PROBE, "http", "--url", url, "-c", str(conns), "--threads",
                                     str(threads), "-d", str(seconds), "--json", "-q"] + list(extra))
    m = json.loads(out)["metrics"]
    return {"rps": m["throughput_rps"], "lat": m["latency_ms"], "cpu_us_per_req": cpu / m["requests"] * 1e6,
            "rss_kib": rss, "m": m}


def part_latency():
    delay = 0.010
    print("== 1. latency agreement on a server answering after %.0f ms: wrk and isolab-probe run"
          " at the same time, 2 connections each, %d rounds of %.0f s" % (delay * 1000, ROUNDS, SECONDS))
    with servers.Faulty(modes=["delay"], delay=delay) as f:
        url = f.url("delay")
        w, p = [], []
        for _ in range(ROUNDS):
            wp = subprocess.Popen(["wrk", "-t1", "-c2", "-d%ds" % int(SECONDS), "--latency", url],
                                  stdout=subprocess.PIPE, text=True)
            pp = subprocess.Popen([PROBE, "http", "--url", url, "-c", "2", "--threads", "1", "-d",
                                   str(int(SECONDS)), "--json", "-q"], stdout=subprocess.PIPE, text=True)
            wout, _ = wp.communicate()
            pout, _ = pp.communicate()
            lat = {}
            for pct, key in (("50", "p50"), ("90", "p90"), ("99", "p99")):
                lat[key] = wrk_ms(re.search(r"\s%s%%\s+(\S+)" % pct, wout).group(1))
            w.append({"lat": lat, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", wout).group(1))})
            m = json.loads(pout)["metrics"]
            p.append({"lat": m["latency_ms"], "rps": m["throughput_rps"]})
        for key in ("p50", "p90", "p99"):
            wl = statistics.median(x["lat"][key] for x in w)
            pl = statistics.median(x["lat"][key] for x in p)
            print("  latency %-4s wrk %7.3f ms  isolab-probe %7.3f ms  ratio %.3f" % (key, wl, pl, pl / wl))
        print("  throughput   wrk %7.1f req/s isolab-probe %7.1f req/s" %
              (statistics.median(x["rps"] for x in w), statistics.median(x["rps"] for x in p)))


def part_freeze():
    period, freeze, rate, dur = 4.0, 1.0, 200, 12
    print("== 2. server freezing %.0f s every %.0f s, %d s runs" % (freeze, period, dur))
    with servers.Faulty(modes=["freeze"], period=period, freeze=freeze) as f:
        url = f.url("freeze")
        runs = [("open loop --rate %d -c 50" % rate, ["--rate", str(rate)], 50, 1),
                ("closed loop -c 1", [], 1, 1)]
        for name, extra, conns, threads in runs:
            r = run_probe(url, conns, threads, dur, extra)
            lat = r["lat"]
            print("  %-26s %6d requests  p50 %7.1f  p90 %7.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f ms"
                  % (name, r["m"]["requests"], lat["p50"], lat["p90"], lat["p99"], lat["p999"], lat["max"]))
            if "latency_uncorrected_ms" in r["m"]:
                u = r["m"]["latency_uncorrected_ms"]
                print("  %-26s %6s           p50 %7.1f  p90 %7.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f ms"
                      % ("  (uncorrected)", "", u["p50"], u["p90"], u["p99"], u["p999"], u["max"]))


def part_rss(ng):
    print("== 3. CPU per request and peak RSS against the request count (nginx, -c 10 -t 1)")
    for n in RSS_REQUESTS:
        out, cpu, rss, wall = wait4_run([PROBE, "http", "--url", ng.url, "-c", "10", "--threads", "1",
                                         "--requests", str(n), "--json", "-q"])
        m = json.loads(out)["metrics"]
        print("  %9d requests in %6.1f s: %.2f us CPU/request, peak RSS %.1f MiB, %d timeline points"
              % (m["requests"], wall, cpu / m["requests"] * 1e6, rss / 1024, len(m["timeline"])))


def part_rss_over_time(ng):
    secs = int(os.environ.get("BENCH_RSS_SECONDS", "60"))
    print("== 3b. resident memory while running %d s (nginx, -c 10 -t 1), sampled every 10 s" % secs)
    p = subprocess.Popen([PROBE, "http", "--url", ng.url, "-c", "10", "--threads", "1", "-d", str(secs),
                          "-q", "--json"], stdout=subprocess.PIPE)
    samples = []
    for _ in range(secs // 10):
        time.sleep(10)
        with open("/proc/%d/status" % p.pid) as f:
            samples.append(int([l for l in f if l.startswith("VmRSS")][0].split()[1]))
    out = p.stdout.read()
    _, _, ru = os.wait4(p.pid, 0)
    m = json.loads(out)["metrics"]
    print("  %d requests; VmRSS KiB every 10 s: %s; peak with the JSON result %d KiB (%d bytes of JSON)"
          % (m["requests"], samples, ru.ru_maxrss, len(out)))


def main():
    print("isolab-probe bench: %s" % PROBE)
    if b"libasan" in subprocess.run(["ldd", PROBE], stdout=subprocess.PIPE).stdout:
        print("  warning: this binary is built with ASan; use a release build for figures")
    print("  host: %d CPUs, load average %s" % (os.cpu_count(), open("/proc/loadavg").read().split()[:3]))
    parts = sys.argv[1:] or ["latency", "freeze", "rss"]
    ng = servers.start_nginx(workers=1)
    try:
        if "latency" in parts:
            part_latency()
        if "freeze" in parts:
            part_freeze()
        if "rss" in parts:
            part_rss(ng)
            part_rss_over_time(ng)
    finally:
        ng.stop()


if __name__ == "__main__":
    main()
