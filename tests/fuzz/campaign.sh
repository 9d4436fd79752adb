#!/bin/sh
# SPDX-License-Identifier: MIT
# One long fuzzing campaign: 10 million executions or 30 minutes, whichever
# comes first, niced, one fuzzer at a time (the machine is shared).
#   tests/fuzz/campaign.sh BUILD_DIR TARGET [extra libFuzzer flags...]
# e.g. tests/fuzz/campaign.sh build-fuzz h1
# Ends with one line:
#   fuzz-h1: 10000000 executions in 812 s (2 segments), exit 0
# A crash, leak, out-of-memory or UBSan report stops the campaign with a
# non-zero exit and a crash-* / leak-* / oom-* file in
# BUILD_DIR/tests/fuzz/artifacts-TARGET/.
#
# Timeouts (> 1 s for one input) are wall-clock in libFuzzer, and this
# machine is shared: when one fires, the input is replayed alone three
# times. If even the fastest replay takes more than 500 ms it is a real hang
# and the campaign fails; otherwise the host was busy, the timeout is logged
# as such and the campaign resumes from its corpus for the remaining budget.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR TARGET [libFuzzer flags]" >&2; exit 2; }
build=$(cd "$1" && pwd)
name=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
exe=$build/tests/fuzz/fuzz-$name
[ -x "$exe" ] || { echo "$0: no $exe (CC=clang meson setup $1 -Dfuzz=true)" >&2; exit 2; }
corpus=$build/tests/fuzz/corpus-$name
art=$build/tests/fuzz/artifacts-$name
mkdir -p "$corpus" "$art"
log=$build/tests/fuzz/campaign-$name.log
: >"$log"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
runs_goal=${FUZZ_RUNS:-10000000}
time_goal=${FUZZ_SECONDS:-1800}
dict=
[ -f "$src/$name.dict" ] && dict=-dict=$src/$name.dict
# a target whose parser logs its refusals keeps its stderr shut (NAME.flags)
flags=
[ -f "$src/$name.flags" ] && flags=$(cat "$src/$name.flags")
start=$(date +%s)
total=0
segments=0
killed=0
rc=0
while :; do
	now=$(date +%s)
	left_t=$((time_goal - (now - start)))
	left_r=$((runs_goal - total))
	[ "$left_t" -gt 0 ] && [ "$left_r" -gt 0 ] || break
	segments=$((segments + 1))
	seglog=$build/tests/fuzz/campaign-$name.seg
	set +e
	# libFuzzer can deadlock when its timeout alarm lands inside malloc: bound the segment
	timeout -s KILL $((left_t + 300)) nice -n 10 "$exe" -runs="$left_r" \
		-max_total_time="$left_t" -rss_limit_mb=2048 -timeout=1 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		$dict $flags "$@" "$corpus" "$src/corpus-$name" >"$seglog" 2>&1
	rc=$?
	set -e
	cat "$seglog" >>"$log"
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$seglog" | tail -n 1)
	# killed before its final stats: its last progress line
	[ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$seglog" | tail -n 1)
	total=$((total + ${n:-0}))
	[ $rc -eq 0 ] && break
	if [ $rc -eq 137 ] && grep -q '^ALARM: working on the last Unit' "$seglog"; then
		# the alarm deadlocked before it saved the input: nothing to replay
		killed=$((killed + 1))
		echo "segment $segments deadlocked in libFuzzer's timeout handler (load average:" \
			"$(cut -d' ' -f1-3 /proc/loadavg)), resuming" | tee -a "$log"
		[ $killed -le 3 ] || break
		rc=0
		continue
	fi
	unit=$(sed -n "s|.*Test unit written to \(.*timeout-[0-9a-f]*\).*|\1|p" "$seglog" | tail -n 1)
	[ -n "$unit" ] || break
	# a hang is slow every time, a busy host now and then: the fastest of three counts
	best=
	for i in 1 2 3; do
		ms=$("$exe" "$unit" 2>&1 | sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p')
		echo "replay $i of $unit: ${ms:-?} ms" | tee -a "$log"
		[ -n "$ms" ] && { [ -z "$best" ] || [ "$ms" -lt "$best" ]; } && best=$ms
	done
	[ -n "$best" ] && [ "$best" -le 500 ] || break
	echo "timeout under load (load average: $(cut -d' ' -f1-3 /proc/loadavg)), resuming" |
		tee -a "$log"
	mv "$unit" "$unit.load"
	rc=0
done
end=$(date +%s)
tail -n 12 "$log"
echo "fuzz-$name: $total executions in $((end - start)) s ($segments segments), exit $rc"
exit $rc
