#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigctl against the module: every command in text and JSON (checked by
# a JSON parser), and one clear error line with a non-zero exit for bad
# input, unknown names, the kernel's refusals and an unprivileged user.
# With PWRMIGCTL_BACKEND=pwrmigd (tests/guest/pwrmigctl_pwrmigd.sh) the
# same suite runs against pwrmigd's family socket, module-less: the same
# answers, but root where the module wants CAP_NET_ADMIN, and meter set
# refused (pwrmigd's meter is its configuration).
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
backend=${PWRMIGCTL_BACKEND:-module}

# expect_err NAME RC WANT CMD...: exit status RC and one line matching WANT.
expect_err() {
	local name=$1 rc=$2 want=$3 out got
	shift 3
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" = "$rc" ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	   [[ "$out" == $want ]]; then
		t_ok "$name"
	else
		t_fail "$name" "exit $got (want $rc): $out"
	fi
}

if [ "$backend" = module ]; then
	insmod "build/kmod/$(uname -r)/pwrmig.ko" || { t_fail "insmod"; t_done; }
	admin=CAP_NET_ADMIN claim=()
	stop_backend() { rmmod pwrmig; }
else
	pdwork=$(mktemp -d -p "$T_TOP/build")
	chmod 755 "$pdwork"	# nobody reaches the socket too
	printf 'mode = bpf\nmeter = model\ngpu = off\ninterval_ms = 500\nlisten = 127.0.0.1:9804\nsocket = %s\n' \
		"$pdwork/pwrmig.sock" > "$pdwork/pd.conf"
	build/bin/pwrmigd -c "$pdwork/pd.conf" 2> "$pdwork/pd.log" &
	pdpid=$!
	export PWRMIG_SOCKET=$pdwork/pwrmig.sock
	for i in $(seq 200); do $ctl info > /dev/null 2>&1 && break; sleep 0.1; done
	t_expect "pwrmigd serves the family (module-less)" pwrmigd "$($ctl -j info | jq -r .backend)"
	admin=root claim=(--socket "$PWRMIG_SOCKET")
	stop_backend() { kill "$pdpid"; wait "$pdpid"; rm -rf "$pdwork"; }
fi
mkdir -p /sys/fs/cgroup/pwrmig-ctl
cgid=$(stat -c %i /sys/fs/cgroup/pwrmig-ctl)

# json CMD... -> runs "pwrmigctl -j CMD" and prints it re-serialised (sorted keys).
json() { $ctl -j "$@" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
# jq_py EXPR: evaluate a Python expression on the JSON in $J (as j).
jq_py() { J=$J python3 -c "import json,os; j=json.loads(os.environ['J']); print($1)"; }

out=$($ctl site set east price 1.2195 currency CNY pue 1.3 local)
t_expect "site set prints the site in human units" \
	"east        local  price 1.219500 CNY/kWh  pue 1.300" "$out"
J=$(json site set west price 0.3793 currency CNY pue 1.12 carbon 420)
t_expect "site set -j gives raw integers" "379300 1120 420 False" \
	"$(jq_py 'j["price-uunits-per-kwh"], j["pue-milli"], j["carbon-g-per-kwh"], j["local"]' | tr -d '(),')"
J=$(json site show)
t_expect "site show -j lists both sites" "['east', 'west']" "$(jq_py 'sorted(s["name"] for s in j)')"
J=$(json price set west 0.6689)
t_expect "price set changes the price" 668900 "$(jq_py 'j["price-uunits-per-kwh"]')"
out=$($ctl site show west)
case "$out" in west*"price 0.668900 CNY/kWh"*) t_ok "site show NAME in text" ;;
*) t_fail "site show NAME in text" "$out" ;; esac
J=$(json price set west forecast Documentation/examples/forecast-west.txt)
t_expect "price set forecast FILE: the day's 7 slots, China time" \
	"7 1795795200 25200 379300 1795878000 3600" \
	"$(jq_py 'len(j["forecast"]), j["forecast"][0]["start"], j["forecast"][0]["duration-s"], j["forecast"][0]["price-uunits-per-kwh"], j["forecast"][6]["start"], j["forecast"][6]["duration-s"]' | tr -d '(),')"
