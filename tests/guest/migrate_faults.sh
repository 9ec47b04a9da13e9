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
case_run src-restored east src-restored cold east 1	# restored there, not yet committed
case_run src-commit east src-commit cold west 1		# committed, source not yet killed
# The receiver dies...
case_run dst-hello west dst-hello cold east 1		# as the images start to arrive
case_run dst-received west dst-received cold east 1	# with every image, before the restore
case_run dst-restored west dst-restored cold east 1	# restored and stopped, before saying so
case_run dst-resumed west dst-resumed cold west 1	# resumed on commit, before saying so
# ...and its host with it, the commit on its way: the copy is restored
# again from the images.
case_run dst-reboot west dst-decision cold west 1 reboot
t_done
