#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig-shaper's command line on the host: the simulator on the shipped
# reference scenario (every policy, the optimum, table, JSON, plot), the
# sweep, bad scenario and configuration files named by FILE:LINE, the
# tariff checker, explain without a state, help and version.  The live
# controller with the module is tests/guest/shaper.sh.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
sh=build/bin/pwrmig-shaper
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
json() { python3 -c "import json, sys; d = json.load(open('$1')); print($2)"; }

# ---- the reference week -----------------------------------------------------------
$sh simulate --scenario data/scenarios/reference --json --plot "$work/ref.png" \
	> "$work/ref.json" 2> "$work/ref.err"
t_expect "simulate --json: exit 0" 0 $?
t_expect "every policy reported, in-place first" "in-place threshold timeshift shaper" \
	"$(json "$work/ref.json" '" ".join(r["policy"] for r in d["results"])')"
t_expect "48 jobs, 7 days" "48 7" "$(json "$work/ref.json" 'd["jobs"], d["days"]' | tr -d '(),')"
t_expect "time shifting and the shaper: no deadline missed, no peak breached, no run refused" \
	"0 0 0 0" "$(json "$work/ref.json" '" ".join(str(r["misses"] + r["peak_over_slots"]) for r in d["results"] if r["policy"] in ("timeshift", "shaper")) + " " + " ".join(str(r["refused"]) for r in d["results"] if r["policy"] in ("timeshift", "shaper"))')"
t_check "the optimum is proven and no policy beats it" python3 -c "
import json, sys
d = json.load(open('$work/ref.json'))
assert d['optimum_proven'], 'not proven'
assert all(r['cost'] >= d['optimum'] - 1e-6 for r in d['results']), 'a policy under the optimum'
assert d['lp_relaxation'] <= d['optimum'] + 1e-6, 'the relaxation above the optimum'"
t_check "the shaper saves more than time shifting, and than the threshold" python3 -c "
import json
d = {r['policy']: r for r in json.load(open('$work/ref.json'))['results']}
assert d['shaper']['cost'] < d['timeshift']['cost'] < d['threshold']['cost'] < d['in-place']['cost']"
t_check "the shaper moves jobs; time shifting does not" python3 -c "
import json
d = {r['policy']: r for r in json.load(open('$work/ref.json'))['results']}
assert d['shaper']['moves'] > 0 and d['timeshift']['moves'] == 0"
png() { python3 -c "import sys; sys.exit(open('$1', 'rb').read(8) != b'\\x89PNG\\r\\n\\x1a\\n')"; }
t_check "--plot writes a PNG" png "$work/ref.png"

out=$($sh simulate --scenario data/scenarios/reference --policy shaper --no-bound \
	--forecast-error 0.2 2>&1)
case "$out" in
*"forecast error 20 %"*"pwrmig-shaper (online LP)"*) t_ok "the table says the forecast error" ;;
*) t_fail "the table says the forecast error" "$out" ;;
esac

# ---- the sweep --------------------------------------------------------------------------
out=$($sh sweep --scenario data/scenarios/reference --slack 2h,1x --gpus west=16,48 \
	--mip-seconds 30 --plot "$work/sweep.png" 2>&1)
t_expect "sweep: four points" 4 "$(echo "$out" | grep -cE '^(2h|1x) ')"
case "$out" in
*"moves pay at"*"the shaper beats time shifting at"*) t_ok "sweep: where moves pay, and whether the shaper beats time shifting there" ;;
*) t_fail "sweep says where moves pay" "$out" ;;
esac
t_check "sweep --plot writes a PNG" png "$work/sweep.png"

# ---- bad input ------------------------------------------------------------------------------
printf 'name x\nstart 2026-07-06T00:00+08:00\nsite east tariff=nope\n' > "$work/bad1"
out=$($sh simulate --scenario "$work/bad1" 2>&1); rc=$?
case "$rc $out" in
"2 Error: $work/bad1:3: tariff nope: $work/../tariffs/nope.tariff: No such file or directory") t_ok "a missing tariff: FILE:LINE and the path tried" ;;
*) t_fail "a missing tariff: FILE:LINE and the path tried" "$rc $out" ;;
esac
printf 'name x\nstart 2026-07-06T00:00+08:00\ntariffs %s/data/tariffs\nsite east tariff=zhejiang-4tier\njob a site=east submit=0/01:00 work=10h deadline=+5h kw=1\n' "$T_TOP" > "$work/bad2"
out=$($sh simulate --scenario "$work/bad2" 2>&1)
t_expect "a deadline before the work can end is named" \
	"Error: $work/bad2:5: job 'a': its deadline comes before even running it at once would finish it" "$out"
printf 'name x\nstart 2026-07-06T00:00+08:00\nslot 7m\nsite east pue=9\n' > "$work/bad3"
out=$($sh simulate --scenario "$work/bad3" 2>&1)
t_expect "a PUE out of range" "Error: $work/bad3:4: pue '9' is not a number from 1 to 5" "$out"
out=$($sh simulate --scenario data/scenarios/reference --slack 3y 2>&1); rc=$?
t_expect "a bad --slack" "2 Error: slack '3y' is not a duration (6h) or a multiple of the work (2x)" "$rc $out"
printf 'state_dir relative\nsite east tariff=feed\n' > "$work/bad.conf"
out=$($sh run --config "$work/bad.conf" 2>&1); rc=$?
t_expect "a bad configuration: FILE:LINE, exit 2" \
	"2 Error: $work/bad.conf:1: state_dir must be an absolute path, not 'relative'" "$rc $out"
printf 'site east tariff=feed\n' > "$work/bad.conf"
out=$($sh run --config "$work/bad.conf" 2>&1)
t_expect "a feed site needs a feed" \
	"Error: $work/bad.conf: site east takes its prices from a feed, and there is no 'feed' line" "$out"
printf 'tariffs %s/data/tariffs\nsite east tariff=zhejiang-4tier\n' "$T_TOP" > "$work/bad.conf"
out=$($sh run --config "$work/bad.conf" 2>&1)
t_expect "a controller that acts for no site" \
	"Error: $work/bad.conf: no site with cgroup_root=: this node would act for none" "$out"

# ---- tariff, explain, help ------------------------------------------------------------------
out=$($sh tariff data/tariffs/ningxia.tariff 2026-07-06)
case "$out" in
*"18:30  peak         0.6000"*"22:30  valley       0.2000"*) t_ok "tariff prints a day's tiers" ;;
*) t_fail "tariff prints a day's tiers" "$out" ;;
esac
out=$($sh explain --state-dir "$work" 2>&1); rc=$?
t_expect "explain without a state says so" "1 Error: $work/state.json: no state yet" "$rc $out"
out=$($sh frobnicate 2>&1); rc=$?
t_expect "an unknown command: exit 2" 2 "$rc"
$sh help | grep -q 'simulate --scenario FILE' && t_ok "help lists the commands" ||
	t_fail "help lists the commands"
$sh --version | grep -q "^pwrmig-shaper $(cat VERSION) (CLP " && t_ok "--version names the solver" ||
	t_fail "--version names the solver" "$($sh --version)"
out=$($sh bench --jobs 200 --slots 96 --runs 1)
case "$out" in
*"re-plan of 200 jobs x 2 sites x 96 slots"*"max RSS"*) t_ok "bench runs a re-plan" ;;
*) t_fail "bench runs a re-plan" "$out" ;;
esac
t_done
