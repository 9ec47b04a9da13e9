#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration fault matrix, everything but crashes (migrate_faults.sh
# has those): a chunk arrives corrupted, the receiver's disk is full, the
# restore fails, a dump or a restore outlasts the peer's link timeout,
# CRIU hangs, a TLS handshake trickles in, a HELLO of another protocol
# version or with a bundle outside bundle_root, a WAIT before HELLO, a file
# bigger than the disk, a parent link making a cycle, the link is cut in
# the middle of the transfer, the module is reloaded under a waiting journal.
# Every case must end with the job running exactly once, at the site the
# journals decide, never restarted from zero, and the module's request in
# the matching final state.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
source "$(dirname "$0")/lib/faults.sh"

# Bad data, no room, no restore.
case_run corrupt-chunk east corrupt-chunk cold east
t_check "corrupt-chunk: the receiver names the file and the SHA-256 mismatch" \
	grep -q 'SHA-256 mismatch' "$W/west.log"
t_check "corrupt-chunk: the receiver's reason reaches the request" \
	bash -c "$ctl migrate show | grep -q 'SHA-256 mismatch'"
mkdir -p "$W/small" && mount -t tmpfs -o size=2m tmpfs "$W/small"
sed "s|^state_dir = .*|state_dir = $W/small|" "$W/west.conf" > "$W/west-small.conf"
kill "$west_pid"; gone "$west_pid"; start_west "$W/west-small.conf"; west_up
name=disk-full prog=$W/disk-full.progress
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
id=$(migrate_id $name cold)
t_expect "disk-full: the request ends failed" failed "$(final_state "$id")"
t_check "disk-full: the receiver says its disk is full" grep -q 'no space left' "$W/west.log"
t_check "disk-full: the receiver's reason reaches the request" \
	bash -c "$ctl migrate show $id | grep -q 'no space left'"
t_check "disk-full: the job runs once, at east" once_at $name east
t_check "disk-full: every step once, in order" contiguous "$prog"
echo 1 > "$cg/east/$name/cgroup.kill"
kill "$west_pid"; gone "$west_pid"; umount "$W/small"; start_west; west_up
case_run restore-fail west restore-fail cold east
t_check "restore-fail: the reason reaches the request" \
	bash -c "$ctl migrate show | grep -q 'restore failed'"
# Slow, not dead: a dump or a restore that takes longer than the peer's
# link_timeout_s (10 s here) goes on while WAIT messages keep the link.
# The dumping side's own timeout is 60 s: its WAITs must still come every
# third of the receiver's 10 s, not of its own.
sed -i 's/^link_timeout_s = .*/link_timeout_s = 60/' "$W/east.conf"
case_run slow-dump east slow-dump cold west
sed -i 's/^link_timeout_s = .*/link_timeout_s = 10/' "$W/east.conf"
restart east
case_run slow-restore west slow-restore cold west
# A manifest longer than one message (here: made to take one per ~512
# bytes) comes in slices, each checked, then the restore.
case_run sliced east manifest-slices cold west
t_check "sliced: the manifest went in several messages" \
	grep -Eq "manifest of [0-9]+ files in ([2-9]|[1-9][0-9]+) messages" "$W/east.log"
# Hung, not slow: CRIU never ends; it is killed after checkpoint_timeout_s.
case_run hang-tool east hang-tool cold east
t_check "hang-tool: the request says the tool was killed at the deadline" \
	bash -c "$ctl migrate show | grep -q 'did not finish within checkpoint_timeout_s'"

# A client that trickles a TLS handshake a byte at a time, each within the
# socket timeout, is still cut at link_timeout_s (10 s): the receiver's
# 32 connection slots cannot be held that way.
held=$(python3 - <<'PY'
import socket, time
s = socket.create_connection(("10.99.0.2", 9787), timeout=5)
t0 = time.monotonic()
# A TLS record header announcing a 512-byte ClientHello, then its body slowly.
for b in bytes([0x16, 0x03, 0x01, 0x02, 0x00]) + bytes(507):
    try:
        s.send(bytes([b]))
        s.settimeout(2)
        if s.recv(64) is not None:
            break		# closed, or an alert before closing
    except socket.timeout:
        pass
    except OSError:
        break
    if time.monotonic() - t0 > 60:
        break
print(round(time.monotonic() - t0))
PY
)
[ "${held:-99}" -ge 9 ] && [ "${held:-99}" -le 14 ] &&
	t_ok "a trickled TLS handshake is cut after ${held} s (link_timeout_s 10)" ||
	t_fail "a trickled TLS handshake is cut at link_timeout_s" "held ${held:-?} s"

# hello JSON: send one HELLO to west as east would (its certificate), print
# the type of the answer and its "error".
hello() {
	W=$W HELLO=$1 PYTHONPATH=tests/guest/lib python3 - <<'PY'
import json, os, peer
s = peer.connect()
peer.send(s, 1, os.environ["HELLO"].encode())
t, body = peer.recv(s)
print(t, json.loads(body).get("error"))
PY
}
# A protocol version the receiver does not speak: refused, both named.
t_expect "a HELLO of protocol version 4 is refused with an ERROR naming both versions" \
	"3 migration protocol version 4 not understood (west speaks 2-3)" \
	"$(hello '{"id": 4000000, "nonce": "0123456789abcdef", "proto": 4, "name": "x", "mode": "cold", "from": "east"}')"
