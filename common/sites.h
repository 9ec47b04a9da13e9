/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The table of sites and their grid prices, and the rules of site-set,
 * price-set and site-del, apart from netlink: the module (kmod/site.c)
 * and pwrmigd's family socket (userspace/pwrmigd/family/sites.c) parse
 * their requests into struct pwrmig_site_req and answer with what these
 * functions say, so both keep the same sites the same way.
 *
 * Pure C: the module and userspace compile sites.c.  The caller holds
 * whatever lock guards the table.
 */
#ifndef _PWRMIG_SITES_H
#define _PWRMIG_SITES_H

#ifdef __KERNEL__
#include <uapi/linux/pwrmig.h>
#else
#include <linux/pwrmig.h>
#endif

struct pwrmig_fc_slot {
	unsigned long long start;	/* UNIX time */
	unsigned int duration_s;
	unsigned long long price;	/* micro-units per kWh */
};

/* A site; a free entry has an empty name. */
struct pwrmig_site_entry {
	char name[PWRMIG_SITE_NAME_LEN];
	int local;
	unsigned long long price;	/* micro-units per kWh */
	char currency[4];
	unsigned int pue_milli;
	int has_carbon;
	unsigned int carbon;		/* g/kWh */
	unsigned long long changed;	/* UNIX time */
	unsigned int n_forecast;
	struct pwrmig_fc_slot forecast[PWRMIG_MAX_FORECAST];
};

/* What a site-set or price-set request carries. */
struct pwrmig_site_req {
	const char *name;		/* required */
	int has_price;
	unsigned long long price;
	const char *currency;		/* NULL: absent */
	int has_pue;
	unsigned int pue_milli;
	int has_carbon;
	unsigned int carbon;
	int local;			/* the local flag is present */
	int has_forecast;		/* forecast attributes are present... */
	int clear_forecast;		/* ... as one empty slot: clear it */
	unsigned int n_slots;		/* ... else these, parsed */
	const struct pwrmig_fc_slot *slots;
};

/* Which part of a request a refusal points at. */
enum pwrmig_site_at {
	PWRMIG_SITE_AT_NONE,
	PWRMIG_SITE_AT_NAME,
	PWRMIG_SITE_AT_CURRENCY,
	PWRMIG_SITE_AT_SLOT,		/* slot number SLOT (its nest) */
	PWRMIG_SITE_AT_FC,		/* forecast attribute number SLOT */
	PWRMIG_SITE_AT_SLOT_START,	/* slot SLOT's start */
};

struct pwrmig_site_err {
	int err;			/* negative errno */
	const char *msg;
	enum pwrmig_site_at at;
	unsigned int slot;
};

/* A request's forecast slots, parsed, and their attributes. */
struct nlattr;
struct pwrmig_site_slots {
	struct pwrmig_fc_slot slot[PWRMIG_MAX_FORECAST];
	const struct nlattr *nest[PWRMIG_MAX_FORECAST];
	const struct nlattr *start[PWRMIG_MAX_FORECAST];
};

/*
 * The forecast of request R: its N forecast attributes (the first of them
 * in FC, PWRMIG_MAX_FORECAST at most), validated against the spec's
 * policy, parsed into FS.  One empty slot alone clears the forecast.
 * 0, or -errno in E.
 */
int pwrmig_site_forecast(struct pwrmig_site_req *r, struct pwrmig_site_slots *fs,
			 const struct nlattr *const *fc, unsigned int n,
			 struct pwrmig_site_err *e);

/*
 * The attribute refusal E points at: the request's NAME or CURRENCY
 * attribute, or one of FS's slots (FS may be NULL); NULL for none.
 */
const struct nlattr *pwrmig_site_err_attr(const struct pwrmig_site_err *e,
					  const struct pwrmig_site_slots *fs,
					  const struct nlattr *name,
					  const struct nlattr *currency);

/* Called for each site a new local site demotes (notify it). */
typedef void (*pwrmig_site_cb)(void *arg, struct pwrmig_site_entry *s);

struct pwrmig_site_entry *pwrmig_sites_find(struct pwrmig_site_entry *t, const char *name);
struct pwrmig_site_entry *pwrmig_sites_local(struct pwrmig_site_entry *t);

/* The request's own rules (name, currency, forecast): 0 or -errno in E. */
int pwrmig_site_req_check(const struct pwrmig_site_req *r, struct pwrmig_site_err *e);

/*
 * site-set (MAY_CREATE) or price-set: apply R to table T at time NOW.
 * Returns the site (*CREATED set when new), or NULL with E filled.
 */
struct pwrmig_site_entry *pwrmig_sites_apply(struct pwrmig_site_entry *t,
					     const struct pwrmig_site_req *r,
					     int may_create, unsigned long long now,
					     pwrmig_site_cb demoted, void *arg,
					     int *created, struct pwrmig_site_err *e);

/* site-del: 0, or -errno in E (unknown, or the local site). */
int pwrmig_sites_del(struct pwrmig_site_entry *t, const char *name,
		     pwrmig_site_cb deleted, void *arg, struct pwrmig_site_err *e);

#endif
