// SPDX-License-Identifier: GPL-2.0
/*
 * Migration broker, in the shape of net/handshake: a request gets an id
 * and is multicast on the migrate group; a daemon claims it and reports
 * progress; every change is multicast again.  Requests belong to nobody's
 * socket: they outlive whoever asked.  A request nobody claims within its
 * timeout ends timed-out; a claim whose daemon closed its socket is
 * released so that a restarted daemon can claim it again by id, and ends
 * timed-out if none does within the request's timeout.  A claim whose
 * daemon reports nothing for claim_silence_s ends timed-out too: a hung
 * daemon must not hold the cgroup (busy for new requests) and a slot for
 * ever.
 */
#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "ctrid.h"
#include "genl.h"
#include "pwrmig.h"
#include "trace.h"

#define PWRMIG_MAX_MIGRATIONS	1024
#define PWRMIG_MIGRATE_TIMEOUT_S	60

struct pwrmig_migrate {
	struct list_head node;
	u32 id;
	u64 cgroup_id;
	char site[PWRMIG_SITE_NAME_LEN];
	u32 mode;
	char requester[64];
	u32 state;
	u32 phase;
	u64 bytes;
	u32 rounds;
	u32 freeze_ms;
	u32 error;
	char error_msg[128];
	u32 claimant;		/* port id of the claiming socket, 0: none */
	u64 claimant_net;	/* and the cookie of its network namespace */
	u64 created;
	u64 updated;
	u64 created_mono;
	u64 updated_mono;
	u32 timeout_s;
	char container[64];
};

static bool migrate_final(const struct pwrmig_migrate *m)
{
	return m->state == PWRMIG_MIGRATE_STATE_DONE ||
	       m->state == PWRMIG_MIGRATE_STATE_FAILED ||
	       m->state == PWRMIG_MIGRATE_STATE_CANCELLED ||
	       m->state == PWRMIG_MIGRATE_STATE_TIMED_OUT;
}

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
	    (m->claimant && nla_put_u32(skb, PWRMIG_A_MIGRATE_CLAIMANT, m->claimant)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_CREATED,
			      m->created, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_MIGRATE_UPDATED,
			      m->updated, PWRMIG_A_MIGRATE_PAD) ||
	    nla_put_u32(skb, PWRMIG_A_MIGRATE_TIMEOUT_S, m->timeout_s) ||
	    (m->container[0] &&
	     nla_put_string(skb, PWRMIG_A_MIGRATE_CONTAINER, m->container)))
		return -EMSGSIZE;
	return 0;
}

/* What migrate_fill() puts, strings at their length. */
static size_t migrate_size(const struct pwrmig_migrate *m)
{
	return 9 * nla_total_size(sizeof(u32)) +		/* id ... timeout-s */
	       4 * nla_total_size_64bit(sizeof(u64)) +		/* cgroup-id ... updated */
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

static void migrate_changed(struct pwrmig_migrate *m)
{
	m->updated = ktime_get_real_seconds();
	m->updated_mono = ktime_get_seconds();
	trace_pwrmig_migrate_state(m->id, m->cgroup_id, m->site, m->state,
				   m->phase, m->bytes, m->error);
	pwrmig_nl_notify_migrate(m);
}

static struct pwrmig_migrate *migrate_find(u32 id)
{
	struct pwrmig_migrate *m;

	list_for_each_entry(m, &pwrmig.migrations, node)
		if (m->id == id)
			return m;
	return NULL;
}

static struct pwrmig_migrate *migrate_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[PWRMIG_A_MIGRATE_ID];
	struct pwrmig_migrate *m = migrate_find(nla_get_u32(attr));

	if (!m)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no migration request with this id");
	return m;
}

/* A request that may still change: not finished. */
static struct pwrmig_migrate *migrate_lookup_open(struct genl_info *info,
						  int *err)
{
	struct pwrmig_migrate *m = migrate_lookup(info);

	*err = -ENOENT;
	if (!m)
		return NULL;
	if (migrate_final(m)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[PWRMIG_A_MIGRATE_ID],
				    "request already finished");
		*err = -EALREADY;
		return NULL;
	}
	return m;
}

