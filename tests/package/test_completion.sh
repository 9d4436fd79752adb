#!/bin/bash
# SPDX-License-Identifier: MIT
# The bash completion of isolab and isolab-bomb, sourced as bash-completion
# loads it, against the binaries of this build: commands, options, scenario
# files, results directories, phase names, option values, bomb kinds.
set -u

src=${ISOLAB_SOURCE_ROOT:?}
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "bash-completion is not installed ($bc): scripts/install-deps.sh --test installs it"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
tmp=$(mktemp -d /tmp/isolab-completion-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/work/results/20261130-101500-ab12" "$tmp/work/conf"
ln -s "${ISOLAB_BIN:?}" "$tmp/bin/isolab"
ln -s "${ISOLAB_BOMB:?}" "$tmp/bin/isolab-bomb"
export PATH="$tmp/bin:$PATH"
cp "$src/examples/weight-sweep.ini" "$tmp/work/sweep.ini"
: >"$tmp/work/notes.txt"

# shellcheck disable=SC1090
. "$bc"
# shellcheck disable=SC1091
. "$src/completion/isolab.bash"
# shellcheck disable=SC1091
. "$src/completion/isolab-bomb.bash"
cd "$tmp/work" || exit 1

fails=0
# complete LINE: the completions for the cursor at the end of LINE, sorted, one line
complete_line() {
	local line=$1 fn
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	fn=$(complete -p "${COMP_WORDS[0]}" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect LINE WANT: the completions are exactly WANT (sorted, space-separated)
expect() {
	local got
	got=$(complete_line "$1")
	if [ "$got" = "$2" ]; then
		echo "ok: '$1' -> $got"
	else
		echo "FAIL: '$1' -> '$got', expected '$2'"
		fails=$((fails + 1))
	fi
}
# expect_has LINE WORD...: the completions include every WORD
expect_has() {
	local line=$1 got w
	shift
	got=" $(complete_line "$line") "
	for w in "$@"; do
		if [[ $got != *" $w "* ]]; then
			echo "FAIL: '$line' -> '$got', missing '$w'"
			fails=$((fails + 1))
			return
		fi
	done
	echo "ok: '$line' has $*"
}

# commands and options, from the binary's own tables
expect "isolab " "advise check compare deploy hosts report restore run sched vms"
expect "isolab r" "report restore run"
expect "isolab run --no" "--no-report"
expect "isolab run --ph" "--phases"
expect "isolab check --list" "--list-phases"
expect_has "isolab sched set web --" --weight --cap --backend --dom0 --scenario
expect "isolab --v" "--version"
# values
expect "isolab run --backend " "local xenapi xl"
expect "isolab report --format html,c" "html,csv"
expect "isolab sched " "get set"
# files: scenarios (*.ini and directories), results directories
expect "isolab check " "conf results sweep.ini"
expect "isolab run sweep.ini -r " "conf results"
expect "isolab report results/" "results/20261130-101500-ab12"
expect "isolab compare results/20261130-101500-ab12 results/" "results/20261130-101500-ab12"
expect "isolab compare --same" "--same-within"
expect "isolab advise sweep.ini --phase c" "cpu"
expect "isolab advise sweep.ini --max-" "--max-cap --max-time"
# phase names: from the scenario on the command line (a sweep by its base name), or
# from the built-in default when there is none
expect "isolab run sweep.ini --phases " "baseline baseline~aa cpu sweep"  # with the A/A twin
expect "isolab run sweep.ini --phases baseline,s" "baseline,sweep"
expect "isolab run --phases fork+" "fork+prio"
expect_has "isolab run --quick --phases " baseline cpu cpu+prio all all+prio net-recv+prio
expect "isolab vms -f " "conf results sweep.ini"
expect "isolab run -f sweep.ini --phases c" "cpu"

# isolab-bomb: kinds and each kind's options from the binary, a few values here
expect "isolab-bomb " "cpu disk fork mem net-recv net-send"
expect "isolab-bomb net-" "net-recv net-send"
expect_has "isolab-bomb mem --" --bytes --mode --threads --duration --json
expect "isolab-bomb mem --mode " "bandwidth fill"
expect "isolab-bomb disk --mode " "mixed read write"
expect "isolab-bomb --duration 5s net-recv --proto " "both tcp udp"
expect "isolab-bomb net-send --to" "--to"
expect "isolab-bomb cpu --engine " "native stress-ng"
expect "isolab-bomb disk --dir " "conf results"

# every option the completion names (for its value) is still in a table
all=$(for c in $(isolab --list-commands); do isolab "$c" --list-options; done | sort -u)
# shellcheck disable=SC2013 # one option per word
for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$src/completion/isolab.bash" | sort -u); do
	case $o in --list-options | --list-commands) continue ;; esac # hidden, not in tables
	if ! grep -qx -- "$o" <<<"$all$(printf '\n--version')"; then
		echo "FAIL: completion/isolab.bash names $o, which no isolab command takes"
		fails=$((fails + 1))
	fi
done
all=$( { isolab-bomb --list-options; for k in $(isolab-bomb --list-kinds); do
	isolab-bomb --list-options "$k"; done; } | sort -u)
# shellcheck disable=SC2013 # one option per word
for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$src/completion/isolab-bomb.bash" | sort -u); do
	if ! grep -qx -- "$o" <<<"$all"; then
		echo "FAIL: completion/isolab-bomb.bash names $o, which isolab-bomb does not take"
		fails=$((fails + 1))
	fi
done
echo "ok: every option the completion files name is in an option table"

if [ $fails -ne 0 ]; then
	echo "$fails completion checks failed"
	exit 1
fi
echo "every completion check passed"
