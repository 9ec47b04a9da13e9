#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmigd's systemd unit, as make install writes it: systemd-analyze
# verifies it (and the metering-only sandbox drop-in) offline; the unit
# keeps out every sandbox a restored job would inherit; its state and
# runtime directories are where pwrmigd's defaults put the journals and
# the family socket; reload sends SIGHUP.  (No systemd runs as PID 1
# here or in the guests: the unit is not started.)
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v systemd-analyze > /dev/null; then
	t_skip "systemd-analyze" "not installed (package systemd)"
	t_done
fi
t_check "make install-userspace needs no kernel headers and installs the unit" \
	make -s install-userspace DESTDIR="$work/root" PREFIX=/usr/local KVERS=
unit=$work/root/usr/local/lib/systemd/system/pwrmigd.service
# Verified where its programs are: the installed binaries, under DESTDIR;
# beside it, or not, the metering-only drop-in.
mkdir -p "$work/plain" "$work/boxed/pwrmigd.service.d"
sed "s|/usr/local/sbin|$work/root/usr/local/sbin|" "$unit" > "$work/plain/pwrmigd.service"
cp "$work/plain/pwrmigd.service" "$work/boxed/"
cp "$work/root/usr/local/share/doc/pwrmig/pwrmigd-sandbox.conf" "$work/boxed/pwrmigd.service.d/"
out=$(cd "$work/plain" && systemd-analyze verify --man=no pwrmigd.service 2>&1)
t_expect "systemd-analyze verify: the unit" "0 " "$? $out"
out=$(cd "$work/boxed" && systemd-analyze verify --man=no pwrmigd.service 2>&1)
t_expect "systemd-analyze verify: the unit with the metering-only sandbox" "0 " "$? $out"
exposure() { (cd "$1" && systemd-analyze security --offline=true pwrmigd.service 2>/dev/null) |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'; }
plain=$(exposure "$work/plain")
boxed=$(exposure "$work/boxed")
awk -v a="$plain" -v b="$boxed" 'BEGIN { exit !(b != "" && a != "" && b + 3 <= a) }' &&
	t_ok "the drop-in lowers systemd's exposure score by 3 or more ($plain -> $boxed)" ||
	t_fail "the drop-in lowers the exposure score" "plain '$plain', with it '$boxed'"

t_expect "nothing a restored job would inherit: no mount namespace, bounding set, NNP, seccomp" "" \
	"$(grep -E '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|CapabilityBoundingSet|NoNewPrivileges|SystemCall|Restrict|Protect)' "$unit")"
t_expect "the state directory is pwrmigd's default state_dir" "/var/lib/pwrmig" \
	"/var/lib/$(sed -n 's/^StateDirectory=//p' "$unit")"
t_expect "the runtime directory holds the family socket's default path" \
	"$(sed -n 's/^#define PWRMIG_FAMSOCK_PATH[^"]*"\(.*\)\/[^/]*"$/\1/p' common/famsock.h)" \
	"/run/$(sed -n 's/^RuntimeDirectory=//p' "$unit")"
t_expect "state_dir's default in pwrmigd.conf agrees" "/var/lib/pwrmig" \
	"$(sed -n 's/^state_dir *= *\([^ #]*\).*/\1/p' Documentation/pwrmigd.conf)"
t_expect "systemctl reload sends SIGHUP" 'ExecReload=/bin/kill -HUP $MAINPID' \
	"$(grep '^ExecReload=' "$unit")"
t_done
