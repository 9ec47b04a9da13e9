// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pwrmig.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl.h"

#include <uapi/linux/pwrmig.h>

/* Ops table for pwrmig */
static const struct genl_split_ops pwrmig_nl_ops[] = {
	{
		.cmd	= PWRMIG_CMD_INFO_GET,
		.doit	= pwrmig_nl_info_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
};

struct genl_family pwrmig_nl_family __ro_after_init = {
	.name		= PWRMIG_FAMILY_NAME,
	.version	= PWRMIG_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= pwrmig_nl_ops,
	.n_split_ops	= ARRAY_SIZE(pwrmig_nl_ops),
};
