// SPDX-License-Identifier: GPL-2.0
/*
 * Migration broker over netlink, in the shape of net/handshake: the
 * requests and their lifecycle are common/broker.c's; here they are parsed
 * from and answered in netlink messages, every change is multicast on the
 * migrate group and traced, claims are released when the claiming
 * socket closes (so that a restarted daemon can claim them again by id),
 * and the sampler times requests out.  A claim is its socket's port id in
 * its network namespace.
 */
#include <linux/cgroup.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"
#include "trace.h"

static int migrate_fill(struct sk_buff *skb, const struct pwrmig_migrate *m)
{
	if (nla_put_u32(skb, PWRMIG_A_MIGRATE_ID, m->id) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_CGROUP_ID,
			      m->cgroup_id, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_string(skb, PWRMIG_A_MIGRATE_SITE, m->site) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_MODE, m->mode) ||
	    (m->requester[0] &&
	     nla_put_string(skb, PWRMIG_A_MIGRATE_REQUESTER, m->requester)) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_STATE, m->state) ||
	    (m->phase && nla_put_u32(skb, PWRMIG_A_MIGRATE_PHASE, m->phase)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_BYTES,
			      m->bytes, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_ROUNDS, m->rounds) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_FREEZE_MS, m->freeze_ms) ||
	    (m->error && nla_put_u32(skb, PWRMIG_A_MIGRATE_ERROR, m->error)) ||
	    (m->error_msg[0] &&
	     nla_put_string(skb, PWRMIG_A_MIGRATE_ERROR_MSG, m->error_msg)) ||
	    (m->claimant.port &&
	     nla_put_u32(skb, PWRMIG_A_MIGRATE_CLAIMANT, m->claimant.port)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_CREATED,
			      m->created, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_UPDATED,
			      m->updated, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_TIMEOUT_S, m->timeout_s) ||
	    (m->container[0] &&
	     nla_put_string(skb, PWRMIG_A_MIGRATE_CONTAINER, m->container)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_PHASE_BYTES,
			      m->phase_bytes, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_PHASE_TOTAL,
			      m->phase_total, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_PHASE_MS, m->phase_ms))
		return -EMSGSIZE;
	return 0;
}

/* What migrate_fill() puts, strings at their length. */
static size_t migrate_size(const struct pwrmig_migrate *m)
{
	return 10 * nla_total_size(sizeof(u32)) +	/* id ... timeout-s, phase-ms */
	       6 * nla_total_size_64bit(sizeof(u64)) +	/* cgroup-id ... updated, phase-* */
	       nla_total_size(strlen(m->site) + 1) +
	       nla_total_size(strlen(m->requester) + 1) +
	       nla_total_size(strlen(m->error_msg) + 1) +
	       nla_total_size(strlen(m->container) + 1);
}

