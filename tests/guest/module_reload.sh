#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module keeps sites in memory only.  A pwrmigd in module mode sets
# its configured site (price, PUE, carbon, forecast) in the module when
# it starts, and again at its first sample after the module is removed
# and loaded again; it subscribes to the new module's migrate group and
# takes up a request made before it noticed the reload.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
ko=build/kmod/$(uname -r)/pwrmig.ko
job_cg=/sys/fs/cgroup/pwrmig-mr/job
work=$(mktemp -d -p "$T_TOP/build")
pids=()
trap 't_stop_all; rmdir $job_cg ${job_cg%/job} 2>/dev/null; rmmod pwrmig 2>/dev/null; rm -rf "$work"' EXIT

site() { $ctl -j site show east 2>&1 | jq -c 'if type == "array" then .[0] else . end |
	[."price-uunits-per-kwh", ."pue-milli", ."carbon-g-per-kwh", ."forecast-slots",
	 (.forecast // [] | map(."price-uunits-per-kwh"))]' 2>&1; }
samples() {
	python3 tests/lib/metrics.py http://127.0.0.1:9803/metrics save "$work/m" 2>/dev/null &&
		python3 tests/lib/metrics.py "$work/m" get pwrmig_samples_total
}
# Until pwrmigd has sampled past N (micro-units, as metrics.py reads them).
sampled_past() {
	local i s
	[ -n "$1" ] || return 1
	for i in $(seq 600); do
		s=$(samples) && [ "$s" -gt "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

scripts/pwrmig-certs "$work/pki" east west > /dev/null 2>&1 ||
	{ t_fail "certificates for east and west"; t_done; }
now=$(date +%s)
printf '%s 1h 0.3882\n%s 1h 1.2195\n%s 2h 0.7231\n' "$((now + 3600))" "$((now + 7200))" \
	"$((now + 10800))" > "$work/forecast"
cat > "$work/pd.conf" <<EOF
mode = module
meter = model
gpu = off
interval_ms = 1000
listen = 127.0.0.1:9803
site = east
price = 1.0580
currency = CNY
pue = 1.25
carbon = 550
forecast = $work/forecast
migrate = on
migrate_listen = 127.0.0.1:9804
peer = west 127.0.0.1:9805
tls_ca = $work/pki/ca.crt
tls_cert = $work/pki/east.crt
tls_key = $work/pki/east.key
state_dir = $work/state
cgroup_root = /pwrmig-mr
runc_root = $work/runc
link_timeout_s = 5
EOF
want='[1058000,1250,550,3,[388200,1219500,723100]]'

insmod "$ko" || { t_fail insmod; t_done; }
build/bin/pwrmigd -c "$work/pd.conf" -v 2> "$work/pd.log" & pids+=($!); pd_pid=$!
sampled_past 0 || { t_fail "pwrmigd samples the module" "$(tail -n 5 "$work/pd.log")"; t_done; }
t_expect "pwrmigd sets the configured site in the module as it starts" "$want" "$(site)"

rmmod pwrmig || { t_fail rmmod; t_done; }
for i in $(seq 100); do grep -q "the pwrmig module is gone" "$work/pd.log" && break; sleep 0.1; done
grep -q "the pwrmig module is gone" "$work/pd.log" &&
	t_ok "pwrmigd says the module is gone" || t_fail "pwrmigd says the module is gone"
s0=$(samples)
sleep 1.5
t_expect "no samples while the module is gone" "$s0" "$(samples)"

# The job, in its cgroup before any request names it.
mkdir -p $job_cg
bash -c "echo \$\$ > $job_cg/cgroup.procs; exec sleep 300" & job=$!; pids+=($job)
for i in $(seq 200); do grep -qx "$job" $job_cg/cgroup.procs && break; sleep 0.05; done
# pwrmigd stopped while the module comes back and a request is made: it
# can only learn of that request by asking the new module.
kill -STOP "$pd_pid"
insmod "$ko" || { t_fail "insmod again"; t_done; }
t_expect "the new module has no sites" "[]" "$($ctl -j site show 2>&1 | jq -c . 2>&1)"
$ctl site set west price 0.3 currency CNY > /dev/null
$ctl migrate start /pwrmig-mr/job to west > /dev/null 2>&1 ||
	t_fail "a request to the new module"
kill -CONT "$pd_pid"
# At the first sample after the load, the site is back: within one interval.
sampled_past "$s0" || { t_fail "pwrmigd samples the new module" "$(tail -n 5 "$work/pd.log")"; t_done; }
t_expect "the site, price, PUE, carbon and forecast are back at the first sample" \
	"$want" "$(site)"
grep -q "the pwrmig module is loaded again" "$work/pd.log" &&
	t_ok "pwrmigd says it set the new module up" ||
	t_fail "pwrmigd says it set the new module up" "$(tail -n 5 "$work/pd.log")"
dead="failed connect to west (127.0.0.1:9805): Connection refused"
t_expect "the request made before pwrmigd noticed is taken up; it fails at the dead peer" \
	"$dead" "$(timeout 60 $ctl -j migrate wait 1 2>&1 | tail -n 1 |
		   jq -r '"\(.state) \(."error-msg")"' 2>&1)"
t_expect "a new request reaches pwrmigd through its new subscription" "$dead" \
	"$(timeout 60 $ctl -j migrate start /pwrmig-mr/job to west wait 2>&1 | tail -n 1 |
	   jq -r '"\(.state) \(."error-msg")"' 2>&1)"
kill -0 $job 2>/dev/null && t_ok "the job runs on" || t_fail "the job runs on"

# Removed and loaded again between two samples: the old handle may still
# reach the new module (same family id); its missing site gives it away.
s1=$(samples)
kill -STOP "$pd_pid"
rmmod pwrmig && insmod "$ko" || { kill -CONT "$pd_pid"; t_fail "reload"; t_done; }
kill -CONT "$pd_pid"
sampled_past "$s1" || t_fail "pwrmigd samples the module reloaded behind its back"
t_expect "a reload between two samples: the site is back at the next" "$want" "$(site)"

sed -i 's/^price = .*/price = 0.3882/' "$work/pd.conf"
kill -HUP "$pd_pid"
for i in $(seq 50); do grep -q "SIGHUP: .* read again" "$work/pd.log" && break; sleep 0.1; done
t_expect "SIGHUP: the new price is set in the module" \
	"${want/1058000/388200}" "$(site)"
t_done
