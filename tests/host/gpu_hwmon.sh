#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigd's hwmon GPUs (AMD's amdgpu, Intel's i915/xe), on a sysfs and a
# procfs tree built here (sysfs_root, proc_root), since this host has no
# such GPU:
#  - an amdgpu card metered by power1_average (integrated over time, and
#    preferred to power1_input), an i915 card by its energy1_input
#    counter; a card without hwmon and a connector are left out;
#  - DRM clients split by their fdinfo engine time (a client shared by
#    two fds counted once), KFD processes by cu_occupancy, clients of a
#    driver without engine times equally;
#  - conservation to the microjoule, counter restarts, unreadable power.
# pwrmigd is stopped (SIGSTOP) while the tree changes, so that each change
# falls into one sample.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
pd=build/bin/pwrmigd
metrics() { /usr/bin/python3 tests/lib/metrics.py "$@"; }
within() { python3 -c "import sys; sys.exit(0 if abs($1 - $2) <= $3 * abs($2) else 1)"; }
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url=http://127.0.0.1:$port/metrics
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pdpid=
cleanup() {
	[ -n "$pdpid" ] && { kill -CONT "$pdpid"; kill "$pdpid"; wait "$pdpid"; } 2>/dev/null
	rmdir "$v2"/pwrmig-g[abcd] 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the sysfs tree -----------------------------------------------------------
sys=$work/sys proc=$work/proc
pci=$sys/devices/pci0000:00
card() {	# PCI CARD MINOR RENDER-MINOR
	mkdir -p "$pci/$1/drm/card$2" "$pci/$1/drm/renderD$4" "$sys/class/drm"
	echo "226:$3" > "$pci/$1/drm/card$2/dev"
	echo "226:$4" > "$pci/$1/drm/renderD$4/dev"
	ln -s ../../../$1 "$pci/$1/drm/card$2/device"
	ln -s "../../devices/pci0000:00/$1/drm/card$2" "$sys/class/drm/card$2"
}
amd=0000:03:00.0 intel=0000:00:02.0
# Minors no real GPU of this host has (eBPF counts real ioctls by minor).
card $intel 40 40 168
card $amd 41 41 169
card 0000:05:00.0 42 42 170			# no hwmon: not metered
card 0000:06:00.0 43 43 171			# an APU: below
mkdir -p "$sys/class/drm/card41-DP-1"		# a connector
mkdir -p "$pci/$intel/hwmon/hwmon2" "$pci/$amd/hwmon/hwmon4"
echo i915 > "$pci/$intel/hwmon/hwmon2/name"
echo 5000000 > "$pci/$intel/hwmon/hwmon2/energy1_input"
echo amdgpu > "$pci/$amd/hwmon/hwmon4/name"
echo 200000000 > "$pci/$amd/hwmon/hwmon4/power1_average"	# 200 W
echo 999000000 > "$pci/$amd/hwmon/hwmon4/power1_input"		# not used
mkdir -p "$pci/0000:06:00.0/hwmon/hwmon5"
echo amdgpu > "$pci/0000:06:00.0/hwmon/hwmon5/name"
echo 30000000 > "$pci/0000:06:00.0/hwmon/hwmon5/power1_input"
kfd=$sys/class/kfd/kfd
mkdir -p "$kfd/topology/nodes/0" "$kfd/topology/nodes/1" "$kfd/proc"
echo 511:0 > "$kfd/dev"
echo 0 > "$kfd/topology/nodes/0/gpu_id"
echo 4242 > "$kfd/topology/nodes/1/gpu_id"
printf 'cpu_cores_count 0\nsimd_count 240\nsimd_per_cu 4\ndrm_render_minor 169\n' > "$kfd/topology/nodes/1/properties"
# An APU: its node has CPU cores, and its hwmon power is the whole chip's.
mkdir -p "$kfd/topology/nodes/2"
echo 777 > "$kfd/topology/nodes/2/gpu_id"
printf 'cpu_cores_count 8\nsimd_count 48\nsimd_per_cu 4\ndrm_render_minor 171\n' > "$kfd/topology/nodes/2/properties"

# ---- the procfs tree: processes in real cgroups ---------------------------------
mkdir "$v2"/pwrmig-g{a,b,c,d}
for c in a b c d; do eval "id_$c=$(stat -c %i "$v2/pwrmig-g$c")"; done
proc_pid() {	# PID CGROUP
	mkdir -p "$proc/$1/fd" "$proc/$1/fdinfo"
	echo "0::/pwrmig-g$2" > "$proc/$1/cgroup"
}
drm_fd() {	# PID FD NODE [FDINFO LINES...]
	local p=$1 fd=$2
	ln -sfn "$3" "$proc/$p/fd/$fd"
	shift 3
	printf '%s\n' "$@" > "$proc/$p/fdinfo/$fd.new"
	mv "$proc/$p/fdinfo/$fd.new" "$proc/$p/fdinfo/$fd"
}
amd_fd() {	# PID FD CLIENT-ID GFX-NS
	# Capacity and cycles are not engine time: large, to show if counted.
	drm_fd "$1" "$2" /dev/dri/renderD169 "pos:	0" "flags:	02100002" \
		"drm-driver:	amdgpu" "drm-client-id:	$3" "drm-pdev:	$amd" "pasid:	32770" \
		"drm-memory-vram:	4096 KiB" "drm-engine-gfx:	$4 ns" "drm-engine-compute:	0 ns" \
		"drm-engine-capacity-gfx:	9$RANDOM$RANDOM" "drm-cycles-gfx:	$RANDOM$RANDOM$RANDOM" \
		"drm-total-cycles-gfx:	$RANDOM$RANDOM$RANDOM"
}
intel_fd() {	# PID FD CLIENT-ID (no drm-pdev, no engine times: an older driver)
	drm_fd "$1" "$2" /dev/dri/card40 "drm-driver:	i915" "drm-client-id:	$3"
}
proc_pid 900001 a; proc_pid 900002 b; proc_pid 900003 c; proc_pid 900004 d
ln -s /dev/null "$proc/900001/fd/0"		# not a DRM node
amd_fd 900001 5 11 1000000
amd_fd 900001 6 11 1000000			# the same client, dup'd
amd_fd 900002 7 12 1000000
intel_fd 900001 8 21
intel_fd 900004 3 22
for p in 900003 900004; do mkdir -p "$kfd/proc/$p/stats_4242"; echo 0 > "$kfd/proc/$p/stats_4242/cu_occupancy"; done

# ---- configuration ------------------------------------------------------------------
base="mode = bpf
meter = model
interval_ms = 100
listen = 127.0.0.1:$port
socket = $work/pwrmig.sock
gpu_idle_mw = 0
sysfs_root = $sys
proc_root = $proc"
printf '%s\ngpu = hwmon\nsysfs_root = %s/none\n' "$base" "$work" > "$work/none.conf"
out=$(timeout 20 $pd -c "$work/none.conf" 2>&1); rc=$?
t_expect "gpu = hwmon without a metered DRM device fails, naming the place looked in" \
	"1 pwrmigd: gpu = hwmon but no DRM device under $work/none/class/drm has a hwmon energy1_input, power1_average or power1_input" \
	"$rc $(echo "$out" | grep 'gpu = hwmon')"
printf 'sysfs_root = sys\n' > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "a relative sysfs_root is refused" "pwrmigd: $work/bad.conf:1: sysfs_root must be an absolute path, not 'sys'" "$out"

printf '%s\ngpu = hwmon\n' "$base" > "$work/pd.conf"
$pd -c "$work/pd.conf" -v 2> "$work/pd.log" & pdpid=$!
for i in $(seq 100); do metrics "$url" save "$work/m" 2>/dev/null && break; sleep 0.1; done
t_expect "two cards metered (their PCI bus ids labelled): no hwmon, an APU and connectors left out" \
	"pwrmig_gpu_info{device=\"0\",name=\"i915 $intel\",meter=\"hwmon_energy\",uuid=\"\",pci_bus_id=\"$intel\"} 1|pwrmig_gpu_info{device=\"1\",name=\"amdgpu $amd\",meter=\"hwmon_power_average\",uuid=\"\",pci_bus_id=\"$amd\"} 1" \
	"$(grep '^pwrmig_gpu_info' "$work/m" | sort | paste -sd'|')"

# Wait for N more samples.
samples() {
	local s0 i
	metrics "$url" save "$work/m"; s0=$(metrics "$work/m" get pwrmig_samples_total)
	for i in $(seq 100); do
		sleep 0.1
		metrics "$url" save "$work/m"
		[ "$(metrics "$work/m" get pwrmig_samples_total)" -ge $((s0 + $1 * 1000000)) ] && return
	done
	t_fail "pwrmigd samples on" "fewer than $1 samples in 10 s"
}
# Stop pwrmigd between two samples (its main thread waiting in poll(2)),
# never in the middle of one: a change then falls into one sample whole.
stop() {
	local i j
	for i in $(seq 100); do
		kill -STOP "$pdpid"
		for j in $(seq 100); do
			[ "$(awk '/^State:/ { print $2 }' "/proc/$pdpid/status")" = T ] && break
			sleep 0.01
		done
		[ "$(cut -d' ' -f1 "/proc/$pdpid/syscall")" = 7 ] && return
		kill -CONT "$pdpid"
		sleep 0.0$((RANDOM % 10))
	done
	t_fail "pwrmigd stops between samples"
}
gpu() { metrics "$work/m" get0 pwrmig_cgroup_energy_joules_total id="$1" domain=gpu; }
samples 3
metrics "$url" save "$work/m"
t0=$(date +%s%N); e0=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=1)

