#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigd without the module (the host cannot load it): two cgroups
# spinning 3:1 on one CPU are split 3:1 by the eBPF collector, the model
# meter's energy is conserved exactly over cgroups, idle and other, cost
# follows price and PUE, promtool accepts the exposition; the NVML test
# double's GPU energy is split by SM utilisation; bad configuration lines
# are named by file and line.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
pd=build/bin/pwrmigd
metrics() { /usr/bin/python3 tests/lib/metrics.py "$@"; }
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pids=()
cleanup() {
	local p
	t_stop_all
	[ -n "${k8s:-}" ] && rmdir "$v2/$k8s/cri-containerd-$cid.scope" "$v2/$k8s" "$v2/pwrmig-k8s" 2>/dev/null
	for p in "$v2/pwrmig-a" "$v2/pwrmig-b" "$v2/pwrmig-c" "$v2/pwrmig-"$'\xff'"-odd" /sys/fs/cgroup/cpu/pwrmig-a /sys/fs/cgroup/cpu/pwrmig-b; do
		[ -d "$p" ] && rmdir "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the two builds --------------------------------------------------------
# Fault points exist only in the test build (migration/fault.h).
grep -qa PWRMIG_FAULT build/tests/bin/pwrmigd && t_ok "the test build reads PWRMIG_FAULT" ||
	t_fail "the test build reads PWRMIG_FAULT"
grep -qa PWRMIG_FAULT $pd && t_fail "the installed pwrmigd has no fault points" ||
	t_ok "the installed pwrmigd has no fault points"

# ---- configuration errors ---------------------------------------------------
printf 'mode = bpf\nlisten = 127.0.0.1:99999\nfrobnicate = 1\nprice 1\n' > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1); rc=$?
t_expect "bad config: exit 2" 2 "$rc"
t_expect "bad config: each bad line named by file:line" \
	"pwrmigd: $work/bad.conf:2: listen must be ADDRESS:PORT (IPv4, [IPv6] or a host name), not '127.0.0.1:99999'|pwrmigd: $work/bad.conf:3: unknown key 'frobnicate'|pwrmigd: $work/bad.conf:4: want KEY = VALUE, got 'price 1'" \
	"$(echo "$out" | paste -sd'|')"
printf 'price = 0.5\n' > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "a price without a currency is refused" "pwrmigd: $work/bad.conf: price needs a currency" "$out"
printf '1795852800 1h 0.7\n1795856400 0 0.7\n' > "$work/fc"
printf 'carbon = 100001\nforecast = %s\nforecast = fc\n' "$work/fc" > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "carbon and forecast: the range, the forecast file's line, a relative path" \
	"pwrmigd: $work/bad.conf:1: carbon must be 0-100000 g CO2 per kWh, not '100001'|pwrmigd: $work/bad.conf:2: $work/fc:2: duration '0' is not a positive number of seconds (suffix s, m or h)|pwrmigd: $work/bad.conf:3: forecast must be an absolute path, not 'fc'" \
	"$(echo "$out" | paste -sd'|')"
printf '1795852800 1h 0.7\n' > "$work/fc"
printf 'forecast = %s\n' "$work/fc" > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "a forecast without the site's price is refused" \
	"pwrmigd: $work/bad.conf: forecast needs the site's price" "$out"
printf 'checkpoint_timeout_s = 5\nbundle_root = bundles\n' > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "migration limits: out of range and relative paths are named" \
	"pwrmigd: $work/bad.conf:1: checkpoint_timeout_s must be 10-86400, not '5'|pwrmigd: $work/bad.conf:2: the path must be absolute, not 'bundles'" \
	"$(echo "$out" | paste -sd'|')"
pin=sha256:$(printf '%064d' 7)
printf 'peer = east 10.0.0.1:9787 pin %s uids 1000-1999\npeer = north 10.0.0.3:9787 uids 5-4\npeer = south 10.0.0.4:9787 pin sha256:12\npeer = west 10.0.0.2:9787 pin %s pin %s\npeer = up 10.0.0.5:9787 frob 1\n' \
	"$pin" "$pin" "$pin" > "$work/bad.conf"
