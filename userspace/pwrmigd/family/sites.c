// SPDX-License-Identifier: GPL-2.0
/*
 * site-get, site-set, price-set and site-del on the family socket: the
 * request parsed as kmod/site.c parses it, the rules and the table those
 * of common/sites.c, the replies and notifications the module's.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

static void site_fill(struct nl_msg *m, const struct pwrmig_site_entry *s, int name_only)
{
	struct nlattr *nest;
	unsigned int i;

	nla_put_string(m, PWRMIG_A_SITE_NAME, s->name);
	if (name_only)
		return;
	if (s->local)
		nla_put_flag(m, PWRMIG_A_SITE_LOCAL);
	nla_put_u64(m, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, s->price);
	nla_put_string(m, PWRMIG_A_SITE_CURRENCY, s->currency);
	nla_put_u32(m, PWRMIG_A_SITE_PUE_MILLI, s->pue_milli);
	if (s->has_carbon)
		nla_put_u32(m, PWRMIG_A_SITE_CARBON_G_PER_KWH, s->carbon);
	nla_put_u64(m, PWRMIG_A_SITE_CHANGED, s->changed);
	for (i = 0; i < s->n_forecast; i++) {
		nest = nla_nest_start(m, PWRMIG_A_SITE_FORECAST);
		nla_put_u64(m, PWRMIG_A_FORECAST_START, s->forecast[i].start);
		nla_put_u32(m, PWRMIG_A_FORECAST_DURATION_S, s->forecast[i].duration_s);
		nla_put_u64(m, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH, s->forecast[i].price);
		nla_nest_end(m, nest);
	}
}

/* A site's change, or its deletion, to the telemetry group. */
static void notify(void *arg, struct pwrmig_site_entry *s, int deleted)
{
	struct nl_msg *m = fam_new(NULL, deleted ? PWRMIG_CMD_SITE_DEL_NTF :
				   PWRMIG_CMD_SITE_NTF, 0);

	if (!m)
		return;
	site_fill(m, s, deleted);
	fam_multicast(arg, FAM_GRP_TELEMETRY, m);
}

static void demoted(void *arg, struct pwrmig_site_entry *s)
{
	notify(arg, s, 0);
}

static void deleted(void *arg, struct pwrmig_site_entry *s)
{
	notify(arg, s, 1);
}

/* A refusal of the table's rules, pointed at its attribute. */
static int site_fail(struct fam_req *r, const struct pwrmig_site_err *e,
		     const struct pwrmig_site_slots *fs)
{
	return fam_fail(r, e->err, e->msg,
			pwrmig_site_err_attr(e, fs, r->tb[PWRMIG_A_SITE_NAME],
					     r->tb[PWRMIG_A_SITE_CURRENCY]));
}

/* Every forecast attribute of the request (they repeat), with libnl's walk. */
#define for_each_slot(a, r, rem)						\
	nla_for_each_attr(a, (struct nlattr *)((const char *)(r)->g + GENL_HDRLEN),	\
			  (r)->nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rem)	\
		if (nla_type(a) == PWRMIG_A_SITE_FORECAST)

/* The forecast slots (the validator checked them against the spec). */
static int forecast_parse(struct fam_req *r, struct pwrmig_site_req *q,
			  struct pwrmig_site_slots *fs, struct pwrmig_site_err *e)
{
	const struct nlattr *fc[PWRMIG_MAX_FORECAST];
	struct nlattr *a;
	unsigned int n = 0;
	int rem;

	for_each_slot(a, r, rem) {
		if (n < PWRMIG_MAX_FORECAST)
			fc[n] = a;
		n++;
	}
	return pwrmig_site_forecast(q, fs, fc, n, e);
}

