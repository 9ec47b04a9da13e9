#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One API, two back ends, in the guest kernels: the same raw requests
# (tests/lib/famraw.py), good and bad, get the same answers (errno,
# extack message, bad attribute's offset, missing attribute) from the
# module over generic netlink and from pwrmigd's family socket once the
# module is gone, and the same state after them (a cgroup's terms,
# carried bill and GPU energy); pwrmigctl then works through pwrmigd.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
work=$(mktemp -d -p "$T_TOP/build")
pdpid=
trap '[ -n "$pdpid" ] && kill $pdpid && wait $pdpid; rmmod pwrmig 2>/dev/null; rm -rf "$work"' EXIT

insmod "build/kmod/$(uname -r)/pwrmig.ko" || { t_fail insmod; t_done; }
python3 tests/lib/famraw.py netlink > "$work/module" 2>&1
t_expect "the module answers every raw request" "$(grep -c '    show("' tests/lib/famraw.py)" \
	"$(grep -c ': errno ' "$work/module")"
t_expect "the module then holds the terms, each carry once, the GPU energy" \
	"cgroup terms: deferrable 1 deadline 1700000000 priority 0 carried-runtime 1000 carried-cost 5 gpu-uj 2500" \
	"$(grep '^cgroup terms:' "$work/module")"
rmmod pwrmig

printf 'mode = auto\nmeter = model\ngpu = off\ninterval_ms = 100\nlisten = 127.0.0.1:9803\nsocket = %s\n' \
	"$work/pwrmig.sock" > "$work/pd.conf"
build/bin/pwrmigd -c "$work/pd.conf" -v 2> "$work/pd.log" &
pdpid=$!
export PWRMIG_SOCKET=$work/pwrmig.sock
for i in $(seq 200); do $ctl info > /dev/null 2>&1 && break; sleep 0.1; done
t_expect "without the module, pwrmigd (mode auto) serves the family" pwrmigd \
	"$($ctl -j info 2>&1 | jq -r .backend 2>&1)"
python3 tests/lib/famraw.py "$PWRMIG_SOCKET" > "$work/pwrmigd" 2>&1
t_expect "pwrmigd's answers are the module's, request by request" "" \
	"$(diff "$work/module" "$work/pwrmigd")"
n=$($ctl -j cgroup show | jq length)
[ "${n:-0}" -ge 1 ] && t_ok "cgroup show through pwrmigd: $n cgroups" ||
	t_fail "cgroup show through pwrmigd" "$($ctl cgroup show 2>&1 | head -n 3)"
timeout 2 $ctl -j monitor telemetry > "$work/mon" 2>&1
n=$(jq -s length "$work/mon" 2>/dev/null)
[ "${n:-0}" -ge 3 ] && t_ok "monitor through pwrmigd: $n telemetry events in 2 s" ||
	t_fail "monitor through pwrmigd" "$(head -c 200 "$work/mon")"
t_done
