#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig-shaper live, two sites on two nodes (a pair of guests, see
# lib/pair.sh), real CRIU migrations between them.  Each node runs its
# module, its pwrmigd and its own shaper, which acts for its own site's
# jobs.  Prices come from a feed this test appends to, on a simulated
# clock 360 times faster than real time (a 15-minute slot every 2.5 s)
# that both shapers share.
#   - east cheap: the training job stays at east;
#   - east's price steps up: east's shaper moves it west (the broker,
#     pwrmigd, CRIU, TLS), and its step counter carries on;
#   - east turns cheap again: west's shaper brings it back;
#   - a job that may not migrate is only ever paused and resumed;
#   - both ledgers account the job's cost (each site's own and carried);
#   - west's pwrmigd is killed and west turns cheap: every move fails, the
#     job keeps running at east, and the shaper retries with back-off
#     (1 h, then 2 h, then 4 h of simulated time), not in a loop;
#   - explain, the metrics, and a restart that keeps the back-off.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
if [ -z "${PWRMIG_PAIR:-}" ]; then
	t_skip "shaper between two nodes" "needs a pair of guests (tests/run runs it as pair:shaper)"
	t_done
fi
source "$(dirname "$0")/lib/pair.sh"

shaper=build/bin/pwrmig-shaper
feed=$P/feed.csv
speed=360
sim0=1783267200		# 2026-07-06T00:00+08:00

# shaper_conf: this node's shaper; it acts for its own site's jobs only.
shaper_conf() {
	local from=$1
	cat <<EOF
state_dir $W/shaper
listen ${addr[$role]}:9788
clock 2026-07-06T00:00+08:00 x$speed from=$from
slot 15m
horizon 12h
max_horizon 24h
feed $feed
move_kwh_per_gb 0
move_overhead 60s
move_penalty 0
min_dwell 1h
hysteresis 1
backoff 1h
backoff_max 4h
request_timeout 120
site $role local cgroup_root=/$role tariff=feed pue=$([ "$role" = east ] && echo 1.30 || echo 1.12)
site $other tariff=feed pue=$([ "$role" = east ] && echo 1.12 || echo 1.30) metrics=http://${addr[$other]}:9786/metrics
link east west 1
# trainjob stands in for a training job of 10 kW with 20 h of work.
job shaped work=20h kw=10
job pinned work=20h kw=10
EOF
}

start_shaper() {
	mkdir -p "$W/shaper"
	$shaper run --config "$W/shaper.conf" >> "$W/shaper.log" 2>&1 &
	shaper_pid=$!
	pids+=($shaper_pid)
}

# ---- the west node: its site, its shaper, until east is done -------------------------
if [ "$role" = west ]; then
	if ! pair_setup 0.30 0.60; then
		pair_signal west.failed
		exit 0
	fi
	pair_wait clock 300 || exit 1
	shaper_conf "$(cat "$P/clock")" > "$W/shaper.conf"
	start_shaper
	pair_signal west.ready
	until [ -e "$P/done" ]; do
		$ctl -j cgroup show > "$P/west-ledger.tmp" 2>/dev/null && mv "$P/west-ledger.tmp" "$P/west-ledger.json"
		cp "$W/shaper.log" "$P/west-shaper.log"
		if [ -e "$P/kill-pwrmigd" ] && kill -0 "$pd_pid" 2>/dev/null; then
			kill "$pd_pid"; wait "$pd_pid"
			pair_signal pwrmigd.killed
		fi
		sleep 1
	done
	cp "$W/shaper.log" "$P/west-shaper.log"
	exit 0
fi

# ---- the east node: the test ---------------------------------------------------------------
if ! pair_setup 0.30 0.60; then
	t_skip "shaper between two nodes" "$(cat "$P/east.skip" 2>/dev/null)"
	t_done
fi
# Both shapers' clocks start 20 s from now.
from=$(( $(date +%s) + 20 ))
printf '%s,east,0.30\n%s,west,0.60\n' "$sim0" "$sim0" > "$feed"
echo "$from" > "$P/clock"
shaper_conf "$from" > "$W/shaper.conf"
if ! pair_wait west.ready 300; then
	t_fail "the west node is up" "$(cat "$P/west.skip" 2>/dev/null; tail -n 5 "$P/west/shaper.log" 2>/dev/null)"
	t_done
fi
start_job shaped "$P/shaped.progress" --mem 8 --pages 4 --step-ms 20 ||
	{ t_fail "the job runs at east"; t_done; }
