#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vm-run: exit status, timeout, writable shares, kernel problems.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

tmp=$(mktemp -d "$T_TOP/build/vmtest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# expect_rc NAME WANT CMD...: the exit status, and the output when it differs.
expect_rc() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	t_expect "$name" "$want" "$rc"
	[ "$rc" = "$want" ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   | /'
}
expect_rc "'-- true' exits 0 (6.1)" 0 scripts/vm-run --kernel 6.1 -- true
expect_rc "'-- false' exits 1 (6.1)" 1 scripts/vm-run --kernel 6.1 -- false
expect_rc "exit status 7 comes back (6.12)" 7 scripts/vm-run --kernel 6.12 -- sh -c 'exit 7'

got=$(scripts/vm-run --kernel 6.12 --rw "$tmp" -- sh -c \
	'uname -r > "$1/kernel"; pwd > "$1/cwd"; touch /usr/pwrmig-overlay && echo w > "$1/overlay"' \
	sh "$tmp" 2>&1)
t_expect "runs the requested kernel" "$(scripts/kernels 6.12)" "$(cat "$tmp/kernel" 2>/dev/null)"
t_expect "runs in the caller's directory" "$T_TOP" "$(cat "$tmp/cwd" 2>/dev/null)"
t_expect "root is writable through the overlay" w "$(cat "$tmp/overlay" 2>/dev/null)"
t_expect "overlay writes do not reach the host" no "$([ -e /usr/pwrmig-overlay ] && echo yes || echo no)"

start=$(date +%s)
out=$(scripts/vm-run --kernel 6.1 --timeout 10 -- sleep 600 2>&1)
rc=$? took=$(( $(date +%s) - start ))
t_expect "a hung guest exits 124" 124 "$rc"
case "$out" in
*"timed out after 10 s"*) t_ok "timeout message names the limit" ;;
*) t_fail "timeout message names the limit" "$out" ;;
esac
[ "$took" -lt 30 ] && t_ok "hung guest killed near --timeout (${took} s)" ||
	t_fail "hung guest killed near --timeout" "took $took s"

out=$(scripts/vm-run --kernel 6.1 -- sh -c 'echo "<4>WARNING: CPU: 0 PID: 1 at injected" > /dev/kmsg' 2>&1)
t_expect "a kernel WARN fails the run with 125" 125 $?
case "$out" in
*"reported a problem"*"WARNING: CPU: 0 PID: 1 at injected"*) t_ok "the WARN is shown" ;;
*) t_fail "the WARN is shown" "$out" ;;
esac
out=$(scripts/vm-run --kernel 6.1 -- sh -c 'echo "text saying BUG: and Oops is fine"' 2>&1)
t_expect "the command's own output is not mistaken for a kernel problem" 0 $?

# A guest that may suspend reports on the console when its shares are gone.
expect_rc "--suspend-wake: the console's exit line is the status" 3 \
	scripts/vm-run --kernel 6.12 --suspend-wake 1 -- sh -c \
	'echo "vm-run-exit: 3" > /dev/console; echo o > /proc/sysrq-trigger; sleep 60'
expect_rc "without --suspend-wake a command cannot forge its status" 0 \
	scripts/vm-run --kernel 6.1 -- sh -c 'echo "vm-run-exit: 3"'
scripts/vm-run --suspend-wake 1s -- true >/dev/null 2>&1
t_expect "bad --suspend-wake refused as usage error" 2 $?

scripts/vm-run --kernel 5.4 -- true >/dev/null 2>&1
t_expect "unknown kernel label refused" 125 $?
scripts/vm-run --timeout x -- true >/dev/null 2>&1
t_expect "bad --timeout refused as usage error" 2 $?
scripts/vm-run >/dev/null 2>&1
t_expect "missing command refused as usage error" 2 $?
t_done
