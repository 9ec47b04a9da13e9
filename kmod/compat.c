// SPDX-License-Identifier: GPL-2.0
/*
 * Register the pwrmig family on kernels with and without split ops.
 */
#include <linux/slab.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"

/*
 * With open_reads, the multicast groups as generated, less the telemetry
 * group's capability.
 */
static struct genl_multicast_group pwrmig_open_mcgrps[PWRMIG_NLGRP_MIGRATE + 1];

static const struct genl_multicast_group *
pwrmig_mcgrps(const struct genl_multicast_group *grps, int n)
{
	if (!pwrmig_open_reads || WARN_ON(n != ARRAY_SIZE(pwrmig_open_mcgrps)))
		return grps;
	memcpy(pwrmig_open_mcgrps, grps, sizeof(pwrmig_open_mcgrps));
	pwrmig_open_mcgrps[PWRMIG_NLGRP_TELEMETRY].flags = 0;
	return pwrmig_open_mcgrps;
}

#ifdef PWRMIG_GENL_FOLD_OPS
/* The real family, filled from the generated one at registration. */
struct genl_family pwrmig_nl_family;

static struct genl_ops *pwrmig_fold_ops;
static struct nla_policy **pwrmig_fold_policies;

/*
 * A do and a dump of one command share a genl_ops before 6.2, and so share
 * one policy: the union of both, so that neither side loses an attribute.
 */
static const struct nla_policy *
pwrmig_fold_policy(struct genl_ops *op, const struct pwrmig_split_ops *s,
		   struct nla_policy **slot)
{
	unsigned int max = max(op->maxattr, s->maxattr);
	struct nla_policy *p;
	unsigned int i;

	if (!op->policy)
		return s->policy;
	if (!s->policy)
		return op->policy;

	p = kcalloc(max + 1, sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	for (i = 0; i <= op->maxattr; i++)
		memcpy(&p[i], &op->policy[i], sizeof(*p));
	for (i = 0; i <= s->maxattr; i++)
		if (p[i].type == NLA_UNSPEC)
			memcpy(&p[i], &s->policy[i], sizeof(*p));
	*slot = p;
	return p;
}

/*
 * Before 6.2 pre_doit belongs to the family: find the do op of the command
 * and run its own hook, as split ops would.
 */
static int pwrmig_fold_pre_doit(const struct genl_ops *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	const struct pwrmig_genl_family_spec *f = &pwrmig_nl_family_spec;
	int i;

	for (i = 0; i < f->n_split_ops; i++) {
		const struct pwrmig_split_ops *s = &f->split_ops[i];

		if (s->cmd == ops->cmd && s->doit)
			return s->pre_doit ? s->pre_doit(s, skb, info) : 0;
	}
	return 0;
}

static int pwrmig_fold(void)
{
	const struct pwrmig_genl_family_spec *f = &pwrmig_nl_family_spec;
	unsigned int n = 0;
	int i, j;

	pwrmig_fold_ops = kcalloc(f->n_split_ops, sizeof(*pwrmig_fold_ops),
				  GFP_KERNEL);
	pwrmig_fold_policies = kcalloc(f->n_split_ops,
				       sizeof(*pwrmig_fold_policies),
				       GFP_KERNEL);
	if (!pwrmig_fold_ops || !pwrmig_fold_policies)
		return -ENOMEM;

	for (i = 0; i < f->n_split_ops; i++) {
		const struct pwrmig_split_ops *s = &f->split_ops[i];
		struct genl_ops *op = NULL;

		for (j = 0; j < n; j++)
			if (pwrmig_fold_ops[j].cmd == s->cmd)
				op = &pwrmig_fold_ops[j];
		if (!op) {
			op = &pwrmig_fold_ops[n++];
			op->cmd = s->cmd;
		}
		op->policy = pwrmig_fold_policy(op, s, &pwrmig_fold_policies[i]);
		if (s->policy && !op->policy)
			return -ENOMEM;
		op->maxattr = max(op->maxattr, s->maxattr);
		op->flags |= s->flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
		op->validate |= s->validate;
		/* post_doit hooks would need the same dispatch. */
		if (WARN_ON_ONCE(s->post_doit))
			return -EINVAL;
		if (s->doit) {
			op->doit = s->doit;
		} else {
			op->start = s->start;
			op->dumpit = s->dumpit;
			op->done = s->done;
		}
	}

	strscpy(pwrmig_nl_family.name, f->name, sizeof(pwrmig_nl_family.name));
	pwrmig_nl_family.version = f->version;
	pwrmig_nl_family.netnsok = f->netnsok;
	pwrmig_nl_family.parallel_ops = f->parallel_ops;
	pwrmig_nl_family.module = f->module;
	pwrmig_nl_family.ops = pwrmig_fold_ops;
	pwrmig_nl_family.n_ops = n;
	pwrmig_nl_family.pre_doit = pwrmig_fold_pre_doit;
	pwrmig_nl_family.mcgrps = pwrmig_mcgrps(f->mcgrps, f->n_mcgrps);
	pwrmig_nl_family.n_mcgrps = f->n_mcgrps;
	/* Strict validation for every command, as split ops have. */
	pwrmig_nl_family.resv_start_op = 0;
	return 0;
}

static void pwrmig_fold_free(void)
{
	int i;

	if (pwrmig_fold_policies)
		for (i = 0; i < pwrmig_nl_family_spec.n_split_ops; i++)
			kfree(pwrmig_fold_policies[i]);
	kfree(pwrmig_fold_policies);
	kfree(pwrmig_fold_ops);
	pwrmig_fold_policies = NULL;
	pwrmig_fold_ops = NULL;
}

int pwrmig_genl_register(void)
{
	int err;

	err = pwrmig_fold();
	if (!err)
		err = genl_register_family(&pwrmig_nl_family);
	if (err)
		pwrmig_fold_free();
	return err;
}

void pwrmig_genl_unregister(void)
{
	genl_unregister_family(&pwrmig_nl_family);
	pwrmig_fold_free();
}
#else
int pwrmig_genl_register(void)
{
	pwrmig_nl_family.mcgrps = pwrmig_mcgrps(pwrmig_nl_family.mcgrps,
						pwrmig_nl_family.n_mcgrps);
	return genl_register_family(&pwrmig_nl_family);
}

void pwrmig_genl_unregister(void)
{
	genl_unregister_family(&pwrmig_nl_family);
}
#endif