start_job pinned "$P/pinned.progress" --mem 8 --pages 4 --step-ms 20
deadline=$((sim0 + 40 * 3600))
$ctl cgroup set /east/shaped deferrable on migratable on deadline $deadline priority 5 > /dev/null
$ctl cgroup set /east/pinned deferrable on migratable off deadline $deadline priority 5 > /dev/null
pinned_id=$(stat -c %i "$cg/east/pinned")

out=$($shaper run --config "$W/none.conf" 2>&1); rc=$?
t_expect "a missing configuration is named" "2 Error: $W/none.conf: No such file or directory" "$rc $out"
start_shaper

# prices EAST WEST: from (about) now on, by the shared simulated clock.
prices() {
	local t=$(( sim0 + ($(date +%s) - from) * speed - 300 ))
	printf '%s,east,%s\n%s,west,%s\n' "$t" "$1" "$t" "$2" >> "$feed"
}
# The job NAME runs in east's cgroup / is in west's ledger, alive.
at_east() { [ -n "$(cat "$cg/east/$1/cgroup.procs" 2>/dev/null)" ]; }
at_west() {
	python3 - "$P/west-ledger.json" "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
d = d if isinstance(d, list) else [d]
sys.exit(0 if any(c.get("path") == "/west/" + sys.argv[2] and not c.get("gone") for c in d) else 1)
PY
}
ledger_of() { # FILE PATH FIELD
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d = d if isinstance(d, list) else [d]
print(next((c.get(sys.argv[3], 0) for c in d if c.get("path") == sys.argv[2] and not c.get("gone")), 0))
PY
}
requests() { # the shaper's migration requests here
	$ctl -j migrate show | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin) if m.get("requester") == "pwrmig-shaper"))'
}

# ---- east is cheap: the job stays ---------------------------------------------------------
sleep $(( from - $(date +%s) + 8 ))	# the clock's start and three slots
t_check "the shaper runs and plans" bash -c "kill -0 $shaper_pid && grep -q 'running: 2 sites' '$W/shaper.log'"
t_check "east cheap: the job stays at east" at_east shaped
t_expect "east cheap: no move asked for" 0 "$(requests)"
t_check "the shaper pushed the feed's price into the module" \
	bash -c "$ctl site show east | grep -q 'price 0.3'"

# ---- east's price steps up: east's shaper moves the job west -------------------------------------
prices 1.50 0.40
for i in $(seq 300); do ! at_east shaped && at_west shaped && break; sleep 0.5; done
if ! at_east shaped && at_west shaped && advancing "$P/shaped.progress"; then
	t_ok "east dear: the shaper moves the job west, where it runs on"
else
	t_fail "east dear: the shaper moves the job west" "$(tail -n 5 "$W/shaper.log")"
	tail -n 15 "$W/pwrmigd.log" | sed 's/^/#   pwrmigd: /'
fi
t_check "asked for through the broker by pwrmig-shaper" \
	grep -q 'shaped: move east -> west (request' "$W/shaper.log"
t_check "its steps carry on, each once, in order" contiguous "$P/shaped.progress"
sleep 3		# west's ledger accrues a few samples
west_own=$(ledger_of "$P/west-ledger.json" /west/shaped cost-uunits)
west_carried=$(ledger_of "$P/west-ledger.json" /west/shaped carried-cost-uunits)
[ "$west_carried" -gt 0 ] && [ "$west_own" -gt 0 ] &&
	t_ok "west's ledger: east's cost carried ($west_carried micro-CNY), its own accruing ($west_own)" ||
	t_fail "west's ledger: east's cost carried, its own accruing" "carried $west_carried, own $west_own"

# ---- east turns cheap: west's shaper brings it back -------------------------------------------
prices 0.20 1.20
for i in $(seq 300); do at_east shaped && break; sleep 0.5; done
if at_east shaped && advancing "$P/shaped.progress"; then
	t_ok "east cheap again: west's shaper brings the job back"
else
	t_fail "east cheap again: west's shaper brings the job back" "$(tail -n 5 "$P/west-shaper.log")"
fi
t_check "asked for by west's shaper" grep -q 'shaped: move west -> east (request' "$P/west-shaper.log"
t_check "its steps carry on, each once, in order" contiguous "$P/shaped.progress"
$ctl -j cgroup show > "$W/east-ledger.json"
east_carried=$(ledger_of "$W/east-ledger.json" /east/shaped carried-cost-uunits)
[ "$east_carried" -gt "$west_carried" ] &&
	t_ok "east's ledger carries both sites' cost ($east_carried > $west_carried micro-CNY)" ||
	t_fail "east's ledger carries both sites' cost" "east carried $east_carried, west had carried $west_carried"