out=$($pd -c "$work/bad.conf" --check-config 2>&1)
t_expect "peer lines: a pin and a uid range are taken; bad ones are named" \
	"pwrmigd: $work/bad.conf:2: uids must be LO-HI (user ids a restore from this peer may run as), not 'north 10.0.0.3:9787 uids 5-4'|pwrmigd: $work/bad.conf:3: pin must be sha256: and the 64 hex digits of the peer's public key hash (scripts/pwrmig-certs --pin CERT), not 'south 10.0.0.4:9787 pin sha256:12'|pwrmigd: $work/bad.conf:4: after SITE ADDRESS:PORT a peer takes pin sha256:HEX and uids LO-HI, each once, not 'west 10.0.0.2:9787 pin $pin pin $pin'|pwrmigd: $work/bad.conf:5: after SITE ADDRESS:PORT a peer takes pin sha256:HEX and uids LO-HI, each once, not 'up 10.0.0.5:9787 frob 1'" \
	"$(echo "$out" | paste -sd'|')"
out=$($pd -c Documentation/pwrmigd.conf --check-config 2>&1); rc=$?
t_expect "the documented example configuration is valid" 0 "$rc"
# --check-config looks past the syntax: certificates, NVML, CRIU and runc.
scripts/pwrmig-certs "$work/pki" west east > /dev/null 2>&1
scripts/pwrmig-certs "$work/pki2" west > /dev/null 2>&1
scripts/pwrmig-certs --days 10 "$work/pki3" west > /dev/null 2>&1
mig() { # CA CERT KEY [MORE...]: a migrating node of site west
	printf 'mode = bpf\nsite = west\nmigrate = on\ntls_ca = %s\ntls_cert = %s\ntls_key = %s\n' "$1" "$2" "$3"
	shift 3
	printf '%s\n' "$@"
}
check() { $pd -c "$work/c.conf" --check-config 2>&1; echo "rc=$?"; }
mig "$work/pki/ca.crt" "$work/pki/west.crt" "$work/pki/west.key" > "$work/c.conf"
t_expect "check-config: a node with its own certificate, criu and runc is valid" \
	"pwrmigd: $work/c.conf is valid|rc=0" "$(check | paste -sd'|')"
mig "$work/pki/ca.crt" "$work/pki/east.crt" "$work/pki/east.key" > "$work/c.conf"
t_expect "check-config: a certificate of another site" \
	"pwrmigd: $work/c.conf: tls_cert $work/pki/east.crt names site 'east', but this node's site is 'west': peers would refuse it|rc=2" \
	"$(check | paste -sd'|')"
mig "$work/pki/ca.crt" "$work/pki2/west.crt" "$work/pki2/west.key" > "$work/c.conf"
t_expect "check-config: a certificate of another CA" \
	"pwrmigd: $work/c.conf: tls_cert $work/pki2/west.crt does not chain to tls_ca $work/pki/ca.crt: unable to get local issuer certificate|rc=2" \
	"$(check | paste -sd'|')"
mig "$work/pki/ca.crt" "$work/pki/west.crt" "$work/pki/east.key" > "$work/c.conf"
t_expect "check-config: a key of another certificate" \
	"pwrmigd: $work/c.conf: $work/pki/east.key: key values mismatch|rc=2" \
	"$(check | sed 's/error:[0-9A-F]*:[^:]*::*//' | paste -sd'|')"
mig "$work/pki3/ca.crt" "$work/pki3/west.crt" "$work/pki3/west.key" "criu = /nonexistent/criu" \
	"gpu = nvml" "nvml_library = $work/none.so" > "$work/c.conf"
