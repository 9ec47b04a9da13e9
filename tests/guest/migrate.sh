#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live and cold migration between the two sites of lib/sites.sh.
# A training job (tests/mig/trainjob) and a runc container move east ->
# west, live and cold, through `pwrmigctl migrate start ... wait`; each
# resumes at the step where it stopped with the memory it had (the
# digest), and the source no longer runs it.  Then the refusals: a peer
# with a certificate from another CA, an expired one, one naming two sites,
# a revoked one, a key other than the pinned one, and a restore running as
# a uid its peer may not restore; and the same checks passed.  A container
# made at west under the name of a lost copy is left alone by the abort.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib/container.sh"
cd "$T_TOP" || exit 1
source "$(dirname "$0")/lib/sites.sh"

t_check "pwrmigd accepts the migration configuration" $pd -c "$W/east.conf" --check-config
start_east; start_west
east_up && west_up || t_fail "both endpoints listen" "$(cat "$W/east.log" "$W/west.log")"
# The shaped link: a TCP handshake takes one round trip (30 ms).
rtt=$(python3 -c '
import socket, time
t = time.monotonic(); socket.create_connection(("10.99.0.2", 9787), 5).close()
print(int((time.monotonic() - t) * 1000))' 2>/dev/null)
t_check "the WAN link is up and shaped (TCP connect ${rtt:-?} ms, 30 ms RTT)" \
	test "${rtt:-0}" -ge 30

# ---- a training job: a cgroup tree -----------------------------------------
digest_ok() { # FILE
	local n d
	read -r _ n _ d < <(tail -n 1 "$1")
	[ "$($tj --expect "$n" --mem 32 --pages 4)" = "$d" ]
}

job_test() { # NAME MODE
	local name=$1 mode=$2 prog=$W/$1.progress at id out east_id ledger
	# A hundred times the peak price, so that the few joules a job uses
	# here cost a hundred micro-units or so, not one.
	$ctl site set east price 121.95 currency CNY pue 1.3 local > /dev/null
	start_job "$name" "$prog" --mem 32 --pages 4 --step-ms 100 ||
		{ t_fail "$name: the job runs at east"; return; }
	$ctl cgroup set "/east/$name" migratable on priority 5 > /dev/null
	east_id=$(stat -c %i "$cg/east/$name")
	out=$($ctl migrate start "/east/$name" to west "$mode" timeout 120 wait 2>&1)
	expect_done "$name: migrate $mode to west ends done" $? "$out"
	at=$(step_of "$prog")
	# The bill goes on: west's entry carries what the job used at east.
	ledger=$($ctl -j cgroup show "$east_id"; echo; $ctl -j cgroup show "/west/$name")
	t_check "$name: west's ledger carries east's runtime, energy and cost, and the policy" \
		python3 -c '
import json, sys
e, w = [json.loads(l) for l in sys.stdin.read().split("\n") if l.strip()]
e, w = (x[0] if isinstance(x, list) else x for x in (e, w))
print("east", e.get("runtime-ns"), e.get("cpu-uj"), e.get("cost-uunits"),
      "west carried", w.get("carried-runtime-ns"), w.get("carried-cpu-uj"), w.get("carried-cost-uunits"))
assert 0.5 * e["runtime-ns"] <= w["carried-runtime-ns"] <= e["runtime-ns"]
assert 0 < w["carried-cpu-uj"] <= e["cpu-uj"]
# The cost of that energy at east (121.95 CNY/kWh, PUE 1.3), to the
# micro-unit.
uj = sum(w.get("carried-%s-uj" % d, 0) for d in ("cpu", "dram", "gpu"))
assert abs(w["carried-cost-uunits"] - uj * 121950000 * 1300 / 3.6e15) <= 1
assert 0 < w["carried-cost-uunits"] <= e["cost-uunits"]
assert w.get("migratable") and w.get("priority") == 5' <<< "$ledger"
	$ctl site set east price 1.2195 currency CNY pue 1.3 local > /dev/null
	t_expect "$name: the east cgroup runs nothing" "" "$(cat "$cg/east/$name/cgroup.procs" 2>/dev/null)"
	if grep -q . "$cg/west/$name/cgroup.procs" 2>/dev/null; then
		t_ok "$name: the job runs in west's cgroup"
	else
		t_fail "$name: the job runs in west's cgroup" \
			"$(for p in $(pgrep -f "$prog"); do echo "pid $p: $(cat /proc/$p/cgroup)"; done)"
	fi
	t_check "$name: it keeps stepping after the move (from step $at)" advancing "$prog"
	t_check "$name: every step once, in order: it resumed, not restarted" contiguous "$prog"
	t_check "$name: its memory came along (digest at step $(step_of "$prog"))" digest_ok "$prog"
	id=$($ctl -j migrate show | python3 -c "
import json, sys
ms = [m for m in json.load(sys.stdin) if m.get('state') == 'done']
print(ms[-1].get('rounds', 0), ms[-1].get('bytes', 0), ms[-1].get('freeze-ms', 0))" 2>/dev/null)
	read -r rounds bytes freeze <<< "$id"
	echo "# $name $mode: rounds ${rounds:-?}, bytes ${bytes:-?}, frozen ${freeze:-?} ms"
	if [ "$mode" = live ]; then
		t_check "$name: live moved in pre-dump rounds plus the final one (${rounds:-0})" \
			test "${rounds:-0}" -ge 2
	else
		t_expect "$name: cold moved in one round" 1 "${rounds:-0}"
	fi
	echo 1 > "$cg/west/$name/cgroup.kill"
}
job_test job-cold cold
job_test job-live live

# ---- progress: the bytes of a transfer rise while it runs ---------------------------
# The link slowed to 64 Mbit/s: the 32 MiB job takes seconds to send, and
# pwrmigd reports each second how far the step has come.
tc qdisc change dev veth-e root netem delay 15ms rate 64mbit
start_job job-prog "$W/job-prog.progress" --mem 32 --pages 4 --step-ms 100 ||
	t_fail "job-prog: the job runs at east"
$ctl -j migrate start /east/job-prog to west cold timeout 120 wait > "$W/prog.json" 2>&1
t_expect "job-prog: the migration ends done" done "$(tail -n 1 "$W/prog.json" | jq -r .state)"
t_check "job-prog: while it transfers, the step's bytes rise line by line up to its total, with rate and eta" \
	python3 - "$W/prog.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
xfer = [l for l in lines if l.get("phase") == "transfer" and l["state"] == "running"]
print("transfer lines:", [(l["phase-bytes"], l["phase-total"], l["rate-bps"], l.get("eta-s"))
                         for l in xfer])
moving = [l for l in xfer if 0 < l["phase-bytes"] < l["phase-total"]]
assert len(moving) >= 2, "fewer than two reports while the transfer ran"
for a, b in zip(xfer, xfer[1:]):
    assert a["phase-bytes"] <= b["phase-bytes"], "went back: %s then %s" % (a, b)
assert len(set(l["phase-bytes"] for l in moving)) >= 2, "no rise: %s" % moving
assert all(l["phase-total"] >= 32 << 20 for l in moving)
assert all(l["rate-bps"] > 0 and l["eta-s"] > 0 for l in moving)
assert xfer[-1]["phase-bytes"] == xfer[-1]["phase-total"]
PY
tc qdisc change dev veth-e root netem delay 15ms rate 1gbit
echo 1 > "$cg/west/job-prog/cgroup.kill"

# ---- pre-copy that cannot converge stops, and says why -----------------------------
# All of its 8 MiB dirtied every 10 ms: each round is as large as the last.
start_job job-flat "$W/job-flat.progress" --mem 8 --pages 2048 --step-ms 10 ||
	t_fail "job-flat: the job runs at east"
out=$($ctl migrate start /east/job-flat to west live timeout 120 wait 2>&1)
expect_done "job-flat: migrate live to west ends done" $? "$out"
t_check "job-flat: pre-copy stopped after two rounds, not eight, saying it does not converge" \
	python3 - "$W/state-east/migrations.jsonl" <<'PY'
import json, sys
m = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
print(m.get("rounds"), m.get("round_bytes"), m.get("precopy_stop"))
assert m["result"] == "done" and m["rounds"] == 3
assert "pre-copy does not converge" in m["precopy_stop"]
PY
echo 1 > "$cg/west/job-flat/cgroup.kill"

# ---- what east's exporter says of the moves so far ---------------------------------
curl -s http://127.0.0.1:9786/metrics > "$W/east.metrics"
t_check "east's metrics: four moves done, each frozen once, their bytes sent" \
	python3 - "$W/east.metrics" <<'PY'
import re, sys
m = {}
for line in open(sys.argv[1]):
    f = re.match(r'^(pwrmig_migration\S*|pwrmig_migrations\S*) (\S+)$', line)
    if f:
        m[f.group(1)] = float(f.group(2))
print({k: v for k, v in m.items()})
done = m['pwrmig_migrations_sent_total{result="done"}']
assert done == 4 and m['pwrmig_migrations_sent_total{result="failed"}'] == 0
assert m['pwrmig_migration_frozen_seconds_count'] == done
assert m['pwrmig_migration_frozen_seconds_bucket{le="+Inf"}'] == done
assert 0 < m['pwrmig_migration_frozen_seconds_sum'] < 600
assert m['pwrmig_migration_sent_bytes_total'] >= 3 * (32 << 20)
PY
out=$(promtool check metrics < "$W/east.metrics" 2>&1)
t_expect "promtool accepts east's metrics, the migration histogram among them" "" "$out"

# ---- a runc container ------------------------------------------------------------
ctr_test() { # NAME MODE
	local name=$1 mode=$2 b=$W/bundle-$1 n0 n1 out
	make_bundle "$b" sh -c 'i=0; while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.1; done'
	python3 - "$b/config.json" "$name" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = "/east/" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
	runc --root "$W/runc-east" run -d --bundle "$b" "$name" < /dev/null > /dev/null 2>&1
	count() { # ROOT: the container's counter
		local p
		p=$(runc --root "$1" state "$name" 2>/dev/null |
		    python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
		[ -n "$p" ] && tail -n 1 "/proc/$p/root/tmp/count" 2>/dev/null
	}
	sleep 1
	n0=$(count "$W/runc-east")
	out=$(PWRMIG_RUNC_ROOT=$W/runc-east $ctl migrate start "$name" to west "$mode" timeout 120 wait 2>&1)
	expect_done "$name: container migrate $mode ends done" $? "$out"
	t_check "$name: east's runc no longer has it" \
		bash -c "! runc --root $W/runc-east state $name > /dev/null 2>&1"
	t_expect "$name: west's runc runs it" running \
		"$(runc --root "$W/runc-west" state "$name" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)"
	sleep 1
	n1=$(count "$W/runc-west")
	t_check "$name: its counter went on from ${n0:-?} (now ${n1:-?}), not from 0" \
		test "${n1:-0}" -gt "${n0:-0}" -a "${n0:-0}" -gt 0
	p=$(runc --root "$W/runc-west" state "$name" 2>/dev/null |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
	t_check "$name: every count once, in order: its shell's memory moved" \
		awk '$1 != NR { exit 1 }' "/proc/${p:-0}/root/tmp/count"
	runc --root "$W/runc-west" delete -f "$name" > /dev/null 2>&1
}
ctr_test ctr-cold cold
ctr_test ctr-live live

# ---- a container made later under the name is another: the rollback leaves it be
# west dies with the copy restored; the copy goes, and someone runs a new
# container of that name at west; the sender's abort then finds it there.
cgpath() { # BUNDLE CGROUP
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
}
status_of() { # ROOT NAME
	runc --root "$1" state "$2" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null
}
name=ctr-swap
make_bundle "$W/bundle-$name" sh -c 'while :; do sleep 0.1; done' && cgpath "$W/bundle-$name" "/east/$name"
make_bundle "$W/bundle-$name-other" sleep 600 && cgpath "$W/bundle-$name-other" "/west/$name"
runc --root "$W/runc-east" run -d --bundle "$W/bundle-$name" "$name" < /dev/null > /dev/null 2>&1
kill "$west_pid"; wait "$west_pid" 2>/dev/null
: > "$W/west.log"
PWRMIG_FAULT=dst-restored start_west; west_up
PWRMIG_RUNC_ROOT=$W/runc-east $ctl migrate start "$name" to west cold timeout 120 > /dev/null 2>&1
for i in $(seq 600); do kill -0 "$west_pid" 2>/dev/null || break; sleep 0.1; done
t_expect "ctr-swap: west stopped with the copy restored" paused "$(status_of "$W/runc-west" "$name")"
runc --root "$W/runc-west" delete -f "$name" > /dev/null 2>&1
runc --root "$W/runc-west" run -d --bundle "$W/bundle-$name-other" "$name" < /dev/null > /dev/null 2>&1
t_expect "ctr-swap: another container of that name runs at west" running "$(status_of "$W/runc-west" "$name")"
start_west; west_up
for i in $(seq 600); do grep -q "the sender aborted" "$W/west.log" && break; sleep 0.1; done
t_check "ctr-swap: west took the sender's abort" grep -q "the sender aborted" "$W/west.log"
t_expect "ctr-swap: the other container still runs at west" running "$(status_of "$W/runc-west" "$name")"
t_check "ctr-swap: west says it is another container" grep -q "'$name' was created at .*: another container, left alone" "$W/west.log"
t_expect "ctr-swap: the job runs at east" running "$(status_of "$W/runc-east" "$name")"
runc --root "$W/runc-west" delete -f "$name" > /dev/null 2>&1
runc --root "$W/runc-east" delete -f "$name" > /dev/null 2>&1

# ---- a bundle may not choose what root's CRIU loads or runs ----------------------
# (a plugin directory here: runc hands the same file to CRIU at the dump,
# where it is harmless; an action script CRIU refuses over RPC anyway)
name=ctr-hook b=$W/bundle-ctr-hook
make_bundle "$b" sleep 600
mkdir -p "$W/plugins"
echo "lib $W/plugins" > "$b/criu.conf"
python3 - "$b/config.json" "$name" "$b/criu.conf" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = "/east/" + sys.argv[2]
c.setdefault("annotations", {})["org.criu.config"] = sys.argv[3]
json.dump(c, open(sys.argv[1], "w"))
PY
runc --root "$W/runc-east" run -d --bundle "$b" "$name" < /dev/null > /dev/null 2>&1
out=$(PWRMIG_RUNC_ROOT=$W/runc-east $ctl migrate start "$name" to west cold timeout 120 wait 2>&1)
t_check "ctr-hook: a bundle's CRIU plugin directory is refused at west, named" \
	grep -q "option 'lib' is not one a bundle may set" <<< "$out"
grep -q "is not one a bundle may set" <<< "$out" || tail -n 3 <<< "$out" | sed 's/^/#   /'
t_expect "ctr-hook: the container runs on at east" running \
	"$(runc --root "$W/runc-east" state "$name" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)"
runc --root "$W/runc-east" delete -f "$name" > /dev/null 2>&1

# ---- a name already taken at the destination is refused, nothing there is touched
name=job-taken prog=$W/job-taken.progress
mkdir -p "$cg/west/$name"
bash -c "echo \$\$ > $cg/west/$name/cgroup.procs; exec sleep 600" & pids+=($!); other=$!
start_job "$name" "$prog" --mem 16 --pages 4 --step-ms 100
out=$($ctl migrate start "/east/$name" to west cold timeout 60 wait 2>&1)
t_check "name taken: the migration fails, saying why" grep -q "already exists here" <<< "$out"
t_check "name taken: west's own job with that name still runs" kill -0 "$other"
t_check "name taken: the job still runs at east" advancing "$prog"
kill "$other"; echo 1 > "$cg/east/$name/cgroup.kill"

# ---- TLS refusals -------------------------------------------------------------------
# west_with WHAT CERT-DIR [PEER-OPTIONS [CONF-LINE]]: west restarted with
# its certificates from CERT-DIR, options on its peer line for east, and one
# more line of configuration.
west_with() {
	kill "$west_pid"; wait "$west_pid" 2>/dev/null
	conf west 10.99.0.2 east 10.99.0.1 "$2" |
		sed "s|^peer = .*|& ${3:-}|" > "$W/west-$1.conf"
	[ -n "${4:-}" ] && echo "$4" >> "$W/west-$1.conf"
	: > "$W/west.log"
	start_west "$W/west-$1.conf"
	wait_listen nsenter --net=/run/netns/west bash -c "$(declare -f listening); listening 10.99.0.2:9787"
}
tls_test() { # WHAT CERT-DIR LOG-PATTERN [PEER-OPTIONS [CONF-LINE]]
	local what=$1 name=job-$1 prog=$W/job-$1.progress out
	west_with "$what" "$2" "${4:-}" "${5:-}"
	start_job "$name" "$prog" --mem 32 --pages 4 --step-ms 100
	out=$($ctl migrate start "/east/$name" to west cold timeout 60 wait 2>&1)
	t_check "$what: the migration fails" grep -q 'failed' <<< "$out"
	t_check "$what: the refusal is logged ($3)" grep -q "$3" "$W/east.log" "$W/west.log"
	t_check "$what: the job still runs at east" advancing "$prog"
	t_expect "$what: west runs nothing" "" "$(cat "$cg/west/$name/cgroup.procs" 2>/dev/null)"
	echo 1 > "$cg/east/$name/cgroup.kill"
}
scripts/pwrmig-certs --ca-name "another CA" "$W/pki-other" west > /dev/null
mkdir -p "$W/pki-expired" && cp "$W/pki/ca.crt" "$W/pki/ca.key" "$W/pki-expired/"
scripts/pwrmig-certs --expired "$W/pki-expired" west > /dev/null
# The other CA signs west's certificate; west also trusts only it.
tls_test other-ca "$W/pki-other" 'certificate'
tls_test expired "$W/pki-expired" 'certificate has expired'
# A certificate names one site: west's names two (signed by the right CA).
mkdir -p "$W/pki-two" && cp "$W/pki/ca.crt" "$W/pki-two/"
printf 'subjectAltName=DNS:west,DNS:east\nextendedKeyUsage=serverAuth,clientAuth\n' > "$W/two.ext"
openssl ecparam -name prime256v1 -genkey -noout -out "$W/pki-two/west.key"
openssl req -new -key "$W/pki-two/west.key" -subj /CN=west 2> /dev/null |
	openssl x509 -req -CA "$W/pki/ca.crt" -CAkey "$W/pki/ca.key" -days 1 \
		-extfile "$W/two.ext" -out "$W/pki-two/west.crt" 2> /dev/null
tls_test two-names "$W/pki-two" 'names 2 sites'

# ---- what west trusts east with: revocation, a pinned key, the uids a restore may run as
scripts/pwrmig-certs "$W/pki" north > /dev/null
scripts/pwrmig-certs --crl "$W/pki/revoked-east.crl" "$W/pki" "$W/pki/east.crt" > /dev/null
scripts/pwrmig-certs --crl "$W/pki/revoked-north.crl" "$W/pki" "$W/pki/north.crt" > /dev/null
east_pin=$(scripts/pwrmig-certs --pin "$W/pki/east.crt")
north_pin=$(scripts/pwrmig-certs --pin "$W/pki/north.crt")
tls_test revoked "$W/pki" 'certificate revoked' "" "tls_crl = $W/pki/revoked-east.crl"
tls_test pinned "$W/pki" 'not the one pinned' "pin $north_pin"
tls_test uids "$W/pki" 'runs as uid 0; this peer' "uids 1000-1999"
# The same checks passed: a CRL without east, east's own key, root allowed.
west_with trusted "$W/pki" "pin $east_pin uids 0-0" "tls_crl = $W/pki/revoked-north.crl"
name=job-trusted prog=$W/job-trusted.progress
start_job "$name" "$prog" --mem 32 --pages 4 --step-ms 100
out=$($ctl migrate start "/east/$name" to west cold timeout 60 wait 2>&1)
expect_done "trusted: pinned, not revoked, uid allowed: the migration is done" $? "$out"
t_check "trusted: the job runs at west" advancing "$prog"
t_expect "trusted: east runs nothing" "" "$(cat "$cg/east/$name/cgroup.procs" 2>/dev/null)"
echo 1 > "$cg/west/$name/cgroup.kill"
# A CRL replaced while west runs counts from the next connection.
cp "$W/pki/revoked-east.crl" "$W/pki/revoked-north.crl"
name=job-crl-reload prog=$W/job-crl-reload.progress
start_job "$name" "$prog" --mem 32 --pages 4 --step-ms 100
out=$($ctl migrate start "/east/$name" to west cold timeout 60 wait 2>&1)
t_check "CRL reloaded: east, revoked now, is refused" grep -q 'certificate revoked' "$W/west.log"
t_check "CRL reloaded: the job still runs at east" advancing "$prog"
echo 1 > "$cg/east/$name/cgroup.kill"
t_done
