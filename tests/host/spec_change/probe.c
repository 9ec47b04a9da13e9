// SPDX-License-Identifier: GPL-2.0
/*
 * Against the library built from the changed spec: a cgroup reply whose
 * dummy-probe attribute has the spec's size (4) decodes, one of another
 * size is refused by the policy generated for it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "pwrmig.h"

static int decode(unsigned short len)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr id;
		unsigned long long idv;
		struct nlattr probe;
		unsigned char pv[8];
	} __attribute__((packed)) m;
	struct pwrmig_cgroup cg;

	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = sizeof(m) - 8 + ((len + 3) & ~3);
	m.id.nla_len = 12;
	m.id.nla_type = PWRMIG_A_CGROUP_ID;
	m.idv = 42;
	m.probe.nla_len = 4 + len;
	m.probe.nla_type = PWRMIG_A_CGROUP_DUMMY_PROBE;
	return pwrmig_cgroup_parse(&m.n, &cg);
}

int main(void)
{
	int good = decode(4), bad = decode(1);

	printf("4 bytes: %d, 1 byte: %d\n", good, bad);
	return !(good == 0 && bad == -EBADMSG);
}
