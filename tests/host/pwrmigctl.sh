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
t_expect "unknown object named in one line" "Error: unknown object 'bogus' (try pwrmigctl -h)" "$out"
out=$($ctl info extra 2>&1); rc=$?
t_expect "info with arguments is a usage error (2)" 2 $rc
$ctl --frobnicate >/dev/null 2>&1; t_expect "unknown option is a usage error (2)" 2 $?
out=$($ctl migrate cancel 0 2>&1); rc=$?
t_expect "request id 0 refused before asking the kernel" "2 Error: request id '0' is not 1-4294967295" "$rc $out"
out=$($ctl migrate wait 2>&1); rc=$?
t_expect "missing request id" "2 Error: migrate wait needs exactly one ID" "$rc $out"
out=$($ctl price set east 1.5x 2>&1); rc=$?
t_expect "bad price refused on the host already" 2 "$rc"
out=$($ctl m 2>&1); rc=$?
t_expect "ambiguous prefix is an unknown object" "2 Error: unknown object 'm' (try pwrmigctl -h)" "$rc $out"

if [ -d /sys/module/pwrmig ]; then
	t_skip "module absent is reported" "pwrmig is loaded on this host"
else
	out=$($ctl in 2>&1); rc=$?
	t_expect "module absent: exit 1" 1 $rc
	t_expect "module absent: one clear line (prefix 'in' matches info)" \
		"Error: the pwrmig module is not loaded (modprobe pwrmig)" "$out"
fi
t_done
