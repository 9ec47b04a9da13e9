// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: sites and their grid prices.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"
#include "libpwrmig-spec.h"

int pwrmig_site_parse(const struct nlmsghdr *nlh, struct pwrmig_site *s)
{
	return pwrmig_decode_msg(&pwrmig_bind_site, nlh, s);
}

int pwrmig_site_get(struct pwrmig *pw, const char *name, struct pwrmig_site *s)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_SITE_GET, 0);

	if (msg)
		nla_put_string(msg, PWRMIG_A_SITE_NAME, name);
	return pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_site_parse, s);
}

int pwrmig_site_dump(struct pwrmig *pw,
		     int (*cb)(const struct pwrmig_site *site, void *arg),
		     void *arg)
{
	return pwrmig_do_dump(pw, pwrmig_msg(pw, PWRMIG_CMD_SITE_GET, NLM_F_DUMP),
			      (pwrmig_parse_fn)pwrmig_site_parse,
			      sizeof(struct pwrmig_site),
			      (int (*)(const void *, void *))cb, arg);
}

static struct nl_msg *site_msg(struct pwrmig *pw, uint8_t cmd,
			       const struct pwrmig_site_config *c)
{
	struct nl_msg *msg = pwrmig_msg(pw, cmd, 0);
	struct nlattr *nest;
	unsigned int i;

	if (!msg)
		return NULL;
	nla_put_string(msg, PWRMIG_A_SITE_NAME, c->name);
	if (c->local)
		nla_put_flag(msg, PWRMIG_A_SITE_LOCAL);
	if (c->has_price)
		nla_put_u64(msg, PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH, c->price);
	if (c->currency)
		nla_put_string(msg, PWRMIG_A_SITE_CURRENCY, c->currency);
	if (c->pue_milli)
		nla_put_u32(msg, PWRMIG_A_SITE_PUE_MILLI, c->pue_milli);
	if (c->has_carbon)
		nla_put_u32(msg, PWRMIG_A_SITE_CARBON_G_PER_KWH, c->carbon_g_per_kwh);
	for (i = 0; c->set_forecast && i < c->n_forecast; i++) {
		nest = nla_nest_start(msg, PWRMIG_A_SITE_FORECAST);
		if (!nest ||
		    nla_put_u64(msg, PWRMIG_A_FORECAST_START, c->forecast[i].start) ||
		    nla_put_u32(msg, PWRMIG_A_FORECAST_DURATION_S,
				c->forecast[i].duration_s) ||
		    nla_put_u64(msg, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH,
				c->forecast[i].price)) {
			nlmsg_free(msg);
			return NULL;
		}
		nla_nest_end(msg, nest);
	}
	/*
	 * No slots: one empty nest clears the forecast (put by hand, as
	 * nla_nest_end() drops empty nests).
	 */
	if (c->set_forecast && !c->n_forecast &&
	    nla_put(msg, PWRMIG_A_SITE_FORECAST | NLA_F_NESTED, 0, NULL)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int pwrmig_site_set(struct pwrmig *pw, const struct pwrmig_site_config *c,
		    struct pwrmig_site *s)
{
	return pwrmig_do_one(pw, site_msg(pw, PWRMIG_CMD_SITE_SET, c),
			     (pwrmig_parse_fn)pwrmig_site_parse, s);
}

int pwrmig_price_set(struct pwrmig *pw, const struct pwrmig_site_config *c,
		     struct pwrmig_site *s)
{
	return pwrmig_do_one(pw, site_msg(pw, PWRMIG_CMD_PRICE_SET, c),
			     (pwrmig_parse_fn)pwrmig_site_parse, s);
}

int pwrmig_site_del(struct pwrmig *pw, const char *name)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_SITE_DEL, 0);

	if (msg)
		nla_put_string(msg, PWRMIG_A_SITE_NAME, name);
	return pwrmig_do_one(pw, msg, NULL, NULL);
}
