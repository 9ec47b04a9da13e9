#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink fuzzer (tests/fuzz/nlfuzz) against pwrmig.ko, as root and as
# an unprivileged user, in a guest booted with SLUB debugging and KFENCE
# (tests/guest/boots): the family still answers, every operation was
# reached past its checks, the unprivileged user changed nothing, the
# kernel logged no slab, KFENCE or lockdep report, and the module unloads.
#
#   PWRMIG_FUZZ_COUNT   messages as root (default 100000; make fuzz: 1000000)
#   PWRMIG_FUZZ_SEED    the root run's seed (default 1; the user's is SEED+1)
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

ko=build/kmod/$(uname -r)/pwrmig.ko
fuzz=build/tests/fuzz/nlfuzz
count=${PWRMIG_FUZZ_COUNT:-100000}
seed=${PWRMIG_FUZZ_SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
marker="pwrmig-test: fuzz.sh starts $$"
echo "$marker" > /dev/kmsg

cmdline=$(cat /proc/cmdline)
case "$cmdline" in
*slub_debug=*) t_ok "guest booted with slub_debug" ;;
*) t_fail "guest booted with slub_debug" "kernel command line: $cmdline" ;;
esac

t_check "insmod" insmod "$ko"

t0=$(date +%s)
# Progress every tenth, as comments in the log, for runs of an hour.
"$fuzz" --seed "$seed" --count "$count" --progress $(( (count + 9) / 10 )) \
	2>&1 > "$work/root.out" | sed -u 's/^/# /'
rc=${PIPESTATUS[0]}
took=$(( $(date +%s) - t0 ))
grep -m 2 '^nlfuzz: ' "$work/root.out" | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	t_ok "$count fuzzed messages as root (seed $seed, $took s): the family still answers"
else
	t_fail "$count fuzzed messages as root (seed $seed): exit $rc"
	tail -n 40 "$work/root.out" | sed 's/^/#   /'
fi

# Half the messages are within the spec: every request operation must have
# got past its checks at least once, or the fuzzer only knocks at the door.
for op in $(sed -n 's/^nlfuzz: op \([a-z-]*\) .*/\1/p' "$work/root.out"); do
	case "$op" in *-ntf) continue ;; esac
	ok=$(awk -v op="$op" '$2 == "op" && $3 == op { print $7 }' "$work/root.out")
	if [ "${ok:-0}" -gt 0 ]; then
		t_ok "fuzzed $op accepted $ok times"
	else
		t_fail "fuzzed $op accepted at least once" "$(grep " op $op " "$work/root.out")"
	fi
done

"$fuzz" --seed $((seed + 1)) --count $((count / 5)) --user 65534 > "$work/user.out" 2>&1
rc=$?
grep -m 1 '^nlfuzz: seed' "$work/user.out" | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	t_ok "$((count / 5)) fuzzed messages as uid 65534: no privileged operation succeeded"
else
	t_fail "fuzzed messages as uid 65534: exit $rc"
	grep -E 'FAIL|^nlfuzz: seed' "$work/user.out" | sed 's/^/#   /'
fi

t_check "rmmod after fuzzing" rmmod pwrmig

# Reports of the kernel's checkers since this test started.
dmesg | sed -n "/$marker/,\$p" > "$work/dmesg"
bad=$(grep -E 'BUG |BUG:|WARNING:|KFENCE|kmemleak|Oops|refcount_t:|Redzone|Poison overwritten' "$work/dmesg" | head -n 5)
if [ -z "$bad" ]; then
	t_ok "no slab, KFENCE, lockdep or WARN report in the kernel log"
else
	t_fail "no slab, KFENCE, lockdep or WARN report in the kernel log" "$bad"
fi
t_done
