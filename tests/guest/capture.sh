#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigctl capture: a scripted session recorded through nlmon decodes to
# the same requests in order, with the kernel's refusals; tshark reads
# the file and sees the family's frames; -c, -G, a module reload during
# the capture, the nlmon device's removal and bad input.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl
ko=build/kmod/$(uname -r)/pwrmig.ko
work=$(mktemp -d)
cap_pid=
cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
	rmmod pwrmig 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
modprobe nlmon 2>/dev/null

# start_capture LOG ARGS...: record in the background until it listens.
start_capture() {
	local log=$1 i
	shift
	$ctl capture "$@" 2> "$log" &
	cap_pid=$!
	for i in $(seq 100); do
		grep -q '^capture: listening' "$log" && return 0
		kill -0 "$cap_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log"
	return 1
}
stop_capture() {
	kill "$cap_pid"
	wait "$cap_pid"
	local rc=$?
	cap_pid=
	return $rc
}
# py EXPR FILE: evaluate EXPR on the decoded JSON of capture FILE (as j).
py() { $ctl -j capture -r "$2" > "$work/dec.json" &&
	python3 -c "import json; j=json.load(open('$work/dec.json')); print($1)"; }

# The capture starts before the module: the family is learned from the
# controller's notification when it registers.
start_capture "$work/cap.log" -w "$work/s.pcap" || { t_fail "capture starts"; t_done; }
t_ok "capture starts before the module is loaded"
grep -q 'not registered yet' "$work/cap.log" &&
	t_ok "capture says it waits for the family" ||
	t_fail "capture says it waits for the family" "$(cat "$work/cap.log")"
dev=$(sed -n 's/^capture: listening on \([^,]*\),.*/\1/p' "$work/cap.log")
t_expect "an nlmon device exists while capturing" nlmon \
	"$(ip -d link show "$dev" 2>/dev/null | grep -o nlmon | head -n 1)"
insmod "$ko" || { t_fail insmod; t_done; }

mkdir -p /sys/fs/cgroup/pwrmig-cap
# A listener, so that notifications are delivered (and so captured); it
# is subscribed once it prints the first telemetry snapshot.
$ctl monitor all > "$work/mon.out" 2>&1 &
mon_pid=$!
for i in $(seq 100); do grep -q telemetry "$work/mon.out" && break; sleep 0.1; done
$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
$ctl site set west price 0.3793 currency CNY pue 1.12 > /dev/null
$ctl price set west 0.6689 > /dev/null
$ctl site show > /dev/null
su nobody -s /bin/sh -c "$ctl price set east 0.01" 2> /dev/null
$ctl site set nowhere price 1 2> /dev/null
$ctl cgroup set /pwrmig-cap deferrable on > /dev/null
$ctl migrate start /pwrmig-cap to west cold > /dev/null
# The family goes away and comes back with a new id; still decoded.
kill "$mon_pid"; wait "$mon_pid" 2>/dev/null
rmmod pwrmig && insmod "$ko"
$ctl site set north price 0.5 currency CNY local > /dev/null
# Stop once the last ack is in the file (written a frame at a time).
for i in $(seq 100); do
	[ "$(py 'any(m["type"] == "ack" and m["op"] == "site-set" and m["time"] > [x["time"] for x in j if x.get("op") == "migrate-request"][0] for m in j)' "$work/s.pcap" 2>/dev/null)" = True ] && break
	sleep 0.1
done
stop_capture; rc=$?
t_expect "capture exits 0 when interrupted" 0 "$rc"
t_expect "the nlmon device is removed" "" "$(ip link show type nlmon 2>/dev/null)"
grep -q 'frames (' "$work/cap.log" && t_ok "capture reports its frame count" ||
	t_fail "capture reports its frame count" "$(cat "$work/cap.log")"

want="site-set site-set price-set site-get price-set site-set cgroup-policy-set migrate-request site-set"
t_expect "decoded requests are the session's, in order" "$want" \
	"$(py '" ".join(m["op"] for m in j if m["from"] == "user" and m["type"] in ("request", "dump"))' "$work/s.pcap")"
t_expect "the site dump is marked a dump and ends with done" "dump done" \
	"$(py '" ".join(m["type"] for m in j if m["type"] in ("dump", "done"))' "$work/s.pcap")"
t_expect "request attributes decoded by name" "west 668900" \
	"$(py '" ".join(str(m["attrs"][k]) for m in j if m.get("op") == "price-set" and m["type"] == "request" for k in ("name", "price-uunits-per-kwh"))[:11]' "$work/s.pcap")"
t_expect "the unprivileged price-set is an EPERM error" "price-set 1" \
	"$(py '" ".join(str(m[k]) for m in j if m["type"] == "error" and m["errno"] == 1 for k in ("op", "errno"))' "$work/s.pcap")"
t_expect "the kernel's extack messages are in the capture" \
	"price-set: changing the ledger, sites or migrations needs CAP_NET_ADMIN; site-set: a new site needs price-uunits-per-kwh and currency" \
	"$(py '"; ".join(m["op"] + ": " + m["extack"] for m in j if "extack" in m)' "$work/s.pcap")"
t_expect "replies, acks and the migrate notification are decoded" "True True True" \
	"$(py 'any(m["type"] == "reply" and m["op"] == "migrate-request" for m in j), any(m["type"] == "ack" and m["op"] == "cgroup-policy-set" for m in j), any(m["type"] == "notification" and m["op"] == "migrate-ntf" for m in j)' "$work/s.pcap" | tr -d '(),')"
