#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's dkms builds the module from a copy of the tree, in a private
# dkms tree so that the machine's own dkms state is left alone.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

version=$(cat VERSION)
t_expect "dkms.conf PACKAGE_VERSION matches VERSION" "$version" \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)"

kver=$(scripts/kernels 6.12) || kver=$(scripts/kernels 6.1) || {
	t_skip "dkms build" "no Debian kernel headers installed"
	t_done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/pwrmig-$version
mkdir -p "$src" "$tmp/tree"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src"
args=(--dkmstree "$tmp/tree" --sourcetree "$tmp/src" -m pwrmig -v "$version" -k "$kver")
t_check "dkms add" dkms add "${args[@]}"
t_check "dkms build for $kver" dkms build "${args[@]}"
ko=$(find "$tmp/tree/pwrmig/$version/$kver" -name 'pwrmig.ko*' | head -n 1)
if [ -n "$ko" ]; then
	t_expect "dkms-built module has our version" "$version" "$(modinfo -F version "$ko")"
	t_expect "dkms-built module's vermagic names $kver" "$kver" "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)"
	# Debian's dkms signs with its MOK, which Secure Boot takes once enrolled.
	if [ -e /var/lib/dkms/mok.pub ]; then
		t_expect "dkms signs it with Debian's DKMS MOK (/var/lib/dkms/mok.pub)" \
			"DKMS module signing key $(openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial 2>/dev/null | sed 's/^serial=//; s/../&:/g; s/:$//' | tr a-f A-F)" \
			"$(modinfo -F signer "$ko") $(modinfo -F sig_key "$ko" | tr -d '\t ' | tr a-f A-F)"
	else
		t_skip "dkms signs it" "no /var/lib/dkms/mok.pub: this dkms signs nothing"
	fi
else
	t_fail "dkms produced pwrmig.ko" "nothing under $tmp/tree/pwrmig/$version/$kver"
fi
t_done