t_expect "check-config: NVML that does not load, a CRIU that is not there; a certificate about to expire" \
	"pwrmigd: $work/c.conf: gpu = nvml but nvml_library $work/none.so does not load: $work/none.so: cannot open shared object file: No such file or directory|pwrmigd: $work/c.conf: warning: tls_cert $work/pki3/west.crt expires in N days|pwrmigd: $work/c.conf: migrate = on but /nonexistent/criu cannot be run (not found in PATH, or not executable)|rc=2" \
	"$(check | sed 's/expires in \(9\|10\) days/expires in N days/' | paste -sd'|')"
printf 'listen = localhost:9786\nmigrate_listen = bad_name:9787\npeer = east east-1.example.org:9787\n' > "$work/c.conf"
t_expect "host names: resolved for listen, kept for a peer (resolved per connection), a bad one named" \
	"pwrmigd: $work/c.conf:2: migrate_listen must be ADDRESS:PORT (IPv4, [IPv6] or a host name), not 'bad_name:9787'|rc=2" \
	"$(check | paste -sd'|')"
if [ ! -e /etc/pwrmig/pwrmigd.conf ]; then
	t_expect "check-config without a configuration file says the defaults apply" \
		"pwrmigd: /etc/pwrmig/pwrmigd.conf does not exist: the defaults apply|pwrmigd: /etc/pwrmig/pwrmigd.conf is valid|rc=0" \
		"$({ $pd --check-config 2>&1; echo "rc=$?"; } | paste -sd'|')"
else
	t_skip "check-config without a configuration file" "/etc/pwrmig/pwrmigd.conf exists here"
fi
out=$($pd -c "$work/none.conf" 2>&1); rc=$?
t_expect "a missing configuration file is named" "2 pwrmigd: $work/none.conf: No such file or directory" "$rc $out"

# ---- two cgroups 3:1 on one CPU, module-less, model meter ---------------------
mkdir -p "$v2/pwrmig-a" "$v2/pwrmig-b"
if grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
	echo +cpu > "$v2/cgroup.subtree_control"
	echo 300 > "$v2/pwrmig-a/cpu.weight"
	echo 100 > "$v2/pwrmig-b/cpu.weight"
	v1=
else
	# Hybrid host: the cpu controller is in v1; the same 3:1 as shares.
	v1=/sys/fs/cgroup/cpu
	mkdir -p "$v1/pwrmig-a" "$v1/pwrmig-b"
	echo 3072 > "$v1/pwrmig-a/cpu.shares"
	echo 1024 > "$v1/pwrmig-b/cpu.shares"
