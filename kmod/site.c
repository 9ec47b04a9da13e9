// SPDX-License-Identifier: GPL-2.0
/*
 * Sites and their grid prices: site-get/-set/-del and price-set.
 *
 * The local site's price and PUE cost the ledger's energy; the sampler
 * reads them under pwrmig.lock, so a change costs energy from the next
 * sample on.  Every change is multicast on the telemetry group.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"

struct pwrmig_site_entry *pwrmig_site_local(void)
{
	return pwrmig_sites_local(pwrmig.sites);
}

struct pwrmig_site_entry *pwrmig_site_find(const char *name)
{
	return pwrmig_sites_find(pwrmig.sites, name);
}

static size_t site_size(const struct pwrmig_site_entry *s)
{
	return nla_total_size(PWRMIG_SITE_NAME_LEN) + nla_total_size(0) +
	       nla_total_size_64bit(8) * 2 + nla_total_size(4) * 3 +
	       s->n_forecast * (nla_total_size(0) + nla_total_size_64bit(8) * 2 +
				nla_total_size(4));
}

static int site_fill(struct sk_buff *skb, const struct pwrmig_site_entry *s,
		     bool name_only)
{
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_string(skb, PWRMIG_A_SITE_NAME, s->name))
		return -EMSGSIZE;
	if (name_only)
		return 0;
	if ((s->local && nla_put_flag(skb, PWRMIG_A_SITE_LOCAL)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH,
			      s->price, PWRMIG_A_SITE_PAD) ||
	    nla_put_string(skb, PWRMIG_A_SITE_CURRENCY, s->currency) ||
	    nla_put_u32(skb, PWRMIG_A_SITE_PUE_MILLI, s->pue_milli) ||
	    (s->has_carbon &&
	     nla_put_u32(skb, PWRMIG_A_SITE_CARBON_G_PER_KWH, s->carbon)) ||
	    nla_put_u64_64bit(skb, PWRMIG_A_SITE_CHANGED,
			      s->changed, PWRMIG_A_SITE_PAD))
		return -EMSGSIZE;
	for (i = 0; i < s->n_forecast; i++) {
		nest = nla_nest_start(skb, PWRMIG_A_SITE_FORECAST);
		if (!nest ||
		    nla_put_u64_64bit(skb, PWRMIG_A_FORECAST_START,
				      s->forecast[i].start, PWRMIG_A_FORECAST_PAD) ||
		    nla_put_u32(skb, PWRMIG_A_FORECAST_DURATION_S,
				s->forecast[i].duration_s) ||
		    nla_put_u64_64bit(skb, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH,
				      s->forecast[i].price, PWRMIG_A_FORECAST_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static struct sk_buff *site_msg(const struct pwrmig_site_entry *s, u32 portid,
				u32 seq, int flags, u8 cmd, bool name_only)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(site_size(s), GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, portid, seq, &pwrmig_nl_family, flags, cmd);
	if (!hdr || site_fill(msg, s, name_only)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

void pwrmig_nl_notify_site(const struct pwrmig_site_entry *s, bool deleted)
{
	struct sk_buff *msg;

	if (!pwrmig_nl_listening(PWRMIG_NLGRP_TELEMETRY))
		return;
	msg = site_msg(s, 0, 0, 0,
		       deleted ? PWRMIG_CMD_SITE_DEL_NTF : PWRMIG_CMD_SITE_NTF,
		       deleted);
	if (msg)
		pwrmig_nl_multicast(msg, PWRMIG_NLGRP_TELEMETRY);
}

static int site_reply(struct genl_info *info, const struct pwrmig_site_entry *s)
{
	struct sk_buff *msg;

	msg = site_msg(s, info->snd_portid, info->snd_seq, 0,
		       info->genlhdr->cmd, false);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

/* Where a refusal of the site table's rules points in the request. */
static void site_err(struct genl_info *info, const struct pwrmig_site_err *e,
		     const struct pwrmig_site_slots *fs)
{
	/*
	 * info->attrs is as long as the op's policy: site-del's and
	 * site-get's end at the name, so the currency is read only for a
	 * refusal that names it (site-set, price-set).
	 */
	const struct nlattr *cur = e->at == PWRMIG_SITE_AT_CURRENCY ?
				   info->attrs[PWRMIG_A_SITE_CURRENCY] : NULL;
	const struct nlattr *at = pwrmig_site_err_attr(e, fs, info->attrs[PWRMIG_A_SITE_NAME],
						       cur);

	/* The table's messages are string literals, as extack wants. */
	if (info->extack)
		info->extack->_msg = e->msg;
	if (at)
		NL_SET_BAD_ATTR(info->extack, at);
}

