#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest-harness programs (build/tests/guest/genl_*), each against
# a freshly loaded module; their TAP lines count as this test's.  Then
# genl_ledger again against the other back end: pwrmigd's socket, the
# module not loaded.
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

work=$(mktemp -d -p "$T_TOP/build")
printf 'mode = bpf\nmeter = model\ngpu = off\ninterval_ms = 200\nlisten = 127.0.0.1:9805\nsocket = %s\n' \
	"$work/pwrmig.sock" > "$work/pd.conf"
build/bin/pwrmigd -c "$work/pd.conf" 2> "$work/pd.log" &
pdpid=$!
export PWRMIG_SOCKET=$work/pwrmig.sock
for i in $(seq 200); do build/bin/pwrmigctl info > /dev/null 2>&1 && break; sleep 0.1; done
build/tests/guest/genl_ledger 2>&1 | sed -e "s/^ok \([0-9]*\) /ok \1 genl_ledger (pwrmigd): /" \
	-e "s/^not ok \([0-9]*\) /not ok \1 genl_ledger (pwrmigd): /"
[ "${PIPESTATUS[0]}" -eq 0 ] || T_FAILED=$((T_FAILED + 1))
kill $pdpid; wait $pdpid
rm -rf "$work"
t_done
