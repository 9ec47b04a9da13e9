// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written handlers of the pwrmig generic netlink family for the
 * module and the meter, and what every handler shares (scope and
 * capability checks, replies, multicast); the ops table and policies
 * they plug into are generated into genl.c.  The ledger's cgroups live
 * in cgroup.c, sites in site.c, migrations in broker.c.
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

static size_t pwrmig_info_size(void)
{
	return nla_total_size(sizeof(PWRMIG_VERSION)) +	/* version */
	       7 * nla_total_size(sizeof(u32)) +		/* kind ... cgroups-removed */
	       2 * nla_total_size_64bit(sizeof(u64));		/* samples, cgroups-freed */
}

int pwrmig_nl_refuse(struct genl_info *info, const struct pwrmig_refusal *e)
{
	/*
	 * The rules' messages are string literals, as extack wants; the
	 * attributes they name are in the op's policy.
	 */
	if (info->extack)
		info->extack->_msg = e->msg;
	if (e->attr)
		NL_SET_BAD_ATTR(info->extack, info->attrs[e->attr]);
	return e->err;
}

/* Reply to INFO with one object built by FILL under pwrmig.lock. */
int pwrmig_nl_reply(struct genl_info *info, size_t size,
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
	err = pwrmig_nl_reply(info, pwrmig_info_size(), info_fill_cb, NULL);
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* ---- meter ---- */

/* The meter's figures and one nest per package and domain it measures. */
static size_t pwrmig_meter_size(void)
{
	size_t size = 4 * nla_total_size(sizeof(u32)) + nla_total_size(0);
	size_t dom = nla_total_size(0) + 2 * nla_total_size(sizeof(u32)) +
		     6 * nla_total_size_64bit(sizeof(u64));
	unsigned int i;

	for (i = 0; i < pwrmig.packages * PWRMIG_NR_MDOMS; i++)
		if (pwrmig.dom[i].present)
			size += dom;
	return size;
}

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
	err = pwrmig_nl_reply(info, pwrmig_meter_size(), pwrmig_meter_fill, NULL);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_meter_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_meter *m;
	int err = 0;

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
	if (tb[PWRMIG_A_METER_KIND]) {
		m = pwrmig_meter_by_kind(nla_get_u32(tb[PWRMIG_A_METER_KIND]));
		if (!m) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_METER_KIND],
					    "no module registered an external meter");
			err = -ENODEV;
			goto out;
		}
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
	err = pwrmig_nl_reply(info, pwrmig_meter_size(), pwrmig_meter_fill, NULL);
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
	msg = genlmsg_new(5 * nla_total_size_64bit(sizeof(u64)) + nla_total_size(sizeof(u32)),
			  GFP_KERNEL);
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
