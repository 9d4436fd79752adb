# SPDX-License-Identifier: MIT
# xenlab helpers for dom0 test scripts (sourced as /lab/lib.sh).
# Output lines a test parses start with a tag: "SHARE ", "CHECK ", "INFO ".

# info MSG: a progress line with dom0's uptime, for timing a test's steps.
info() { echo "INFO t=$(cut -d' ' -f1 /proc/uptime) $*"; }
die() { echo "FATAL $*"; exit 1; }

# The boot made the cpupools: p1 = CPU 1 on credit, p2 = CPU 2 on credit2.

# mkdomu NAME POOL [IP] [RUN] [MEMORY_MB]: a one-vCPU PV guest from
# /lab/domu.cpio. IP gives it a vif on xenbr0 (and dropbear); RUN makes
# its init start /lab/RUN.sh.
mkdomu() {
	local name=$1 pool=$2 ip=${3:-} run=${4:-} mem=${5:-256} extra vif=""
	extra="console=hvc0 rdinit=/init quiet loglevel=3"
	[ -n "$ip" ] && extra="$extra lab.ip=$ip" &&
		vif="vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:${ip##*.},script=/lab/vif-lab' ]"
	[ -n "$run" ] && extra="$extra lab.run=$run"
	cat >"/etc/xen/$name.cfg" <<EOF
name = "$name"
type = "pv"
kernel = "/vmlinuz"
ramdisk = "/lab/domu.cpio"
extra = "$extra"
memory = $mem
vcpus = 1
pool = "$pool"
on_crash = "destroy"
$vif
EOF
	xl create "/etc/xen/$name.cfg" >/tmp/xl-create-$name.log 2>&1 ||
		{ cat /tmp/xl-create-$name.log; die "xl create $name"; }
}

# wait_domu NAME...: until each guest's init says it is ready; on failure
# shows the guest's console (a panicking guest is destroyed: on_crash).
wait_domu() {
	local d
	for d in "$@"; do
		if ! wait_console "$d" "xenlab-domu: ready" 300; then
			echo "guest $d console:"
			tail -n 40 "/var/log/xen/console/guest-$d.log"
			xl list
			die "guest $d did not come up"
		fi
	done
}

# wait_ssh IP [TIMEOUT_S]: until the guest's dropbear answers.
wait_ssh() {
	local i
	for i in $(seq "${2:-180}"); do
		ssh -o BatchMode=yes -o ConnectTimeout=5 "root@$1" true 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# need_ssh NAME IP: wait_ssh for up to 300 s, else the guest's last console lines and die.
need_ssh() {
	wait_ssh "$2" 300 && return 0
	tail -n 30 "/var/log/xen/console/guest-$1.log"
	die "no ssh to $1"
}

# wait_console NAME PATTERN [TIMEOUT_S]: until the guest's console log shows PATTERN.
wait_console() {
	local i f=/var/log/xen/console/guest-$1.log
	for i in $(seq "${3:-180}"); do
		grep -q "$2" "$f" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# cputime NAME: seconds of CPU the domain has used (xl list's Time(s)).
cputime() {
	xl list "$1" | awk 'NR == 2 { print $6 }'
}

# share TAG SECONDS D1 D2: CPU shares of D1 and D2 over a window, as
# "SHARE TAG d1=<pct> d2=<pct> total=<cpu-s> window=<s>".
share() {
	local tag=$1 secs=$2 a0 b0 a1 b1 t0 t1
	a0=$(cputime "$3"); b0=$(cputime "$4"); t0=$(date +%s.%N)
	sleep "$secs"
	a1=$(cputime "$3"); b1=$(cputime "$4"); t1=$(date +%s.%N)
	awk -v tag="$tag" -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" \
		-v t0="$t0" -v t1="$t1" 'BEGIN {
		da = a1 - a0; db = b1 - b0; s = da + db
		if (s <= 0) s = 1e-9
		printf "SHARE %s d1=%.1f d2=%.1f total=%.2f window=%.1f\n",
			tag, 100 * da / s, 100 * db / s, da + db, t1 - t0 }'
}

# emit_json NAME PATH: the JSON file on one line as "FILE NAME {...}" for the
# test to parse (labout.parse), the probe's histogram buckets left out (long,
# not needed).
emit_json() {
	[ -f "$2" ] || return 0
	echo "FILE $1 $(tr -d '\n' <"$2" | sed 's/"histogram":{[^}]*}/"histogram":null/')"
}
