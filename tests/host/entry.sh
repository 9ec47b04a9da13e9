#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's two commands: they are scripts/pwrmig demo and check (and
# CI runs the second), which need neither make nor sudo to start: as
# root they install what is missing and run make; as another user they
# go through sudo where it exists and otherwise say to run them as root.
# (As root, the whole path runs every time CI runs: .ci/run is that command.)
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
work=$(mktemp -d); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

t_expect "README's two commands" "scripts/pwrmig demo|scripts/pwrmig check" \
	"$(sed -n '/^## The two commands/,/^## /s/^    \(scripts\/[^#]*[^ #]\) *#.*/\1/p' README.md | paste -sd'|')"
t_expect "CI runs the README's test command" 'exec scripts/pwrmig check' \
	"$(grep -v '^#' .ci/run | grep exec)"

out=$(scripts/pwrmig 2>&1); rc=$?
t_expect "no command: usage, exit 2" "2 pwrmig: want demo or check" "$rc $(echo "$out" | head -n 1)"
out=$(scripts/pwrmig chek 2>&1); rc=$?
t_expect "a typo is named" "2 pwrmig: unknown command 'chek'; want demo or check" \
	"$rc $(echo "$out" | head -n 1)"
t_expect "help on stdout, exit 0" "0 scripts/pwrmig demo" \
	"$(out=$(scripts/pwrmig --help 2>/dev/null); echo "$? $(echo "$out" | head -n 1 | cut -c1-19)")"

# A user without root: PATH has the shell's tools, and sudo or not.
for t in bash id dirname readlink sed head cat env; do ln -s "$(command -v $t)" "$work/$t"; done
mkdir -p "$work/with-sudo"
printf '#!/bin/bash\necho "sudo $*"\n' > "$work/with-sudo/sudo"
chmod 755 "$work/with-sudo/sudo"
as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups env PATH="$1" "$T_TOP/scripts/pwrmig" check 2>&1; }
if [ "$(setpriv --reuid=65534 --regid=65534 --clear-groups id -u 2>/dev/null)" != 65534 ] ||
   ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$T_TOP/scripts/pwrmig"; then
	t_skip "as a user" "user 65534 cannot run $T_TOP/scripts/pwrmig here"
	t_done
fi
out=$(as_user "$work"); rc=$?
t_expect "a user without sudo is told to run it as root, and nothing runs" \
	"1 pwrmig: check installs packages and boots guests: run it as root (su -c '$T_TOP/scripts/pwrmig check')" \
	"$rc $out"
out=$(as_user "$work/with-sudo:$work"); rc=$?
t_expect "a user with sudo: it runs itself through sudo" \
	"0 sudo -- $T_TOP/scripts/pwrmig check" "$rc $(echo "$out" | tail -n 1)"
t_done
