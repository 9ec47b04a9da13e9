# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for shell tests, sourced.  Each test script prints one
# "ok N name" or "not ok N name" line per check; tests/run counts them.

T_N=0
T_FAILED=0
T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

t_ok() { T_N=$((T_N + 1)); echo "ok $T_N $1"; }
t_fail() {
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N $1"
	[ -n "${2:-}" ] && printf '#   %s\n' "$2"
	return 0
}
t_skip() { T_N=$((T_N + 1)); echo "ok $T_N $1 # SKIP $2"; }

# t_check NAME CMD...: ok when CMD succeeds; its output is shown on failure.
t_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		t_ok "$name"
	else
		t_fail "$name" "command failed ($?): $*"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
}

# t_expect NAME WANT GOT
t_expect() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected '$2', got '$3'"
	fi
}

t_done() { [ "$T_FAILED" -eq 0 ]; exit $?; }
# t_stop_all: stop the test's background processes (its pids array), reap them.
t_stop_all() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
