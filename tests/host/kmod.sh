#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig.ko is built for both Debian kernels, says what it is, and its
# hand-written sources (its own, the test rig's pwrmig_test.ko and the pure
# C it shares from common/) pass checkpatch.pl --no-tree.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

version=$(cat VERSION)
for label in 6.1 6.12; do
	if ! kver=$(scripts/kernels "$label" 2>/dev/null); then
		t_skip "module for $label" "no Debian $label kernel with headers installed"
		continue
	fi
	ko=build/kmod/$kver/pwrmig.ko
	if [ ! -f "$ko" ]; then
		t_fail "build/kmod/$kver/pwrmig.ko exists" "run make"
		continue
	fi
	t_ok "build/kmod/$kver/pwrmig.ko exists"
	t_expect "$label: modinfo license" GPL "$(modinfo -F license "$ko")"
	t_expect "$label: modinfo version" "$version" "$(modinfo -F version "$ko")"
	desc=$(modinfo -F description "$ko")
	[ -n "$desc" ] && t_ok "$label: modinfo description ($desc)" ||
		t_fail "$label: modinfo description" "empty"
	t_expect "$label: vermagic" "$kver" "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)"
	t_expect "$label: autoloads on the family name" net-pf-16-proto-16-family-pwrmig \
		"$(modinfo -F alias "$ko")"
	t_expect "$label: pwrmig_test.ko is a module of its own that needs pwrmig.ko" pwrmig \
		"$(modinfo -F depends "build/kmod/$kver/pwrmig_test.ko" 2>&1)"
done

cp=build/ksrc/scripts/checkpatch.pl
for f in kmod/*.[ch] kmod/test/*.c common/attrib.[ch] common/ctrid.h \
	 include/uapi/linux/pwrmig.h; do
	out=$(perl "$cp" --no-tree --quiet --show-types -f "$f" 2>&1)
	[ -z "$out" ] && t_ok "checkpatch $f" || t_fail "checkpatch $f" "$out"
done
t_done