t_expect "the current price stays when only the forecast is set" 668900 "$(jq_py 'j["price-uunits-per-kwh"]')"
J=$(json price set west forecast none)
t_expect "price set forecast none clears it" 0 "$(jq_py 'j["forecast-slots"]')"
out=$($ctl -N site show west)
case "$out" in west*"price-uunits-per-kwh 668900"*"pue-milli 1120"*) t_ok "-n prints raw integers in text" ;;
*) t_fail "-n prints raw integers in text" "$out" ;; esac

J=$(json meter show)
t_expect "meter show -j: kind and a pkg domain" "model pkg" "$(jq_py 'j[0]["kind"], j[1]["domain"]' | tr -d "(),'")"
if [ "$backend" = module ]; then
	J=$(json meter set interval 500 idle-mw 1500)
	t_expect "meter set changes interval and model" "500 1500" "$(jq_py 'j[0]["interval-ms"], j[0]["model-idle-mw"]' | tr -d '(),')"
else
	expect_err "meter set: pwrmigd's meter is its configuration" 1 \
		"Error: meter set: pwrmigd's meter is set in its configuration*" \
		$ctl meter set interval 500 idle-mw 1500
fi

J=$(json cgroup set /pwrmig-ctl deferrable on migratable on priority 4 deadline 1900000000)
t_expect "cgroup set by path" "$cgid True True 4 1900000000" \
	"$(jq_py 'j["id"], j["deferrable"], j["migratable"], j["priority"], j["deadline"]' | tr -d '(),')"
J=$(json cgroup show "$cgid")
t_expect "cgroup show by id" "/pwrmig-ctl" "$(jq_py 'j["path"]')"
J=$(json cgroup show)
t_expect "cgroup show lists the ledger" True "$(jq_py "$cgid in [c['id'] for c in j]")"
out=$($ctl cgroup show pwrmig-ctl)
case "$out" in "$cgid"*"/pwrmig-ctl"*"deferrable  migratable"*) t_ok "cgroup show in text" ;;
*) t_fail "cgroup show in text" "$out" ;; esac

# The example scheduler, on the shared library, picks the cheaper site.
out=$(build/examples/cheapest-site 2>&1)
t_expect "example consumer (libpwrmig.so) suggests the move west" \
	"move /pwrmig-ctl (cgroup $cgid) to west: 0.7492 instead of 1.5854 CNY per kWh" "$out"

J=$(json migrate start /pwrmig-ctl to west cold timeout 600)
id=$(jq_py 'j["id"]')
t_expect "migrate start queues a request" "pending cold west" "$(jq_py 'j["state"], j["mode"], j["site"]' | tr -d "(),'")"
J=$(json migrate show "$id")
t_expect "migrate show ID" "$id" "$(jq_py 'j["id"]')"
J=$(json migrate show)
t_expect "migrate show lists requests" 1 "$(jq_py 'len(j)')"
J=$(json migrate cancel "$id")
t_expect "migrate cancel" cancelled "$(jq_py 'j["state"]')"

# migrate ... wait follows a request to its end; a stand-in daemon claims it.
wait_for_claimant() {
	for i in $(seq 600); do grep -q ready "$1" && return 0; sleep 0.1; done
	return 1
}
python3 tests/guest/lib/claimant.py "${claim[@]}" > /tmp/claimant.out 2>&1 &
cl=$!
wait_for_claimant /tmp/claimant.out
out=$(timeout 120 $ctl migrate start /pwrmig-ctl to west live wait)
rc=$?
t_expect "migrate start ... wait exits 0 when the daemon reports done" 0 "$rc"
case "$out" in
*pending*phase\ predump*phase\ transfer*phase\ restore*done*"frozen 42 ms"*) t_ok "wait shows each phase, then done" ;;
*) t_fail "wait shows each phase, then done" "$out" ;;
esac
wait $cl
python3 tests/guest/lib/claimant.py "${claim[@]}" --fail > /tmp/claimant.out 2>&1 &
cl=$!
wait_for_claimant /tmp/claimant.out
J=$(json migrate start /pwrmig-ctl to west)
id=$(jq_py 'j["id"]')
out=$(timeout 120 $ctl migrate wait "$id")
rc=$?
t_expect "migrate wait exits 1 when the daemon reports failure" 1 "$rc"
case "$out" in *failed*"restore failed at the target"*) t_ok "wait shows the daemon's error" ;;
*) t_fail "wait shows the daemon's error" "$out" ;; esac
wait $cl