/* Make room by forgetting the oldest finished request. */
static bool migrate_make_room(void)
{
	struct pwrmig_migrate *m;

	if (pwrmig.n_migrations < PWRMIG_MAX_MIGRATIONS)
		return true;
	list_for_each_entry(m, &pwrmig.migrations, node) {
		if (migrate_final(m)) {
			list_del(&m->node);
			kfree(m);
			pwrmig.n_migrations--;
			return true;
		}
	}
	return false;
}

/* The request's cgroup exists and its container id is one runc takes. */
static int migrate_request_check(struct genl_info *info, u64 *cgid)
{
	struct nlattr **tb = info->attrs;
	struct cgroup *cgrp;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_CGROUP_ID) ||
	    GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_SITE))
		return -EINVAL;
	*cgid = nla_get_u64(tb[PWRMIG_A_MIGRATE_CGROUP_ID]);
	cgrp = cgroup_get_from_id(*cgid);
	if (IS_ERR_OR_NULL(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_CGROUP_ID],
				    "no cgroup with this id");
		return -ENOENT;
	}
	cgroup_put(cgrp);
	if (tb[PWRMIG_A_MIGRATE_CONTAINER] &&
	    !pwrmig_container_id_ok(nla_data(tb[PWRMIG_A_MIGRATE_CONTAINER]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_CONTAINER],
				    "container must be an OCI container id: letters, digits and _+.-");
		return -EINVAL;
	}
	return 0;
}

/*
 * The target site exists and is not this one, the cgroup has no request
 * in progress, and there is room for one more: the target, or an
 * ERR_PTR.  (pwrmig.lock held)
 */
static struct pwrmig_site_entry *migrate_target(struct genl_info *info, u64 cgid)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_migrate *old;
	struct pwrmig_site_entry *site;

	site = pwrmig_site_find(nla_data(tb[PWRMIG_A_MIGRATE_SITE]));
	if (!site) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_SITE],
				    "no such site (add it with site-set)");
		return ERR_PTR(-ENOENT);
	}
	if (site == pwrmig_site_local()) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_SITE],
				    "the target is the local site: nothing to move");
		return ERR_PTR(-EINVAL);
	}
	list_for_each_entry(old, &pwrmig.migrations, node) {
		if (old->cgroup_id == cgid && !migrate_final(old)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[PWRMIG_A_MIGRATE_CGROUP_ID],
					    "this cgroup already has a migration in progress");
			return ERR_PTR(-EBUSY);
		}
	}
	if (!migrate_make_room()) {
		NL_SET_ERR_MSG(info->extack, "too many unfinished migration requests");
		return ERR_PTR(-ENOSPC);
	}
	return site;
}