/* The forecast slots (the core checked them against the nested policy). */
static int forecast_parse(struct genl_info *info, struct pwrmig_site_req *r,
			  struct pwrmig_site_slots *fs, struct pwrmig_site_err *e)
{
	const struct nlattr *fc[PWRMIG_MAX_FORECAST];
	unsigned int n = 0;
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != PWRMIG_A_SITE_FORECAST)
			continue;
		if (n < PWRMIG_MAX_FORECAST)
			fc[n] = a;
		n++;
	}
	return pwrmig_site_forecast(r, fs, fc, n, e);
}

/* The request's attributes, as the site table takes them. */
static void site_req(struct genl_info *info, struct pwrmig_site_req *r)
{
	struct nlattr **tb = info->attrs;

	r->name = nla_data(tb[PWRMIG_A_SITE_NAME]);
	if (tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH]) {
		r->has_price = 1;
		r->price = nla_get_u64(tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH]);
	}
	if (tb[PWRMIG_A_SITE_CURRENCY])
		r->currency = nla_data(tb[PWRMIG_A_SITE_CURRENCY]);
	if (tb[PWRMIG_A_SITE_PUE_MILLI]) {
		r->has_pue = 1;
		r->pue_milli = nla_get_u32(tb[PWRMIG_A_SITE_PUE_MILLI]);
	}
	if (tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]) {
		r->has_carbon = 1;
		r->carbon = nla_get_u32(tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]);
	}
	r->local = !!tb[PWRMIG_A_SITE_LOCAL];
}

static bool has_forecast(struct genl_info *info)
{
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(a) == PWRMIG_A_SITE_FORECAST)
			return true;
	return false;
}

static void site_demoted(void *arg, struct pwrmig_site_entry *s)
{
	pwrmig_nl_notify_site(s, false);
}

static int site_apply(struct genl_info *info, bool may_create)
{
	struct pwrmig_site_req r = { 0 };
	struct pwrmig_site_err e = { 0 };
	struct pwrmig_site_entry *s;
	struct pwrmig_site_slots *fs;
	int created, err;

	if (!may_create && !info->attrs[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] &&
	    !has_forecast(info)) {
		NL_SET_ERR_MSG(info->extack,
			       "price-set needs price-uunits-per-kwh or forecast slots");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_SITE_NAME))
		return -EINVAL;
	/* Name and currency first, then the forecast, as they come. */
	site_req(info, &r);
	err = pwrmig_site_req_check(&r, &e);
	if (err) {
		site_err(info, &e, NULL);
		return err;
	}
	fs = kmalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	err = forecast_parse(info, &r, fs, &e);
	if (!err && r.has_forecast)
		err = pwrmig_site_req_check(&r, &e);
	if (err) {
		site_err(info, &e, fs);
		goto out_free;
	}

	mutex_lock(&pwrmig.lock);
	s = pwrmig_sites_apply(pwrmig.sites, &r, may_create, ktime_get_real_seconds(),
			       site_demoted, NULL, &created, &e);
	if (!s) {
		site_err(info, &e, NULL);
		err = e.err;
		goto out;
	}
	err = site_reply(info, s);
	if (err && created)
		memset(s, 0, sizeof(*s));	/* nobody heard of it: take it back */
	else
		pwrmig_nl_notify_site(s, false);
out:
	mutex_unlock(&pwrmig.lock);
out_free:
	kfree(fs);
	return err;
}

int pwrmig_nl_site_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return site_apply(info, true);
}

int pwrmig_nl_price_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return site_apply(info, false);
}

static struct pwrmig_site_entry *site_lookup(struct genl_info *info,
					     struct nlattr *attr)
{
	struct pwrmig_site_entry *s = pwrmig_site_find(nla_data(attr));

	if (!s)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such site");
	return s;
}

static void site_deleted(void *arg, struct pwrmig_site_entry *s)
{
	pwrmig_nl_notify_site(s, true);
}

int pwrmig_nl_site_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pwrmig_site_err e = { 0 };
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_SITE_NAME))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	err = pwrmig_sites_del(pwrmig.sites, nla_data(info->attrs[PWRMIG_A_SITE_NAME]),
			       site_deleted, NULL, &e);
	mutex_unlock(&pwrmig.lock);
	if (err)
		site_err(info, &e, NULL);
	return err;
}

int pwrmig_nl_site_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[PWRMIG_A_SITE_NAME];
	struct pwrmig_site_entry *s;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_SITE_NAME))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	s = site_lookup(info, attr);
	if (!s)
		err = -ENOENT;
	else
		err = site_reply(info, s);
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_site_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int i;
	int err = 0;
	void *hdr;

	mutex_lock(&pwrmig.lock);
	for (i = cb->args[0]; i < PWRMIG_MAX_SITES; i++) {
		const struct pwrmig_site_entry *s = &pwrmig.sites[i];

		if (!s->name[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &pwrmig_nl_family,
				  NLM_F_MULTI, PWRMIG_CMD_SITE_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = site_fill(skb, s, false);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	mutex_unlock(&pwrmig.lock);
	/* A full skb ends this round; the dump resumes at site i. */
	return err == -EMSGSIZE && skb->len ? skb->len : (err ?: skb->len);
}