static struct sk_buff *migrate_msg(const struct pwrmig_migrate *m, u32 portid,
				   u32 seq, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(migrate_size(m), GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, portid, seq, &pwrmig_nl_family, 0, cmd);
	if (!hdr || migrate_fill(msg, m)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

void pwrmig_nl_notify_migrate(const struct pwrmig_migrate *m)
{
	struct sk_buff *msg;

	if (!pwrmig_nl_listening(PWRMIG_NLGRP_MIGRATE))
		return;
	msg = migrate_msg(m, 0, 0, PWRMIG_CMD_MIGRATE_NTF);
	if (msg)
		pwrmig_nl_multicast(msg, PWRMIG_NLGRP_MIGRATE);
}

static int migrate_reply(struct genl_info *info, const struct pwrmig_migrate *m)
{
	struct sk_buff *msg;

	msg = migrate_msg(m, info->snd_portid, info->snd_seq, info->genlhdr->cmd);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

/* Every change: traced, and multicast on the migrate group. */
static void migrate_changed(void *arg, const struct pwrmig_migrate *m)
{
	trace_pwrmig_migrate_state(m->id, m->cgroup_id, m->site, m->state,
				   m->phase, m->bytes, m->error);
	pwrmig_nl_notify_migrate(m);
}

static void now(struct pwrmig_now *t)
{
	t->real = ktime_get_real_seconds();
	t->mono = ktime_get_seconds();
}

static void claimant(struct genl_info *info, struct pwrmig_claimant *c)
{
	c->port = info->snd_portid;
	c->ns = genl_info_net(info)->net_cookie;
}

/* After a change to M (NULL: refused with E): notify, answer. */
static int migrate_done(struct genl_info *info, struct pwrmig_migrate *m,
			const struct pwrmig_refusal *e)
{
	if (!m)
		return pwrmig_nl_refuse(info, e);
	migrate_changed(NULL, m);
	return migrate_reply(info, m);
}

int pwrmig_nl_migrate_request_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate_req q;
	struct pwrmig_migrate *m, *old;
	struct pwrmig_refusal e;
	struct pwrmig_now t;
	struct cgroup *cgrp;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_CGROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_SITE))
		return -EINVAL;
	pwrmig_migrate_req_parse(pwrmig_nl_tb(info), &q);
	cgrp = cgroup_get_from_id(q.cgroup_id);
	if (IS_ERR_OR_NULL(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[PWRMIG_A_MIGRATE_CGROUP_ID],
				    "no cgroup with this id");
		return -ENOENT;
	}
	cgroup_put(cgrp);
	if (pwrmig_migrate_req_check(&q, &e))
		return pwrmig_nl_refuse(info, &e);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	now(&t);
	mutex_lock(&pwrmig.lock);
	err = pwrmig_broker_request(&pwrmig.broker, pwrmig.sites, &q, m, &t, &old, &e);
	if (err) {
		mutex_unlock(&pwrmig.lock);
		kfree(m);
		return pwrmig_nl_refuse(info, &e);
	}
	kfree(old);
	err = migrate_done(info, m, NULL);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_claim_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[PWRMIG_A_MIGRATE_ID];
	struct pwrmig_claimant c;
	struct pwrmig_migrate *m;
	struct pwrmig_refusal e;
	struct pwrmig_now t;
	int err;

	claimant(info, &c);
	now(&t);
	mutex_lock(&pwrmig.lock);
	m = pwrmig_broker_claim(&pwrmig.broker, !!id, id ? nla_get_u32(id) : 0, &c, &t, &e);
	err = migrate_done(info, m, &e);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_status_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate_status r;
	struct pwrmig_claimant c;
	struct pwrmig_migrate *m;
	struct pwrmig_refusal e;
	struct pwrmig_now t;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	pwrmig_migrate_status_parse(pwrmig_nl_tb(info), &r);
	claimant(info, &c);
	now(&t);
	mutex_lock(&pwrmig.lock);
	m = pwrmig_broker_report(&pwrmig.broker, nla_get_u32(info->attrs[PWRMIG_A_MIGRATE_ID]),
				 &c, &r, &t, &e);
	err = migrate_done(info, m, &e);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_cancel_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate *m;
	struct pwrmig_refusal e;
	struct pwrmig_now t;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	now(&t);
	mutex_lock(&pwrmig.lock);
	m = pwrmig_broker_cancel(&pwrmig.broker, nla_get_u32(info->attrs[PWRMIG_A_MIGRATE_ID]),
				 &t, &e);
	err = migrate_done(info, m, &e);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate *m;
	struct pwrmig_refusal e;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	m = pwrmig_broker_get(&pwrmig.broker, nla_get_u32(info->attrs[PWRMIG_A_MIGRATE_ID]), &e);
	err = m ? migrate_reply(info, m) : pwrmig_nl_refuse(info, &e);
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* Ids grow along the table: dumps resume after id cb->args[0]. */
int pwrmig_nl_migrate_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pwrmig_broker *b = &pwrmig.broker;
	struct pwrmig_migrate *m;
	unsigned int i;
	int err = 0;
	void *hdr;

	mutex_lock(&pwrmig.lock);
	for (i = 0; i < b->n; i++) {
		m = b->m[i];
		if (m->id <= cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pwrmig_nl_family,
				  NLM_F_MULTI, PWRMIG_CMD_MIGRATE_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = migrate_fill(skb, m);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = m->id;
	}
	mutex_unlock(&pwrmig.lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* Called from the sampler with pwrmig.lock held. */
void pwrmig_broker_expire(void)
{
	struct pwrmig_now t;

	now(&t);
	pwrmig_broker_time_out(&pwrmig.broker, READ_ONCE(pwrmig_claim_silence_s), &t,
			       migrate_changed, NULL);
}

/* A daemon's socket closed: release its claims for a restarted daemon. */
static int pwrmig_netlink_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	struct netlink_notify *n = ptr;
	struct pwrmig_claimant c;
	struct pwrmig_now t;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	/*
	 * Port ids are per network namespace: a socket elsewhere with the
	 * claimant's port id is not the claimant.
	 */
	c.port = n->portid;
	c.ns = n->net->net_cookie;
	now(&t);
	mutex_lock(&pwrmig.lock);
	pwrmig_broker_release(&pwrmig.broker, &c, &t, migrate_changed, NULL);
	mutex_unlock(&pwrmig.lock);
	return NOTIFY_DONE;
}

static struct notifier_block pwrmig_netlink_nb = {
	.notifier_call = pwrmig_netlink_event,
};

int pwrmig_broker_init(void)
{
	return netlink_register_notifier(&pwrmig_netlink_nb);
}

static void migrate_free(struct pwrmig_migrate *m)
{
	kfree(m);
}

void pwrmig_broker_exit(void)
{
	netlink_unregister_notifier(&pwrmig_netlink_nb);
	pwrmig_broker_clear(&pwrmig.broker, migrate_free);
}