int pwrmig_nl_migrate_request_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_migrate *m;
	struct pwrmig_site_entry *site;
	u64 cgid;
	int err;

	err = migrate_request_check(info, &cgid);
	if (err)
		return err;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	mutex_lock(&pwrmig.lock);
	site = migrate_target(info, cgid);
	if (IS_ERR(site)) {
		mutex_unlock(&pwrmig.lock);
		kfree(m);
		return PTR_ERR(site);
	}
	m->id = ++pwrmig.next_migrate_id;
	m->cgroup_id = cgid;
	strscpy(m->site, site->name, sizeof(m->site));
	m->mode = tb[PWRMIG_A_MIGRATE_MODE] ?
		  nla_get_u32(tb[PWRMIG_A_MIGRATE_MODE]) : PWRMIG_MIGRATE_MODE_LIVE;
	if (tb[PWRMIG_A_MIGRATE_REQUESTER])
		strscpy(m->requester, nla_data(tb[PWRMIG_A_MIGRATE_REQUESTER]),
			sizeof(m->requester));
	if (tb[PWRMIG_A_MIGRATE_CONTAINER])
		strscpy(m->container, nla_data(tb[PWRMIG_A_MIGRATE_CONTAINER]),
			sizeof(m->container));
	m->timeout_s = tb[PWRMIG_A_MIGRATE_TIMEOUT_S] ?
		       nla_get_u32(tb[PWRMIG_A_MIGRATE_TIMEOUT_S]) :
		       PWRMIG_MIGRATE_TIMEOUT_S;
	m->state = PWRMIG_MIGRATE_STATE_PENDING;
	m->created = ktime_get_real_seconds();
	m->created_mono = ktime_get_seconds();
	list_add_tail(&m->node, &pwrmig.migrations);
	pwrmig.n_migrations++;
	migrate_changed(m);
	err = migrate_reply(info, m);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_claim_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate *m = NULL, *it;
	int err;

	mutex_lock(&pwrmig.lock);
	if (info->attrs[PWRMIG_A_MIGRATE_ID]) {
		m = migrate_lookup(info);
		err = -ENOENT;
		if (!m)
			goto out;
		err = -EBUSY;
		if (m->state != PWRMIG_MIGRATE_STATE_PENDING &&
		    (migrate_final(m) || m->claimant)) {
			if (migrate_final(m))
				NL_SET_ERR_MSG_ATTR(info->extack,
						    info->attrs[PWRMIG_A_MIGRATE_ID],
						    "request already finished");
			else
				NL_SET_ERR_MSG_ATTR(info->extack,
						    info->attrs[PWRMIG_A_MIGRATE_ID],
						    "request is claimed by a running daemon");
			goto out;
		}
	} else {
		list_for_each_entry(it, &pwrmig.migrations, node) {
			if (it->state == PWRMIG_MIGRATE_STATE_PENDING) {
				m = it;
				break;
			}
		}
		err = -ENOENT;
		if (!m) {
			NL_SET_ERR_MSG(info->extack, "no pending migration request");
			goto out;
		}
	}
	m->claimant = info->snd_portid;
	m->claimant_net = genl_info_net(info)->net_cookie;
	if (m->state == PWRMIG_MIGRATE_STATE_PENDING)
		m->state = PWRMIG_MIGRATE_STATE_CLAIMED;
	migrate_changed(m);
	err = migrate_reply(info, m);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_status_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_migrate *m;
	u32 state;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	m = migrate_lookup_open(info, &err);
	if (!m)
		goto out;
	err = -EPERM;
	if (m->claimant != info->snd_portid ||
	    m->claimant_net != genl_info_net(info)->net_cookie) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_ID],
				    "only the daemon that claimed the request reports on it");
		goto out;
	}
	if (tb[PWRMIG_A_MIGRATE_STATE]) {
		state = nla_get_u32(tb[PWRMIG_A_MIGRATE_STATE]);
		err = -EINVAL;
		if (state != PWRMIG_MIGRATE_STATE_RUNNING &&
		    state != PWRMIG_MIGRATE_STATE_DONE &&
		    state != PWRMIG_MIGRATE_STATE_FAILED) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_STATE],
					    "a daemon reports running, done or failed");
			goto out;
		}
		if (state == PWRMIG_MIGRATE_STATE_FAILED &&
		    !tb[PWRMIG_A_MIGRATE_ERROR]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_MIGRATE_STATE],
					    "a failure needs an error");
			goto out;
		}
		m->state = state;
		/* A report without an error says the last one is over. */
		if (state != PWRMIG_MIGRATE_STATE_FAILED && !tb[PWRMIG_A_MIGRATE_ERROR]) {
			m->error = 0;
			m->error_msg[0] = 0;
		}
	} else if (m->state == PWRMIG_MIGRATE_STATE_CLAIMED) {
		m->state = PWRMIG_MIGRATE_STATE_RUNNING;
	}
	if (tb[PWRMIG_A_MIGRATE_PHASE])
		m->phase = nla_get_u32(tb[PWRMIG_A_MIGRATE_PHASE]);
	if (tb[PWRMIG_A_MIGRATE_BYTES])
		m->bytes = nla_get_u64(tb[PWRMIG_A_MIGRATE_BYTES]);
	if (tb[PWRMIG_A_MIGRATE_ROUNDS])
		m->rounds = nla_get_u32(tb[PWRMIG_A_MIGRATE_ROUNDS]);
	if (tb[PWRMIG_A_MIGRATE_FREEZE_MS])
		m->freeze_ms = nla_get_u32(tb[PWRMIG_A_MIGRATE_FREEZE_MS]);
	if (tb[PWRMIG_A_MIGRATE_ERROR])
		m->error = nla_get_u32(tb[PWRMIG_A_MIGRATE_ERROR]);
	if (tb[PWRMIG_A_MIGRATE_ERROR_MSG])
		strscpy(m->error_msg, nla_data(tb[PWRMIG_A_MIGRATE_ERROR_MSG]),
			sizeof(m->error_msg));
	migrate_changed(m);
	err = migrate_reply(info, m);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_cancel_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate *m;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	m = migrate_lookup_open(info, &err);
	if (!m)
		goto out;
	m->state = PWRMIG_MIGRATE_STATE_CANCELLED;
	migrate_changed(m);
	err = migrate_reply(info, m);
