// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written handlers of the pwrmig generic netlink family for the
 * module, the ledger and the meter; the ops table and policies they plug
 * into are generated into genl.c.  Sites live in site.c, migrations in
 * broker.c.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/topology.h>
#include <linux/rcupdate.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"

/* ---- info ---- */

/*
 * The ledger, the sites and the broker are host-wide.  They serve the
 * network namespaces the host's root made (those of the initial user
 * namespace, such as "ip netns add"), notifications included; a namespace
 * of a container's own user namespace gets a clear refusal.
 */
static bool pwrmig_net_served(const struct net *net)
{
	return net->user_ns == &init_user_ns;
}

static int pwrmig_scope_check(struct sk_buff *skb,
			      struct netlink_ext_ack *extack)
{
	if (pwrmig_net_served(sock_net(skb->sk)))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "pwrmig's ledger is host-wide: use it from a network namespace of the initial user namespace");
	return -EOPNOTSUPP;
}

/* Whether anyone in a served namespace listens to GROUP. */
bool pwrmig_nl_listening(unsigned int group)
{
	bool yes = false;
	struct net *net;

	if (!READ_ONCE(pwrmig.nl_ready))
		return false;
	rcu_read_lock();
	for_each_net_rcu(net) {
		if (pwrmig_net_served(net) &&
		    genl_has_listeners(&pwrmig_nl_family, net, group)) {
			yes = true;
			break;
		}
	}
	rcu_read_unlock();
	return yes;
}

/* Send MSG to GROUP in every served namespace; consumes MSG. */
void pwrmig_nl_multicast(struct sk_buff *msg, unsigned int group)
{
	struct net *net, *prev = NULL;
	struct sk_buff *copy;

	rcu_read_lock();
	for_each_net_rcu(net) {
		if (!pwrmig_net_served(net) ||
		    !genl_has_listeners(&pwrmig_nl_family, net, group))
			continue;
		if (prev) {
			copy = skb_clone(msg, GFP_ATOMIC);
			if (copy)
				genlmsg_multicast_netns(&pwrmig_nl_family, prev,
							copy, 0, group,
							GFP_ATOMIC);
		}
		prev = net;
	}
	if (prev)
		genlmsg_multicast_netns(&pwrmig_nl_family, prev, msg, 0, group,
					GFP_ATOMIC);
	else
		nlmsg_free(msg);
	rcu_read_unlock();
}

/*
 * Energy per cgroup at up to 100 Hz is a side channel (as RAPL's counters
 * were, CVE-2020-8694): CAP_NET_ADMIN unless the operator opened reads.
 */
static int pwrmig_cgroup_read_cap(struct sk_buff *skb,
				  struct netlink_ext_ack *extack)
{
	if (pwrmig_open_reads || netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "reading per-cgroup energy needs CAP_NET_ADMIN (or the module's open_reads=1)");
	return -EPERM;
}

int pwrmig_nl_read_check(const struct genl_split_ops *ops,
			 struct sk_buff *skb, struct genl_info *info)
{
	return pwrmig_scope_check(skb, info->extack);
}

int pwrmig_nl_dump_check(struct netlink_callback *cb)
{
	return pwrmig_scope_check(cb->skb, cb->extack);
}

int pwrmig_nl_cgroup_read_check(const struct genl_split_ops *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	return pwrmig_scope_check(skb, info->extack) ?:
	       pwrmig_cgroup_read_cap(skb, info->extack);
}

int pwrmig_nl_cgroup_dump_check(struct netlink_callback *cb)
{
	return pwrmig_scope_check(cb->skb, cb->extack) ?:
	       pwrmig_cgroup_read_cap(cb->skb, cb->extack);
}

/*
 * pre_doit of every op that changes state.  The genetlink core's own
 * GENL_ADMIN_PERM check answers a bare EPERM; this one says why.
 */
int pwrmig_nl_admin_check(const struct genl_split_ops *ops,
			  struct sk_buff *skb, struct genl_info *info)
{
	int err = pwrmig_scope_check(skb, info->extack);

	if (err || netlink_capable(skb, CAP_NET_ADMIN))
		return err;
	NL_SET_ERR_MSG(info->extack,
		       "changing the ledger, sites or migrations needs CAP_NET_ADMIN");
	return -EPERM;
}