# ---- engine time: 3:1, the dup'd fd once ------------------------------------------------
stop
amd_fd 900001 5 11 3001000000; amd_fd 900001 6 11 3001000000
amd_fd 900002 7 12 1001000000
kill -CONT "$pdpid"
samples 3
a=$(gpu "$id_a"); b=$(gpu "$id_b")
within "$a" "$((3 * b))" 0.01 && [ "$b" -gt 0 ] &&
	t_ok "amdgpu energy split 3:1 by fdinfo engine time, a client's two fds once ($a : $b uJ)" ||
	t_fail "amdgpu energy split 3:1 by engine time" "a $a b $b"
stop; amd_fd 900002 7 12 5; kill -CONT "$pdpid"
samples 2
stop; amd_fd 900002 7 12 1001000000; kill -CONT "$pdpid"
samples 2
t_expect "engine time lower than seen before is held, not counted again" "$b" "$(gpu "$id_b")"

# ---- KFD: cu_occupancy 30 and 10 of 60 compute units ---------------------------------------
c0=$(gpu "$id_c") d0=$(gpu "$id_d") a0=$(gpu "$id_a")
stop
echo 30 > "$kfd/proc/900003/stats_4242/cu_occupancy"
echo 10 > "$kfd/proc/900004/stats_4242/cu_occupancy"
kill -CONT "$pdpid"
samples 3
stop
echo 0 > "$kfd/proc/900003/stats_4242/cu_occupancy"
echo 0 > "$kfd/proc/900004/stats_4242/cu_occupancy"
kill -CONT "$pdpid"
samples 2
c=$(( $(gpu "$id_c") - c0 )) d=$(( $(gpu "$id_d") - d0 ))
# d also has the i915 card's energy: none moved there yet.
within "$c" "$((3 * d))" 0.01 && [ "$d" -gt 0 ] &&
	t_ok "KFD processes split 3:1 by cu_occupancy ($c : $d uJ)" ||
	t_fail "KFD processes split 3:1 by cu_occupancy" "c $c d $d"