# monitor prints events as they happen, one JSON object a line with -j.
$ctl -j monitor all > /tmp/monitor.out 2>&1 &
mon=$!
sleep 1
$ctl price set east 1.058 >/dev/null
J=$(json migrate start /pwrmig-ctl to west cold)
$ctl migrate cancel "$(jq_py 'j["id"]')" >/dev/null
sleep 1
kill -INT $mon
wait $mon
t_expect "monitor stops cleanly on SIGINT" 0 $?
got=$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open("/tmp/monitor.out")]
kinds = {e["event"] if "event" in e else "migrate" for e in ev}
site = [e for e in ev if e.get("event") == "site" and e["name"] == "east"]
mig = [e["state"] for e in ev if "state" in e]
print(sorted(kinds), site[-1]["price-uunits-per-kwh"] if site else None, mig[-2:])' 2>&1)
t_expect "monitor saw telemetry, the price change and the request's life" 	"['migrate', 'site', 'telemetry'] 1058000 ['pending', 'cancelled']" "$got"

# cgroup top: rates between dumps, busiest first; the meter was set to a
# 500 ms interval above (pwrmigd's configuration has it), so 1.5 s rounds
# see whole samples.
mkdir -p /sys/fs/cgroup/pwrmig-busy /sys/fs/cgroup/pwrmig-idle
bash -c 'echo $$ > /sys/fs/cgroup/pwrmig-busy/cgroup.procs; while :; do :; done' &
busy=$!
bash -c 'echo $$ > /sys/fs/cgroup/pwrmig-idle/cgroup.procs; exec sleep 60' &
idle=$!
busy_id=$(stat -c %i /sys/fs/cgroup/pwrmig-busy)
idle_id=$(stat -c %i /sys/fs/cgroup/pwrmig-idle)
$ctl -j cgroup top count 2 interval 1.5 > /tmp/top.json
t_expect "cgroup top -j count 2: two JSON snapshots" 2 "$(wc -l < /tmp/top.json)"
got=$(python3 -c '
import json
snap = [json.loads(l) for l in open("/tmp/top.json")][-1]
pos = {c["id"]: i for i, c in enumerate(snap)}
b = snap[pos['$busy_id']]; i = snap[pos['$idle_id']]
print(pos['$busy_id'] < pos['$idle_id'], b["power-mw"] > 100 * max(i["power-mw"], 1),
      all(snap[k]["power-mw"] >= snap[k + 1]["power-mw"] for k in range(len(snap) - 1)),
      b["power-mw"] == b["cpu-mw"] + b["dram-mw"] + b["gpu-mw"])' 2>&1)
t_expect "top: the spinner above the sleeper, sorted by power, parts add up" "True True True True" "$got"
$ctl -j cgroup top sort cost count 1 interval 1.5 limit 2 > /tmp/top.json
got=$(python3 -c '
import json
snap = json.load(open("/tmp/top.json"))
print(len(snap), snap[0]["id"] == '$busy_id', snap[0]["cost-uunits-per-hour"] > 0,
      snap[0]["cost-uunits-per-hour"] >= snap[1]["cost-uunits-per-hour"])' 2>&1)
t_expect "top sort cost limit 2: two rows, the spinner costs most" "2 True True True" "$got"
out=$($ctl cgroup top count 1 interval 0.5 limit 1)
case "$out" in "pwrmig top  "*"sorted by power"*"ID "*"PATH"*"COST/h"*) t_ok "top in text: header and columns" ;;
*) t_fail "top in text: header and columns" "$out" ;; esac
kill $busy $idle; wait $busy $idle 2>/dev/null
rmdir /sys/fs/cgroup/pwrmig-busy /sys/fs/cgroup/pwrmig-idle