static int pwrmig_info_fill(struct sk_buff *skb)
{
	if (nla_put_string(skb, PWRMIG_A_INFO_VERSION, PWRMIG_VERSION) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_METER_KIND, pwrmig.meter->kind) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_CPUS, num_possible_cpus()) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_PACKAGES, pwrmig.packages) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_INTERVAL_MS, pwrmig.interval_ms) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_INFO_SAMPLES,
			      pwrmig.samples, PWRMIG_A_INFO_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_CGROUPS, pwrmig.n_cgroups) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_CGROUPS_MAX, pwrmig_max_cgroups) ||
	    nla_put_u32(skb, PWRMIG_A_INFO_CGROUPS_REMOVED, pwrmig.n_removed) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_INFO_CGROUPS_FREED,
			      pwrmig.freed, PWRMIG_A_INFO_PAD))
		return -EMSGSIZE;
	return 0;
}

/* Reply to INFO with one object built by FILL under pwrmig.lock. */
static int pwrmig_reply(struct genl_info *info, size_t size,
			int (*fill)(struct sk_buff *skb, void *arg), void *arg)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &pwrmig_nl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = fill(msg, arg);
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

static int info_fill_cb(struct sk_buff *skb, void *arg)
{
	return pwrmig_info_fill(skb);
}

int pwrmig_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	mutex_lock(&pwrmig.lock);
	err = pwrmig_reply(info, NLMSG_GOODSIZE, info_fill_cb, NULL);
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* ---- cgroups ---- */

/* A cgroup's reply: its figures and a path of up to PATH_MAX. */
#define PWRMIG_CG_REPLY_SIZE	(NLMSG_GOODSIZE + PATH_MAX)

/* -ENOENT: the caller may not see CG (see below). */
static int pwrmig_cg_fill(struct sk_buff *skb, const struct pwrmig_cg *cg)
{
	struct pwrmig_site *local = pwrmig_site_local();
	struct cgroup *cgrp;
	u32 flags = cg->flags;
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
			      cg->deadline, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_CGROUP_PRIORITY, cg->priority) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CARRIED_RUNTIME_NS,
			      cg->carried_runtime_ns, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CARRIED_CPU_UJ,
			      cg->carried_uj[PWRMIG_MDOM_PKG], PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CARRIED_DRAM_UJ,
			      cg->carried_uj[PWRMIG_MDOM_DRAM], PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CARRIED_GPU_UJ,
			      cg->carried_gpu_uj, PWRMIG_A_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_CGROUP_CARRIED_COST_UUNITS,
			      cg->carried_cost_uunits, PWRMIG_A_CGROUP_PAD)) {
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
		err = pwrmig_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
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
	struct pwrmig_cg *cg;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_CGROUP_ID))
		return -EINVAL;
	if (!tb[PWRMIG_A_CGROUP_DEFERRABLE] && !tb[PWRMIG_A_CGROUP_MIGRATABLE] &&
	    !tb[PWRMIG_A_CGROUP_DEADLINE] && !tb[PWRMIG_A_CGROUP_PRIORITY]) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: give deferrable, migratable, deadline or priority");
		return -EINVAL;
	}
	mutex_lock(&pwrmig.lock);
	cg = cg_lookup(info, tb[PWRMIG_A_CGROUP_ID], true, &err);
	if (cg) {
		if (tb[PWRMIG_A_CGROUP_DEFERRABLE]) {
			cg->flags &= ~PWRMIG_CGROUP_FLAGS_DEFERRABLE;
			if (nla_get_u8(tb[PWRMIG_A_CGROUP_DEFERRABLE]))
				cg->flags |= PWRMIG_CGROUP_FLAGS_DEFERRABLE;
		}
		if (tb[PWRMIG_A_CGROUP_MIGRATABLE]) {
			cg->flags &= ~PWRMIG_CGROUP_FLAGS_MIGRATABLE;
			if (nla_get_u8(tb[PWRMIG_A_CGROUP_MIGRATABLE]))
				cg->flags |= PWRMIG_CGROUP_FLAGS_MIGRATABLE;
		}
		if (tb[PWRMIG_A_CGROUP_DEADLINE])
			cg->deadline = nla_get_u64(tb[PWRMIG_A_CGROUP_DEADLINE]);
		if (tb[PWRMIG_A_CGROUP_PRIORITY])
			cg->priority = nla_get_u32(tb[PWRMIG_A_CGROUP_PRIORITY]);
		err = pwrmig_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
	}
	mutex_unlock(&pwrmig.lock);
	return err;
}

