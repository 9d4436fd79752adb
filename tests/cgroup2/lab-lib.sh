# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# cgroup2 lab helpers for test scripts (sourced as /lab/lib.sh in the guest).
# Output lines a test parses start with a tag: "CHECK ", "INFO ".

# info MSG: a progress line with the guest's uptime, for timing a test's steps.
info() { echo "INFO t=$(cut -d' ' -f1 /proc/uptime) $*"; }
# check NAME VALUE...: one fact for the host side to assert on.
check() {
	local name=$1
	shift
	echo "CHECK $name $*"
}

# lab_env: what kind of machine this is, as CHECK lines.
lab_env() {
	check pid1 "$(cat /proc/1/comm)"
	check cgroup-fs "$(stat -fc %T /sys/fs/cgroup)"
	check v1-mounts "$(awk '$3 == "cgroup"' /proc/mounts | wc -l)"
	check root-controllers "$(cat /sys/fs/cgroup/cgroup.subtree_control)"
	check system-state "$(systemctl is-system-running)"
	check kernel "$(uname -r)"
	check systemd "$(systemctl --version | head -n1)"
	info "boot: $(systemd-analyze time 2>/dev/null | head -n1)"
}

# leftovers TAG: every isolab cgroup, network namespace and process still
# on the machine, as "CHECK leftovers-TAG <list>" (empty when clean).
leftovers() {
	local l
	l=$(
		find /sys/fs/cgroup -name 'isolab-*' -type d 2>/dev/null
		ls /run/netns 2>/dev/null | sed 's/^/netns:/'
		ps -eo pid=,comm= | awk '$2 ~ /^isolab/ { print "process:" $1 ":" $2 }'
	)
	check "leftovers-$1" "$(echo "$l" | tr '\n' ' ' | sed 's/ *$//')"
}
