#!/bin/sh
# SPDX-License-Identifier: MIT
# isolab-probe benchmark (suite 'bench'): latency agreement with wrk, a freezing server in
# open and closed loop, CPU per request and peak RSS (throughput against wrk: compare.sh).
# Usage: tests/bench/probe.sh [latency] [freeze] [rss]
#   ISOLAB_PROBE=path/to/isolab-probe (a release build), BENCH_ROUNDS, BENCH_SECONDS,
#   BENCH_RSS_REQUESTS=1000000,3000000,10000000
set -eu
here=$(dirname "$0")
exec /usr/bin/python3 "$here/probe_bench.py" "$@"