out:
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_migrate_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_migrate *m;
	int err = -ENOENT;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_MIGRATE_ID))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	m = migrate_lookup(info);
	if (m)
		err = migrate_reply(info, m);
	mutex_unlock(&pwrmig.lock);
	return err;
}

/* Ids grow along the list: dumps resume after id cb->args[0]. */
int pwrmig_nl_migrate_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pwrmig_migrate *m;
	int err = 0;
	void *hdr;

	mutex_lock(&pwrmig.lock);
	list_for_each_entry(m, &pwrmig.migrations, node) {
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
static void migrate_time_out(struct pwrmig_migrate *m, const char *why)
{
	m->state = PWRMIG_MIGRATE_STATE_TIMED_OUT;
	m->error = ETIMEDOUT;
	m->claimant = 0;
	strscpy(m->error_msg, why, sizeof(m->error_msg));
	migrate_changed(m);
}

void pwrmig_broker_expire(void)
{
	u64 silence = READ_ONCE(pwrmig_claim_silence_s);
	u64 now = ktime_get_seconds();
	struct pwrmig_migrate *m;

	list_for_each_entry(m, &pwrmig.migrations, node) {
		if (migrate_final(m))
			continue;
		if (m->state == PWRMIG_MIGRATE_STATE_PENDING) {
			if (now - m->created_mono >= m->timeout_s)
				migrate_time_out(m, "no daemon claimed the request in time");
		} else if (!m->claimant) {
			if (now - m->updated_mono >= m->timeout_s)
				migrate_time_out(m, "its daemon went away and none claimed it again in time");
		} else if (silence && now - m->updated_mono >= silence) {
			migrate_time_out(m, "its daemon reported nothing for claim_silence_s");
		}
	}
}

/* A daemon's socket closed: release its claims for a restarted daemon. */
static int pwrmig_netlink_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	struct netlink_notify *n = ptr;
	struct pwrmig_migrate *m;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&pwrmig.lock);
	list_for_each_entry(m, &pwrmig.migrations, node) {
		/*
		 * Port ids are per network namespace: a socket elsewhere with
		 * the claimant's port id is not the claimant.
		 */
		if (m->claimant == n->portid &&
		    m->claimant_net == n->net->net_cookie && !migrate_final(m)) {
			m->claimant = 0;
			migrate_changed(m);
		}
	}
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

void pwrmig_broker_exit(void)
{
	struct pwrmig_migrate *m, *tmp;

	netlink_unregister_notifier(&pwrmig_netlink_nb);
	list_for_each_entry_safe(m, tmp, &pwrmig.migrations, node) {
		list_del(&m->node);
		kfree(m);
	}
	pwrmig.n_migrations = 0;
}
