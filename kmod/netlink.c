// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written handlers of the pwrmig generic netlink family; the ops
 * table and policies they plug into are generated into genl.c.
 */
#include <linux/cpumask.h>
#include <linux/topology.h>
#include <net/genetlink.h>

#include "genl.h"
#include "pwrmig.h"

static size_t pwrmig_info_size(void)
{
	return nla_total_size(sizeof(PWRMIG_VERSION)) +	/* VERSION */
	       nla_total_size(sizeof(u32)) +		/* METER_KIND */
	       nla_total_size(sizeof(u32)) +		/* CPUS */
	       nla_total_size(sizeof(u32));		/* PACKAGES */
}

static int pwrmig_info_fill(struct sk_buff *skb)
{
	if (nla_put_string(skb, PWRMIG_A_INFO_VERSION, PWRMIG_VERSION) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_METER_KIND, pwrmig.meter_kind) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_CPUS, num_possible_cpus()) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_PACKAGES, topology_max_packages()))
		return -EMSGSIZE;
	return 0;
}

int pwrmig_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(pwrmig_info_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &pwrmig_nl_family, 0,
				PWRMIG_CMD_INFO_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = pwrmig_info_fill(msg);
	if (err) {
		genlmsg_cancel(msg, hdr);
		goto err_free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}
