#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libpwrmig as schedulers get it: installed shared library with a
# versioned soname, exporting exactly the functions of its public header,
# found by pkg-config; the example consumer builds against it.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

version=$(cat VERSION)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t_check "make install into DESTDIR" make -s install DESTDIR="$tmp" PREFIX=/usr
lib=$tmp/usr/lib/libpwrmig.so.$version
[ -f "$lib" ] && t_ok "libpwrmig.so.$version installed" || t_fail "libpwrmig.so.$version installed"
t_expect "soname" "libpwrmig.so.0" "$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
t_expect "dev symlink" "libpwrmig.so.0" "$(readlink "$tmp/usr/lib/libpwrmig.so")"

want=$(grep -oE '\bpwrmig_[a-z_]+\(' userspace/lib/pwrmig.h | tr -d '(' | sort -u)
got=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
t_expect "exports exactly the functions of pwrmig.h" "" "$(diff <(echo "$want") <(echo "$got"))"

export PKG_CONFIG_PATH=$tmp/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$tmp
t_expect "pkg-config knows the version" "$version" "$(pkg-config --modversion libpwrmig)"
t_check "example consumer builds with pkg-config" \
	gcc -Wall -Werror -o "$tmp/cheapest-site" \
	Documentation/examples/cheapest-site.c $(pkg-config --cflags --libs libpwrmig)
out=$(PWRMIG_SOCKET=/nonexistent/pwrmig.sock LD_LIBRARY_PATH=$tmp/usr/lib "$tmp/cheapest-site" 2>&1)
rc=$?
if [ -d /sys/module/pwrmig ]; then
	t_skip "example says the module is absent" "pwrmig is loaded here"
else
	t_expect "example, run on the shared library, says the module is absent" \
		"1 cheapest-site: neither pwrmig.ko nor pwrmigd serves the family" "$rc $out"
fi
t_done
