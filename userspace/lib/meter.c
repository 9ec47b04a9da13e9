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
#include "libpwrmig-spec.h"

int pwrmig_meter_parse(const struct nlmsghdr *nlh, struct pwrmig_meter *m)
{
	return pwrmig_decode_msg(&pwrmig_bind_meter, nlh, m);
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
