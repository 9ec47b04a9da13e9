// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger's cgroups over netlink: get and dump (with the reader's
 * scope: its own cgroup namespace), policy-set, carry (a migrated job's
 * bill handed over to this node) and energy-report (GPU energy from
 * pwrmigd).
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"

/*
 * A cgroup's reply: four u8 and u32 figures, twelve u64 ones, the
 * currency (three letters) and a path of up to PATH_MAX.
 */
#define PWRMIG_CG_REPLY_SIZE	(4 * nla_total_size(sizeof(u32)) +		\
				 12 * nla_total_size_64bit(sizeof(u64)) +	\
				 nla_total_size(4) + nla_total_size(PATH_MAX))

static int cg_put_carried(struct sk_buff *skb, const struct pwrmig_cg_terms *t)
{
	unsigned int i;

	for (i = 0; i < PWRMIG_NR_CARRIED; i++)
		if (nla_put_u64_64bit(skb, pwrmig_carried_attr[i], t->carried[i],
				      PWRMIG_A_CGROUP_PAD))
			return -EMSGSIZE;
	return 0;
}

/* -ENOENT: the caller may not see CG (see below). */
static int pwrmig_cg_fill(struct sk_buff *skb, const struct pwrmig_cg *cg)
{
	struct pwrmig_site_entry *local = pwrmig_site_local();
	struct cgroup *cgrp;
	const struct pwrmig_cg_terms *t = &cg->terms;
	u32 flags = cg->flags | t->flags;
	char *path;

	/*
	 * cgroup_get_from_id() looks from the caller's cgroup namespace: a
	 * reader inside one sees the live cgroups under its root, with paths
	 * from there, and nothing else (not even as gone).
	 */
	cgrp = cg->removed_ns ? NULL : cgroup_get_from_id(cg->id);
	if (IS_ERR_OR_NULL(cgrp) && !pwrmig_cgns_is_root())
		return -ENOENT;
	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path) {
		if (!IS_ERR_OR_NULL(cgrp))
			cgroup_put(cgrp);
		return -ENOMEM;
	}
	if (IS_ERR_OR_NULL(cgrp)) {
		flags |= PWRMIG_CGROUP_FLAGS_GONE;
		path[0] = '\0';
	} else {
		if (cgroup_path_ns(cgrp, path, PATH_MAX,
				   current->nsproxy->cgroup_ns) < 0)
			path[0] = '\0';
		cgroup_put(cgrp);
	}

	if (nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_ID,
			      cg->id, PWRMIG_A_CGROUP_PAD) ||
	    (path[0] && nla_put_string(skb, PWRMIG_A_CGROUP_PATH, path)) ||
	    nla_put_u32(skb, PWRMIG_A_CGROUP_FLAGS, flags) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_RUNTIME_NS,
			      cg->runtime_ns, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CPU_UJ,
			      cg->energy_uj[PWRMIG_MDOM_PKG], PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_DRAM_UJ,
			      cg->energy_uj[PWRMIG_MDOM_DRAM], PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_GPU_UJ,
			      cg->gpu_uj, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_COST_UUNITS,
			      cg->cost.uunits, PWRMIG_A_CGROUP_PAD) ||
	    (local && nla_put_string(skb, PWRMIG_A_CGROUP_CURRENCY, local->currency)) ||
	    nla_put_u8(skb, PWRMIG_A_CGROUP_DEFERRABLE,
		       !!(flags & PWRMIG_CGROUP_FLAGS_DEFERRABLE)) ||
	    nla_put_u8(skb, PWRMIG_A_CGROUP_MIGRATABLE,
		       !!(flags & PWRMIG_CGROUP_FLAGS_MIGRATABLE)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_DEADLINE,
			      t->deadline, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_CGROUP_PRIORITY, t->priority) ||
	    cg_put_carried(skb, t)) {
		kfree(path);
		return -EMSGSIZE;
	}
	kfree(path);
	return 0;
}

static int cg_fill_cb(struct sk_buff *skb, void *arg)
{
	return pwrmig_cg_fill(skb, arg);
}