t_expect "DRM clients without new engine time get none of it" "$a0" "$(gpu "$id_a")"

# ---- power integrated over time ---------------------------------------------------------------
sleep 2
metrics "$url" save "$work/m"
t1=$(date +%s%N); e1=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=1)
want=$(( (t1 - t0) / 1000 * 200 ))	# 200 W over the time, in uJ
within "$((e1 - e0))" "$want" 0.1 &&
	t_ok "power1_average integrated: $((e1 - e0)) uJ for 200 W over $(( (t1 - t0) / 1000000 )) ms" ||
	t_fail "power1_average integrated over time" "$((e1 - e0)) uJ, want about $want"

# ---- a power change over a long interval: the trapezoid, exact past 9 s -------
metrics "$url" save "$work/m"
ta=$(date +%s%N); ea=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=1)
stop; ts=$(date +%s%N)
echo 100000000 > "$pci/$amd/hwmon/hwmon4/power1_average"	# 100 W
sleep 10.5
tc=$(date +%s%N); kill -CONT "$pdpid"
samples 2
metrics "$url" save "$work/m"
tb=$(date +%s%N); eb=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=1)
want=$(( ( (ts - ta) * 200 + (tc - ts) * 150 + (tb - tc) * 100 ) / 1000 ))
within "$((eb - ea))" "$want" 0.03 &&
	t_ok "200 W then 100 W across a 10.5 s interval: $((eb - ea)) uJ, want about $want" ||
	t_fail "power integrated as the mean of both ends over a long interval" \
		"$((eb - ea)) uJ, want about $want"

