// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: module-wide facts (info-get).
 */
#include <errno.h>
#include <stdio.h>
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
};

const char *pwrmig_meter_kind_str(uint32_t kind)
{
	switch (kind) {
	case PWRMIG_METER_KIND_RAPL:
		return "rapl";
	case PWRMIG_METER_KIND_MODEL:
		return "model";
	case PWRMIG_METER_KIND_TEST:
		return "test";
	}
	return "unknown";
}

int pwrmig_info_parse(const struct nlmsghdr *nlh, struct pwrmig_info *info)
{
	struct nlattr *tb[PWRMIG_A_INFO_MAX + 1];
	int err;

	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, PWRMIG_A_INFO_MAX,
			    info_policy);
	if (err)
		return -EBADMSG;
	if (!tb[PWRMIG_A_INFO_VERSION] || !tb[PWRMIG_A_INFO_METER_KIND] ||
	    !tb[PWRMIG_A_INFO_CPUS] || !tb[PWRMIG_A_INFO_PACKAGES])
		return -EBADMSG;

	memset(info, 0, sizeof(*info));
	snprintf(info->version, sizeof(info->version), "%s",
		 nla_get_string(tb[PWRMIG_A_INFO_VERSION]));
	info->meter_kind = nla_get_u32(tb[PWRMIG_A_INFO_METER_KIND]);
	info->cpus = nla_get_u32(tb[PWRMIG_A_INFO_CPUS]);
	info->packages = nla_get_u32(tb[PWRMIG_A_INFO_PACKAGES]);
	return 0;
}

struct info_ctx {
	struct pwrmig_info *info;
	int err;
	int seen;
};

static int info_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct info_ctx *ctx = arg;

	ctx->err = pwrmig_info_parse(nlh, ctx->info);
	ctx->seen = 1;
	return NL_OK;
}

int pwrmig_info_get(struct pwrmig *pw, struct pwrmig_info *info)
{
	struct info_ctx ctx = { .info = info };
	struct nl_msg *msg;
	int err;

	msg = pwrmig_msg(pw, PWRMIG_CMD_INFO_GET, 0);
	if (!msg)
		return pwrmig_fail(pw, -ENOMEM);
	err = pwrmig_request(pw, msg, info_cb, &ctx);
	if (err)
		return err;
	if (!ctx.seen)
		ctx.err = -ENODATA;
	if (ctx.err) {
		snprintf(pw->errmsg, sizeof(pw->errmsg),
			 "malformed info-get reply from the module");
		return ctx.err;
	}
	return 0;
}
