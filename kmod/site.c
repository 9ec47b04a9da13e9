// SPDX-License-Identifier: GPL-2.0
/*
 * Sites and their grid prices: site-get/-set/-del and price-set.
 *
 * The local site's price and PUE cost the ledger's energy; the sampler
 * reads them under pwrmig.lock, so a change costs energy from the next
 * sample on.  Every change is multicast on the telemetry group.
 */
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "compat.h"
#include "genl.h"
#include "pwrmig.h"

struct pwrmig_site *pwrmig_site_local(void)
{
	unsigned int i;

	for (i = 0; i < PWRMIG_MAX_SITES; i++)
		if (pwrmig.sites[i].name[0] && pwrmig.sites[i].local)
			return &pwrmig.sites[i];
	return NULL;
}

struct pwrmig_site *pwrmig_site_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < PWRMIG_MAX_SITES; i++)
		if (pwrmig.sites[i].name[0] && !strcmp(pwrmig.sites[i].name, name))
			return &pwrmig.sites[i];
	return NULL;
}

static size_t site_size(const struct pwrmig_site *s)
{
	return nla_total_size(PWRMIG_SITE_NAME_LEN) + nla_total_size(0) +
	       nla_total_size_64bit(8) * 2 + nla_total_size(4) * 3 +
	       s->n_forecast * (nla_total_size(0) + nla_total_size_64bit(8) * 2 +
				nla_total_size(4));
}

static int site_fill(struct sk_buff *skb, const struct pwrmig_site *s,
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

static struct sk_buff *site_msg(const struct pwrmig_site *s, u32 portid,
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

void pwrmig_nl_notify_site(const struct pwrmig_site *s, bool deleted)
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

static int site_reply(struct genl_info *info, const struct pwrmig_site *s)
{
	struct sk_buff *msg;

	msg = site_msg(s, info->snd_portid, info->snd_seq, 0,
		       info->genlhdr->cmd, false);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

/* Site name: printable, no spaces or slashes, not empty. */
static int site_name_check(struct genl_info *info, struct nlattr *attr)
{
	const char *p = nla_data(attr);

	if (!*p) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "site name is empty");
		return -EINVAL;
	}
	for (; *p; p++) {
		if (!isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "site name may hold letters, digits, '-', '_' and '.' only");
			return -EINVAL;
		}
	}
	return 0;
}

static int currency_check(struct genl_info *info, struct nlattr *attr)
{
	const char *c = nla_data(attr);

	if (strlen(c) != 3 || !isupper(c[0]) || !isupper(c[1]) || !isupper(c[2])) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "currency must be an ISO 4217 code: three capital letters");
		return -EINVAL;
	}
	return 0;
}

/* Parse the forecast slots of a request into a new array. */
static int forecast_parse(struct genl_info *info, struct pwrmig_forecast **out,
			  unsigned int *n_out)
{
	struct nlattr *tb[PWRMIG_A_FORECAST_MAX + 1];
	struct nlattr *a, *empty = NULL;
	struct pwrmig_forecast *f;
	unsigned int n = 0;
	int rem, err;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != PWRMIG_A_SITE_FORECAST)
			continue;
		n++;
		if (!nla_len(a))
			empty = a;
	}
	/* One empty slot, alone, is how a request clears the forecast. */
	if (empty) {
		if (n > 1) {
			NL_SET_ERR_MSG_ATTR(info->extack, empty,
					    "an empty forecast slot clears the forecast and must come alone");
			return -EINVAL;
		}
		*out = NULL;
		*n_out = 0;
		return 0;
	}
	if (n > PWRMIG_MAX_FORECAST) {
		NL_SET_ERR_MSG(info->extack,
			       "at most " __stringify(PWRMIG_MAX_FORECAST) " forecast slots");
		return -E2BIG;
	}
	f = n ? kcalloc(n, sizeof(*f), GFP_KERNEL) : NULL;
	if (n && !f)
		return -ENOMEM;

	n = 0;
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != PWRMIG_A_SITE_FORECAST)
			continue;
		err = nla_parse_nested(tb, PWRMIG_A_FORECAST_MAX, a,
				       pwrmig_forecast_nl_policy, info->extack);
		if (err)
			goto err_free;
		if (!tb[PWRMIG_A_FORECAST_START] ||
		    !tb[PWRMIG_A_FORECAST_DURATION_S] ||
		    !tb[PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH]) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a forecast slot needs start, duration-s and price-uunits-per-kwh");
			err = -EINVAL;
			goto err_free;
		}
		f[n].start = nla_get_u64(tb[PWRMIG_A_FORECAST_START]);
		f[n].duration_s = nla_get_u32(tb[PWRMIG_A_FORECAST_DURATION_S]);
		f[n].price = nla_get_u64(tb[PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH]);
		if (f[n].start > U64_MAX - f[n].duration_s) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_FORECAST_START],
					    "forecast slot ends past the end of time (start + duration-s overflows)");
			err = -ERANGE;
			goto err_free;
		}
		if (n && f[n].start < f[n - 1].start + f[n - 1].duration_s) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "forecast slots must be in time order and must not overlap");
			err = -EINVAL;
			goto err_free;
		}
		n++;
	}
	*out = f;
	*n_out = n;
	return 0;

err_free:
	kfree(f);
	return err;
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