t_expect "enums decoded by name in text" "mode cold state pending" \
	"$($ctl capture -r "$work/s.pcap" | grep 'reply  migrate-request' | grep -o 'mode [a-z]*\|state [a-z]*' | paste -sd' ')"
ids=$(py '" ".join(str(m["family-id"]) for m in j if m["type"] == "ctrl" and m["op"] == "newfamily")' "$work/s.pcap")
set -- $ids
[ $# -ge 2 ] && [ "$1" != "${!#}" ] && t_ok "the family's new id after the reload is learned ($1 -> ${!#})" ||
	t_fail "the family's new id after the reload is learned" "ids: $ids"
out=$($ctl capture -r "$work/s.pcap")
case "$out" in *"user  port "*"  request  price-set  seq "*'attrs { name "west" price-uunits-per-kwh 668900 }'*) t_ok "text decode" ;;
*) t_fail "text decode" "$(echo "$out" | head -n 5)" ;; esac

# tshark reads the file and shows the same family messages.
if tshark -r "$work/s.pcap" > "$work/tshark.out" 2> "$work/tshark.err"; then
	t_ok "tshark reads the capture without error"
else
	t_fail "tshark reads the capture without error" "$(tail -n 3 "$work/tshark.err")"
fi
frames=$(python3 -c "import struct; d=open('$work/s.pcap','rb').read(); o=24; n=0
while o < len(d): o += 16 + struct.unpack('<I', d[o+8:o+12])[0]; n += 1
print(n)")
t_expect "tshark shows every frame" "$frames" "$(wc -l < "$work/tshark.out")"
mine=$(py 'sum(1 for m in j if m["type"] in ("request", "dump", "reply", "notification"))' "$work/s.pcap")
theirs=$(tshark -r "$work/s.pcap" -T fields -e genl.family_id 2>/dev/null | tr ',' '\n' |
	 grep -cv -e '^0x00000010$' -e '^0x0010$' -e '^0x10$' -e '^$')
t_expect "tshark sees as many genetlink messages of the family as capture -r" "$mine" "$theirs"

# -c COUNT stops by itself after COUNT frames of the family.
start_capture "$work/c.log" -w "$work/c.pcap" -c 3 || t_fail "capture -c starts"
$ctl site show north > /dev/null
$ctl info > /dev/null
for i in $(seq 50); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$cap_pid" 2>/dev/null; then
	t_fail "capture -c 3 stops by itself"
	stop_capture
else
	wait "$cap_pid"; t_expect "capture -c 3 stops by itself, exit 0" 0 "$?"
	cap_pid=
fi
t_expect "capture -c 3 kept 3 frames of the family (+ the lookups)" 3 \
	"$(py 'sum(1 for m in j if m["type"] != "ctrl")' "$work/c.pcap")"

# -G SECS starts a new file each SECS; each file names the family itself.
start_capture "$work/g.log" -w "$work/rot.pcap" -G 1 || t_fail "capture -G starts"
for i in 1 2 3; do $ctl site show north > /dev/null; sleep 0.9; done
stop_capture
set -- "$work"/rot.pcap.*
[ $# -ge 2 ] && t_ok "capture -G 1 over ~3 s wrote $# files" ||
	t_fail "capture -G 1 wrote several files" "$*"
bad=0
for f in "$@"; do
	[ "$(py '[m["op"] for m in j if m["type"] == "ctrl"][:2]' "$f")" = "['getfamily', 'newfamily']" ] ||
		bad=$((bad + 1))
done
t_expect "every rotated file starts with the family's id" 0 "$bad"
t_expect "no request lost across rotation" 3 \
	"$(for f in "$@"; do py 'sum(1 for m in j if m["type"] == "request")' "$f"; done | awk '{ s += $1 } END { print s }')"

# Bad input: one line, non-zero exit.
err=$($ctl capture 2>&1 >/dev/null); rc=$?
t_expect "capture without -w or -r: usage, exit 2" "2 Error: capture needs one of -w FILE or -r FILE" \
	"$rc $(echo "$err" | head -n 1)"
err=$($ctl capture -r "$work/none.pcap" 2>&1); rc=$?
case "$rc $err" in "1 Error: capture file '$work/none.pcap': "*) t_ok "missing file named, exit 1" ;;
*) t_fail "missing file named, exit 1" "$rc $err" ;; esac
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' > "$work/eth.pcap"
err=$($ctl capture -r "$work/eth.pcap" 2>&1); rc=$?
t_expect "an Ethernet capture is refused" "1 Error: capture file '$work/eth.pcap': link type EN10MB, not NETLINK" \
	"$rc $err"
head -c 200 "$work/s.pcap" > "$work/cut.pcap"
err=$($ctl capture -r "$work/cut.pcap" 2>&1 >/dev/null); rc=$?
case "$rc $err" in "1 Error: capture file '$work/cut.pcap' after frame "*) t_ok "a cut file: error names it and the frame" ;;
*) t_fail "a cut file: error names it and the frame" "$rc $err" ;; esac
err=$($ctl capture -w "$work/x.pcap" -c 0 2>&1); rc=$?
t_expect "capture -c 0 refused" "2 Error: frame count must be at least 1" "$rc $err"
err=$(su nobody -s /bin/sh -c "$ctl capture -w /dev/null" 2>&1); rc=$?
case "$rc $err" in "1 Error: capture: cannot create an nlmon device: "*"CAP_NET_ADMIN"*) t_ok "unprivileged capture refused" ;;
*) t_fail "unprivileged capture refused" "$rc $err" ;; esac
t_expect "no nlmon device left behind" "" "$(ip link show type nlmon 2>/dev/null)"

rmdir /sys/fs/cgroup/pwrmig-cap 2>/dev/null
t_done
