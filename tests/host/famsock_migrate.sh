#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A module-less node sends migrations: pwrmigd (bpf mode, migrate on)
# brokers a request made on its socket, its own migrator claims it and
# reports on it through the same socket as a claimant, and the request
# ends as the attempt did.  Here the peer site does not answer: the
# request fails with the connect error, and the job runs on, untouched.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
work=$(mktemp -d)
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
port=$((20000 + RANDOM % 20000))
export PWRMIG_SOCKET=$work/pwrmig.sock
pids=()
cleanup() {
	t_stop_all
	rmdir "$v2/pwrmig-fm/job" "$v2/pwrmig-fm" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

scripts/pwrmig-certs "$work/pki" west east > /dev/null 2>&1 ||
	{ t_fail "certificates for west and east"; t_done; }
cat > "$work/pd.conf" <<EOF
mode = bpf
meter = model
gpu = off
interval_ms = 200
listen = 127.0.0.1:$port
socket = $PWRMIG_SOCKET
site = west
price = 0.5
currency = CNY
migrate = on
migrate_listen = 127.0.0.1:$((port + 1))
peer = east 127.0.0.1:$((port + 2))
tls_ca = $work/pki/ca.crt
tls_cert = $work/pki/west.crt
tls_key = $work/pki/west.key
state_dir = $work/state
cgroup_root = /pwrmig-fm
runc_root = $work/runc
bundle_root = $work
link_timeout_s = 5
EOF
mkdir -p "$v2/pwrmig-fm/job"
build/bin/pwrmigd -c "$work/pd.conf" -vv 2> "$work/pd.log" & pids+=($!)
for i in $(seq 100); do $ctl info > /dev/null 2>&1 && break; sleep 0.1; done
t_expect "pwrmigd serves the family, module-less, with migrate on" pwrmigd \
	"$($ctl -j info 2>&1 | jq -r .backend 2>&1)"
bash -c "echo \$\$ > $v2/pwrmig-fm/job/cgroup.procs; exec sleep 300" & job=$!
pids+=($job)
$ctl site set east price 1.0 currency CNY > /dev/null
timeout 20 $ctl -j monitor migrate > "$work/mon" 2>&1 & mon=$!
sleep 0.5
got=$(timeout 30 $ctl -j migrate start /pwrmig-fm/job to east wait | tail -n 1)
t_expect "the request ends failed, with the connect error" \
	"failed connect to east (127.0.0.1:$((port + 2))): Connection refused" \
	"$(printf '%s' "$got" | jq -r '"\(.state) \(."error-msg")"')"
kill $mon; wait $mon 2>/dev/null
t_expect "pwrmigd's own migrator took it: pending, claimed, running, failed" \
	"pending|claimed|running|failed" "$(jq -r .state "$work/mon" | paste -sd'|')"
kill -0 $job 2>/dev/null && t_ok "the job runs on" || t_fail "the job runs on"
t_expect "... in its cgroup" "0::/pwrmig-fm/job" "$(grep '^0::' /proc/$job/cgroup 2>&1)"
# The exporter's figures follow at the next sample.
for i in $(seq 50); do
	got=$(curl -s "http://127.0.0.1:$port/metrics" | grep '^pwrmig_migrations_sent_total' | paste -sd'|')
	case "$got" in *'"failed"} 1') break ;; esac
	sleep 0.1
done
t_expect "the exporter counts it failed" \
	'pwrmig_migrations_sent_total{result="done"} 0|pwrmig_migrations_sent_total{result="failed"} 1' "$got"
grep -q 'migrate 1 failed, /pwrmig-fm/job runs here again' "$work/pd.log" &&
	t_ok "pwrmigd says so" || t_fail "pwrmigd says so" "$(tail -n 5 "$work/pd.log")"
t_done
