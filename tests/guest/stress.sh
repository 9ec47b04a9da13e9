#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload pwrmig 30 times while a dump loop, a multicast listener,
# the netlink fuzzer (every operation: migrations claimed and in flight,
# dumps abandoned), cgroup churn through a ledger held at 64 entries, CPU
# hotplug and a fork/exit storm run: no WARN/BUG/Oops, every cycle loads
# and unloads, and no reference is left behind.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

ko=build/kmod/$(uname -r)/pwrmig.ko
client=build/tests/guest/stress_client
work=$(mktemp -d)
stop=$work/stop
marker="pwrmig-test: stress.sh starts $$"
echo "$marker" > /dev/kmsg

cleanup() {
	touch "$stop"
	wait
	rmdir /sys/fs/cgroup/pwrmig-churn-* 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$client" dump "$stop" > "$work/dump.out" 2>&1 &
"$client" listen "$stop" > "$work/listen.out" 2>&1 &
# The fuzzer, started afresh whenever the family went away under it.
(
	n=0
	while [ ! -e "$stop" ]; do
		build/tests/fuzz/nlfuzz --seed $((n + 1)) --count 3000 > /dev/null 2>&1
		n=$((n + 1))
		sleep 0.05
	done
	echo "$n" > "$work/fuzz.runs"
) &
# CPU hotplug: cpu1 goes and comes back.
if [ -w /sys/devices/system/cpu/cpu1/online ]; then
	(
		n=0
		while [ ! -e "$stop" ]; do
			echo 0 > /sys/devices/system/cpu/cpu1/online && sleep 0.2 &&
				echo 1 > /sys/devices/system/cpu/cpu1/online && n=$((n + 1))
			sleep 0.3
		done
		echo 1 > /sys/devices/system/cpu/cpu1/online
		echo "$n" > "$work/hotplug.rounds"
	) &
fi
# Fork/exit storm.
( while [ ! -e "$stop" ]; do /bin/true; done ) &
# Cgroup churn: short-lived tasks in cgroups that come and go.
(
	i=0
	while [ ! -e "$stop" ]; do
		d=/sys/fs/cgroup/pwrmig-churn-$((i % 4))
		mkdir -p "$d"
		sh -c "echo \$\$ > $d/cgroup.procs; i=0; while [ \$i -lt 200 ]; do i=\$((i+1)); done"
		rmdir "$d" 2>/dev/null
		i=$((i + 1))
	done
) &

ok=0 busy=0
for i in $(seq 30); do
	insmod "$ko" max_cgroups=64 || continue
	sleep 0.$((RANDOM % 3))
	# A dump in flight pins the module: retry like an operator would.
	for try in $(seq 200); do
		rmmod pwrmig 2>/dev/null && break
		busy=$((busy + 1))
		sleep 0.01
	done
	[ -d /sys/module/pwrmig ] || ok=$((ok + 1))
done
touch "$stop"
wait
t_expect "30 load/unload cycles under load" 30 "$ok"
[ "$busy" -gt 0 ] && echo "# rmmod found the module busy $busy times and retried"
dump=$(cat "$work/dump.out")
listen=$(cat "$work/listen.out")
echo "# $dump"
echo "# $listen"
case "$dump" in
dump:\ [1-9]*) t_ok "dump loop completed dumps while the module came and went" ;;
*) t_fail "dump loop completed dumps while the module came and went" "$dump" ;;
esac
runs=$(cat "$work/fuzz.runs" 2>/dev/null || echo 0)
echo "# fuzzer runs: $runs; cpu1 offline and back: $(cat "$work/hotplug.rounds" 2>/dev/null || echo none)"
[ "$runs" -gt 0 ] && t_ok "the fuzzer ran while the module came and went" ||
	t_fail "the fuzzer ran while the module came and went" "no run finished"
case "$listen" in
*" rounds, "[1-9]*" messages"*) t_ok "multicast listener received notifications" ;;
*) t_fail "multicast listener received notifications" "$listen" ;;
esac
t_expect "module gone at the end" "" "$(lsmod | awk '$1 == "pwrmig"')"
bad=$(dmesg | sed -n "/$marker/,\$p" | grep -E 'WARNING:|BUG:|Oops|Call Trace|refcount_t|general protection' | head -n 5)
t_expect "dmesg has no WARN/BUG/Oops" "" "$bad"
t_done
