// SPDX-License-Identifier: GPL-2.0
/*
 * Background load for the module's load/unload stress test:
 *
 *   stress_client dump STOPFILE     dump cgroups, sites and migrations
 *   stress_client listen STOPFILE   sit on both multicast groups
 *
 * Loops until STOPFILE exists, re-resolving the family whenever the
 * module comes and goes.  Prints how many rounds worked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "pwrmig.h"

static int count_cb(struct nl_msg *msg, void *arg)
{
	(*(unsigned long *)arg)++;
	return NL_OK;
}

static int dump_once(struct nl_sock *sk, int family, unsigned char cmd,
		     unsigned long *msgs)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return -ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP, cmd,
		    PWRMIG_FAMILY_VERSION);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, count_cb, msgs);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return err;
	return nl_recvmsgs_default(sk);
}

int main(int argc, char **argv)
{
	unsigned long rounds = 0, msgs = 0, fails = 0;
	const char *mode, *stop;
	int family, grp;

	if (argc != 3) {
		fprintf(stderr, "usage: stress_client dump|listen STOPFILE\n");
		return 2;
	}
	mode = argv[1];
	stop = argv[2];
	while (access(stop, F_OK)) {
		struct nl_sock *sk = nl_socket_alloc();

		if (!sk || genl_connect(sk))
			return 1;
		family = genl_ctrl_resolve(sk, PWRMIG_FAMILY_NAME);
		if (family < 0) {
			nl_socket_free(sk);
			fails++;
			usleep(1000);
			continue;
		}
		if (!strcmp(mode, "dump")) {
			if (dump_once(sk, family, PWRMIG_CMD_CGROUP_GET, &msgs) ||
			    dump_once(sk, family, PWRMIG_CMD_SITE_GET, &msgs) ||
			    dump_once(sk, family, PWRMIG_CMD_MIGRATE_GET, &msgs))
				fails++;
			else
				rounds++;
		} else {
			grp = genl_ctrl_resolve_grp(sk, PWRMIG_FAMILY_NAME,
						    PWRMIG_MCGRP_TELEMETRY);
			if (grp >= 0 && !nl_socket_add_membership(sk, grp)) {
				grp = genl_ctrl_resolve_grp(sk, PWRMIG_FAMILY_NAME,
							    PWRMIG_MCGRP_MIGRATE);
				if (grp >= 0)
					nl_socket_add_membership(sk, grp);
				nl_socket_disable_seq_check(sk);
				nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
						    count_cb, &msgs);
				nl_socket_set_nonblocking(sk);
				/* Read what arrives for a while, then start over. */
				for (int i = 0; i < 50 && access(stop, F_OK); i++) {
					nl_recvmsgs_default(sk);
					usleep(2000);
				}
				rounds++;
			} else {
				fails++;
			}
		}
		nl_socket_free(sk);
	}
	printf("%s: %lu rounds, %lu messages, %lu failed rounds\n", mode, rounds,
	       msgs, fails);
	return 0;
}