fi
cat > "$work/pd.conf" <<EOF
mode = bpf
meter = model
model_idle_mw = 2000
model_active_mw = 10000
interval_ms = 200
listen = 127.0.0.1:$port
socket = $work/pwrmig.sock
site = west
price = 0.3793
currency = CNY
pue = 1.12
gpu = nvml
nvml_library = $T_TOP/build/tests/nvml/libnvidia-ml.so.1
gpu_idle_mw = 20000
EOF
url=http://127.0.0.1:$port/metrics
# BPF programs held by PID (its fds of programs and links), one id a line.
prog_ids() { grep -hs '^prog_id:' /proc/"$1"/fdinfo/* | awk '{ print $2 }' | sort -un; }

# Two "GPU jobs": sleepers in the cgroups, 75 % and 25 % of one GPU's SMs.
# Each is in its cgroup before NVML (the double) names its PID.
sleeper() {
	local i
	bash -c "echo \$\$ > $v2/$1/cgroup.procs; exec sleep 300" & pids+=($!)
	for i in $(seq 200); do grep -qx "$!" "$v2/$1/cgroup.procs" && return; sleep 0.05; done
}
sleeper pwrmig-a; gpu_a=$!
sleeper pwrmig-b; gpu_b=$!
printf 'device TestGPU 5000 50000\nprocess 0 %s 75\nprocess 0 %s 25\n' "$gpu_a" "$gpu_b" > "$work/gpu"
export PWRMIG_NVML_DOUBLE=$work/gpu

$pd -c "$work/pd.conf" -v 2> "$work/pd.log" &
pdpid=$!
for i in $(seq 100); do metrics "$url" save "$work/m" 2>/dev/null && break; sleep 0.1; done
t_check "pwrmigd serves /metrics in module-less mode" grep -q 'pwrmig_meter_info{mode="bpf",meter="model",estimated="true"} 1' "$work/m"
own=$(prog_ids "$pdpid")
for id in $own; do bpftool prog show id "$id"; done | grep -q sched_switch &&
	t_ok "pwrmigd holds its own sched_switch program (ids $(echo $own))" ||
	t_fail "pwrmigd holds its own sched_switch program" "ids: $own"
# Another tool's sched_switch program (the same collector, same name)
# comes and stays while pwrmigd runs: nothing below may count it.
coproc BYSTANDER { exec build/tests/lib/bpf_bystander; }
pids+=($BYSTANDER_PID)
bystander=
while read -r -u "${BYSTANDER[0]}" l && [ "$l" != ready ]; do bystander+=" $l"; done
bystander=$(printf '%s\n' $bystander | sort -un | paste -sd' ')
[ -n "$bystander" ] && t_ok "an unrelated sched_switch program is attached (ids $bystander)" ||
	t_fail "an unrelated sched_switch program is attached"

spin() {
	taskset -c 0 bash -c "echo \$\$ > $v2/$1/cgroup.procs; ${v1:+echo \$\$ > $v1/$1/cgroup.procs;} while :; do :; done" &
	pids+=($!)
}
# A cgroup whose name is not UTF-8 (a byte 0xff), charged a little.
odd=$v2/pwrmig-$'\xff'-odd
mkdir -p "$odd"
bash -c "echo \$\$ > '$odd/cgroup.procs'; for ((i = 0; i < 200000; i++)); do :; done"
spin pwrmig-a; spin pwrmig-b
sleep 5		# the workload's length, not synchronisation
kill "${pids[@]: -2}"; wait "${pids[@]: -2}" 2>/dev/null
# Two more samples so everything that ran is charged.
s0=$(metrics "$work/m" get pwrmig_samples_total)
for i in $(seq 100); do
	metrics "$url" save "$work/m"
	[ "$(metrics "$work/m" get pwrmig_samples_total)" -ge $((s0 / 1000000 * 1000000 + 30000000)) ] && break
	sleep 0.1
done

ida=$(stat -c %i "$v2/pwrmig-a"); idb=$(stat -c %i "$v2/pwrmig-b")
rt_a=$(metrics "$work/m" get pwrmig_cgroup_cpu_seconds_total id="$ida")
rt_b=$(metrics "$work/m" get pwrmig_cgroup_cpu_seconds_total id="$idb")
e_a=$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$ida" domain=pkg)
e_b=$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$idb" domain=pkg)
ratio() { /usr/bin/python3 -c "print(f'{$1 / max($2, 1):.4f}')"; }
within() { /usr/bin/python3 -c "import sys; sys.exit(0 if abs($1 - $2) <= $3 * abs($2) else 1)"; }
r=$(ratio "$rt_a" "$rt_b")
within "$r" 3 0.02 && t_ok "runtime split $r for weights 3:1 (within 2 %)" ||
	t_fail "runtime split within 2 % of 3:1" "a $rt_a b $rt_b: $r"
usage_a=$(awk '$1 == "usage_usec" { print $2 }' "$v2/pwrmig-a/cpu.stat")
within "$rt_a" "$usage_a" 0.02 && t_ok "runtime matches the kernel's cpu.stat (within 2 %)" ||
	t_fail "runtime matches the kernel's cpu.stat" "ledger $rt_a us, cpu.stat $usage_a us"
re=$(ratio "$e_a" "$e_b")
within "$re" "$r" 0.02 && t_ok "energy split $re follows runtime" ||
	t_fail "energy split follows runtime" "energy $re, runtime $r"
total=$(metrics "$work/m" get pwrmig_node_energy_joules_total domain=pkg)
parts=$(( $(metrics "$work/m" sum pwrmig_cgroup_energy_joules_total domain=pkg) +
	  $(metrics "$work/m" get pwrmig_idle_energy_joules_total domain=pkg) +
	  $(metrics "$work/m" get pwrmig_other_energy_joules_total domain=pkg) ))
t_expect "model meter: cgroups + idle + other == meter, to the microjoule ($total uJ)" "$total" "$parts"
[ "$e_a" -gt 0 ] && t_ok "the busy cgroup has energy ($e_a uJ)" || t_fail "the busy cgroup has energy"
# Cost: energy (1 kWh = 3.6e12 uJ) x 0.3793 CNY/kWh x PUE 1.12.
cost_a=$(metrics "$work/m" get pwrmig_cgroup_cost_total id="$ida")
want=$(( (e_a + $(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$ida" domain=gpu)) * 379300 * 1120 / 3600000000000000 ))
/usr/bin/python3 -c "import sys; sys.exit(0 if abs($cost_a - $want) <= 2 else 1)" &&
	t_ok "cost = energy x price x PUE ($cost_a micro-CNY)" ||
	t_fail "cost = energy x price x PUE" "got $cost_a, want $want micro-CNY"
grep -q "pwrmig_cgroup_energy_joules_total{cgroup=\"/pwrmig-a\",id=\"$ida\",domain=\"pkg\",estimated=\"true\"}" "$work/m" &&
	t_ok "cgroup named by path, model figures labelled estimated" ||
	t_fail "cgroup named by path, model figures labelled estimated"

out=$(promtool check metrics < "$work/m" 2>&1); rc=$?
t_expect "promtool check metrics: clean" "0 " "$rc $out"
t_check "a cgroup name that is not UTF-8 is labelled with U+FFFD for the byte" \
	grep -q $'pwrmig_cgroup_cpu_seconds_total{cgroup="/pwrmig-\xef\xbf\xbd-odd"' "$work/m"
t_check "and the whole exposition is UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$work/m"

# ---- GPU energy from the NVML double: 20 W idle, 30 W split 3:1 --------------
g_a=$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$ida" domain=gpu)
g_b=$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$idb" domain=gpu)
g_dev=$(metrics "$work/m" get pwrmig_gpu_energy_joules_total device=0)
g_idle=$(metrics "$work/m" get pwrmig_gpu_idle_energy_joules_total device=0)
rg=$(ratio "$g_a" "$g_b")
within "$rg" 3 0.01 && t_ok "GPU energy split $rg by SM utilisation 75:25 (within 1 %)" ||
	t_fail "GPU energy split by SM utilisation" "a $g_a b $g_b: $rg"
t_expect "GPU: cgroups + idle == NVML's energy, to the microjoule" "$g_dev" "$((g_a + g_b + g_idle))"
ri=$(ratio "$g_idle" "$g_dev")
within "$ri" 0.4 0.02 && t_ok "GPU idle share $ri of 20 W out of 50 W" ||
	t_fail "GPU idle share 0.4" "$ri"
[ "$(metrics "$work/m" get pwrmig_node_energy_joules_total domain=gpu)" = "$g_dev" ] &&
	t_ok "node GPU energy is NVML's" || t_fail "node GPU energy is NVML's"
t_expect "the GPU labelled with NVML's UUID and PCI bus id, as dcgm-exporter labels it" \
	'pwrmig_gpu_info{device="0",name="TestGPU",meter="nvml",uuid="GPU-00000000-0000-0000-0000-000000000000",pci_bus_id="00000000:01:00.0"} 1' \
	"$(grep '^pwrmig_gpu_info' "$work/m")"

# ---- a cgroup made, used and removed while pwrmigd runs ------------------------
mkdir "$v2/pwrmig-c"
idc=$(stat -c %i "$v2/pwrmig-c")
bash -c "echo \$\$ > $v2/pwrmig-c/cgroup.procs; for i in \$(seq 200000); do :; done"
rmdir "$v2/pwrmig-c"
# Scrape into $work/m until a line matches PATTERN (10 s at most).
scrape_until() {
	local i
	for i in $(seq 100); do
		metrics "$url" save "$work/m"
		grep -q "$1" "$work/m" && return 0
		sleep 0.1
	done
	return 1
}
scrape_until "pwrmig_cgroup_removed{cgroup=\"/pwrmig-c\",id=\"$idc\"} 1" &&
	t_ok "a removed cgroup is named (from its mkdir event) and marked removed" ||
	t_fail "a removed cgroup is named and marked removed" "$(grep "id=\"$idc\"" "$work/m")"
e_c=$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$idc" domain=pkg)
[ "$e_c" -gt 0 ] && t_ok "its figures are kept after removal ($e_c uJ)" ||
	t_fail "its figures are kept after removal"
grep -q 'no cgroup events' "$work/pd.log" && t_fail "the cgroup event program loaded" "$(grep 'no cgroup events' "$work/pd.log")" ||
	t_ok "the cgroup event program loaded"

# ---- who runs in a cgroup, from its path; only the domains the meter has ------
k8s="pwrmig-k8s/kubepods-burstable-pod0b7e3c2a_1d4f_4e5a_9b8c_7d6e5f4a3b2c.slice"
cid=4f6c1b9a0e3d2c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b
mkdir -p "$v2/$k8s/cri-containerd-$cid.scope"
bash -c "echo \$\$ > $v2/$k8s/cri-containerd-$cid.scope/cgroup.procs; for i in \$(seq 200000); do :; done"
want="kind=\"kubernetes\",pod_uid=\"0b7e3c2a-1d4f-4e5a-9b8c-7d6e5f4a3b2c\",container_id=\"$cid\",unit=\"\",slurm_job_id=\"\",slurm_step=\"\"} 1"
scrape_until "^pwrmig_cgroup_workload_info{cgroup=\"/$k8s/cri-containerd-$cid.scope\",id=\"[0-9]*\",$want" &&
	t_ok "a Kubernetes container's cgroup: pod UID and container id as labels" ||
	t_fail "a Kubernetes container's cgroup: pod UID and container id as labels" \
		"$(grep workload_info "$work/m")"
rmdir "$v2/$k8s/cri-containerd-$cid.scope" "$v2/$k8s" "$v2/pwrmig-k8s"
t_expect "the model meter has no DRAM: no dram series" 0 "$(grep -c 'domain="dram"' "$work/m")"
t_expect "build info" "pwrmig_build_info{version=\"$(cat VERSION)\"} 1" "$(grep '^pwrmig_build_info' "$work/m")"

# ---- the GPU sampler alone (scripts/gpu-check's tool), on the same double -----
out=$(build/bin/pwrmig-gpu-check 2 100 "$T_TOP/build/tests/nvml/libnvidia-ml.so.1" 2>/dev/null)
last=$(echo "$out" | tail -n 1)
case "$last" in "cgroups "*"cgroups / (NVML - idle) = 1.0000") t_ok "pwrmig-gpu-check: cgroups get all of NVML's energy when no idle power is learned" ;;
*) t_fail "pwrmig-gpu-check: cgroups get all of NVML's energy" "$out" ;; esac
ja=$(echo "$out" | sed -n "s|^cgroup /pwrmig-a (id $ida): \([0-9.]*\) J|\1|p")
jb=$(echo "$out" | sed -n "s|^cgroup /pwrmig-b (id $idb): \([0-9.]*\) J|\1|p")
within "$(ratio "${ja:-0}" "${jb:-1}")" 3 0.01 && t_ok "pwrmig-gpu-check splits 75:25 ($ja J : $jb J)" ||
	t_fail "pwrmig-gpu-check splits 75:25" "$out"

# ---- no utilisation samples: the eBPF gpu program's ioctl counts split -------
# A GPU whose node is /dev/null (1:3, so that this host can play it) and
# whose NVML lists no process.  With pwrmigd stopped, cgroup a issues 100
# ioctls on the node and b 300: the first sample after it resumes splits
# the GPU's active energy between them equally (use, not counts, weighs),
# and no later sample gives them more.
port2=$((port + 2))
sed -e "s|^listen = .*|listen = 127.0.0.1:$port2|" -e "s|^gpu_idle_mw = .*|gpu_idle_mw = 20000\ngpu_device_major = 1|" \
	-e "s|^socket = .*|socket = $work/use.sock|" "$work/pd.conf" > "$work/use.conf"
printf 'device NodeGPU 5000 40000 3\n' > "$work/gpu-use"
PWRMIG_NVML_DOUBLE=$work/gpu-use $pd -c "$work/use.conf" -v 2> "$work/use.log" &
usepid=$!; pids+=($usepid)
url2=http://127.0.0.1:$port2/metrics
for i in $(seq 100); do
	metrics "$url2" save "$work/u" 2>/dev/null &&
		[ "$(metrics "$work/u" get pwrmig_samples_total)" -ge 2000000 ] && break
	sleep 0.1
done
kill -STOP "$usepid"
/usr/bin/python3 - "$v2" <<'PY'
import fcntl, os, sys, termios
fd = os.open("/dev/null", os.O_RDONLY)
for cg, n in (("pwrmig-a", 100), ("pwrmig-b", 300)):
    with open(f"{sys.argv[1]}/{cg}/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    for _ in range(n):
        try:
            fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4)
        except OSError:
            pass
PY
kill -CONT "$usepid"
s0=$(metrics "$work/u" get pwrmig_samples_total)
for i in $(seq 100); do
	metrics "$url2" save "$work/u"
	[ "$(metrics "$work/u" get pwrmig_samples_total)" -ge $((s0 + 3000000)) ] && break
	sleep 0.1
done
u_a=$(metrics "$work/u" get pwrmig_cgroup_energy_joules_total id="$ida" domain=gpu)
u_b=$(metrics "$work/u" get pwrmig_cgroup_energy_joules_total id="$idb" domain=gpu)
ru=$(ratio "$u_b" "$u_a")
[ "${u_a:-0}" -gt 0 ] && within "$ru" 1 0.001 &&
	t_ok "no NVML samples: the cgroups that used the GPU's node share its energy ($ru)" ||
	t_fail "no NVML samples: the cgroups that used the GPU's node share its energy 1:1" \
		"a $u_a b $u_b: $ru; $(grep -i 'gpu' "$work/use.log" | head -n 3)"
kill "$usepid"; wait "$usepid" 2>/dev/null

# ---- powercap RAPL, faked: a 1 J counter at 1.5 W wraps every 0.7 s ----------
pc=$work/powercap
mkdir -p "$pc/intel-rapl:0" "$pc/intel-rapl:0:0" "$pc/intel-rapl:0:1"
echo package-0 > "$pc/intel-rapl:0/name"; echo 999999 > "$pc/intel-rapl:0/max_energy_range_uj"
echo dram > "$pc/intel-rapl:0:0/name"; echo 999999 > "$pc/intel-rapl:0:0/max_energy_range_uj"
echo core > "$pc/intel-rapl:0:1/name"; echo 999999 > "$pc/intel-rapl:0:1/max_energy_range_uj"
echo 0 > "$pc/intel-rapl:0/energy_uj"; echo 0 > "$pc/intel-rapl:0:0/energy_uj"; echo 0 > "$pc/intel-rapl:0:1/energy_uj"
printf 'mode = bpf\nmeter = powercap\npowercap_root = %s\ninterval_ms = 100\nlisten = 127.0.0.1:%s\ngpu = off\nsocket = %s\n' \
	"$pc" $((port + 1)) "$work/pc.sock" > "$work/pc.conf"
$pd -c "$work/pc.conf" 2> "$work/pc.log" &
pcpid=$!; pids+=($pcpid)
for i in $(seq 100); do metrics "http://127.0.0.1:$((port + 1))/metrics" save "$work/pc.m" 2>/dev/null && break; sleep 0.1; done
# 30 steps of 100 ms: +150000 uJ package, +50000 uJ DRAM each, mod 1e6 (a
# sample may be late by several steps and still see less than one turn).
pkg=0; dram=0
for i in $(seq 30); do
	pkg=$((pkg + 150000)); dram=$((dram + 50000))
	echo $((pkg % 1000000)) > "$pc/intel-rapl:0/energy_uj.tmp" && mv "$pc/intel-rapl:0/energy_uj.tmp" "$pc/intel-rapl:0/energy_uj"
	echo $((dram % 1000000)) > "$pc/intel-rapl:0:0/energy_uj.tmp" && mv "$pc/intel-rapl:0:0/energy_uj.tmp" "$pc/intel-rapl:0:0/energy_uj"
	sleep 0.1
done
sleep 0.5	# a few more samples, the counters still
metrics "http://127.0.0.1:$((port + 1))/metrics" save "$work/pc.m"
grep -q 'pwrmig_meter_info{mode="bpf",meter="powercap",estimated="false"} 1' "$work/pc.m" &&
	t_ok "powercap meter picked, figures not estimated" || t_fail "powercap meter picked" "$(grep meter_info "$work/pc.m")"
t_expect "powercap: 4.5 J of package energy through 4 wraps of a 1 J counter" 4500000 \
	"$(metrics "$work/pc.m" get pwrmig_node_energy_joules_total domain=pkg)"
t_expect "powercap: DRAM is its own domain (1.5 J); core is not counted twice" 1500000 \
	"$(metrics "$work/pc.m" get pwrmig_node_energy_joules_total domain=dram)"
for d in pkg dram; do
	t_expect "powercap $d: cgroups + idle + other == meter, to the microjoule" \
		"$(metrics "$work/pc.m" get pwrmig_node_energy_joules_total domain=$d)" \
		"$(( $(metrics "$work/pc.m" sum pwrmig_cgroup_energy_joules_total domain=$d) +
		     $(metrics "$work/pc.m" get pwrmig_idle_energy_joules_total domain=$d) +
		     $(metrics "$work/pc.m" get pwrmig_other_energy_joules_total domain=$d) ))"
done
kill "$pcpid"; wait "$pcpid" 2>/dev/null

# ---- another instance on the same port, then a clean stop --------------------
sed "s|^socket = .*|socket = $work/second.sock|" "$work/pd.conf" > "$work/second.conf"
out=$($pd -c "$work/second.conf" 2>&1); rc=$?
case "$rc $out" in "1 "*"cannot listen on 127.0.0.1:$port"*) t_ok "a taken port: clear error, exit 1" ;;
*) t_fail "a taken port: clear error, exit 1" "$rc $out" ;; esac
kill -TERM "$pdpid"; wait "$pdpid"; rc=$?
t_expect "SIGTERM: exit 0" 0 "$rc"
grep -q 'Terminated: stopping' "$work/pd.log" && t_ok "SIGTERM is logged" || t_fail "SIGTERM is logged" "$(tail -n 3 "$work/pd.log")"
# The kernel frees programs after an RCU grace period: poll for it.
left() { local id; for id in $own; do bpftool prog show id "$id" > /dev/null 2>&1 && echo "$id"; done; }
for i in $(seq 50); do
	[ -z "$(left)" ] && break
	sleep 0.1
done
t_expect "pwrmigd's eBPF programs are gone after it exits" "" "$(left)"
kept=0
for id in $bystander; do bpftool prog show id "$id" > /dev/null 2>&1 || kept=1; done
t_expect "the unrelated program is still attached" 0 "$kept"
eval "exec ${BYSTANDER[1]}>&-"
wait "$BYSTANDER_PID"
t_done