static void site_req(const struct fam_req *r, struct pwrmig_site_req *q)
{
	const struct nlattr *const *tb = r->tb;

	q->name = nla_data(tb[PWRMIG_A_SITE_NAME]);
	if (tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH]) {
		q->has_price = 1;
		q->price = nla_get_u64((struct nlattr *)tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH]);
	}
	if (tb[PWRMIG_A_SITE_CURRENCY])
		q->currency = nla_data(tb[PWRMIG_A_SITE_CURRENCY]);
	if (tb[PWRMIG_A_SITE_PUE_MILLI]) {
		q->has_pue = 1;
		q->pue_milli = nla_get_u32((struct nlattr *)tb[PWRMIG_A_SITE_PUE_MILLI]);
	}
	if (tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]) {
		q->has_carbon = 1;
		q->carbon = nla_get_u32((struct nlattr *)tb[PWRMIG_A_SITE_CARBON_G_PER_KWH]);
	}
	q->local = !!tb[PWRMIG_A_SITE_LOCAL];
}

static int has_forecast(const struct fam_req *r)
{
	struct nlattr *a;
	int rem;

	for_each_slot(a, r, rem)
		return 1;
	return 0;
}

/* site-set (MAY_CREATE) and price-set, in the module's order of checks. */
static int site_apply(struct fam_req *r, struct pd *pd, int may_create)
{
	struct pwrmig_site_req q = { 0 };
	struct pwrmig_site_err e = { 0 };
	struct pwrmig_site_entry *s;
	static struct pwrmig_site_slots fs;
	struct nl_msg *m;
	int created, err;

	if (!may_create && !r->tb[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] && !has_forecast(r))
		return fam_fail(r, -EINVAL, "price-set needs price-uunits-per-kwh or forecast slots",
				NULL);
	if (fam_need(r, PWRMIG_A_SITE_NAME))
		return r->e.err;
	site_req(r, &q);
	if (pwrmig_site_req_check(&q, &e))
		return site_fail(r, &e, NULL);
	if (forecast_parse(r, &q, &fs, &e) ||
	    (q.has_forecast && pwrmig_site_req_check(&q, &e)))
		return site_fail(r, &e, &fs);
	s = pwrmig_sites_apply(pd->sites, &q, may_create, time(NULL), demoted, r->f,
			       &created, &e);
	if (!s)
		return site_fail(r, &e, NULL);
	m = fam_new(r, r->g->cmd, 0);
	if (m)
		site_fill(m, s, 0);
	err = fam_send(r, m);
	if (err && created)
		memset(s, 0, sizeof(*s));	/* nobody heard of it: take it back */
	else
		notify(r->f, s, 0);
	return err;
}

static int site_get(struct fam_req *r, struct pd *pd)
{
	const struct pwrmig_site_entry *s;
	struct nl_msg *m;
	unsigned int i;
	int err;

	if (r->dump) {
		for (i = 0; i < PWRMIG_MAX_SITES; i++) {
			if (!pd->sites[i].name[0])
				continue;
			m = fam_new(r, PWRMIG_CMD_SITE_GET, NLM_F_MULTI);
			if (m)
				site_fill(m, &pd->sites[i], 0);
			err = fam_send(r, m);
			if (err)
				return err;
		}
		return 0;
	}
	if (fam_need(r, PWRMIG_A_SITE_NAME))
		return r->e.err;
	s = pwrmig_sites_find(pd->sites, nla_data(r->tb[PWRMIG_A_SITE_NAME]));
	if (!s)
		return fam_fail(r, -ENOENT, "no such site", r->tb[PWRMIG_A_SITE_NAME]);
	m = fam_new(r, PWRMIG_CMD_SITE_GET, 0);
	if (m)
		site_fill(m, s, 0);
	return fam_send(r, m);
}

int fam_site_op(struct fam_req *r, struct pd *pd)
{
	struct pwrmig_site_err e = { 0 };

	switch (r->g->cmd) {
	case PWRMIG_CMD_SITE_GET:
		return site_get(r, pd);
	case PWRMIG_CMD_SITE_SET:
		return site_apply(r, pd, 1);
	case PWRMIG_CMD_PRICE_SET:
		return site_apply(r, pd, 0);
	default:	/* site-del */
		if (fam_need(r, PWRMIG_A_SITE_NAME))
			return r->e.err;
		if (pwrmig_sites_del(pd->sites, nla_data(r->tb[PWRMIG_A_SITE_NAME]),
				     deleted, r->f, &e))
			return site_fail(r, &e, NULL);
		return 0;
	}
}