# ---- i915: an energy counter, clients without engine times share equally --------------------------
a0=$(gpu "$id_a") d0=$(gpu "$id_d")
i0=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=0)
stop
echo 9000000 > "$pci/$intel/hwmon/hwmon2/energy1_input"		# +4 J
kill -CONT "$pdpid"
samples 2
i1=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=0)
t_expect "i915 energy1_input taken as it counts" 4000000 "$((i1 - i0))"
t_expect "no engine times: its two clients' cgroups share equally" \
	"2000000 2000000" "$(( $(gpu "$id_a") - a0 )) $(( $(gpu "$id_d") - d0 ))"
stop
echo 1000 > "$pci/$intel/hwmon/hwmon2/energy1_input"		# driver reload
kill -CONT "$pdpid"
samples 2
t_expect "a counter that went back is a restart, not negative energy" "1000000 $i1" \
	"$(metrics "$work/m" get pwrmig_gpu_energy_resets_total device=0) $(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=0)"

# ---- a client whose cgroup cannot be read: its share stays with the device ----
a0=$(gpu "$id_a") d0=$(gpu "$id_d")
idle0=$(metrics "$work/m" get pwrmig_gpu_idle_energy_joules_total device=0)
stop
drm_fd 900001 8 /dev/dri/card40 "drm-driver:	i915" "drm-client-id:	21" "drm-engine-render:	3000000000 ns"
drm_fd 900004 3 /dev/dri/card40 "drm-driver:	i915" "drm-client-id:	22" "drm-engine-render:	1000000000 ns"
mv "$proc/900004/cgroup" "$work/cgroup-d"		# as if it exited mid-sample
echo 4001000 > "$pci/$intel/hwmon/hwmon2/energy1_input"		# +4 J
kill -CONT "$pdpid"
samples 2
t_expect "engine time 3:1, the second client's cgroup unreadable: 3 J to a, 1 J kept, none to d" \
	"3000000 1000000 0" "$(( $(gpu "$id_a") - a0 )) $(( $(metrics "$work/m" get pwrmig_gpu_idle_energy_joules_total device=0) - idle0 )) $(( $(gpu "$id_d") - d0 ))"
mv "$work/cgroup-d" "$proc/900004/cgroup"

# ---- unreadable power: counted, 0 W ------------------------------------------------------------------
stop
mv "$pci/$amd/hwmon/hwmon4/power1_average" "$work/p"; mkdir "$pci/$amd/hwmon/hwmon4/power1_average"
kill -CONT "$pdpid"
samples 2
r=$(metrics "$work/m" get pwrmig_gpu_read_errors_total device=1)
[ "$r" -gt 0 ] && [ "$(metrics "$work/m" get pwrmig_gpu_power_watts device=1)" = 0 ] &&
	t_ok "an unreadable power1_average is counted ($((r / 1000000))) and taken as 0 W" ||
	t_fail "an unreadable power1_average is counted and taken as 0 W" "$(grep 'device="1"' "$work/m")"
stop
rmdir "$pci/$amd/hwmon/hwmon4/power1_average"; mv "$work/p" "$pci/$amd/hwmon/hwmon4/power1_average"
kill -CONT "$pdpid"
samples 2

# ---- every microjoule accounted ---------------------------------------------------------------------------
sum=$(( $(gpu "$id_a") + $(gpu "$id_b") + $(gpu "$id_c") + $(gpu "$id_d") ))
all=$(( $(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=0) + $(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=1) -
	$(metrics "$work/m" get pwrmig_gpu_idle_energy_joules_total device=0) - $(metrics "$work/m" get pwrmig_gpu_idle_energy_joules_total device=1) ))
t_expect "both cards: energy - idle == the cgroups' GPU energy, to the microjoule" "$all" "$sum"
out=$(promtool check metrics < "$work/m" 2>&1); rc=$?
t_expect "promtool check metrics: clean with hwmon GPUs" "0 " "$rc $out"
undoc=$(grep -o '^pwrmig_gpu_[a-z_]*' "$work/m" | sort -u | while read -r n; do
	grep -q "\`$n{\|\`$n\`" Documentation/metrics.md || echo "$n"; done)
t_expect "every GPU metric is in Documentation/metrics.md" "" "$undoc"
grep -q 'amdgpu 0000:06:00.0: an APU' "$work/pd.log" &&
	t_ok "the APU is named as not metered (its power includes the CPU's)" ||
	t_fail "the APU is named as not metered" "$(grep GPU "$work/pd.log")"
grep -q 'amdgpu 0000:03:00.0: .*power1_average (hwmon_power_average), KFD' "$work/pd.log" &&
	t_ok "-v names each card's meter and KFD" ||
	t_fail "-v names each card's meter and KFD" "$(grep GPU "$work/pd.log")"
t_done