# ---- west's pwrmigd dies; west turns cheap: fail, back off ---------------------------------
pair_signal kill-pwrmigd
pair_wait pwrmigd.killed 30 || t_fail "west's pwrmigd is stopped"
before=$(requests)
prices 1.50 0.10
sleep 75	# 7.5 h of the shaper's clock: at most 3 tries at 1 h, 2 h, 4 h apart
tries=$(( $(requests) - before ))
[ "$tries" -ge 2 ] && [ "$tries" -le 4 ] &&
	t_ok "west down: $tries tries in 7.5 h, not a loop" ||
	t_fail "west down: 2-4 tries in 7.5 h" "$tries tries; $(grep -c 'failed' "$W/shaper.log") failures logged"
t_check "the back-off doubles" \
	bash -c "grep -q 'no new move for 3600 s (failure 1)' '$W/shaper.log' && grep -q 'no new move for 7200 s (failure 2)' '$W/shaper.log'"
t_check "the job keeps running at east" at_east shaped
t_check "... stepping, each step once" \
	bash -c "$(declare -f advancing step_of contiguous); advancing '$P/shaped.progress' && contiguous '$P/shaped.progress'"

# ---- the pinned job ---------------------------------------------------------------------------
t_check "the job that may not migrate is still at east" at_east pinned
t_expect "no move was ever asked for it" 0 "$($ctl -j migrate show | python3 -c "
import json, sys
print(sum(1 for m in json.load(sys.stdin) if m.get('cgroup-id') == $pinned_id))")"
t_check "its steps are each once, in order (paused and resumed only)" contiguous "$P/pinned.progress"

# ---- explain, metrics, restart ------------------------------------------------------------------
out=$($shaper explain shaped --config "$W/shaper.conf" 2>&1)
case "$out" in
*"move east -> west"*"saves"*"costs"*) t_ok "explain shows a move with its saving and cost" ;;
*) t_fail "explain shows a move with its saving and cost" "$out" ;;
esac
case "$out" in
*"failed moves in a row; no new move before"*) t_ok "explain shows the back-off" ;;
*) t_fail "explain shows the back-off" "$out" ;;
esac
curl -s "http://${addr[east]}:9788/metrics" > "$W/shaper.metrics"
t_check "metrics are served" test -s "$W/shaper.metrics"
t_check "metrics: one move done, failures counted" \
	bash -c "grep -q '^pwrmig_shaper_moves_total{result=\"done\"} 1$' '$W/shaper.metrics' && ! grep -q '^pwrmig_shaper_moves_total{result=\"failed\"} 0$' '$W/shaper.metrics'"
t_check "metrics: where each job is" \
	grep -q '^pwrmig_shaper_job_info{job="pinned",site="east"' "$W/shaper.metrics"
out=$(promtool check metrics < "$W/shaper.metrics" 2>&1)
t_expect "promtool check metrics: clean" "" "$out"
kill -TERM "$shaper_pid"; wait "$shaper_pid"; rc=$?
t_expect "SIGTERM: exit 0" 0 "$rc"
before=$(requests)
# The restart's clock stands a quarter of an hour after the last failure,
# inside its back-off however long the checks above took (4 h of the
# shared clock are 40 s).
last=$(grep 'no new move for' "$W/shaper.log" | tail -n 1 | sed -n 's/^.*\[\([0-9-]*\) \([0-9:]*\)\].*$/\1 \2/p')
at=$(( $(date -d "2026-${last% *} ${last#* } +0800" +%s) + 900 ))
sed "s|^clock .*|clock $at x1 from=$(date +%s)|" "$W/shaper.conf" > "$W/shaper-restart.conf"
$shaper run --config "$W/shaper-restart.conf" --once >> "$W/shaper.log" 2>&1
t_check "a restart reads its state back" grep -q 'state: 2 jobs from' "$W/shaper.log"
t_expect "... and keeps the back-off: no new try at once (clock at ${last:-?} + 15 min)" \
	"$before" "$(requests)"
echo "# east's shaper log:"; sed 's/^/#   /' "$W/shaper.log" | tail -n 30
echo "# west's shaper log:"; sed 's/^/#   /' "$P/west-shaper.log" | tail -n 15
t_done
