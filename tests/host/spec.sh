#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink spec is the source of truth: the committed uapi header and
# ops table must be what the kernel's ynl-gen-c.py makes of it, and the
# spec must validate against the kernel's genetlink schema.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
spec=Documentation/netlink/specs/pwrmig.yaml
schema=build/ksrc/Documentation/netlink/genetlink.yaml

t_check "spec validates against the genetlink schema" /usr/bin/python3 -c '
import sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2])))' \
	"$spec" "$schema"

if scripts/ynl-regen "$tmp" > "$tmp/log" 2>&1; then
	for f in include/uapi/linux/pwrmig.h kmod/genl.h kmod/genl.c; do
		t_check "$f matches the spec (make regen)" diff -u "$tmp/$f" "$f"
	done
else
	t_fail "ynl-gen-c.py runs on the spec" "$(cat "$tmp/log")"
fi

t_check "uapi header compiles on its own" gcc -x c -fsyntax-only -Wall -Werror \
	-include include/uapi/linux/pwrmig.h /dev/null

# Every attribute and operation carries a doc string.
t_check "every definition, attribute and op has a doc" /usr/bin/python3 -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
miss = [d["name"] for d in s.get("definitions", []) if "doc" not in d]
miss += [a["name"] for st in s["attribute-sets"] for a in st["attributes"] if "doc" not in a]
miss += [o["name"] for o in s["operations"]["list"] if "doc" not in o]
sys.exit("undocumented: " + ", ".join(miss) if miss else 0)' "$spec"
t_done
