#!/usr/bin/python3
"""Writes a large synthetic results directory for measuring `isolab report`:
    python3 tests/integration/reports/make-big.py DIR [PHASES] [ROUNDS]
Each probe result has ~100k requests over ~4000 histogram buckets (log-normal)."""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
mf = __import__("make-fixtures")


def lognormal_buckets(median_ms, sigma, total=100000, n=4000):
    out = []
    lo, hi = math.log(median_ms / 50), math.log(median_ms * 200)
    weights = []
    for i in range(n):
        x = lo + (hi - lo) * i / (n - 1)
        weights.append(math.exp(-((x - math.log(median_ms)) ** 2) / (2 * sigma * sigma)))
    s = sum(weights)
    for i, w in enumerate(weights):
        c = int(round(w / s * total))
        if c:
            out.append((int(math.exp(lo + (hi - lo) * i / (n - 1)) * 1e6), c))
    return out


def main():
    root = sys.argv[1]
    nph = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    kinds = ["cpu", "mem", "disk", "net", "fork"]
    phases = [mf.phase("baseline")]
    while len(phases) < nph:
        k = kinds[(len(phases) // 2) % len(kinds)]
        name = "%s%d" % (k, len(phases))
        phases.append(mf.phase(name, [k]))
        phases.append(mf.phase(name + "+prio", [k], name, 2048))
    phases = phases[:nph]
    mf.OUT = root
    runs = []
    for r in range(1, rounds + 1):
        for i, ph in enumerate(phases):
            d = "runs/%d-%s" % (r, mf.slug(ph["name"]))
            b = lognormal_buckets(1.0 + i * 0.3, 0.6)
            mf.write(os.path.join(root, d, "probe.json"), mf.probe_json(b, 0, mf.T0 + r * 100))
            for bomb in ph["bombs"]:
                mf.write(os.path.join(root, d, "bomb-%s.json" % bomb), mf.bomb_json(bomb, mf.T0))
            runs.append({"round": r, "phase": ph["name"], "dir": d, "status": "ok",
                         "probe": d + "/probe.json",
                         "bombs": {x: d + "/bomb-%s.json" % x for x in ph["bombs"]}, "dnr": []})
    mf.write(os.path.join(root, "manifest.json"), {
        "tool": "isolab", "run_id": "big", "status": "complete",
        "scenario": {"name": "big", "rounds": rounds, "duration_s": 10, "warmup_s": 1},
        "vms": [{"name": "web", "role": "victim"}],
        "bombs": [{"name": k, "vm": "noisy", "kind": mf.BOMB_KIND[k][0]} for k in kinds],
        "phases": phases, "runs": runs})


if __name__ == "__main__":
    main()
