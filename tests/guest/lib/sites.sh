# SPDX-License-Identifier: GPL-2.0
#
# Two sites in one guest for the migration tests, sourced after lib.sh:
# "east" is the guest's first network namespace, "west" a second one,
# joined by a veth pair shaped like a WAN (netem: 15 ms each way,
# 1 Gbit/s).  Each site runs its own pwrmigd (start_east, start_west) with
# its own state directory, cgroup subtree (/east, /west) and runc root;
# they speak TLS 1.3 with certificates from scripts/pwrmig-certs.  The
# module is loaded with both sites.  The daemons are pwrmigd's test build,
# which has the fault points (PWRMIG_FAULT).  Skips the whole test, with
# CRIU's reason, where `criu check` fails.
ctl=build/bin/pwrmigctl
pd=build/tests/bin/pwrmigd
ko=build/kmod/$(uname -r)/pwrmig.ko
cg=/sys/fs/cgroup
W=$(mktemp -d -p "$T_TOP/build")
pids=()

cleanup() {
	local p c
	# PWRMIG_TEST_LOGS=DIR keeps both daemons' logs there.
	[ -n "${PWRMIG_TEST_LOGS:-}" ] && cp "$W"/*.log "$PWRMIG_TEST_LOGS"/ 2>/dev/null
	for c in $(runc --root "$W/runc-east" list -q 2>/dev/null); do
		runc --root "$W/runc-east" delete -f "$c"; done
	for c in $(runc --root "$W/runc-west" list -q 2>/dev/null); do
		runc --root "$W/runc-west" delete -f "$c"; done
	t_stop_all
	for d in "$cg"/east/* "$cg"/west/*; do
		[ -d "$d" ] && echo 1 > "$d/cgroup.kill" 2>/dev/null; rmdir "$d" 2>/dev/null
	done
	rmdir "$cg/east" "$cg/west" 2>/dev/null
	ip netns del west 2>/dev/null
	ip link del veth-e 2>/dev/null
	rmmod pwrmig 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

if ! criu check > "$W/criu-check" 2>&1; then
	t_skip "migration" "criu check fails on $(uname -r): $(tail -n 1 "$W/criu-check")"
	t_done
fi

# CRIU: tun and netfilter lock a container's network while it dumps it;
# the diag modules describe sockets.
modprobe -a veth sch_netem tun nf_tables nfnetlink netlink_diag unix_diag inet_diag \
	tcp_diag packet_diag 2>/dev/null
ip link set lo up
ip netns add west
ip link add veth-e type veth peer name veth-w netns west
ip addr add 10.99.0.1/24 dev veth-e && ip link set veth-e up
ip -n west addr add 10.99.0.2/24 dev veth-w && ip -n west link set veth-w up
ip -n west link set lo up
tc qdisc add dev veth-e root netem delay 15ms rate 1gbit
ip netns exec west tc qdisc add dev veth-w root netem delay 15ms rate 1gbit

scripts/pwrmig-certs "$W/pki" east west > /dev/null
insmod "$ko" || { t_fail insmod; t_done; }
$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
$ctl site set west price 0.3793 currency CNY pue 1.15 > /dev/null
mkdir -p "$cg/east" "$cg/west"

conf() { # SITE ADDR PEER PEERADDR [CERT-DIR]
	cat <<EOF
mode = module
site = $1
listen = 127.0.0.1:9786
interval_ms = 200
gpu = off
migrate = on
migrate_listen = $2:9787
peer = $3 $4:9787
tls_ca = ${5:-$W/pki}/ca.crt
tls_cert = ${5:-$W/pki}/$1.crt
tls_key = ${5:-$W/pki}/$1.key
state_dir = $W/state-$1
cgroup_root = /$1
runc_root = $W/runc-$1
bundle_root = $W
link_timeout_s = 10
EOF
}
conf east 10.99.0.1 west 10.99.0.2 > "$W/east.conf"
conf west 10.99.0.2 east 10.99.0.1 > "$W/west.conf"
start_east() { $pd -c "$W/east.conf" -v >> "$W/east.log" 2>&1 & pids+=($!); east_pid=$!; }
start_west() {
	# nsenter, not ip netns exec: that remounts /sys and so hides the cgroups.
	nsenter --net=/run/netns/west $pd -c "${1:-$W/west.conf}" -v >> "$W/west.log" 2>&1 &
	pids+=($!)
	west_pid=$!
}
listening() { ss -Hltn "src $1" | grep -q .; }
wait_listen() { # CMD...
	local i
	for i in $(seq 100); do "$@" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
west_up() { wait_listen nsenter --net=/run/netns/west bash -c "$(declare -f listening); listening 10.99.0.2:9787"; }
east_up() { wait_listen listening 10.99.0.1:9787; }
# expect_done NAME RC OUTPUT: `migrate ... wait` exited 0 (done); else show why.
expect_done() {
	if [ "$2" = 0 ]; then
		t_ok "$1"
		return
	fi
	t_fail "$1" "pwrmigctl exited $2: $(tail -n 3 <<< "$3")"
	tail -n 25 "$W/east.log" | sed 's/^/#   east: /'
	tail -n 25 "$W/west.log" | sed 's/^/#   west: /'
}

JOB_SITE=east JOB_ERR=$W
source "$(dirname "${BASH_SOURCE[0]}")/jobs.sh"
