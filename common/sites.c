// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * Sites and their grid prices: the table's rules (common/sites.h).
 */
#ifdef __KERNEL__
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/netlink.h>
#include <linux/string.h>
#else
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#endif

#include "sites.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)

static int fail(struct pwrmig_site_err *e, int err, const char *msg,
		enum pwrmig_site_at at, unsigned int slot)
{
	e->err = err;
	e->msg = msg;
	e->at = at;
	e->slot = slot;
	return err;
}

struct pwrmig_site_entry *pwrmig_sites_find(struct pwrmig_site_entry *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < PWRMIG_MAX_SITES; i++)
		if (t[i].name[0] && !strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

struct pwrmig_site_entry *pwrmig_sites_local(struct pwrmig_site_entry *t)
{
	unsigned int i;

	for (i = 0; i < PWRMIG_MAX_SITES; i++)
		if (t[i].name[0] && t[i].local)
			return &t[i];
	return NULL;
}

/* Site name: letters, digits, '-', '_' and '.', not empty. */
static int name_check(const char *p, struct pwrmig_site_err *e)
{
	if (!*p)
		return fail(e, -EINVAL, "site name is empty", PWRMIG_SITE_AT_NAME, 0);
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return fail(e, -EINVAL,
				    "site name may hold letters, digits, '-', '_' and '.' only",
				    PWRMIG_SITE_AT_NAME, 0);
	return 0;
}

static int currency_check(const char *c, struct pwrmig_site_err *e)
{
	if (strlen(c) != 3 || !isupper((unsigned char)c[0]) ||
	    !isupper((unsigned char)c[1]) || !isupper((unsigned char)c[2]))
		return fail(e, -EINVAL,
			    "currency must be an ISO 4217 code: three capital letters",
			    PWRMIG_SITE_AT_CURRENCY, 0);
	return 0;
}

/* One slot's attributes (the policy checked their sizes). */
static int slot_parse(const struct nlattr *nest, unsigned int i,
		      struct pwrmig_site_slots *fs, struct pwrmig_site_err *e)
{
	const struct nlattr *a = (const void *)((const char *)nest + NLA_HDRLEN);
	int rem = nest->nla_len - NLA_HDRLEN;
	const struct nlattr *tb[4] = { 0 };
	unsigned int type;

	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		type = a->nla_type & NLA_TYPE_MASK;
		if (type >= PWRMIG_A_FORECAST_START && type <= PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH)
			tb[type] = a;
	}
	if (!tb[PWRMIG_A_FORECAST_START] || !tb[PWRMIG_A_FORECAST_DURATION_S] ||
	    !tb[PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH])
		return fail(e, -EINVAL,
			    "a forecast slot needs start, duration-s and price-uunits-per-kwh",
			    PWRMIG_SITE_AT_SLOT, i);
	fs->nest[i] = nest;
	fs->start[i] = tb[PWRMIG_A_FORECAST_START];
	memcpy(&fs->slot[i].start, (const char *)tb[PWRMIG_A_FORECAST_START] + NLA_HDRLEN, 8);
	memcpy(&fs->slot[i].duration_s,
	       (const char *)tb[PWRMIG_A_FORECAST_DURATION_S] + NLA_HDRLEN, 4);
	memcpy(&fs->slot[i].price,
	       (const char *)tb[PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH] + NLA_HDRLEN, 8);
	return 0;
}

int pwrmig_site_forecast(struct pwrmig_site_req *r, struct pwrmig_site_slots *fs,
			 const struct nlattr *const *fc, unsigned int n,
			 struct pwrmig_site_err *e)
{
	unsigned int i, kept = n < PWRMIG_MAX_FORECAST ? n : PWRMIG_MAX_FORECAST;
	int err;

	r->has_forecast = n > 0;
	r->slots = fs->slot;
	for (i = 0; i < kept; i++) {
		if (fc[i]->nla_len > NLA_HDRLEN)
			continue;
		/* One empty slot, alone, is how a request clears the forecast. */
		fs->nest[i] = fc[i];
		if (n > 1)
			return fail(e, -EINVAL,
				    "an empty forecast slot clears the forecast and must come alone",
				    PWRMIG_SITE_AT_FC, i);
		r->clear_forecast = 1;
		return 0;
	}
	r->n_slots = n;
	if (n > PWRMIG_MAX_FORECAST)
		return 0;	/* pwrmig_site_req_check() refuses it */
	for (i = 0; i < n; i++) {
		fs->nest[i] = fc[i];
		err = slot_parse(fc[i], i, fs, e);
		if (err)
			return err;
	}
	return 0;
}

const struct nlattr *pwrmig_site_err_attr(const struct pwrmig_site_err *e,
					  const struct pwrmig_site_slots *fs,
					  const struct nlattr *name,
					  const struct nlattr *currency)
{
	switch (e->at) {
	case PWRMIG_SITE_AT_NAME:
		return name;
	case PWRMIG_SITE_AT_CURRENCY:
		return currency;
	case PWRMIG_SITE_AT_SLOT:
	case PWRMIG_SITE_AT_FC:
		return fs ? fs->nest[e->slot] : NULL;
	case PWRMIG_SITE_AT_SLOT_START:
		return fs ? fs->start[e->slot] : NULL;
	default:
		return NULL;
	}
}

