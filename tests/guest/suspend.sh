#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Suspend to RAM with the module sampling (a boot with "suspend:SECS" in
# tests/guest/boots: QEMU wakes the guest SECS seconds after it suspends).
# Monotonic time stops in suspend and boot time goes on.  The sample that
# spans the suspend must say so in its interval (boot time, as an energy
# counter that kept counting would need), and no CPU's idle time may
# include the time asleep (each CPU's wall time is monotonic; the CPU taken
# offline for the suspend restarts its clock), which a power model would
# turn into joules.
#
# virtio-9p does not survive a suspend, and with it go the host root, this
# test's log and vm-run's control share.  So what runs after the resume
# runs in a chroot on tmpfs set up before (bash, sleep, pwrmigctl and their
# libraries), prints its checks on the console and powers the guest off;
# vm-run takes the status from the console line "vm-run-exit: N", and
# tests/run counts this test from the console.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

if [ -z "${PWRMIG_VM_WAKE:-}" ]; then
	echo "# SKIP not in a guest that is woken from suspend (vm-run --suspend-wake)"
	exit 4
fi
grep -qw mem /sys/power/state ||
	{ echo "# SKIP this kernel offers no suspend to RAM: $(cat /sys/power/state)"; exit 4; }

ko=build/kmod/$(uname -r)/pwrmig.ko
root=/run/pwrmig-suspend
insmod "$ko" || { t_fail "insmod $ko"; t_done; }
# Idle and busy time at one power: the idle energy is then 10 W times the
# idle time counted.
build/bin/pwrmigctl meter set kind model interval 200 idle-mw 10000 active-mw 10000 > /dev/null ||
	{ t_fail "set the power model"; t_done; }

# The chroot: binaries and what the dynamic linker loads for them.
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
for bin in /bin/bash /bin/sleep build/bin/pwrmigctl; do
	cp "$bin" "$root/bin/" || exit 1
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		cp --parents -L "$lib" "$root/" || exit 1
	done
done && mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" &&
	mount --rbind /sys "$root/sys"
t_expect "a chroot on tmpfs for the time after the resume" 0 $?

# After the resume: checks on the console, then power off.
cat > "$root/after" <<'EOF'
n=$1 wake=$2 cpus=$3 mon=$4 failed=0
exec > /dev/console 2>&1
ok() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n $1"; [ -n "${2:-}" ] && echo "#   $2"; }
# boot time (10 ms steps) and monotonic time, ns
clocks() {
	local up a b c
	read -r up _ < /proc/uptime
	boot=$(( 10#${up/./} * 10000000 ))
	while read -r a b c _; do
		[ "$a $b" = "now at" ] && { mono=$c; return; }
	done < /proc/timer_list
}
# Idle energy the ledger charged so far, all domains, uJ.
idle_uj() {
	local j sum=0
	j=$(/bin/pwrmigctl -j meter show) || return 1
	while [[ $j =~ \"idle-uj\":([0-9]+)(.*) ]]; do
		sum=$((sum + BASH_REMATCH[1])) j=${BASH_REMATCH[2]}
	done
	echo $sum
}
i0=$(idle_uj)
clocks; b0=$boot m0=$mono
echo mem > /sys/power/state; rc=$?
clocks
asleep=$(( (boot - mono) - (b0 - m0) ))
[ $rc -eq 0 ] && [ $asleep -ge $(( (wake - 1) * 1000000000 )) ] &&
	ok "suspended to RAM and woken: $((asleep / 1000000)) ms asleep by boot time" ||
	fail "suspend to RAM and wake" "echo mem: status $rc; $((asleep / 1000000)) ms asleep, $wake s expected"

# A few samples after the resume; the monitor flushes each event.
/bin/sleep 1
i1=$(idle_uj)
clocks
kill -INT "$mon"
for i in 1 2 3 4 5 6 7 8 9 10; do [ -d "/proc/$mon" ] || break; /bin/sleep 0.2; done
# The sample across the suspend is the longest.
iv=0 samples=0
while read -r line; do
	[[ $line =~ \"interval-ns\":([0-9]+) ]] || continue
	samples=$((samples + 1))
	[ "${BASH_REMATCH[1]}" -gt $iv ] && iv=${BASH_REMATCH[1]}
done < /tmp/monitor
# Readings of /proc/uptime are 10 ms apart.
[ $iv -ge $((asleep - 20000000)) ] &&
	ok "the sample across the suspend spans it: $((iv / 1000000)) ms, $((asleep / 1000000)) ms asleep ($samples samples)" ||
	fail "the sample across the suspend spans it (boot time)" \
		"longest of $samples samples $((iv / 1000000)) ms; $((asleep / 1000000)) ms asleep"
# Idle time at 10 W: 10 uJ per CPU-microsecond.  What the ledger charged
# ends at its last sample and starts at the one before the first reading:
# one interval (200 ms) and the readings' own time beyond the monotonic
# time between them.
idle=$(( (i1 - i0) / 10 )) awake=$(( (mono - m0) / 1000 ))
[ -n "$i0" ] && [ -n "$i1" ] && [ $idle -le $((cpus * (awake + 300000))) ] &&
	ok "no idle time charged for the time asleep: $idle CPU-us idle in $awake us awake on $cpus CPUs" ||
	fail "no idle time charged for the time asleep" \
		"idle charged ${i0:-?} -> ${i1:-?} uJ: $idle CPU-us; $awake us awake on $cpus CPUs, $((asleep / 1000)) us asleep"
/bin/pwrmigctl info > /dev/null && ok "the module answers after the resume" ||
	fail "the module answers after the resume"

echo "vm-run-exit: $failed"
echo o > /proc/sysrq-trigger
while :; do /bin/sleep 1; done
EOF
chroot "$root" /bin/pwrmigctl -j monitor telemetry > "$root/tmp/monitor" 2>&1 &
mon=$!
for i in $(seq 100); do grep -q interval-ns "$root/tmp/monitor" && break; sleep 0.1; done
t_check "the module's telemetry reaches a monitor in the chroot" grep -q interval-ns "$root/tmp/monitor"
[ "$T_FAILED" -eq 0 ] || t_done
exec chroot "$root" /bin/bash /after "$T_N" "$PWRMIG_VM_WAKE" "$(nproc)" "$mon"
