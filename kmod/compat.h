/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink across kernel versions.
 *
 * kmod/genl.c is generated from the spec for kernels that have split ops
 * (6.2 and later).  Older kernels (Debian's 6.1) only know struct genl_ops,
 * one entry per command.  There genl.c is compiled with PWRMIG_GENL_SPEC
 * defined and this header force-included, so its tables land in look-alike
 * types; pwrmig_genl_register() then folds them into a real genl_family.
 */
#ifndef _PWRMIG_COMPAT_H
#define _PWRMIG_COMPAT_H

#include <net/netlink.h>
#include <net/genetlink.h>

/* Kbuild defines PWRMIG_HAVE_SPLIT_OPS when net/genetlink.h has them. */
#ifndef PWRMIG_HAVE_SPLIT_OPS
#define PWRMIG_GENL_FOLD_OPS 1

struct pwrmig_split_ops {
	int (*pre_doit)(const struct pwrmig_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info);
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	void (*post_doit)(const struct pwrmig_split_ops *ops,
			  struct sk_buff *skb, struct genl_info *info);
	int (*start)(struct netlink_callback *cb);
	int (*dumpit)(struct sk_buff *skb, struct netlink_callback *cb);
	int (*done)(struct netlink_callback *cb);
	const struct nla_policy *policy;
	unsigned int maxattr;
	u8 cmd;
	u8 internal_flags;
	u8 flags;
	u8 validate;
};

struct pwrmig_genl_family_spec {
	const char *name;
	unsigned int version;
	bool netnsok;
	bool parallel_ops;
	struct module *module;
	const struct pwrmig_split_ops *split_ops;
	int n_split_ops;
	const struct genl_multicast_group *mcgrps;
	int n_mcgrps;
};

extern struct pwrmig_genl_family_spec pwrmig_nl_family_spec;

/* Hooks such as pwrmig_nl_admin_check() take the look-alike op. */
#define genl_split_ops pwrmig_split_ops

#ifdef PWRMIG_GENL_SPEC
/* The range pointer of 6.1's nla_policy is not const yet. */
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {				\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),			\
	.validation_type = NLA_VALIDATE_RANGE_PTR,			\
	.range = (struct netlink_range_validation *)(_range),		\
}
#define genl_family pwrmig_genl_family_spec
#define pwrmig_nl_family pwrmig_nl_family_spec
#endif
#endif /* !PWRMIG_HAVE_SPLIT_OPS */

int pwrmig_genl_register(void);
void pwrmig_genl_unregister(void);

#endif /* _PWRMIG_COMPAT_H */
