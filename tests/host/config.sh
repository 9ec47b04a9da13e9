#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Both Debian kernels have every option tests/config lists.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

for label in 6.1 6.12; do
	kver=$(scripts/kernels "$label") || { t_skip "config of $label" "kernel not installed"; continue; }
	missing=
	while read -r want; do
		case "$want" in ''|'#'*) continue ;; esac
		opt=${want%%=*}
		got=$(grep -E "^$opt=" "/boot/config-$kver")
		case "${want#*=}" in
		m) [ "$got" = "$opt=m" ] || [ "$got" = "$opt=y" ] || missing="$missing $opt" ;;
		*) [ "$got" = "$want" ] || missing="$missing $opt" ;;
		esac
	done < tests/config
	t_expect "$label ($kver) has every option of tests/config" "" "$missing"
done
t_done