# migrate start CONTAINER: a runc container is found through runc state
# and its init's cgroup; the request names the container for the daemon.
source tests/guest/lib/container.sh
bundle=$(mktemp -d -p "$T_TOP/build")
make_bundle "$bundle" sleep 600 && runc run -d --bundle "$bundle" pwrmig-c1 < /dev/null > /dev/null 2>&1
cpid=$(runc state pwrmig-c1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
ccg=$(stat -c %i "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$cpid/cgroup 2>/dev/null)" 2>/dev/null)
J=$(json migrate start pwrmig-c1 to west cold)
t_expect "migrate start CONTAINER: its cgroup and its name in the request" "pwrmig-c1 $ccg pending" \
	"$(jq_py 'j["container"], j["cgroup-id"], j["state"]' | tr -d "(),'")"
$ctl migrate cancel "$(jq_py 'j["id"]')" > /dev/null
out=$($ctl migrate show "$(jq_py 'j["id"]')")
case "$out" in *"container pwrmig-c1"*) t_ok "migrate show names the container" ;;
*) t_fail "migrate show names the container" "$out" ;; esac
runc kill pwrmig-c1 KILL 2>/dev/null
for i in $(seq 50); do [ "$(runc state pwrmig-c1 2>/dev/null | grep -c stopped)" = 1 ] && break; sleep 0.1; done
out=$($ctl migrate start pwrmig-c1 to west 2>&1); rc=$?
t_expect "a stopped container is refused" "2 Error: container 'pwrmig-c1' is stopped, not running" "$rc $out"
runc delete pwrmig-c1 2>/dev/null
rm -rf "$bundle"

expect_err "unknown object" 2 "Error: unknown object 'frob'*" $ctl frob
expect_err "unknown command" 2 "Error: unknown site command 'frob'*" $ctl site frob
expect_err "missing argument" 2 "Error: site set needs a NAME" $ctl site set
expect_err "bad price" 2 "Error: price per kWh 'cheap' is not a number*" $ctl price set east cheap
expect_err "too precise price" 2 "Error: price per kWh '1.0000001'*" $ctl price set east 1.0000001
expect_err "bad pue" 2 "Error: pue '9'*" $ctl site set east pue 9
expect_err "unknown cgroup path" 2 "Error: cgroup 'nope'*not a cgroup directory" $ctl cgroup show nope
expect_err "unknown site, kernel's message" 1 "Error: price set: no such site (create it with site-set)" $ctl price set mars 1
expect_err "bad currency, kernel's message" 1 "Error: site set: currency must be an ISO 4217 code*" $ctl site set east currency cny
expect_err "local site kept, kernel's message" 1 "Error: site del: cannot delete the local site*" $ctl site del east
expect_err "migrate to the local site refused" 1 "Error: migrate start: the target is the local site*" \
	$ctl migrate start /pwrmig-ctl to east
expect_err "top: bad sort key" 2 "Error: sort 'size' is not power or cost" $ctl cgroup top sort size
expect_err "top: interval too short" 2 "Error: interval '0.01' is below 0.1 s" $ctl cgroup top interval 0.01
expect_err "neither cgroup nor container" 2 "Error: 'nosuch' is neither a cgroup (/sys/fs/cgroup/nosuch is not a cgroup directory) nor a runc container" \
	$ctl migrate start nosuch to west
expect_err "unknown meter kind" 2 "Error: meter kind 'foo'*" $ctl meter set kind foo
expect_err "nobody may not set prices" 1 "Error: price set: changing the ledger*needs $admin" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups $ctl price set east 2
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups $ctl site show 2>&1)
t_expect "nobody may read the sites" 0 $?
expect_err "nobody may not read per-cgroup energy" 1 "Error: cgroup show: *per-cgroup energy*$admin*" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups $ctl cgroup show

stop_backend
rmdir /sys/fs/cgroup/pwrmig-ctl
t_done
