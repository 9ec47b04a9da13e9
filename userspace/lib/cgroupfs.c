// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: where the cgroup v2 hierarchy is (no netlink here, so that
 * tools can take this alone from the static library).
 */
#include <stddef.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "pwrmig.h"

const char *pwrmig_cgroup_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sf;
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!statfs(roots[i], &sf) && sf.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	return roots[0];
}
