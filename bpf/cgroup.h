/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI shared by cgroup.bpf.c and its loader: cgroup v2 lifecycle events.
 */
#ifndef __PWRMIG_CGROUP_H
#define __PWRMIG_CGROUP_H

#define PWRMIG_CGEV_PATH	256

enum {
	PWRMIG_CGEV_MKDIR = 1,
	PWRMIG_CGEV_RMDIR,
	PWRMIG_CGEV_ATTACH,	/* a task (pid) moved into the cgroup */
};

struct pwrmig_cgev {
	__u32 type;
	__u32 pid;
	__u64 cgid;
	char path[PWRMIG_CGEV_PATH];	/* below the cgroup v2 root */
};

#endif /* __PWRMIG_CGROUP_H */
