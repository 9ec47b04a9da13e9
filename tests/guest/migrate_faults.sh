#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration fault matrix, crashes (migrate_attacks.sh has the rest),
# between the two sites of lib/sites.sh: the sending pwrmigd dies at each
# step, the receiving one dies at each step.  pwrmigd's test fault points
# (PWRMIG_FAULT) make it exit at a named step; a crashed daemon is started
# again without them, as systemd would.  Every case must end with the job
# running exactly once, at the site the journals decide, never restarted
# from zero, and the module's request in the matching final state.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
source "$(dirname "$0")/lib/faults.sh"

# The sender dies...
case_run src-predump east src-predump live east 1	# after a pre-dump round
case_run src-frozen east src-frozen cold east 1		# with the job frozen, before sending it
case_run src-sent east src-sent cold east 1		# after sending, before the restore
case_run src-restored east src-restored cold west 1	# restored there, not yet committed
case_run src-commit east src-commit cold west 1		# committed, source not yet killed
# The receiver dies...
case_run dst-hello west dst-hello cold east 1		# as the images start to arrive
case_run dst-received west dst-received cold east 1	# with every image, before the restore
case_run dst-restored west dst-restored cold east 1	# restored and stopped, before saying so
case_run dst-resumed west dst-resumed cold west 1	# resumed on commit, before saying so
# ...and its host with it, the commit on its way: the copy is restored
# again from the images.
case_run dst-reboot west dst-decision cold west 1 reboot
# The sender's host goes down, the job with it: frozen and dumped, it is
# restored at east from its final images; once west holds a copy, the
# restarted sender commits to it.
case_run src-frozen-reboot east src-frozen cold east 1 reboot
case_run src-sent-reboot east src-sent cold east 1 reboot
case_run src-restored-reboot east src-restored cold west 1 reboot

# The receiver stays down as the commit comes: the request says so while
# east keeps trying, and says nothing more once west has taken it.
show() { # ID KEY
	$ctl -j migrate show "$1" | python3 -c 'import json, sys
d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else d
print(d.get(sys.argv[1], ""))' "$2"
}
restart west dst-decision
start_job undelivered "$W/undelivered.progress" --mem 8 --pages 4 --step-ms 100 &&
	id=$(migrate_id undelivered cold)
msg=
if [ -n "$id" ] && gone "$west_pid"; then
	for i in $(seq 300); do
		msg=$(show "$id" error-msg)
		case $msg in "commit not taken by west"*) break ;; esac
		sleep 0.1
	done
fi
t_check "undelivered: the running request says west has not taken the commit" \
	grep -q "^commit not taken by west (try [0-9]" <<< "$msg"
t_expect "undelivered: and still runs" running "$(show "$id" state)"
$ctl migrate show "$id" | sed 's/^/# /'
restart west
t_expect "undelivered: the request ends done" done "$(final_state "$id")"
t_expect "undelivered: with no error left" "" "$(show "$id" error-msg)"
if why=$(once_at undelivered west); then
	t_ok "undelivered: the job runs once, at west"
else
	t_fail "undelivered: the job runs once, at west" "$why"
fi
t_check "undelivered: every step once, in order" contiguous "$W/undelivered.progress"
t_done
