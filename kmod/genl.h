/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pwrmig.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PWRMIG_GEN_H
#define _LINUX_PWRMIG_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/pwrmig.h>

/* Common nested types */
extern const struct nla_policy pwrmig_forecast_nl_policy[PWRMIG_A_FORECAST_PAD + 1];

int pwrmig_nl_read_check(const struct genl_split_ops *ops, struct sk_buff *skb,
			 struct genl_info *info);
int pwrmig_nl_cgroup_read_check(const struct genl_split_ops *ops,
				struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_admin_check(const struct genl_split_ops *ops,
			  struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_cgroup_dump_check(struct netlink_callback *cb);
int pwrmig_nl_dump_check(struct netlink_callback *cb);

int pwrmig_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_cgroup_get_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_cgroup_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int pwrmig_nl_meter_get_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_meter_set_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_site_get_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_site_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pwrmig_nl_site_set_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_site_del_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_price_set_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_energy_report_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_cgroup_policy_set_doit(struct sk_buff *skb,
				     struct genl_info *info);
int pwrmig_nl_migrate_request_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_migrate_claim_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_migrate_status_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_migrate_get_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_migrate_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb);
int pwrmig_nl_migrate_cancel_doit(struct sk_buff *skb, struct genl_info *info);
int pwrmig_nl_cgroup_carry_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	PWRMIG_NLGRP_TELEMETRY,
	PWRMIG_NLGRP_MIGRATE,
};

extern struct genl_family pwrmig_nl_family;

#endif /* _LINUX_PWRMIG_GEN_H */
