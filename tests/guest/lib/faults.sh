# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix's set-up and helpers, sourced by migrate_faults.sh and
# migrate_attacks.sh after lib.sh: the two sites of sites.sh with both
# pwrmigd running, and the checks every case makes (the job runs exactly
# once, at the site the journals decide, never restarted from zero).
source "$(dirname "${BASH_SOURCE[0]}")/sites.sh"

# A hung CRIU or runc is killed after this (migrate_attacks.sh, hang-tool);
# west restores containers only from bundles below $W/bundles.
echo "checkpoint_timeout_s = 30" | tee -a "$W/east.conf" >> "$W/west.conf"
mkdir -p "$W/bundles" "$W/outside"
echo '{}' > "$W/outside/config.json"
echo "bundle_root = $W/bundles" >> "$W/west.conf"
start_east; start_west
east_up && west_up || { t_fail "both endpoints listen" "$(cat "$W/east.log" "$W/west.log")"; t_done; }

# Processes of a cgroup that are neither stopped nor frozen.
running_in() {
	local n=0 p
	grep -qs '^frozen 1' "$cg/$1/cgroup.events" && { echo 0; return; }
	for p in $(cat "$cg/$1/cgroup.procs" 2>/dev/null); do
		[ "$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = T ] ||
			n=$((n + 1))
	done
	echo "$n"
}
# once_at NAME SITE: within 60 s, one running copy at SITE, none elsewhere.
once_at() {
	local other=east i
	[ "$2" = east ] && other=west
	for i in $(seq 600); do
		[ "$(running_in "$2/$1")" = 1 ] && [ "$(running_in "$other/$1")" = 0 ] &&
			return 0
		sleep 0.1
	done
	echo "east/$1: $(running_in "east/$1") running, west/$1: $(running_in "west/$1") running"
	return 1
}
gone() { # PID: within 60 s it has exited
	local i
	for i in $(seq 600); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
restart() { # SIDE [FAULTS]: a fresh pwrmigd for SIDE, with fault points
	local pid
	[ "$1" = east ] && pid=$east_pid || pid=$west_pid
	kill "$pid" 2>/dev/null
	gone "$pid"
	if [ "$1" = east ]; then
		PWRMIG_FAULT=${2:-} start_east; east_up
	else
		PWRMIG_FAULT=${2:-} start_west "${3:-}"; west_up
	fi
}
migrate_id() { # NAME MODE: start a migration, print its id
	$ctl -j migrate start "/east/$1" to west "$2" timeout 120 |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["id"])'
}
final_state() { # ID
	timeout 120 $ctl migrate wait "$1" > /dev/null 2>&1
	$ctl -j migrate show "$1" |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["state"])'
}

# case NAME SIDE FAULTS MODE WANT [CRASHES]: run one migration with FAULTS
# in SIDE's pwrmigd; CRASHES=1 when the fault kills it (it is restarted).
# host_crash SIDE NAME: what a reboot does to SIDE's copy of job NAME: its
# processes and its cgroup are gone.
host_crash() {
	local d=$cg/$1/$2 i
	[ -d "$d" ] || return 0
	echo 1 > "$d/cgroup.kill"
	for i in $(seq 100); do grep -q '^populated 0' "$d/cgroup.events" && break; sleep 0.1; done
	rmdir "$d"
}

# case_run NAME SIDE FAULTS MODE WANT [CRASHES [reboot]]: with "reboot",
# SIDE's copy goes with its pwrmigd, as in a host crash.
case_run() {
	local name=$1 side=$2 faults=$3 mode=$4 want=$5 crashes=${6:-0} host=${7:-}
	local prog=$W/$name.progress id pid state why
	restart "$side" "$faults"
	[ "$side" = east ] && pid=$east_pid || pid=$west_pid
	start_job "$name" "$prog" --mem 8 --pages 4 --step-ms 100 ||
		{ t_fail "$name: the job runs at east"; return; }
	id=$(migrate_id "$name" "$mode")
	if [ "$crashes" = 1 ]; then
		if gone "$pid"; then
			[ "$host" = reboot ] && host_crash "$side" "$name"
			restart "$side"
		else
			t_fail "$name: pwrmigd at $side stops at the fault point"
		fi
	fi
	state=$(final_state "$id")
	[ "$crashes" = 1 ] || restart "$side"
	if why=$(once_at "$name" "$want"); then
		t_ok "$name: the job runs once, at $want"
	else
		t_fail "$name: the job runs once, at $want" "$why"
		tail -n 15 "$W/east.log" | sed 's/^/#   east: /'
		tail -n 15 "$W/west.log" | sed 's/^/#   west: /'
	fi
	t_expect "$name: the request ends $([ "$want" = west ] && echo done || echo failed)" \
		"$([ "$want" = west ] && echo done || echo failed)" "$state"
	t_check "$name: it kept its steps (not restarted)" advancing "$prog"
	t_check "$name: every step once, in order" contiguous "$prog"
	{ echo 1 > "$cg/east/$name/cgroup.kill"; } 2>/dev/null
	{ echo 1 > "$cg/west/$name/cgroup.kill"; } 2>/dev/null
}