static bool carry_taken(const struct pwrmig_cg *cg, u64 id)
{
	unsigned int i;

	for (i = 0; id && i < PWRMIG_CARRY_IDS; i++)
		if (cg->carry_ids[i] == id)
			return true;
	return false;
}

/* A migrated job's ledger from its earlier sites, kept apart from ours. */
int pwrmig_nl_cgroup_carry_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const int carried[] = {
		PWRMIG_A_CGROUP_CARRIED_RUNTIME_NS, PWRMIG_A_CGROUP_CARRIED_CPU_UJ,
		PWRMIG_A_CGROUP_CARRIED_DRAM_UJ, PWRMIG_A_CGROUP_CARRIED_GPU_UJ,
		PWRMIG_A_CGROUP_CARRIED_COST_UUNITS,
	};
	struct nlattr **tb = info->attrs;
	struct pwrmig_site *local;
	struct pwrmig_cg *cg;
	u64 v[ARRAY_SIZE(carried)] = { 0 }, sum[ARRAY_SIZE(carried)];
	u64 *to[ARRAY_SIZE(carried)];
	u64 id = 0;
	unsigned int i;
	bool any = false;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_CGROUP_ID))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(carried); i++) {
		if (!tb[carried[i]])
			continue;
		v[i] = nla_get_u64(tb[carried[i]]);
		any = true;
	}
	if (!any) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to carry: give carried runtime, energy or cost");
		return -EINVAL;
	}
	if (v[4] && !tb[PWRMIG_A_CGROUP_CURRENCY]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_CGROUP_CARRIED_COST_UUNITS],
				    "carried cost needs its currency");
		return -EINVAL;
	}
	if (tb[PWRMIG_A_CGROUP_CARRY_ID])
		id = nla_get_u64(tb[PWRMIG_A_CGROUP_CARRY_ID]);
	mutex_lock(&pwrmig.lock);
	local = pwrmig_site_local();
	if (v[4] && !local) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_CGROUP_CARRIED_COST_UUNITS],
				    "carried cost needs a local site to be in its currency");
		err = -EINVAL;
		goto out;
	}
	if (v[4] && strcmp(nla_data(tb[PWRMIG_A_CGROUP_CURRENCY]), local->currency)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_CGROUP_CURRENCY],
				    "carried cost is in another currency than the local site's");
		err = -EINVAL;
		goto out;
	}
	cg = cg_lookup(info, tb[PWRMIG_A_CGROUP_ID], true, &err);
	if (!cg)
		goto out;
	/* A hand-over this cgroup already took: answer, add nothing. */
	if (carry_taken(cg, id))
		goto reply;
	to[0] = &cg->carried_runtime_ns;
	to[1] = &cg->carried_uj[PWRMIG_MDOM_PKG];
	to[2] = &cg->carried_uj[PWRMIG_MDOM_DRAM];
	to[3] = &cg->carried_gpu_uj;
	to[4] = &cg->carried_cost_uunits;
	/* All or nothing: a total that would wrap refuses the whole carry. */
	for (i = 0; i < ARRAY_SIZE(carried); i++) {
		if (check_add_overflow(*to[i], v[i], &sum[i])) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[carried[i]],
					    "the cgroup's carried total would overflow");
			err = -EOVERFLOW;
			goto out;
		}
	}
	for (i = 0; i < ARRAY_SIZE(carried); i++)
		*to[i] = sum[i];
	if (id) {
		cg->carry_ids[cg->carry_next] = id;
		cg->carry_next = (cg->carry_next + 1) % PWRMIG_CARRY_IDS;
	}
