#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest-harness programs (build/tests/guest/genl_*), each against
# a freshly loaded module; their TAP lines count as this test's.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
ko=build/kmod/$(uname -r)/pwrmig.ko
modprobe msr 2>/dev/null

for prog in build/tests/guest/genl_*; do
	[ -x "$prog" ] && [ "${prog%.d}" = "$prog" ] || continue
	name=$(basename "$prog")
	if ! insmod "$ko"; then
		t_fail "$name: insmod"
		continue
	fi
	"$prog" 2>&1 | sed -e "s/^ok \([0-9]*\) /ok \1 $name: /" \
		-e "s/^not ok \([0-9]*\) /not ok \1 $name: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || T_FAILED=$((T_FAILED + 1))
	rmmod pwrmig || t_fail "$name: rmmod"
done
t_done
