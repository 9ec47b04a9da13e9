#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tree's life cycle in a fresh clone: make, make install into DESTDIR,
# make clean back to exactly what was checked out.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Commit the work tree as it is now (tracked and new files) into the clone.
git clone -q "$T_TOP" "$tmp/src" 2>/dev/null
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/src"
git -C "$tmp/src" ls-files -z --deleted | xargs -0 -r git -C "$tmp/src" rm -q
(cd "$tmp/src" && git add -A && git -c user.name=t -c user.email=t@t commit -qm snapshot --allow-empty)

t_check "make in a fresh clone" make -C "$tmp/src" -j2
out=$(make -C "$tmp/src" 2>&1)
t_expect "a second make is quiet" "" "$(printf '%s' "$out" | grep -v '^make')"
t_check "make install DESTDIR=... PREFIX=/usr" make -C "$tmp/src" install DESTDIR="$tmp/root" PREFIX=/usr
for f in usr/sbin/pwrmigctl usr/sbin/pwrmigd usr/include/linux/pwrmig.h usr/share/pwrmig/pwrmig.yaml \
	usr/lib/systemd/system/pwrmigd.service usr/share/man/man8/pwrmigd.8 etc/pwrmig/pwrmigd.conf.example; do
	[ -f "$tmp/root/$f" ] && t_ok "installed /$f" || t_fail "installed /$f"
done
for kver in $(scripts/kernels | awk '{ print $2 }'); do
	f=lib/modules/$kver/updates/pwrmig.ko
	[ -f "$tmp/root/$f" ] && t_ok "installed /$f" || t_fail "installed /$f"
done
t_check "make clean" make -C "$tmp/src" clean
t_expect "make clean leaves the tree as checked out" "" \
	"$(git -C "$tmp/src" status --porcelain --ignored)"
t_done