reply:
	err = pwrmig_reply(info, PWRMIG_CG_REPLY_SIZE, cg_fill_cb, cg);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_energy_report_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_cg *cg;
	u64 uj, sum;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_CGROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_DEVICE) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_ENERGY_ENERGY_UJ))
		return -EINVAL;
	if (nla_get_u32(tb[PWRMIG_A_ENERGY_DEVICE]) >= PWRMIG_MAX_DEVICES) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_ENERGY_DEVICE],
				    "device index out of range (max-devices is "
				    __stringify(PWRMIG_MAX_DEVICES) ")");
		return -ERANGE;
	}
	if (tb[PWRMIG_A_ENERGY_DOMAIN] &&
	    nla_get_u32(tb[PWRMIG_A_ENERGY_DOMAIN]) != PWRMIG_DOMAIN_GPU) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_ENERGY_DOMAIN],
				    "only gpu energy is reported from user space; the module meters pkg and dram");
		return -EINVAL;
	}
	uj = nla_get_u64(tb[PWRMIG_A_ENERGY_ENERGY_UJ]);

	mutex_lock(&pwrmig.lock);
	cg = cg_lookup(info, tb[PWRMIG_A_ENERGY_CGROUP_ID], true, &err);
	if (cg && check_add_overflow(cg->gpu_uj, uj, &sum)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_ENERGY_ENERGY_UJ],
				    "the cgroup's gpu energy would overflow");
		err = -EOVERFLOW;
	} else if (cg) {
		cg->gpu_uj = sum;
		pwrmig_cg_charge_cost(cg, uj);
	}
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* ---- meter ---- */

static int pwrmig_meter_fill(struct sk_buff *skb, void *arg)
{
	struct pwrmig_meter *m = pwrmig.meter;
	unsigned int pkg, dom;
	struct nlattr *nest;

	if (nla_put_u32(skb, PWRMIG_A_METER_KIND, m->kind) ||
	    nla_put_u32(skb, PWRMIG_A_METER_INTERVAL_MS, pwrmig.interval_ms) ||
	    (m->estimated && nla_put_flag(skb, PWRMIG_A_METER_ESTIMATED)) ||
	    nla_put_u32(skb, PWRMIG_A_METER_MODEL_IDLE_MW, pwrmig_model_idle_mw) ||
	    nla_put_u32(skb, PWRMIG_A_METER_MODEL_ACTIVE_MW, pwrmig_model_active_mw))
		return -EMSGSIZE;
	for (pkg = 0; pkg < pwrmig.packages; pkg++) {
		for (dom = 0; dom < PWRMIG_NR_MDOMS; dom++) {
			struct pwrmig_dom_state *ds =
				&pwrmig.dom[pkg * PWRMIG_NR_MDOMS + dom];

			if (!ds->present)
				continue;
			nest = nla_nest_start(skb, PWRMIG_A_METER_DOMAIN);
			if (!nest ||
			    nla_put_u32(skb, PWRMIG_A_DOMAIN_PACKAGE, pkg) ||
			    nla_put_u32(skb, PWRMIG_A_DOMAIN_DOMAIN,
					dom == PWRMIG_MDOM_PKG ? PWRMIG_DOMAIN_PKG :
								 PWRMIG_DOMAIN_DRAM) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_ENERGY_UJ,
					      ds->energy_uj, PWRMIG_A_DOMAIN_PAD) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_IDLE_UJ,
					      ds->idle_uj, PWRMIG_A_DOMAIN_PAD) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_OTHER_UJ,
					      ds->other_uj, PWRMIG_A_DOMAIN_PAD) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_WRAPS,
					      ds->ctr.wraps, PWRMIG_A_DOMAIN_PAD) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_WRAPS_ESTIMATED,
					      ds->ctr.wraps_estimated, PWRMIG_A_DOMAIN_PAD) ||
			    nla_put_u64_64bit(skb, PWRMIG_A_DOMAIN_RESETS,
					      ds->ctr.resets, PWRMIG_A_DOMAIN_PAD))
				return -EMSGSIZE;
			nla_nest_end(skb, nest);
		}
	}
	return 0;
}

