#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The parsers of outside files under libFuzzer with ASan and UBSan, short
# form: every input of tests/fuzz/corpus (seeds and regression inputs of
# bugs found) once, then 15 s of fuzzing each.  make fuzz runs them for
# 10 minutes each (tests/fuzz/run-parsers).
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1

for p in $(ls tests/fuzz/corpus); do
	bin=build/fuzz/parse-$p
	if [ ! -x "$bin" ]; then
		t_fail "$p parser harness built" "$bin missing (make fuzz-parsers)"
		continue
	fi
	out=$("$bin" -close_fd_mask=3 tests/fuzz/corpus/$p/* 2>&1)
	if [ $? -eq 0 ]; then
		t_ok "$p parser: its $(ls tests/fuzz/corpus/$p | wc -l) corpus inputs run clean"
	else
		t_fail "$p parser: its corpus inputs run clean" "$(echo "$out" | grep -m 3 -E 'ERROR|SUMMARY')"
	fi
	out=$(tests/fuzz/run-parsers --seconds 8 "$p" 2>&1)
	if [ $? -eq 0 ]; then
		t_ok "$(echo "$out" | sed -n "s/^   \($p: .*\)/\1/p") (15 s)"
	else
		t_fail "$p parser fuzzed for 15 s" "$(echo "$out" | tail -n 4)"
	fi
done
t_done
