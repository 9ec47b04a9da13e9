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
#include "libpwrmig-spec.h"

int pwrmig_info_parse(const struct nlmsghdr *nlh, struct pwrmig_info *info)
{
	return pwrmig_decode_msg(&pwrmig_bind_info, nlh, info);
}

int pwrmig_info_get(struct pwrmig *pw, struct pwrmig_info *info)
{
	return pwrmig_do_one(pw, pwrmig_msg(pw, PWRMIG_CMD_INFO_GET, 0),
			     (pwrmig_parse_fn)pwrmig_info_parse, info);
}
