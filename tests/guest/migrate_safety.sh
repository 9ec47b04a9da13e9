#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration fault matrix against people and programs rather than
# crashes (migrate_faults.sh, migrate_attacks.sh have those): the job's
# owner sends SIGCONT to both copies while they are held; a second
# migration holds the job's name at the destination; 64 connections sit
# idle on the receiver's port; pwrmigd is killed -9 while its CRIU is
# about to dump.  Every case must end with the job running exactly once,
# its steps never going back and never forking.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
source "$(dirname "$0")/lib/faults.sh"

# The owner may SIGCONT a stopped task; the freezer holds both copies.
# SIGCONT to the source from its final dump on (journal "frozen"), to the
# copy from its restore on (journal "restored"), until the end.
name=sigcont prog=$W/$name.progress
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
id=$(migrate_id $name live)
(
	while :; do
		grep -qsE 'frozen|commit' "$W"/state-east/out/"$id"-*/journal &&
			kill -CONT $(cat "$cg/east/$name/cgroup.procs" 2>/dev/null) 2>/dev/null
		grep -qsE 'restored|running' "$W"/state-west/in/east-"$id"-*/journal &&
			kill -CONT $(cat "$cg/west/$name/cgroup.procs" 2>/dev/null) 2>/dev/null
		sleep 0.02
	done
) &
spam=$!
t_expect "sigcont: the request ends done" done "$(final_state "$id")"
kill "$spam"; wait "$spam" 2>/dev/null
t_check "sigcont: the job runs once, at west" once_at $name west
t_check "sigcont: it kept its steps" advancing "$prog"
t_check "sigcont: every step once, in order (SIGCONT ran neither copy early)" \
	contiguous "$prog"
{ echo 1 > "$cg/west/$name/cgroup.kill"; } 2>/dev/null

# hold NAME ID: a migration of NAME from east says HELLO to west and keeps
# its link (WAIT every 3 s) until killed; "READY" once west answered.
hold() {
	exec env W=$W NAME=$1 ID=$2 PYTHONPATH=tests/guest/lib python3 - <<'PY'
import json, os, peer, time
s = peer.connect()
peer.send(s, 1, json.dumps({"id": int(os.environ["ID"]), "nonce": "00112233445566ff",
                            "proto": 2, "name": os.environ["NAME"], "mode": "cold",
                            "from": "east"}).encode())
t, body = peer.recv(s)
print("READY" if t == 2 else "type %d %s" % (t, body.decode()), flush=True)
while True:
    time.sleep(3)
    peer.send(s, 11)
PY
}
# Migration B holds the name "twice" at west; A, of /east/twice, comes.
name=twice prog=$W/$name.progress
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
hold $name 4200000 > "$W/hold.out" 2>&1 &
holder=$!
for i in $(seq 100); do grep -q . "$W/hold.out" && break; sleep 0.1; done
t_expect "twice: migration B's HELLO is answered" READY "$(head -n 1 "$W/hold.out")"
id=$(migrate_id $name cold)
t_expect "twice: A, to the name B holds, ends failed" failed "$(final_state "$id")"
t_check "twice: A's reason: the cgroup exists at west" \
	bash -c "$ctl migrate show $id | grep -q 'already exists here'"
# B's link drops: west drops what B made, and only that.
kill "$holder"; wait "$holder" 2>/dev/null
t_check "twice: the job runs once, at east" once_at $name east
t_check "twice: west dropped B's empty cgroup" \
	bash -c "for i in \$(seq 150); do [ -d $cg/west/$name ] || exit 0; sleep 0.1; done; exit 1"
id=$(migrate_id $name cold)
t_expect "twice: A again, the name free, ends done" done "$(final_state "$id")"
# Now B comes for the name of the job that runs at west: refused, and its
# failure must not touch the job.
hold $name 4200001 > "$W/hold.out" 2>&1 &
holder=$!
for i in $(seq 100); do grep -q . "$W/hold.out" && break; sleep 0.1; done
kill "$holder"; wait "$holder" 2>/dev/null
t_check "twice: B, to a name in use, is refused" grep -q "already exists here" "$W/hold.out"
t_check "twice: the committed job runs once, at west" once_at $name west
t_check "twice: it kept its steps" advancing "$prog"
t_check "twice: every step once, in order" contiguous "$prog"
{ echo 1 > "$cg/west/$name/cgroup.kill"; } 2>/dev/null

# 64 connections that never start a TLS handshake, from another address,
# each opened again when west cuts it: a real migration still gets through.
ip addr add 10.99.0.3/24 dev veth-e
flood() {
	exec python3 - <<'PY'
import socket, time
socks = []
said = False
while True:
    while len(socks) < 64:
        try:
            s = socket.socket()
            s.bind(("10.99.0.3", 0))
            s.settimeout(2)
            s.connect(("10.99.0.2", 9787))
            s.setblocking(False)
            socks.append(s)
        except OSError:
            break
    if not said and len(socks) == 64:
        print("open", flush=True)
        said = True
    time.sleep(1)
    for s in list(socks):
        try:
            if s.recv(1) == b"":
                raise OSError
        except BlockingIOError:
            pass
        except OSError:
            socks.remove(s)
            s.close()
PY
}
flood > "$W/flood.out" 2>&1 &
flooder=$!
for i in $(seq 100); do grep -q open "$W/flood.out" && break; sleep 0.1; done
t_expect "flood: 64 idle connections open to west" open "$(head -n 1 "$W/flood.out")"
name=flood prog=$W/$name.progress
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
id=$(migrate_id $name cold)
t_expect "flood: the migration ends done meanwhile" done "$(final_state "$id")"
kill "$flooder"; wait "$flooder" 2>/dev/null
t_check "flood: west cut idle handshakes to make room" grep -q 'handshake pool is full' "$W/west.log"
t_check "flood: the job runs once, at west" once_at $name west
t_check "flood: every step once, in order" contiguous "$prog"
{ echo 1 > "$cg/west/$name/cgroup.kill"; } 2>/dev/null
ip addr del 10.99.0.3/24 dev veth-e

# pwrmigd killed -9 while its CRIU is about to dump (slow-tool: it starts
# 8 s late): the restarted pwrmigd lets the job run again, and no orphaned
# CRIU may stop it afterwards.
name=orphan prog=$W/$name.progress
restart east slow-tool
start_job $name "$prog" --mem 8 --pages 4 --step-ms 100
id=$(migrate_id $name cold)
for i in $(seq 100); do
	grep -qs dumping "$W"/state-east/out/"$id"-*/journal && break
	sleep 0.1
done
sleep 0.5
kill -9 "$east_pid"; gone "$east_pid"
restart east
t_expect "orphan: the request ends failed" failed "$(final_state "$id")"
sleep 9		# past the moment an orphaned CRIU would dump and stop the job
t_check "orphan: the job runs once, at east" once_at $name east
t_check "orphan: it steps on (no CRIU stopped it after the restart)" advancing "$prog"
t_check "orphan: every step once, in order" contiguous "$prog"
t_check "orphan: no CRIU left" bash -c "! pgrep -x criu"
{ echo 1 > "$cg/east/$name/cgroup.kill"; } 2>/dev/null
t_done
