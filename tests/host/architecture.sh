#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/architecture.dot renders (graphviz), and every file or
# folder it names exists in the tree: the picture cannot drift from the
# code without this test failing.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

dot_src=Documentation/architecture.dot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t_check "architecture.dot renders to SVG" dot -Tsvg "$dot_src" -o "$tmp/a.svg"
t_check "the SVG names the components" grep -q 'migration broker' "$tmp/a.svg"

# Names in labels: words with a slash or a source suffix.  One exists as
# a path from the top, or some tracked file's path ends with it.
files=$(git ls-files --cached --others --exclude-standard)
missing=
for name in $(sed -n 's/.*label="\([^"]*\)".*/\1/p' "$dot_src" | sed 's/\\n/ /g' |
	      tr ' ()+|,' '\n' | grep -E '/|\.(c|h|yaml)$' | grep -v '^/' | sort -u); do
	[ -e "$name" ] && continue
	name=${name%/}
	printf '%s\n' "$files" | grep -qE "(^|/)${name//./\\.}(/|$)" && continue
	missing="$missing $name"
done
n=$(sed -n 's/.*label="\([^"]*\)".*/\1/p' "$dot_src" | sed 's/\\n/ /g' | tr ' ()+|,' '\n' |
    grep -cE '/|\.(c|h|yaml)$')
t_expect "every one of the $n files and folders the picture names exists" "" "$missing"
t_done