/* The cgroup must exist in the kernel; its ledger entry may be new. */
static struct pwrmig_cg *cg_lookup(struct genl_info *info, struct nlattr *attr,
				   bool create, int *err)
{
	u64 id = nla_get_u64(attr);
	struct pwrmig_cg *cg = pwrmig_cg_find(id);
	struct cgroup *cgrp;

	/*
	 * A removed cgroup keeps its entry; one outside the caller's cgroup
	 * namespace is not there for it.
	 */
	if (cg && pwrmig_cgns_is_root())
		return cg;
	cgrp = cgroup_get_from_id(id);
	if (IS_ERR_OR_NULL(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no cgroup with this id");
		*err = -ENOENT;
		return NULL;
	}
	cgroup_put(cgrp);
	if (cg)
		return cg;
	if (!create) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "cgroup has not been charged yet");
		*err = -ENOENT;
		return NULL;
	}
	cg = pwrmig_cg_get_or_add(id);
	if (!cg) {
		NL_SET_ERR_MSG(info->extack,
			       "the ledger is full of live cgroups (max_cgroups)");
		*err = -ENOSPC;
	}
	return cg;
}

int pwrmig_nl_cgroup_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_cg *cg;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_CGROUP_ID))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	cg = cg_lookup(info, info->attrs[PWRMIG_A_CGROUP_ID], false, &err);
	if (cg)
		err = pwrmig_nl_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
	mutex_unlock(&pwrmig.lock);
	return err;
}

/*
 * Dumps go in cgroup id order and resume at the id after the last one
 * sent (cb->args[0]): entries added or freed meanwhile never make another
 * entry appear twice or go missing.
 */
int pwrmig_nl_cgroup_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pwrmig_cg *cg;
	unsigned long id;
	int err = 0;
	void *hdr;

	mutex_lock(&pwrmig.lock);
	xa_for_each_start(&pwrmig.cgroups, id, cg, cb->args[0]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pwrmig_nl_family,
				  NLM_F_MULTI, PWRMIG_CMD_CGROUP_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = pwrmig_cg_fill(skb, cg);
		if (err) {
			genlmsg_cancel(skb, hdr);
			if (err != -ENOENT)	/* -ENOENT: not the caller's to see */
				break;
			err = 0;
		} else {
			genlmsg_end(skb, hdr);
		}
		cb->args[0] = id + 1;
	}
	mutex_unlock(&pwrmig.lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

int pwrmig_nl_cgroup_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_policy_req r;
	struct pwrmig_refusal e;
	struct pwrmig_cg *cg;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_CGROUP_ID))
		return -EINVAL;
	pwrmig_policy_parse(pwrmig_nl_tb(info), &r);
	if (pwrmig_policy_check(&r, &e))
		return pwrmig_nl_refuse(info, &e);
	mutex_lock(&pwrmig.lock);
	cg = cg_lookup(info, tb[PWRMIG_A_CGROUP_ID], true, &err);
	if (cg) {
		pwrmig_policy_apply(&cg->terms, &r);
		err = pwrmig_nl_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
	}
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* A migrated job's ledger from its earlier sites, kept apart from ours. */
int pwrmig_nl_cgroup_carry_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_site_entry *local;
	struct pwrmig_carry_req r;
	struct pwrmig_refusal e;
	struct pwrmig_cg *cg;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_CGROUP_ID))
		return -EINVAL;
	pwrmig_carry_parse(pwrmig_nl_tb(info), &r);
	mutex_lock(&pwrmig.lock);
	local = pwrmig_site_local();
	if (pwrmig_carry_check(&r, local ? local->currency : NULL, &e)) {
		err = pwrmig_nl_refuse(info, &e);
		goto out;
	}
	cg = cg_lookup(info, tb[PWRMIG_A_CGROUP_ID], true, &err);
	if (!cg)
		goto out;
	err = pwrmig_carry_apply(&cg->terms, &r, &e);
	if (err < 0)
		err = pwrmig_nl_refuse(info, &e);
	else
		err = pwrmig_nl_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_energy_report_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_energy_req r;
	struct pwrmig_refusal e;
	struct pwrmig_cg *cg;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_CGROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_DEVICE) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_ENERGY_UJ))
		return -EINVAL;
	pwrmig_energy_parse(pwrmig_nl_tb(info), &r);
	if (pwrmig_energy_check(&r, &e))
		return pwrmig_nl_refuse(info, &e);

	mutex_lock(&pwrmig.lock);
	cg = cg_lookup(info, tb[PWRMIG_A_ENERGY_CGROUP_ID], true, &err);
	if (cg && pwrmig_energy_add(&cg->gpu_uj, &r, &e))
		err = pwrmig_nl_refuse(info, &e);
	else if (cg)
		pwrmig_cg_charge_cost(cg, r.uj);
	mutex_unlock(&pwrmig.lock);
	return err;
}
