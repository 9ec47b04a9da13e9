// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: module-wide facts (info-get).
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"

static struct nla_policy info_policy[PWRMIG_A_INFO_MAX + 1] = {
	[PWRMIG_A_INFO_VERSION]		= { .type = NLA_STRING },
	[PWRMIG_A_INFO_METER_KIND]	= { .type = NLA_U32 },
	[PWRMIG_A_INFO_CPUS]		= { .type = NLA_U32 },
	[PWRMIG_A_INFO_PACKAGES]	= { .type = NLA_U32 },
	[PWRMIG_A_INFO_INTERVAL_MS]	= { .type = NLA_U32 },
	[PWRMIG_A_INFO_SAMPLES]		= { .type = NLA_U64 },
	[PWRMIG_A_INFO_CGROUPS]		= { .type = NLA_U32 },
};

int pwrmig_info_parse(const struct nlmsghdr *nlh, struct pwrmig_info *info)
{
	struct nlattr *tb[PWRMIG_A_INFO_MAX + 1];

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_INFO_MAX,
			  info_policy))
		return -EBADMSG;
	if (!tb[PWRMIG_A_INFO_VERSION] || !tb[PWRMIG_A_INFO_METER_KIND] ||
	    !tb[PWRMIG_A_INFO_CPUS] || !tb[PWRMIG_A_INFO_PACKAGES])
		return -EBADMSG;

	memset(info, 0, sizeof(*info));
	pwrmig_copy_str(info->version, sizeof(info->version),
			tb[PWRMIG_A_INFO_VERSION]);
	info->meter_kind = nla_get_u32(tb[PWRMIG_A_INFO_METER_KIND]);
	info->cpus = nla_get_u32(tb[PWRMIG_A_INFO_CPUS]);
	info->packages = nla_get_u32(tb[PWRMIG_A_INFO_PACKAGES]);
	if (tb[PWRMIG_A_INFO_INTERVAL_MS])
		info->interval_ms = nla_get_u32(tb[PWRMIG_A_INFO_INTERVAL_MS]);
	if (tb[PWRMIG_A_INFO_SAMPLES])
		info->samples = nla_get_u64(tb[PWRMIG_A_INFO_SAMPLES]);
	if (tb[PWRMIG_A_INFO_CGROUPS])
		info->cgroups = nla_get_u32(tb[PWRMIG_A_INFO_CGROUPS]);
	return 0;
}

int pwrmig_info_get(struct pwrmig *pw, struct pwrmig_info *info)
{
	return pwrmig_do_one(pw, pwrmig_msg(pw, PWRMIG_CMD_INFO_GET, 0),
			     (pwrmig_parse_fn)pwrmig_info_parse, info);
}
