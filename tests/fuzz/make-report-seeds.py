#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Packs the report fixtures into fuzz-report's archive format (seed corpus).

    tests/fuzz/make-report-seeds.py tests/integration/reports/fixtures tests/fuzz/corpus-report

Each fixture becomes one seed: manifest.json, then "\\n==> NAME <==\\n" + each
tool result, minified, histograms cut to 48 buckets and timelines to 6
points so that a seed stays well under libFuzzer's -max_len of 64 KiB.
A few runs and phases are dropped from the big fixtures for the same reason.
"""
import json
import os
import sys

MAX_RUNS = 6


def compact(doc):
    met = doc.get("metrics") if isinstance(doc, dict) else None
    if isinstance(met, dict):
        h = met.get("histogram")
        if isinstance(h, dict) and isinstance(h.get("buckets"), list):
            b = h["buckets"]
            step = max(1, len(b) // 48)
            h["buckets"] = b[::step][:48]
            h["count"] = sum(c for _, c in h["buckets"])
        if isinstance(met.get("timeline"), list):
            met["timeline"] = met["timeline"][:6]
    if isinstance(doc, dict) and isinstance(doc.get("backend"), dict):
        doc["backend"].pop("hierarchies", None)
    return json.dumps(doc, separators=(",", ":"))


def pack(fixture):
    with open(os.path.join(fixture, "manifest.json")) as f:
        man = json.load(f)
    runs = man.get("runs", [])[:MAX_RUNS]
    man["runs"] = runs
    parts = [compact(man)]
    for r in runs:
        d = r.get("dir")
        if not d:
            continue
        full = os.path.join(fixture, d)
        for name in sorted(os.listdir(full)) if os.path.isdir(full) else []:
            if not name.endswith(".json"):
                continue
            with open(os.path.join(full, name)) as f:
                try:
                    body = compact(json.load(f))
                except ValueError:
                    body = open(os.path.join(full, name)).read()
            parts.append("\n==> %s/%s <==\n%s" % (d, name, body))
    return "".join(parts)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for fx in sorted(os.listdir(src)):
        if not os.path.isfile(os.path.join(src, fx, "manifest.json")):
            continue
        seed = pack(os.path.join(src, fx))
        with open(os.path.join(dst, fx), "w") as f:
            f.write(seed)
        print("%s: %d bytes" % (fx, len(seed)))


if __name__ == "__main__":
    main()
