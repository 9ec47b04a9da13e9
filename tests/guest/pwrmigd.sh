#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigd in the guest kernels: the eBPF objects built on the host load
# here (CO-RE); with the module loaded, pwrmigd's GPU reports (NVML test
# double) land in the module's ledger; and for one workload, a pwrmigd in
# module-less mode running beside the module gives the same per-cgroup
# runtime and energy within 1 %.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
pd=build/bin/pwrmigd
metrics() { python3 tests/lib/metrics.py "$@"; }
ko=build/kmod/$(uname -r)/pwrmig.ko
cg=/sys/fs/cgroup
work=$(mktemp -d -p "$T_TOP/build")
pids=()
cleanup() {
	t_stop_all
	rmdir "$cg/pwrmig-pa" "$cg/pwrmig-pb" 2>/dev/null
	rmmod pwrmig 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

insmod "$ko" || { t_fail insmod; t_done; }
$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
# Idle power equal to busy power in both ledgers (see below).
$ctl meter set idle-mw 10000 active-mw 10000 > /dev/null
echo +cpu > "$cg/cgroup.subtree_control"
mkdir -p "$cg/pwrmig-pa" "$cg/pwrmig-pb"
echo 300 > "$cg/pwrmig-pa/cpu.weight"
echo 100 > "$cg/pwrmig-pb/cpu.weight"
ida=$(stat -c %i "$cg/pwrmig-pa"); idb=$(stat -c %i "$cg/pwrmig-pb")

# A sleeper is in its cgroup before NVML (the double) names its PID: one
# named while still in the test's cgroup would charge that cgroup.
sleeper() {
	local i
	bash -c "echo \$\$ > $cg/$1/cgroup.procs; exec sleep 600" & pids+=($!)
	for i in $(seq 200); do grep -qx "$!" "$cg/$1/cgroup.procs" && return; sleep 0.05; done
}
sleeper pwrmig-pa; gpu_a=$!
sleeper pwrmig-pb; gpu_b=$!
printf 'device TestGPU 100 40000\nprocess 0 %s 60\nprocess 0 %s 20\n' "$gpu_a" "$gpu_b" > "$work/gpu"
export PWRMIG_NVML_DOUBLE=$work/gpu

common="interval_ms = 100
gpu_idle_mw = 10000
nvml_library = $T_TOP/build/tests/nvml/libnvidia-ml.so.1
model_idle_mw = 10000
model_active_mw = 10000"
printf 'mode = module\nlisten = 127.0.0.1:9801\ngpu = nvml\n%s\n' "$common" > "$work/module.conf"
printf 'mode = bpf\nmeter = model\nlisten = 127.0.0.1:9802\ngpu = off\n%s\n' "$common" > "$work/bpf.conf"
$pd -c "$work/module.conf" -v 2> "$work/module.log" & pids+=($!); pd_mod=$!
$pd -c "$work/bpf.conf" -v 2> "$work/bpf.log" & pids+=($!); pd_bpf=$!
for i in $(seq 200); do
	metrics http://127.0.0.1:9801/metrics save "$work/m1" 2>/dev/null &&
		metrics http://127.0.0.1:9802/metrics save "$work/m2" 2>/dev/null && break
	sleep 0.1
done
t_check "pwrmigd in module mode serves the module's ledger" \
	grep -q 'pwrmig_meter_info{mode="module",meter="model",estimated="true"} 1' "$work/m1"
kind=$(sed -n 's/.*eBPF collector (\([a-z_]*\)).*/\1/p' "$work/bpf.log")
t_expect "the host-built eBPF collector loads on $(uname -r) (CO-RE)" tp_btf "$kind"
grep -q 'no cgroup events' "$work/bpf.log" &&
	t_fail "the cgroup event program loads too" "$(grep 'no cgroup events' "$work/bpf.log")" ||
	t_ok "the cgroup event program loads too"

# Let a ledger take a few samples.
wait_samples() {
	local url=$1 file=$2 s0 i
	metrics "$url" save "$file"; s0=$(metrics "$file" get pwrmig_samples_total)
	for i in $(seq 100); do
		metrics "$url" save "$file"
		[ "$(metrics "$file" get pwrmig_samples_total)" -ge $((s0 + 3000000)) ] && return
		sleep 0.1
	done
}
within() { python3 -c "import sys; sys.exit(0 if abs($1 - $2) <= $3 * abs($2) else 1)"; }
field() { J=$J python3 -c "import json, os; print(next(c['$2'] for c in json.loads(os.environ['J']) if c['id'] == $1))"; }

spin() {	# CGROUP [CPU]
	taskset -c "${2:-0}" bash -c "echo \$\$ > $cg/$1/cgroup.procs; while :; do :; done" &
	pids+=($!)
}
# A CPU-second costs the same busy or idle (the power model above): the
# two ledgers sample at their own moments, and a running task's runtime
# reaches either only at its next tick or switch (far later in a TCG
# guest on a crowded host), so each ledger finds a different sliver of
# "idle" in its samples, and a cgroup's share of a sample's energy would
# depend on it.  With one price for both, energy compares exactly where
# runtime does, and what differs is the attribution arithmetic alone.
# The ledgers started at different times (the module first): compare what
# each charged over the workload, between two readings.
wait_samples http://127.0.0.1:9802/metrics "$work/m2.0"
wait_samples http://127.0.0.1:9801/metrics "$work/m1.0"
J0=$($ctl -j cgroup show)

spin pwrmig-pa; spin pwrmig-pb
sleep 3		# the workload's length
kill "${pids[@]: -2}"; wait "${pids[@]: -2}" 2>/dev/null
wait_samples http://127.0.0.1:9802/metrics "$work/m2"
wait_samples http://127.0.0.1:9801/metrics "$work/m1"
J=$($ctl -j cgroup show)

# Module-less and module mode, same workload, same run.
for id in "$ida" "$idb"; do
	rt_m=$(( ($(field "$id" runtime-ns) - $(J=$J0 field "$id" runtime-ns)) / 1000 ))
	rt_b=$(( $(metrics "$work/m2" get pwrmig_cgroup_cpu_seconds_total id="$id") -
		 $(metrics "$work/m2.0" get0 pwrmig_cgroup_cpu_seconds_total id="$id") ))
	within "$rt_b" "$rt_m" 0.01 && t_ok "runtime of cgroup $id: module-less $rt_b us, module $rt_m us (within 1 %)" ||
		t_fail "runtime of cgroup $id within 1 %" "module-less $rt_b us, module $rt_m us"
	e_m=$(( $(field "$id" cpu-uj) - $(J=$J0 field "$id" cpu-uj) ))
	e_b=$(( $(metrics "$work/m2" get pwrmig_cgroup_energy_joules_total id="$id" domain=pkg) -
		$(metrics "$work/m2.0" get0 pwrmig_cgroup_energy_joules_total id="$id" domain=pkg) ))
	within "$e_b" "$e_m" 0.01 && t_ok "CPU energy of cgroup $id: module-less $e_b uJ, module $e_m uJ (within 1 %)" ||
		t_fail "CPU energy of cgroup $id within 1 %" "module-less $e_b uJ, module $e_m uJ"
done

# GPU energy reported into the module: 30 W active split 60:20.
g_a=$(field "$ida" gpu-uj); g_b=$(field "$idb" gpu-uj)
[ "$g_a" -gt 0 ] && t_ok "pwrmigd's GPU reports are in the module's ledger ($g_a uJ)" ||
	t_fail "pwrmigd's GPU reports are in the module's ledger"
r=$(python3 -c "print(f'{$g_a / max($g_b, 1):.4f}')")
within "$r" 3 0.01 && t_ok "GPU energy split $r for SM 60:20 (within 1 %)" ||
	t_fail "GPU energy split 3:1" "a $g_a b $g_b"
dev=$(metrics "$work/m1" get pwrmig_gpu_energy_joules_total device=0)
idle=$(metrics "$work/m1" get pwrmig_gpu_idle_energy_joules_total device=0)
t_expect "module ledger GPU + device idle == NVML's energy, to the microjoule" "$dev" \
	"$(( $(metrics "$work/m1" get pwrmig_cgroup_energy_joules_total id="$ida" domain=gpu) +
	     $(metrics "$work/m1" get pwrmig_cgroup_energy_joules_total id="$idb" domain=gpu) + idle ))"
t_expect "no GPU report was refused" 0 "$(metrics "$work/m1" get pwrmig_gpu_report_errors_total)"
cost=$(field "$ida" cost-uunits)
[ "$cost" -gt 0 ] && t_ok "the module costs the GPU energy too ($cost micro-CNY)" ||
	t_fail "the module costs the GPU energy too"

kill -TERM "$pd_mod" "$pd_bpf"; wait "$pd_mod"; rc1=$?; wait "$pd_bpf"; rc2=$?
t_expect "both daemons stop cleanly" "0 0" "$rc1 $rc2"
t_done