int pwrmig_nl_meter_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	mutex_lock(&pwrmig.lock);
	err = pwrmig_reply(info, NLMSG_GOODSIZE, pwrmig_meter_fill, NULL);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_meter_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_meter *m = NULL;
	int err = 0;

	if (tb[PWRMIG_A_METER_KIND]) {
		switch (nla_get_u32(tb[PWRMIG_A_METER_KIND])) {
		case PWRMIG_METER_KIND_RAPL:
			m = &pwrmig_meter_rapl;
			break;
		case PWRMIG_METER_KIND_MODEL:
			m = &pwrmig_meter_model;
			break;
		case PWRMIG_METER_KIND_TEST:
			m = &pwrmig_meter_test;
			break;
		}
	}
	mutex_lock(&pwrmig.lock);
	if (tb[PWRMIG_A_METER_MODEL_IDLE_MW] || tb[PWRMIG_A_METER_MODEL_ACTIVE_MW]) {
		u32 idle = tb[PWRMIG_A_METER_MODEL_IDLE_MW] ?
			   nla_get_u32(tb[PWRMIG_A_METER_MODEL_IDLE_MW]) :
			   pwrmig_model_idle_mw;
		u32 active = tb[PWRMIG_A_METER_MODEL_ACTIVE_MW] ?
			     nla_get_u32(tb[PWRMIG_A_METER_MODEL_ACTIVE_MW]) :
			     pwrmig_model_active_mw;

		if (idle > active) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[PWRMIG_A_METER_MODEL_IDLE_MW] ?:
					    tb[PWRMIG_A_METER_MODEL_ACTIVE_MW],
					    "model idle power exceeds active power");
			err = -EINVAL;
			goto out;
		}
		/* Charge what ran so far at the old figures. */
		if (pwrmig.meter == &pwrmig_meter_model)
			pwrmig_sample_locked();
		pwrmig_model_idle_mw = idle;
		pwrmig_model_active_mw = active;
	}
	if (m) {
		err = pwrmig_meter_switch(m);
		if (err) {
			if (err == -ENODEV)
				NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_METER_KIND],
						    "this meter is not available on this machine");
			else
				NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_METER_KIND],
						    "the meter failed to start");
			goto out;
		}
	}
	if (tb[PWRMIG_A_METER_INTERVAL_MS]) {
		pwrmig.interval_ms = nla_get_u32(tb[PWRMIG_A_METER_INTERVAL_MS]);
		pwrmig_sampler_kick();
	}
	err = pwrmig_reply(info, NLMSG_GOODSIZE, pwrmig_meter_fill, NULL);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* ---- telemetry ---- */

void pwrmig_nl_notify_telemetry(u64 interval_ns, u64 energy_uj, u64 price,
				unsigned int cgroups)
{
	struct sk_buff *msg;
	void *hdr;

	if (!pwrmig_nl_listening(PWRMIG_NLGRP_TELEMETRY))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &pwrmig_nl_family, 0,
			  PWRMIG_CMD_TELEMETRY_NTF);
	if (!hdr ||
	    nla_put_u64_64bit(msg, PWRMIG_A_TELEMETRY_SAMPLE,
			      pwrmig.samples, PWRMIG_A_TELEMETRY_PAD) ||
	    nla_put_u64_64bit(msg, PWRMIG_A_TELEMETRY_INTERVAL_NS,
			      interval_ns, PWRMIG_A_TELEMETRY_PAD) ||
	    nla_put_u64_64bit(msg, PWRMIG_A_TELEMETRY_ENERGY_UJ,
			      energy_uj, PWRMIG_A_TELEMETRY_PAD) ||
	    nla_put_u64_64bit(msg, PWRMIG_A_TELEMETRY_POWER_MW,
			      interval_ns ? pwrmig_mul_div(energy_uj, 1000000,
							   interval_ns) : 0, PWRMIG_A_TELEMETRY_PAD) ||
	    nla_put_u64_64bit(msg, PWRMIG_A_TELEMETRY_PRICE_UUNITS_PER_KWH,
			      price, PWRMIG_A_TELEMETRY_PAD) ||
	    nla_put_u32(msg, PWRMIG_A_TELEMETRY_CGROUPS, cgroups)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	pwrmig_nl_multicast(msg, PWRMIG_NLGRP_TELEMETRY);
}
