/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef _LIBPWRMIG_INTERNAL_H
#define _LIBPWRMIG_INTERNAL_H

#include <stdint.h>
#include <netlink/netlink.h>

struct pwrmig {
	struct nl_sock *sk;
	int family;
	int debug;
	char errmsg[256];
	struct pwrmig_error err;
};

/* One request in flight: what to do with each reply, how it ended. */
struct pwrmig_req {
	struct pwrmig *pw;
	int (*parse)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;
	int done;
};

struct nl_msg *pwrmig_msg(struct pwrmig *pw, uint8_t cmd, int flags);
int pwrmig_request(struct pwrmig *pw, struct nl_msg *msg,
		   int (*parse)(const struct nlmsghdr *, void *), void *arg);
int pwrmig_fail(struct pwrmig *pw, int err);

#endif
