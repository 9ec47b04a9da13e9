#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One API, module-less: pwrmigd in bpf mode serves the pwrmig family on
# its UNIX socket, and pwrmigctl, libpwrmig's monitor and raw requests
# get what the module gives: info and meter, the ledger's cgroups (the
# figures of its /metrics) and their terms, carried bills and reported GPU
# energy, telemetry events; the genetlink core's
# refusals of bad input with the same extack; root's rules where the
# module has CAP_NET_ADMIN's.  A peer that misbehaves loses its
# connection, not the daemon; one that reads slowly gets everything, late,
# and makes nobody else wait.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
pd=build/bin/pwrmigd
ctl=build/bin/pwrmigctl
metrics() { /usr/bin/python3 tests/lib/metrics.py "$@"; }
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
work=$(mktemp -d)
chmod 755 "$work"
port=$((20000 + RANDOM % 20000))
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
export PWRMIG_SOCKET=$work/pwrmig.sock
pids=()
cleanup() {
	t_stop_all
	[ -d "$v2/pwrmig-fam" ] && rmdir "$v2/pwrmig-fam"
	[ -d "$v2/pwrmig-fam-slow" ] && rmdir "$v2"/pwrmig-fam-slow/* "$v2/pwrmig-fam-slow" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

printf 'mode = bpf\nmeter = model\ngpu = off\ninterval_ms = 200\nlisten = 127.0.0.1:%s\nsocket = %s\nsite = west\nprice = 0.5\ncurrency = CNY\n' \
	"$port" "$PWRMIG_SOCKET" > "$work/pd.conf"
start_pd() {
	$pd -c "$work/pd.conf" -v 2>> "$work/pd.log" &
	pdpid=$!
	pids+=($pdpid)
	for i in $(seq 100); do [ -S "$PWRMIG_SOCKET" ] && $ctl info > /dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
if ! start_pd; then
	t_fail "pwrmigd serves the family on its socket" "$(tail -n 5 "$work/pd.log")"
	t_done
fi
t_ok "pwrmigd serves the family on its socket (module-less)"
t_expect "the socket is open to every user (reads are checked per request)" \
	"srw-rw-rw-" "$(stat -c %A "$PWRMIG_SOCKET")"

# ---- the same requests, answered from pwrmigd's ledger -------------------
t_expect "pwrmigctl info: served by pwrmigd" pwrmigd "$($ctl -j info | jq -r .backend)"
t_expect "info: the meter pwrmigd runs" model "$($ctl -j info | jq -r .meter)"
t_expect "meter show: the model's powers of the configuration" "2000 10000" \
	"$($ctl -j meter show | jq -r '.[0] | "\(."model-idle-mw") \(."model-active-mw")"')"

mkdir -p "$v2/pwrmig-fam"
id=$(stat -c %i "$v2/pwrmig-fam")
bash -c "echo \$\$ > $v2/pwrmig-fam/cgroup.procs; for ((i = 0; i < 300000; i++)); do :; done"
# Until a sample has charged it and the exporter shows the same sample.
for i in $(seq 100); do
	metrics "http://127.0.0.1:$port/metrics" save "$work/m" 2>/dev/null
	got=$($ctl -j cgroup show "$id" 2>/dev/null)
	rt=$(printf '%s' "$got" | jq -r '."runtime-ns" // 0')
	us=$(metrics "$work/m" get pwrmig_cgroup_cpu_seconds_total id="$id")
	[ "${rt:-0}" -gt 0 ] && [ $((rt / 1000 - us)) -ge -1 ] && [ $((rt / 1000 - us)) -le 1 ] && break
	sleep 0.2
done
t_expect "cgroup show ID: the cgroup pwrmigd charged, by path" "/pwrmig-fam" \
	"$(printf '%s' "$got" | jq -r .path)"
d=$((rt / 1000 - us))
[ "${rt:-0}" -gt 0 ] && [ $d -ge -1 ] && [ $d -le 1 ] &&
	t_ok "its runtime is the one /metrics shows ($us us, to the microsecond)" ||
	t_fail "its runtime is the one /metrics shows" "metrics $us us, pwrmigctl $rt ns"
t_expect "its energy is /metrics' (uJ)" \
	"$(metrics "$work/m" get pwrmig_cgroup_energy_joules_total id="$id" domain=pkg)" \
	"$(printf '%s' "$got" | jq -r '."cpu-uj"')"
t_expect "the dump lists it once" 1 "$($ctl -j cgroup show | jq "[.[] | select(.id == $id)] | length")"
out=$($ctl cgroup show 123456789 2>&1); rc=$?
t_expect "an unknown cgroup: the module's refusal" \
	"1 Error: cgroup show: no cgroup with this id" "$rc $out"

# policy-set through pwrmigd: the terms stay across samples, in the reply
# and in every read after it.
t_expect "cgroup set: the reply shows the new terms" "true 3" \
	"$($ctl -j cgroup set /pwrmig-fam deferrable on priority 3 | jq -r '"\(.deferrable) \(.priority)"')"
sleep 0.5
t_expect "... and so does a read two samples later" "true false 3" \
	"$($ctl -j cgroup show "$id" | jq -r '"\(.deferrable) \(.migratable) \(.priority)"')"
t_expect "nobody may not set them (and is told why)" \
	"Error: cgroup set: changing the ledger, sites or migrations needs root" \
	"$(nobody $ctl cgroup set "$id" deferrable off 2>&1)"

# Telemetry: each sample is an event, numbered in order, 200 ms apart.
timeout 3 $ctl -j monitor telemetry > "$work/mon" 2>&1
n=$(jq -s 'length' "$work/mon")
[ "${n:-0}" -ge 5 ] && t_ok "monitor: telemetry events for 3 s ($n)" || t_fail "monitor: telemetry events" "$(head -c 300 "$work/mon")"
t_expect "... one a sample, in order" true \
	"$(jq -s '[.[].sample] | . as $s | [range(1; length)] | all($s[.] == $s[. - 1] + 1)' "$work/mon")"
t_expect "... each over the configured 200 ms (+-50 ms)" true \
	"$(jq -s 'all(.[]; ."interval-ns" > 150000000 and ."interval-ns" < 250000000)' "$work/mon")"

# ---- sites and prices: the ledger's cost follows the local site's price --------
t_expect "site show: the configured site, local" "west true 500000" \
	"$($ctl -j site show | jq -r '.[0] | "\(.name) \(.local) \(."price-uunits-per-kwh")"')"
timeout 3 $ctl -j monitor telemetry > "$work/sitemon" 2>&1 & mon=$!
sleep 0.5
$ctl site set east price 1.2 currency CNY pue 1.3 > /dev/null
$ctl price set west 0.75 > /dev/null
$ctl site del east
wait $mon
t_expect "site set, price set, site del: each one event" "site east|site west|site east deleted" \
	"$(jq -r 'select(.event != "telemetry") | "\(.event) \(.name)\(if .deleted then " deleted" else "" end)"' "$work/sitemon" | paste -sd'|')"
t_expect "telemetry carries the new price" 750000 \
	"$(jq -s '[.[] | select(.event == "telemetry")] | last | ."price-uunits-per-kwh"' "$work/sitemon")"
c0=$($ctl -j cgroup show 1 | jq '."cost-uunits"'); e0=$($ctl -j cgroup show 1 | jq '."cpu-uj"')
sleep 1
c1=$($ctl -j cgroup show 1 | jq '."cost-uunits"'); e1=$($ctl -j cgroup show 1 | jq '."cpu-uj"')
want=$(( (e1 - e0) * 750000 / 3600000000000 ))
/usr/bin/python3 -c "import sys; sys.exit(0 if abs(($c1 - $c0) - $want) <= 2 else 1)" &&
	t_ok "the root cgroup's cost grows at the new price ($((c1 - c0)) micro-CNY for $((e1 - e0)) uJ)" ||
	t_fail "the cost grows at the new price" "cost +$((c1 - c0)), energy +$((e1 - e0)) uJ, want +$want"

# ---- SIGHUP: the site's price, PUE, carbon and forecast again -------------------
hup() { kill -HUP "$pdpid"; for i in $(seq 50); do
	[ "$(grep -c "SIGHUP: $work/pd.conf" "$work/pd.log")" -gt "$1" ] && return; sleep 0.1; done; }
west() { $ctl -j site show west | jq -c '[."price-uunits-per-kwh", ."pue-milli",
	."carbon-g-per-kwh", ."forecast-slots"]'; }
n=$(grep -c "SIGHUP: $work/pd.conf" "$work/pd.log")
now=$(date +%s)
printf '%s 1h 0.3\n%s 1h 0.9\n%s 1h 0.45\n' $((now - 600)) $((now + 3000)) $((now + 6600)) > "$work/fc"
cp "$work/pd.conf" "$work/pd.conf.0"
printf 'price = 0.62\npue = 1.2\ncarbon = 80\nforecast = %s\n' "$work/fc" >> "$work/pd.conf"
hup "$n"
t_expect "SIGHUP: the new price, PUE, carbon and forecast of the local site" \
	"[620000,1200,80,3]" "$(west)"
for i in $(seq 20); do
	curl -s "http://127.0.0.1:$port/metrics" | grep '^pwrmig_site_forecast' > "$work/fcm"
	[ -s "$work/fcm" ] && break; sleep 0.2
done
t_expect "the forecast in metrics: the next slot, the cheapest from now on (the one under way counts), the end" \
	"pwrmig_site_forecast_next_price_per_kwh{site=\"west\",currency=\"CNY\"} 0.900000|pwrmig_site_forecast_next_start_timestamp_seconds{site=\"west\"} $((now + 3000))|pwrmig_site_forecast_min_price_per_kwh{site=\"west\",currency=\"CNY\"} 0.300000|pwrmig_site_forecast_end_timestamp_seconds{site=\"west\"} $((now + 10200))" \
	"$(paste -sd'|' "$work/fcm")"
printf 'price = 0.1\nfrobnicate = 1\n' >> "$work/pd.conf"
hup $((n + 1))
t_expect "SIGHUP with a bad line: nothing changed, and the log says why" \
	"[620000,1200,80,3] 1" \
	"$(west) $(grep -c "pd.conf:.*unknown key 'frobnicate'" "$work/pd.log")"
cp "$work/pd.conf.0" "$work/pd.conf"
echo 'interval_ms = 300' >> "$work/pd.conf"
hup $((n + 2))
t_expect "SIGHUP: a key read at start only is named as such" 1 \
	"$(grep -c 'take effect when pwrmigd restarts' "$work/pd.log")"
cp "$work/pd.conf.0" "$work/pd.conf"
kill -HUP "$pdpid"

# ---- bad input: the genetlink core's errors, byte for byte ---------------------
/usr/bin/python3 tests/lib/famraw.py "$PWRMIG_SOCKET" > "$work/raw" 2>&1
while IFS='|' read -r name want; do
	t_expect "raw: $name" "$name: $want" "$(grep "^$name:" "$work/raw")"
done <<'EOF2'
info-get|errno 0 msg '' off 0 miss 0
cgroup-get id as u32|errno EINVAL msg 'invalid attribute length' off 20 miss 0
cgroup-get with path|errno EINVAL msg 'Unknown attribute type' off 32 miss 0
cgroup-get attribute 200|errno EINVAL msg 'Unknown attribute type' off 20 miss 0
cgroup-get without id|errno EINVAL msg '' off 0 miss 1
cgroup-get unknown id|errno ENOENT msg 'no cgroup with this id' off 20 miss 0
cgroup-get nested flag|errno EINVAL msg 'NLA_F_NESTED not expected' off 20 miss 0
cgroup-get trailing bytes|errno EINVAL msg 'bytes leftover after parsing attributes' off 0 miss 0
reserved field|errno EINVAL msg 'genlmsghdr.reserved field is not 0' off 0 miss 0
unknown command|errno ENOTSUP msg '' off 0 miss 0
dump of a do-only op|errno ENOTSUP msg '' off 0 miss 0
getfamily nope|errno ENOENT msg '' off 0 miss 0
site-set rawtest|errno 0 msg '' off 0 miss 0
site-set bad name|errno EINVAL msg 'site name may hold letters, digits, '-', '_' and '.' only' off 20 miss 0
site-set bad currency|errno EINVAL msg 'currency must be an ISO 4217 code: three capital letters' off 32 miss 0
site-set long currency|errno EINVAL msg 'Attribute failed policy validation' off 32 miss 0
site-set new without price|errno EINVAL msg 'a new site needs price-uunits-per-kwh and currency' off 20 miss 0
site-set price out of range|errno ERANGE msg 'integer out of range' off 32 miss 0
price-set without price|errno EINVAL msg 'price-set needs price-uunits-per-kwh or forecast slots' off 0 miss 0
price-set unknown site|errno ENOENT msg 'no such site (create it with site-set)' off 20 miss 0
price-set overlapping slots|errno EINVAL msg 'forecast slots must be in time order and must not overlap' off 68 miss 0
price-set slot past the end of time|errno ERANGE msg 'forecast slot ends past the end of time (start + duration-s overflows)' off 36 miss 0
price-set slot without price|errno EINVAL msg 'a forecast slot needs start, duration-s and price-uunits-per-kwh' off 32 miss 0
price-set slot of duration 0|errno ERANGE msg 'integer out of range' off 48 miss 0
price-set empty slot not alone|errno EINVAL msg 'an empty forecast slot clears the forecast and must come alone' off 68 miss 0
price-set forecast|errno 0 msg '' off 0 miss 0
site-get without name|errno EINVAL msg '' off 0 miss 1
site-get unknown|errno ENOENT msg 'no such site' off 20 miss 0
site-del unknown|errno ENOENT msg 'no such site' off 20 miss 0
site-set rawlocal local|errno 0 msg '' off 0 miss 0
site-del the local site|errno EBUSY msg 'cannot delete the local site; mark another site local first' off 20 miss 0
site-del rawtest|errno 0 msg '' off 0 miss 0
policy-set nothing to set|errno EINVAL msg 'nothing to set: give deferrable, migratable, deadline or priority' off 0 miss 0
policy-set unknown cgroup|errno ENOENT msg 'no cgroup with this id' off 20 miss 0
policy-set deferrable 2|errno ERANGE msg 'integer out of range' off 32 miss 0
policy-set deferrable, deadline|errno 0 msg '' off 0 miss 0
carry nothing|errno EINVAL msg 'nothing to carry: give carried runtime, energy or cost' off 0 miss 0
carry cost without currency|errno EINVAL msg 'carried cost needs its currency' off 32 miss 0
carry cost in another currency|errno EINVAL msg 'carried cost is in another currency than the local site's' off 44 miss 0
carry runtime with an id|errno 0 msg '' off 0 miss 0
carry the same id again|errno 0 msg '' off 0 miss 0
carry past 2^64|errno EOVERFLOW msg 'the cgroup's carried total would overflow' off 32 miss 0
carry cost in the local currency|errno 0 msg '' off 0 miss 0
carry unknown cgroup|errno ENOENT msg 'no cgroup with this id' off 20 miss 0
energy-report without energy|errno EINVAL msg '' off 0 miss 4
energy-report device 64|errno ERANGE msg 'device index out of range (max-devices is 64)' off 32 miss 0
energy-report domain pkg|errno EINVAL msg 'only gpu energy is reported from user space; the module meters pkg and dram' off 40 miss 0
energy-report unknown cgroup|errno ENOENT msg 'no cgroup with this id' off 20 miss 0
energy-report past max-report-uj|errno ERANGE msg 'integer out of range' off 40 miss 0
energy-report|errno 0 msg '' off 0 miss 0
site-set rawfar|errno 0 msg '' off 0 miss 0
migrate-request without site|errno EINVAL msg '' off 0 miss 3
migrate-request unknown cgroup|errno ENOENT msg 'no cgroup with this id' off 20 miss 0
migrate-request bad container|errno EINVAL msg 'container must be an OCI container id: letters, digits and _+.-' off 44 miss 0
migrate-request unknown site|errno ENOENT msg 'no such site (add it with site-set)' off 32 miss 0
migrate-request to the local site|errno EINVAL msg 'the target is the local site: nothing to move' off 32 miss 0
migrate-request mode 9|errno ERANGE msg 'integer out of range' off 44 miss 0
migrate-request|errno 0 msg '' off 0 miss 0
migrate-request again|errno EBUSY msg 'this cgroup already has a migration in progress' off 20 miss 0
migrate-claim unknown id|errno ENOENT msg 'no migration request with this id' off 20 miss 0
migrate-get|errno 0 msg '' off 0 miss 0
migrate-status unclaimed|errno EPERM msg 'only the daemon that claimed the request reports on it' off 20 miss 0
migrate-claim oldest pending|errno 0 msg '' off 0 miss 0
migrate-claim it again|errno EBUSY msg 'request is claimed by a running daemon' off 20 miss 0
migrate-status state pending|errno EINVAL msg 'a daemon reports running, done or failed' off 28 miss 0
migrate-status failed without error|errno EINVAL msg 'a failure needs an error' off 28 miss 0
migrate-status running|errno 0 msg '' off 0 miss 0
migrate-status done|errno 0 msg '' off 0 miss 0
migrate-cancel finished|errno EALREADY msg 'request already finished' off 20 miss 0
migrate-claim finished|errno EBUSY msg 'request already finished' off 20 miss 0
migrate-request after it|errno 0 msg '' off 0 miss 0
migrate-cancel|errno 0 msg '' off 0 miss 0
migrate-claim none pending|errno ENOENT msg 'no pending migration request' off 0 miss 0
migrate-request third|errno 0 msg '' off 0 miss 0
migrate-claim from another socket|errno 0 msg '' off 0 miss 0
migrate-claim while it is held|errno EBUSY msg 'request is claimed by a running daemon' off 20 miss 0
migrate-claim after that socket closed|errno 0 msg '' off 0 miss 0
migrate-cancel third|errno 0 msg '' off 0 miss 0
migrate-get dump|errno 0 msg '' off 0 miss 0
cgroup-get|errno 0 msg '' off 0 miss 0
info-get still served|errno 0 msg '' off 0 miss 0
EOF2
t_expect "raw: the ledger then holds the terms, each carry once, the GPU energy" \
	"cgroup terms: deferrable 1 deadline 1700000000 priority 0 carried-runtime 1000 carried-cost 5 gpu-uj 2500" \
	"$(grep '^cgroup terms:' "$work/raw")"
t_expect "raw: the broker's requests end as reported (done, cancelled, cancelled)" \
	"migrate states (state/phase/error): 1:4/2/None 2:6/None/None 3:6/None/None" \
	"$(grep '^migrate states' "$work/raw")"

# ---- the broker: module-less, pwrmigd keeps the requests -------------------
$ctl site set north price 0.9 currency CNY > /dev/null
timeout 6 $ctl -j monitor migrate > "$work/migmon" 2>&1 & mon=$!
sleep 0.5
first=$($ctl -j migrate start /pwrmig-fam to north timeout 1 | jq -r .id)
t_expect "migrate start: a request, pending" "pending north" \
	"$($ctl -j migrate show "$first" | jq -r '"\(.state) \(.site)"')"
t_expect "migrate wait: nobody claims it, it times out" "timed-out" \
	"$(timeout 10 $ctl -j migrate wait "$first" | jq -r .state | tail -n 1)"
second=$($ctl -j migrate start /pwrmig-fam to north cold | jq -r .id)
t_expect "migrate cancel" cancelled "$($ctl -j migrate cancel "$second" | jq -r .state)"
t_expect "nobody may not ask for a migration (and is told why)" \
	"Error: migrate start: changing the ledger, sites or migrations needs root" \
	"$(nobody $ctl migrate start "$id" to north 2>&1)"
t_expect "nobody may not join the migrate group" 1 \
	"$(nobody timeout 3 $ctl monitor migrate > /dev/null 2>&1; echo $?)"
wait $mon
t_expect "monitor migrate: every change, in order" \
	"$first pending|$first timed-out|$second pending|$second cancelled" \
	"$(jq -r '"\(.id) \(.state)"' "$work/migmon" | paste -sd'|')"
$ctl site del north

# ---- who may: root where the module wants CAP_NET_ADMIN ----------------------
t_expect "nobody may read info" pwrmigd "$(nobody $ctl -j info 2>&1 | jq -r .backend 2>&1)"
t_expect "nobody may not read the cgroups (and is told why)" \
	"Error: cgroup show: reading per-cgroup energy needs root (or pwrmigd's open_reads on)" \
	"$(nobody $ctl cgroup show 2>&1)"
t_expect "nobody may not join the telemetry group" \
	"Error: monitor: not permitted: reading per-cgroup energy or changing the ledger needs root (pwrmigd serves the family here)" \
	"$(nobody timeout 3 $ctl monitor telemetry 2>&1)"

# ---- peers that misbehave lose their connection, not the daemon ---------------
/usr/bin/python3 - "$PWRMIG_SOCKET" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"\x00" * 70000)		# past the largest message
s.settimeout(10)
sys.exit(0 if s.recv(100) == b"" else 1)
PY
t_expect "a 70 000-byte message: its sender is dropped" 0 $?
# GETFAMILY naming the family without a terminating NUL, at the end of
# a packet: refused by the controller's policy, not read past.
got=$(/usr/bin/python3 - "$PWRMIG_SOCKET" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(10)
body = struct.pack("<BBH", 3, 1, 0) + struct.pack("<HH", 10, 2) + b"pwrmig" + b"\0\0"[:0]
body += b"\xff\xff"		# attribute padding that is not a NUL
msg = struct.pack("<IHHII", 16 + len(body), 0x10, 1 | 4, 1, 0) + body
s.send(msg)
r = s.recv(4096)
print(struct.unpack_from("<H", r, 4)[0], -struct.unpack_from("<i", r, 16)[0])
PY
)
t_expect "GETFAMILY with an unterminated name: EINVAL" "2 22" "$got"
/usr/bin/python3 - "$PWRMIG_SOCKET" <<'PY' > "$work/many"
import socket, sys, time
conns = []
for i in range(70):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    conns.append(s)
# pwrmigd keeps 64; it closes those past them.
closed = 0
for i in range(50):
    time.sleep(0.1)
    closed = 0
    for s in conns:
        try:
            closed += s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
        except BlockingIOError:
            pass
    if closed >= 6:
        break
print(closed)
PY
t_expect "70 connections: the 6 past 64 are closed" 6 "$(cat "$work/many")"
t_check "and requests are served after them" $ctl info
# A client killed in the middle of a dump.
for i in 1 2 3; do
	$ctl cgroup show > /dev/null & p=$!
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
done
t_check "clients killed mid-dump: still served" $ctl cgroup show
# A peer that asks for 20 dumps of 300 cgroups of its own (75 kB each)
# and reads nothing for 3 s: not dropped, and the daemon does not wait
# for it; then all of it, whole and in order.
/usr/bin/python3 tests/host/famsock/slow.py "$PWRMIG_SOCKET" "$v2/pwrmig-fam-slow" 300 20 3 \
	> "$work/slow" 2>&1
t_expect "a slow reader: another peer is served meanwhile" \
	"another peer served while the slow one waits: errno 0 in time" "$(sed -n 1p "$work/slow")"
t_expect "... its dumps end in the order asked" "dumps ended in order: True" \
	"$(sed -n 2p "$work/slow")"
t_expect "... each whole, resumed by id as the module's" \
	"dumps whole (each cgroup once, in id order): 20 of 20" "$(sed -n 3p "$work/slow")"
t_expect "... and the request after them answered last" \
	"the info-get answered after them: seq +21 errno 0" "$(sed -n 4p "$work/slow")"

# ---- the socket's life ------------------------------------------------------------
out=$($pd -c "$work/pd.conf" 2>&1); rc=$?
t_expect "a second pwrmigd on the same socket refuses to start" \
	"1 pwrmigd: family socket $PWRMIG_SOCKET: another pwrmigd serves it" \
	"$rc $(printf '%s' "$out" | grep 'family socket')"
kill -9 $pdpid; wait $pdpid 2>/dev/null
[ -S "$PWRMIG_SOCKET" ] && t_ok "killed: its socket is left behind" || t_fail "killed: its socket is left behind"
start_pd && t_ok "a new pwrmigd replaces the stale socket" ||
	t_fail "a new pwrmigd replaces the stale socket" "$(tail -n 3 "$work/pd.log")"
kill $pdpid; wait $pdpid 2>/dev/null
[ ! -e "$PWRMIG_SOCKET" ] && t_ok "stopped: its socket is removed" || t_fail "stopped: its socket is removed"
t_expect "with neither the module nor pwrmigd: one clear line" \
	"Error: the pwrmig module is not loaded (modprobe pwrmig) and pwrmigd does not serve its family on $PWRMIG_SOCKET" \
	"$($ctl info 2>&1)"
t_done
