// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: the meter, its configuration and its totals.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"

static struct nla_policy meter_policy[PWRMIG_A_METER_MAX + 1] = {
	[PWRMIG_A_METER_KIND]		 = { .type = NLA_U32 },
	[PWRMIG_A_METER_INTERVAL_MS]	 = { .type = NLA_U32 },
	[PWRMIG_A_METER_ESTIMATED]	 = { .type = NLA_FLAG },
	[PWRMIG_A_METER_MODEL_IDLE_MW]	 = { .type = NLA_U32 },
	[PWRMIG_A_METER_MODEL_ACTIVE_MW] = { .type = NLA_U32 },
	[PWRMIG_A_METER_DOMAIN]		 = { .type = NLA_NESTED },
};

static struct nla_policy domain_policy[PWRMIG_A_DOMAIN_MAX + 1] = {
	[PWRMIG_A_DOMAIN_PACKAGE]	  = { .type = NLA_U32 },
	[PWRMIG_A_DOMAIN_DOMAIN]	  = { .type = NLA_U32 },
	[PWRMIG_A_DOMAIN_ENERGY_UJ]	  = { .type = NLA_U64 },
	[PWRMIG_A_DOMAIN_IDLE_UJ]	  = { .type = NLA_U64 },
	[PWRMIG_A_DOMAIN_OTHER_UJ]	  = { .type = NLA_U64 },
	[PWRMIG_A_DOMAIN_WRAPS]		  = { .type = NLA_U64 },
	[PWRMIG_A_DOMAIN_WRAPS_ESTIMATED] = { .type = NLA_U64 },
	[PWRMIG_A_DOMAIN_RESETS]	  = { .type = NLA_U64 },
};

static int domain_parse(struct nlattr *nest, struct pwrmig_domain_totals *d)
{
	struct nlattr *tb[PWRMIG_A_DOMAIN_MAX + 1];
	int i;

	if (nla_parse_nested(tb, PWRMIG_A_DOMAIN_MAX, nest, domain_policy) ||
	    !tb[PWRMIG_A_DOMAIN_PACKAGE] || !tb[PWRMIG_A_DOMAIN_DOMAIN] ||
	    !tb[PWRMIG_A_DOMAIN_ENERGY_UJ])
		return -EBADMSG;
	d->package = nla_get_u32(tb[PWRMIG_A_DOMAIN_PACKAGE]);
	d->domain = nla_get_u32(tb[PWRMIG_A_DOMAIN_DOMAIN]);
	for (i = PWRMIG_A_DOMAIN_ENERGY_UJ; i <= PWRMIG_A_DOMAIN_RESETS; i++) {
		uint64_t v = tb[i] ? nla_get_u64(tb[i]) : 0;

		switch (i) {
		case PWRMIG_A_DOMAIN_ENERGY_UJ: d->energy_uj = v; break;
		case PWRMIG_A_DOMAIN_IDLE_UJ: d->idle_uj = v; break;
		case PWRMIG_A_DOMAIN_OTHER_UJ: d->other_uj = v; break;
		case PWRMIG_A_DOMAIN_WRAPS: d->wraps = v; break;
		case PWRMIG_A_DOMAIN_WRAPS_ESTIMATED: d->wraps_estimated = v; break;
		case PWRMIG_A_DOMAIN_RESETS: d->resets = v; break;
		}
	}
	return 0;
}

int pwrmig_meter_parse(const struct nlmsghdr *nlh, struct pwrmig_meter *m)
{
	struct nlattr *tb[PWRMIG_A_METER_MAX + 1];
	struct nlattr *a;
	int rem;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_METER_MAX,
			  meter_policy) || !tb[PWRMIG_A_METER_KIND])
		return -EBADMSG;
	memset(m, 0, sizeof(*m));
	m->kind = nla_get_u32(tb[PWRMIG_A_METER_KIND]);
	if (tb[PWRMIG_A_METER_INTERVAL_MS])
		m->interval_ms = nla_get_u32(tb[PWRMIG_A_METER_INTERVAL_MS]);
	m->estimated = !!tb[PWRMIG_A_METER_ESTIMATED];
	if (tb[PWRMIG_A_METER_MODEL_IDLE_MW])
		m->model_idle_mw = nla_get_u32(tb[PWRMIG_A_METER_MODEL_IDLE_MW]);
	if (tb[PWRMIG_A_METER_MODEL_ACTIVE_MW])
		m->model_active_mw = nla_get_u32(tb[PWRMIG_A_METER_MODEL_ACTIVE_MW]);
	/* Domains are a multi-attr: walk them all, not just the last. */
	nlmsg_for_each_attr(a, (struct nlmsghdr *)nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) != PWRMIG_A_METER_DOMAIN)
			continue;
		if (m->n_domains == PWRMIG_LIB_MAX_DOMAINS)
			return -E2BIG;
		if (domain_parse(a, &m->domains[m->n_domains]))
			return -EBADMSG;
		m->n_domains++;
	}
	return 0;
}

int pwrmig_meter_get(struct pwrmig *pw, struct pwrmig_meter *m)
{
	return pwrmig_do_one(pw, pwrmig_msg(pw, PWRMIG_CMD_METER_GET, 0),
			     (pwrmig_parse_fn)pwrmig_meter_parse, m);
}

int pwrmig_meter_set(struct pwrmig *pw, const struct pwrmig_meter_config *c,
		     struct pwrmig_meter *m)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_METER_SET, 0);

	if (msg) {
		if (c->kind)
			nla_put_u32(msg, PWRMIG_A_METER_KIND, c->kind);
		if (c->interval_ms)
			nla_put_u32(msg, PWRMIG_A_METER_INTERVAL_MS, c->interval_ms);
		if (c->model_idle_mw)
			nla_put_u32(msg, PWRMIG_A_METER_MODEL_IDLE_MW, c->model_idle_mw);
		if (c->model_active_mw)
			nla_put_u32(msg, PWRMIG_A_METER_MODEL_ACTIVE_MW,
				    c->model_active_mw);
	}
	return pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_meter_parse, m);
}
