#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigctl's command line on the host, where the module cannot be
# loaded: usage errors and the "module absent" error.  The guest suite
# covers the commands against the module.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ctl=build/bin/pwrmigctl

out=$($ctl -V); t_expect "-V prints the version" "pwrmigctl $(cat VERSION)" "$out"
$ctl -h | grep -q '^  info ' && t_ok "-h lists the info object" || t_fail "-h lists the info object"
$ctl >/dev/null 2>&1; t_expect "no object is a usage error (2)" 2 $?
out=$($ctl bogus 2>&1); rc=$?
t_expect "unknown object is a usage error (2)" 2 $rc
t_expect "unknown object named in one line" "Error: unknown object 'bogus' (try pwrmigctl help)" "$out"
out=$($ctl info extra 2>&1); rc=$?
t_expect "info with arguments is a usage error (2)" 2 $rc
$ctl --frobnicate >/dev/null 2>&1; t_expect "unknown option is a usage error (2)" 2 $?
out=$($ctl migrate cancel 0 2>&1); rc=$?
t_expect "request id 0 refused before asking the kernel" "2 Error: request id '0' is not 1-4294967295" "$rc $out"
out=$($ctl migrate wait 2>&1); rc=$?
t_expect "missing request id" "2 Error: migrate wait needs exactly one ID" "$rc $out"
out=$($ctl price set east 1.5x 2>&1); rc=$?
t_expect "bad price refused on the host already" 2 "$rc"
# Forecast files: each fault named by file and line, before any request.
fc=$(mktemp -d); trap 'rm -rf "$fc"' EXIT
fc_err() { printf "$1" > "$fc/f"; $ctl price set east forecast "$fc/f" 2>&1; echo "rc=$?"; }
t_expect "forecast: overlapping slots" \
	"Error: $fc/f:3: slot starts before the previous one ends; slots must be in time order without overlap rc=2" \
	"$(fc_err '# tariff\n2026-11-28T07:00Z 1h 0.7231\n2026-11-28T07:30Z 1h 1.058\n' | paste -sd' ')"
t_expect "forecast: bad start" \
	"Error: $fc/f:1: start '2026-11-28' is not UNIX seconds or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] rc=2" \
	"$(fc_err '2026-11-28 1h 0.7\n' | paste -sd' ')"
t_expect "forecast: bad duration" \
	"Error: $fc/f:2: duration '0' is not a positive number of seconds (suffix s, m or h) rc=2" \
	"$(fc_err '\n1795852800 0 0.7\n' | paste -sd' ')"
t_expect "forecast: bad price" \
	"Error: $fc/f:1: price '-1' is not a number from 0 to 1000 with at most 6 decimals rc=2" \
	"$(fc_err '1795852800 1h -1\n' | paste -sd' ')"
t_expect "forecast: missing field" "Error: $fc/f:1: want START DURATION PRICE, got 2 fields rc=2" \
	"$(fc_err '1795852800 1h\n' | paste -sd' ')"
t_expect "forecast: too many slots" "Error: $fc/f:97: more than 96 forecast slots rc=2" \
	"$(fc_err "$(for i in $(seq 0 96); do echo "$((1795852800 + i * 900)) 15m 0.5\\n"; done | tr -d '\n')" | paste -sd' ')"
t_expect "forecast: missing file" "Error: forecast file '$fc/none': No such file or directory rc=2" \
	"$({ $ctl price set east forecast "$fc/none" 2>&1; echo "rc=$?"; } | paste -sd' ')"

# KEY VALUE arguments, one table per command (args.c): checked before any
# connection, so these need neither the module nor pwrmigd.
while IFS='|' read -r args want; do
	out=$($ctl $args 2>&1); rc=$?
	t_expect "usage: $args" "2 $want" "$rc $out"
done <<'EOF2'
meter set interval 0|Error: interval '0' is out of range
meter set interval|Error: 'interval' needs a value
meter set kind foo|Error: meter kind 'foo' is not rapl, model or external
site set east carbon 99999999999|Error: carbon (g/kWh) '99999999999' is out of range
site set east bogus 1|Error: unknown argument 'bogus' (price, currency, pue, carbon, local)
site set east pue 5.0001|Error: pue '5.0001' is not a number from 0 to 5 with at most 3 decimals
price set east 1 local|Error: unknown argument 'local' (currency, forecast)
price set east 1 currency|Error: 'currency' needs a value
cgroup set / priority 4294967296|Error: priority '4294967296' is out of range
cgroup set / deferrable maybe|Error: deferrable 'maybe' is not on or off
cgroup top limit|Error: 'limit' needs a value
cgroup top count -1|Error: count '-1' is not a non-negative integer
cgroup top sort size|Error: sort 'size' is not power or cost
migrate start / to west timeout 0|Error: timeout '0' is not 1-86400 seconds (how long the request may wait for a pwrmigd to claim it)
migrate start / to west timeout|Error: 'timeout' needs a value
migrate start / to west bogus|Error: unknown argument 'bogus' (live, cold, wait, timeout)
migrate start / to west hot|Error: unknown argument 'hot' (live, cold, wait, timeout)
migrate s|Error: migrate command 's' is ambiguous: start show
migrate frob|Error: unknown migrate command 'frob' (try pwrmigctl migrate help)
cgroup set / deadline tomorrow|Error: deadline 'tomorrow' is not UNIX seconds or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]
EOF2

out=$($ctl m 2>&1); rc=$?
t_expect "an ambiguous prefix names the candidates" "2 Error: object 'm' is ambiguous: meter migrate monitor" \
	"$rc $out"
# help at every level: the usage on stdout, exit 0.
for args in help "info help" "cgroup help" "cgroup top help" "migrate start help" "monitor help" \
	    "capture help"; do
	out=$($ctl $args 2>/dev/null); rc=$?
	t_expect "'$args' prints the usage" "0 Usage: pwrmigctl" "$rc $(echo "$out" | head -n 1 | cut -c1-16)"
done

out=$($ctl -n pwrmig-none info 2>&1); rc=$?
t_expect "-n NETNS as ip -n: a namespace that does not exist is named" \
	"1 Error: cannot enter network namespace 'pwrmig-none': No such file or directory" "$rc $out"

if [ -d /sys/module/pwrmig ]; then
	t_skip "module absent is reported" "pwrmig is loaded on this host"
else
	out=$(PWRMIG_SOCKET=/nonexistent/pwrmig.sock $ctl in 2>&1); rc=$?
	t_expect "module absent: exit 1" 1 $rc
	t_expect "module absent: one clear line (prefix 'in' matches info)" \
		"Error: the pwrmig module is not loaded (modprobe pwrmig) and pwrmigd does not serve its family on /nonexistent/pwrmig.sock" "$out"
fi
t_done