/* Shared by site-set and price-set: apply the attributes present. */
/*
 * A free slot for a new site NAME, which needs a price and a currency:
 * the site, or an ERR_PTR.  (pwrmig.lock held)
 */
static struct pwrmig_site *site_new(struct genl_info *info, const char *name)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_site *s;
	unsigned int i;

	if (!tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] || !tb[PWRMIG_A_SITE_CURRENCY]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_SITE_NAME],
				    "a new site needs price-uunits-per-kwh and currency");
		return ERR_PTR(-EINVAL);
	}
	for (i = 0; i < PWRMIG_MAX_SITES && pwrmig.sites[i].name[0]; i++)
		;
	if (i == PWRMIG_MAX_SITES) {
		NL_SET_ERR_MSG(info->extack, "at most " __stringify(PWRMIG_MAX_SITES) " sites");
		return ERR_PTR(-ENOSPC);
	}
	s = &pwrmig.sites[i];
	memset(s, 0, sizeof(*s));
	strscpy(s->name, name, sizeof(s->name));
	s->pue_milli = 1000;
	return s;
}

/* The request's attributes into S; a new local site demotes the old. */
static void site_set(struct genl_info *info, struct pwrmig_site *s)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_site *other;
	unsigned int i;

	if (tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH])
		s->price = nla_get_u64(tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH]);
	if (tb[PWRMIG_A_SITE_CURRENCY])
		strscpy(s->currency, nla_data(tb[PWRMIG_A_SITE_CURRENCY]),
			sizeof(s->currency));
	if (tb[PWRMIG_A_SITE_PUE_MILLI])
		s->pue_milli = nla_get_u32(tb[PWRMIG_A_SITE_PUE_MILLI]);
	if (tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]) {
		s->carbon = nla_get_u32(tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]);
		s->has_carbon = true;
	}
	if (!tb[PWRMIG_A_SITE_LOCAL])
		return;
	for (i = 0; i < PWRMIG_MAX_SITES; i++) {
		other = &pwrmig.sites[i];
		if (other != s && other->name[0] && other->local) {
			other->local = false;
			other->changed = ktime_get_real_seconds();
			pwrmig_nl_notify_site(other, false);
		}
	}
	s->local = true;
}

static int site_apply(struct genl_info *info, bool may_create)
{
	struct nlattr **tb = info->attrs;
	struct pwrmig_forecast *fc = NULL;
	bool created = false, fc_given;
	unsigned int n_fc = 0;
	struct pwrmig_site *s;
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_SITE_NAME))
		return -EINVAL;
	err = site_name_check(info, tb[PWRMIG_A_SITE_NAME]);
	if (err)
		return err;
	if (tb[PWRMIG_A_SITE_CURRENCY]) {
		err = currency_check(info, tb[PWRMIG_A_SITE_CURRENCY]);
		if (err)
			return err;
	}
	fc_given = has_forecast(info);
	if (fc_given) {
		err = forecast_parse(info, &fc, &n_fc);
		if (err)
			return err;
	}
	name = nla_data(tb[PWRMIG_A_SITE_NAME]);

	mutex_lock(&pwrmig.lock);
	s = pwrmig_site_find(name);
	if (!s && !may_create) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[PWRMIG_A_SITE_NAME],
				    "no such site (create it with site-set)");
		err = -ENOENT;
		goto out;
	}
	if (!s) {
		s = site_new(info, name);
		if (IS_ERR(s)) {
			err = PTR_ERR(s);
			goto out;
		}
		created = true;
	}
	site_set(info, s);
	if (fc_given) {
		kfree(s->forecast);
		s->forecast = fc;
		s->n_forecast = n_fc;
		fc = NULL;
	}
	s->changed = ktime_get_real_seconds();
	err = site_reply(info, s);
	if (err && created) {
		/* Nobody heard of it: take it back, forecast and all. */
		kfree(s->forecast);
		memset(s, 0, sizeof(*s));
	} else {
		pwrmig_nl_notify_site(s, false);
	}
out:
	mutex_unlock(&pwrmig.lock);
	kfree(fc);
	return err;
}

int pwrmig_nl_site_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return site_apply(info, true);
}

int pwrmig_nl_price_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] &&
	    !has_forecast(info)) {
		NL_SET_ERR_MSG(info->extack,
			       "price-set needs price-uunits-per-kwh or forecast slots");
		return -EINVAL;
	}
	return site_apply(info, false);
}

static struct pwrmig_site *site_lookup(struct genl_info *info,
				       struct nlattr *attr)
{
	struct pwrmig_site *s = pwrmig_site_find(nla_data(attr));

	if (!s)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such site");
	return s;
}

int pwrmig_nl_site_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[PWRMIG_A_SITE_NAME];
	struct pwrmig_site *s;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, PWRMIG_A_SITE_NAME))
		return -EINVAL;
	mutex_lock(&pwrmig.lock);
	s = site_lookup(info, attr);
	if (!s) {
		err = -ENOENT;
	} else if (s->local) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "cannot delete the local site; mark another site local first");
		err = -EBUSY;
	} else {
		pwrmig_nl_notify_site(s, true);
		kfree(s->forecast);
		memset(s, 0, sizeof(*s));
	}
	mutex_unlock(&pwrmig.lock);
	return err;
}

int pwrmig_nl_site_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[PWRMIG_A_SITE_NAME];
	struct pwrmig_site *s;
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
		const struct pwrmig_site *s = &pwrmig.sites[i];

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
