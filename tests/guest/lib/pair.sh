# SPDX-License-Identifier: GPL-2.0
#
# Two sites on two nodes, sourced after lib.sh in each guest of a pair
# (tests/run's pair:TEST, scripts/demo): PWRMIG_PAIR says which site this
# guest is (east connects, west listens), PWRMIG_PAIR_DIR is a directory
# both guests share.  Each guest loads its own module with its own site
# local, runs its own pwrmigd (module mode, the migration endpoint on the
# link between the guests, TLS 1.3 with a CA the west guest makes), and
# the two meet through files in the shared directory:
#   pair_signal NAME      touch it
#   pair_wait NAME SECS   wait for it (1 if it does not come)
role=${PWRMIG_PAIR:?PWRMIG_PAIR is east or west}
P=${PWRMIG_PAIR_DIR:?PWRMIG_PAIR_DIR is the shared directory}
case "$role" in
east) other=west ;;
west) other=east ;;
*) echo "pair.sh: PWRMIG_PAIR '$role' is not east or west" >&2; exit 2 ;;
esac
declare -A addr=([east]=10.99.1.1 [west]=10.99.1.2)
ctl=build/bin/pwrmigctl
pd=build/bin/pwrmigd
ko=build/kmod/$(uname -r)/pwrmig.ko
cg=/sys/fs/cgroup
W=$(mktemp -d)
pids=()

pair_signal() { touch "$P/$1"; }
pair_wait() {
	local i
	for i in $(seq $(($2 * 10))); do [ -e "$P/$1" ] && return 0; sleep 0.1; done
	return 1
}

pair_cleanup() {
	local p d i
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	# Bounded: a daemon stuck on a dead peer must not hold the guest.
	for i in $(seq 100); do
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		echo "pair: $p did not stop on SIGTERM: $(tr '\0' ' ' < /proc/$p/cmdline)" >&2
		kill -9 "$p" 2>/dev/null
	done
	echo "pair: $role: daemons stopped; removing jobs" >&2
	for d in "$cg/$role"/*/; do
		[ -d "$d" ] || continue
		echo 1 > "$d/cgroup.kill" 2>/dev/null
		for p in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
	rmdir "$cg/$role" 2>/dev/null
	echo "pair: $role: unloading the module" >&2
	timeout 10 rmmod pwrmig 2>/dev/null
	rm -rf "$W"
	echo "pair: $role: clean" >&2
}
trap pair_cleanup EXIT

# pair_setup PRICE_EAST PRICE_WEST: the module, both sites, PKI, pwrmigd.
# Returns 1 (with the reason in $P/$role.skip) where CRIU cannot work.
pair_setup() {
	local i
	if ! criu check > "$W/criu-check" 2>&1; then
		echo "criu check fails on $(uname -r): $(tail -n 1 "$W/criu-check")" > "$P/$role.skip"
		return 1
	fi
	modprobe -a tun nf_tables nfnetlink netlink_diag unix_diag inet_diag tcp_diag \
		packet_diag 2>/dev/null
	if [ "$role" = west ]; then
		scripts/pwrmig-certs "$P/pki" east west > /dev/null && pair_signal pki.ready
	fi
	pair_wait pki.ready 120 || { echo "no PKI from west" > "$P/$role.skip"; return 1; }
	insmod "$ko" || return 1
	# The model meter: a busy CPU draws 100 W here, so that costs show.
	$ctl meter set kind model active-mw 100000 > /dev/null
	$ctl site set east price "$1" currency CNY pue 1.3 $([ "$role" = east ] && echo local) > /dev/null
	$ctl site set west price "$2" currency CNY pue 1.12 $([ "$role" = west ] && echo local) > /dev/null
	mkdir -p "$cg/$role"
	cat > "$W/pwrmigd.conf" <<EOF
mode = module
site = $role
listen = ${addr[$role]}:9786
interval_ms = 200
gpu = off
migrate = on
migrate_listen = ${addr[$role]}:9787
peer = $other ${addr[$other]}:9787
tls_ca = $P/pki/ca.crt
tls_cert = $P/pki/$role.crt
tls_key = $P/pki/$role.key
state_dir = $W/state
cgroup_root = /$role
link_timeout_s = 10
EOF
	pair_pwrmigd
	for i in $(seq 100); do
		ss -Hltn "src ${addr[$role]}:9787" | grep -q . && return 0
		sleep 0.1
	done
	echo "pwrmigd at $role does not listen: $(tail -n 3 "$W/pwrmigd.log")" > "$P/$role.skip"
	return 1
}

pair_pwrmigd() {
	$pd -c "$W/pwrmigd.conf" -v >> "$W/pwrmigd.log" 2>&1 &
	pd_pid=$!
	pids+=($pd_pid)
}

# The other guest's pwrmigd /metrics.
other_metrics() { curl -s --max-time 5 "http://${addr[$other]}:9786/metrics"; }

# Training jobs in /$role, their stderr in the shared directory: a job
# restored at the other node must find it there.
JOB_SITE=$role JOB_ERR=$P
source "$(dirname "${BASH_SOURCE[0]}")/jobs.sh"
