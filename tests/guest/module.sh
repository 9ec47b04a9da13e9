#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig.ko in a real Debian kernel: load, resolve the family through the
# genetlink controller, call info-get (YNL's cli.py, pwrmigctl), unload,
# and check for leaks and kernel warnings.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

kver=$(uname -r)
ko=build/kmod/$kver/pwrmig.ko
ynl=build/ksrc/tools/net/ynl/cli.py
spec=Documentation/netlink/specs/pwrmig.yaml
version=$(cat VERSION)
label=${PWRMIG_VM_KERNEL:-$kver}

if [ ! -f "$ko" ]; then
	t_fail "module built for $kver" "$ko is missing (run make)"
	t_done
fi
t_ok "module built for $kver"
marker="pwrmig-test: module.sh starts $$"
echo "$marker" > /dev/kmsg
modprobe msr 2>/dev/null

t_check "insmod on $label" insmod "$ko"
t_expect "module listed by lsmod" pwrmig "$(lsmod | awk '$1 == "pwrmig" { print $1 }')"

ctrl=$(genl ctrl get name pwrmig 2>&1)
case "$ctrl" in
*"Name: pwrmig"*"Version: 0x1"*) t_ok "genetlink controller resolves pwrmig version 1" ;;
*) t_fail "genetlink controller resolves pwrmig version 1" "$ctrl" ;;
esac

# The kernel's own YNL client, driven by our spec, decodes the reply.
json=$(python3 "$ynl" --spec "$spec" --schema build/ksrc/Documentation/netlink/genetlink.yaml \
	--do info-get --output-json 2>&1)
got=$(printf '%s' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["version"], r["meter-kind"], r["cpus"] > 0, r["packages"] > 0)' 2>&1)
t_expect "YNL cli.py info-get decodes the reply" "$version model True True" "$got"

got=$(build/bin/pwrmigctl -j info | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>&1)
t_expect "pwrmigctl -j info reports the module version" "$version" "$got"
got=$(build/bin/pwrmigctl info | grep -o 'meter [a-z]*')
t_expect "pwrmigctl info names the meter" "meter model" "$got"

t_expect "no reference held once clients are gone" 0 "$(cat /sys/module/pwrmig/refcnt)"
t_check "rmmod" rmmod pwrmig
t_expect "module gone after rmmod" "" "$(lsmod | awk '$1 == "pwrmig"')"
out=$(build/bin/pwrmigctl info 2>&1)
t_expect "family unregistered after rmmod" \
	"Error: the pwrmig module is not loaded (modprobe pwrmig) and pwrmigd does not serve its family on /run/pwrmig/pwrmig.sock" "$out"

n=0
for i in $(seq 20); do
	insmod "$ko" && build/bin/pwrmigctl info >/dev/null && rmmod pwrmig && n=$((n + 1))
done
t_expect "20 load/query/unload cycles" 20 "$n"

log=$(dmesg | sed -n "/$marker/,\$p")
case "$log" in
*"pwrmig: version $version loaded"*) t_ok "load message in dmesg" ;;
*) t_fail "load message in dmesg" "no 'pwrmig: version $version loaded' line" ;;
esac
bad=$(printf '%s\n' "$log" | grep -E 'WARNING:|BUG:|Oops|Call Trace|refcount_t|general protection' | head -n 5)
t_expect "dmesg has no WARN/BUG/Oops" "" "$bad"
t_done