static int slots_check(const struct pwrmig_site_req *r, struct pwrmig_site_err *e)
{
	const struct pwrmig_fc_slot *f = r->slots;
	unsigned int i;

	if (r->n_slots > PWRMIG_MAX_FORECAST)
		return fail(e, -E2BIG, "at most " XSTR(PWRMIG_MAX_FORECAST) " forecast slots",
			    PWRMIG_SITE_AT_NONE, 0);
	for (i = 0; i < r->n_slots; i++) {
		if (f[i].start > ~0ULL - f[i].duration_s)
			return fail(e, -ERANGE,
				    "forecast slot ends past the end of time (start + duration-s overflows)",
				    PWRMIG_SITE_AT_SLOT_START, i);
		if (i && f[i].start < f[i - 1].start + f[i - 1].duration_s)
			return fail(e, -EINVAL,
				    "forecast slots must be in time order and must not overlap",
				    PWRMIG_SITE_AT_SLOT, i);
	}
	return 0;
}

int pwrmig_site_req_check(const struct pwrmig_site_req *r, struct pwrmig_site_err *e)
{
	int err = name_check(r->name, e);

	if (!err && r->currency)
		err = currency_check(r->currency, e);
	if (!err && r->has_forecast && !r->clear_forecast)
		err = slots_check(r, e);
	return err;
}

/* A free entry for a new site, which needs a price and a currency. */
static struct pwrmig_site_entry *site_new(struct pwrmig_site_entry *t,
					  const struct pwrmig_site_req *r,
					  struct pwrmig_site_err *e)
{
	struct pwrmig_site_entry *s;
	unsigned int i;

	if (!r->has_price || !r->currency) {
		fail(e, -EINVAL, "a new site needs price-uunits-per-kwh and currency",
		     PWRMIG_SITE_AT_NAME, 0);
		return NULL;
	}
	for (i = 0; i < PWRMIG_MAX_SITES && t[i].name[0]; i++)
		;
	if (i == PWRMIG_MAX_SITES) {
		fail(e, -ENOSPC, "at most " XSTR(PWRMIG_MAX_SITES) " sites", PWRMIG_SITE_AT_NONE, 0);
		return NULL;
	}
	s = &t[i];
	memset(s, 0, sizeof(*s));
	i = strlen(r->name);
	memcpy(s->name, r->name, i < sizeof(s->name) ? i : sizeof(s->name) - 1);
	s->pue_milli = 1000;
	return s;
}

/* The request's attributes into S; a new local site demotes the old. */
static void site_set(struct pwrmig_site_entry *t, struct pwrmig_site_entry *s,
		     const struct pwrmig_site_req *r, unsigned long long now,
		     pwrmig_site_cb demoted, void *arg)
{
	unsigned int i;

	if (r->has_price)
		s->price = r->price;
	if (r->currency)
		memcpy(s->currency, r->currency, sizeof(s->currency));
	if (r->has_pue)
		s->pue_milli = r->pue_milli;
	if (r->has_carbon) {
		s->carbon = r->carbon;
		s->has_carbon = 1;
	}
	if (r->has_forecast) {
		s->n_forecast = r->clear_forecast ? 0 : r->n_slots;
		if (s->n_forecast)
			memcpy(s->forecast, r->slots, s->n_forecast * sizeof(*r->slots));
	}
	s->changed = now;
	if (!r->local)
		return;
	for (i = 0; i < PWRMIG_MAX_SITES; i++) {
		if (&t[i] != s && t[i].name[0] && t[i].local) {
			t[i].local = 0;
			t[i].changed = now;
			if (demoted)
				demoted(arg, &t[i]);
		}
	}
	s->local = 1;
}

struct pwrmig_site_entry *pwrmig_sites_apply(struct pwrmig_site_entry *t,
					     const struct pwrmig_site_req *r,
					     int may_create, unsigned long long now,
					     pwrmig_site_cb demoted, void *arg,
					     int *created, struct pwrmig_site_err *e)
{
	struct pwrmig_site_entry *s = pwrmig_sites_find(t, r->name);

	*created = 0;
	if (!s && !may_create) {
		fail(e, -ENOENT, "no such site (create it with site-set)", PWRMIG_SITE_AT_NAME, 0);
		return NULL;
	}
	if (!s) {
		s = site_new(t, r, e);
		if (!s)
			return NULL;
		*created = 1;
	}
	site_set(t, s, r, now, demoted, arg);
	return s;
}

int pwrmig_sites_del(struct pwrmig_site_entry *t, const char *name,
		     pwrmig_site_cb deleted, void *arg, struct pwrmig_site_err *e)
{
	struct pwrmig_site_entry *s = pwrmig_sites_find(t, name);

	if (!s)
		return fail(e, -ENOENT, "no such site", PWRMIG_SITE_AT_NAME, 0);
	if (s->local)
		return fail(e, -EBUSY,
			    "cannot delete the local site; mark another site local first",
			    PWRMIG_SITE_AT_NAME, 0);
	if (deleted)
		deleted(arg, s);
	memset(s, 0, sizeof(*s));
	return 0;
}
