#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One spec: add an attribute to a copy of the tree's YAML spec, run the
# build there, and see it reach the kernel (uapi header, the module's
# policy, a module that builds), the library (its policy refuses the
# attribute at the wrong size) and the CLI (the capture decoder names it).
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=tests/host/spec_change
kver=$(scripts/kernels | awk '{ print $2 }' | tail -n 1)

git ls-files -z --cached --others --exclude-standard | xargs -0 cp -P --parents -t "$tmp"
mkdir -p "$tmp/build"
[ -d build/ksrc ] && cp -a build/ksrc "$tmp/build/"
value=$(/usr/bin/python3 $here/edit.py "$tmp/Documentation/netlink/specs/pwrmig.yaml")
targets="build/lib/libpwrmig.a build/bin/pwrmigctl"
[ -n "$kver" ] && targets="$targets build/kmod/$kver/pwrmig.ko"
if ! make -C "$tmp" -j2 $targets > "$tmp/make.log" 2>&1; then
	t_fail "the tree builds with a new attribute in the spec" "$(tail -n 15 "$tmp/make.log")"
	t_done
fi
t_ok "the tree builds with a new attribute in the spec ($targets)"

# c_value NAME: the value of an enum constant of the changed uapi header.
c_value() {
	printf '#include <stdio.h>\n#include <linux/pwrmig.h>\nint main(void) { printf("%%d", %s); }\n' "$1" |
		gcc -x c -I"$tmp/include/uapi" -o "$tmp/value" - && "$tmp/value"
}

# The kernel: uapi constant, the policy of the op that takes it.
t_expect "uapi header: PWRMIG_A_CGROUP_DUMMY_PROBE is $value" "$value" \
	"$(c_value PWRMIG_A_CGROUP_DUMMY_PROBE 2>&1)"
t_check "kmod/genl.c: cgroup-policy-set's policy takes it as a u32" \
	grep -q 'PWRMIG_A_CGROUP_DUMMY_PROBE\] = { .type = NLA_U32, }' "$tmp/kmod/genl.c"
if [ -n "$kver" ]; then
	t_check "pwrmig.ko built for $kver from the regenerated ops table" \
		test "$tmp/build/kmod/$kver/pwrmig.ko" -nt "$tmp/kmod/genl.c"
else
	t_skip "pwrmig.ko built from the regenerated ops table" "no Debian kernel headers installed"
fi

# The library: its generated policy knows the attribute's size.
if gcc -o "$tmp/probe" $here/probe.c -I"$tmp/include/uapi" -I"$tmp/userspace/lib" \
	"$tmp/build/lib/libpwrmig.a" $(pkg-config --cflags --libs libnl-genl-3.0) \
	> "$tmp/cc.log" 2>&1; then
	t_check "libpwrmig: the attribute decodes at 4 bytes and is refused at 1" "$tmp/probe"
else
	t_fail "libpwrmig: probe builds against the new library" "$(tail -n 5 "$tmp/cc.log")"
fi

# The CLI: the decoder of captures names it.
cmd=$(c_value PWRMIG_CMD_CGROUP_GET)
/usr/bin/python3 $here/pcap.py "$tmp/probe.pcap" "$cmd" "$value"
out=$("$tmp/build/bin/pwrmigctl" -j capture -r "$tmp/probe.pcap" 2>&1)
t_expect "pwrmigctl capture -r names the attribute" 7 \
	"$(printf '%s' "$out" | jq -s '[.[] | .. | objects | select(has("dummy-probe")) | ."dummy-probe"][0]' 2>/dev/null)"
# ... which the tree's own pwrmigctl cannot.
out=$(build/bin/pwrmigctl -j capture -r "$tmp/probe.pcap" 2>&1)
t_expect "the unchanged pwrmigctl does not" null \
	"$(printf '%s' "$out" | jq -s '[.[] | .. | objects | select(has("dummy-probe")) | ."dummy-probe"][0]' 2>/dev/null)"
t_done