# A container whose bundle the sender places outside west's bundle_root.
t_expect "a container bundle outside bundle_root is refused" \
	"3 container cx: bundle '$W/outside' is outside bundle_root $W/bundles" \
	"$(hello '{"id": 4000001, "nonce": "0123456789abcdef", "proto": 2, "name": "cx", "container": "cx", "bundle": "'"$W/outside"'", "mode": "cold", "from": "east"}')"

# A peer's words bounded: no WAIT before a HELLO (it would hold a session
# for ever), no file bigger than the room there is, no parent link that
# makes a cycle.  Each on its own connection; prints what west answered.
bounded() {
	W=$W PYTHONPATH=tests/guest/lib python3 - <<'PY'
import json, peer
def hello(s, i):
    peer.send(s, 1, json.dumps({"id": i, "nonce": "00112233445566aa", "proto": 2,
                                "name": "bounded%d" % i, "mode": "cold", "from": "east"}).encode())
    return peer.recv(s)[0]
def answer(s):
    try:
        t, body = peer.recv(s)
        return "%d %s" % (t, json.loads(body).get("error") if body else "")
    except (SystemExit, OSError):
        return "closed"
s = peer.connect()
peer.send(s, 11)
try:
    r = hello(s, 4300000)
except (SystemExit, OSError):
    r = None
print("wait-first:", "READY" if r == 2 else "refused")
s = peer.connect()
assert hello(s, 4300001) == 2
peer.send(s, 4, json.dumps({"path": "r0/pages-1.img", "type": "file", "size": 1 << 50}).encode())
print("huge:", answer(s))
s = peer.connect()
assert hello(s, 4300002) == 2
peer.send(s, 4, json.dumps({"path": "r0/parent", "type": "link", "target": "../r0"}).encode())
print("cycle:", answer(s))
PY
}
out=$(bounded 2>&1)
t_check "a WAIT before the HELLO is refused" grep -q 'wait-first: refused' <<< "$out"
t_check "a file declaring 1 PiB is refused, naming the room" \
	grep -q 'huge: 3 r0/pages-1.img: 1125899906842624 bytes declared; no space left for them in state_dir (' <<< "$out"
t_check "a parent link to its own round is refused" \
	grep -q "cycle: 3 link r0/parent: target '../r0' points outside the migration" <<< "$out"
grep -v '^wait-first: refused\|^huge: 3\|^cycle: 3' <<< "$out" | sed 's/^/#   /'
t_check "west dropped the refused migrations' cgroups" \
	bash -c "for i in \$(seq 100); do ls -d $cg/west/bounded* > /dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"

# The link is cut while pre-copy rounds cross it, and comes back later.
name=link-cut prog=$W/link-cut.progress
start_job $name "$prog" --mem 32 --pages 4 --step-ms 100
id=$(migrate_id $name live)
# Cut it once the first round's files are arriving (32 MiB take seconds).
for i in $(seq 600); do
	[ -n "$(ls "$W"/state-west/in/east-"$id"-*/r0 2>/dev/null)" ] && break
	sleep 0.05
done
tc qdisc change dev veth-e root netem delay 15ms rate 1gbit loss 100%
t_expect "link-cut: the request ends failed" failed "$(final_state "$id")"
tc qdisc change dev veth-e root netem delay 15ms rate 1gbit
t_check "link-cut: the job runs once, at east" once_at $name east
t_check "link-cut: every step once, in order" contiguous "$prog"
t_check "link-cut: the receiver dropped what it had" \
	bash -c "for i in \$(seq 300); do ls -d $W/state-west/in/east-$id-* > /dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"
{ echo 1 > "$cg/east/$name/cgroup.kill"; echo 1 > "$cg/west/$name/cgroup.kill"; } 2>/dev/null

# The module is reloaded while a migration's journal waits: ids start
# again, and a new request takes the old one's id.  The recovered job must
# not take that request (claim it, report on it); the new one must run.
name=reload prog=$W/reload.progress
restart east src-frozen
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
old=$(migrate_id $name cold)
gone "$east_pid" || t_fail "reload: pwrmigd at east stops at the fault point"
kill "$west_pid"; gone "$west_pid"
rmmod pwrmig && insmod "$ko" || t_fail "reload: the module reloads"
$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
$ctl site set west price 0.3793 currency CNY pue 1.15 > /dev/null
# One pending request per cgroup: as many cgroups as ids to use up.
for i in $(seq $((old - 1))); do
	mkdir -p "$cg/pwrmig-idfill/$i"
	$ctl migrate start "/pwrmig-idfill/$i" to west cold timeout 30 > /dev/null
done
start_job fresh "$W/fresh.progress" --mem 8 --pages 4 --step-ms 100
new=$(migrate_id fresh cold)
t_expect "reload: the new request has the interrupted one's id" "$old" "$new"
start_west; west_up; start_east; east_up
state=$(final_state "$new")
t_expect "reload: the new request ends done" done "$state"
[ "$state" = done ] || { $ctl migrate show "$new"; tail -n 20 "$W/east.log"; } | sed 's/^/#   /'
t_check "reload: the new job runs once, at west" once_at fresh west
t_check "reload: the interrupted job runs once, at east" once_at $name east
t_check "reload: the interrupted job kept its steps" contiguous "$prog"
t_check "reload: east finishes the old journal without the module" \
	grep -q "request $old is not this migration any more" "$W/east.log"
rmdir "$cg"/pwrmig-idfill/* "$cg/pwrmig-idfill" 2>/dev/null
t_done
