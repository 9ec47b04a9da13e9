#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig.ko's trace events, as perf trace and trace-cmd read them from
# tracefs (events/pwrmig/): pwrmig_sample at every sample, numbered one
# after another and carrying the local price; pwrmig_migrate_state at
# every change of a migration request (made: pending; cancelled).
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

kver=$(uname -r)
ko=build/kmod/$kver/pwrmig.ko
ctl=build/bin/pwrmigctl
tr=/sys/kernel/tracing
cg=/sys/fs/cgroup/pwrmig-trace

[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
if [ ! -d "$tr/events" ]; then
	t_skip "trace events" "no tracefs in this kernel"
	t_done
fi
insmod "$ko" || { t_fail "insmod $ko"; t_done; }
cleanup() {
	{ echo 0 > "$tr/events/pwrmig/enable"; } 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rmmod pwrmig 2>/dev/null
}
trap cleanup EXIT

t_check "tracefs has events/pwrmig/pwrmig_sample and pwrmig_migrate_state" \
	test -d "$tr/events/pwrmig/pwrmig_sample" -a -d "$tr/events/pwrmig/pwrmig_migrate_state"
echo 0 > "$tr/tracing_on"
: > "$tr/trace"
echo 1 > "$tr/events/pwrmig/enable"
echo 1 > "$tr/tracing_on"

mkdir -p "$cg"
$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
$ctl site set west price 0.3793 currency CNY pue 1.12 > /dev/null
id=$($ctl -j migrate start /pwrmig-trace to west cold |
	python3 -c 'import json, sys; d = json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["id"])')
$ctl migrate cancel "$id" > /dev/null
# Five samples with the price set (100 ms apart; a deadline, not a wait).
for i in $(seq 100); do
	[ "$(grep -c 'pwrmig_sample: .* price=1219500 ' "$tr/trace")" -ge 5 ] && break
	sleep 0.1
done
echo 0 > "$tr/tracing_on"
trace=$(cat "$tr/trace")

t_check "samples are traced with the local price (micro-units per kWh)" \
	grep -q 'pwrmig_sample: sample=[0-9]* elapsed_ns=[0-9]* pkg_uj=[0-9]* price=1219500 cgroups=' \
	<<< "$trace"
t_check "sample numbers go up one at a time" awk '
	match($0, /pwrmig_sample: sample=[0-9]+/) {
		n = substr($0, RSTART + 22, RLENGTH - 22) + 0
		if (seen && n != last + 1) exit 1
		last = n; seen++
	}
	END { exit seen < 5 }' <<< "$trace"
cgid=$(stat -c %i "$cg")
t_check "the request is traced as made: pending, with its cgroup and site" \
	grep -q "pwrmig_migrate_state: id=$id cgroup=$cgid site=west state=pending " <<< "$trace"
t_check "and as cancelled" \
	grep -q "pwrmig_migrate_state: id=$id cgroup=$cgid site=west state=cancelled " <<< "$trace"
echo 0 > "$tr/events/pwrmig/enable"
rmdir "$cg"
t_check "rmmod" rmmod pwrmig
t_check "the events go with the module" test ! -d "$tr/events/pwrmig"
t_done
