/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 helpers shared by the host tests of the eBPF collectors.
 */
#ifndef __PWRMIG_TEST_CGTEST_H
#define __PWRMIG_TEST_CGTEST_H

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Where cgroup v2 is mounted (/sys/fs/cgroup/unified on a hybrid host). */
static inline int cgroup2_root(char *buf, size_t len)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/mounts", "r");
	int ret = -1;

	while (f && (m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(buf, len, "%s", m->mnt_dir);
			ret = 0;
			break;
		}
	}
	if (f)
		endmntent(f);
	return ret;
}

static inline int write_str(const char *dir, const char *file, const char *val)
{
	char path[600];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Move the calling process into the cgroup at DIR. */
static inline int join_cgroup(const char *dir)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(dir, "cgroup.procs", pid);
}

/* Two test cgroups below the cgroup v2 root, and their ids. */
struct cgtest {
	char cg[2][512];
	uint64_t cgid[2];
};

/*
 * Make them, named NAME-PID-I.  Returns 0, -ENODEV without a cgroup2
 * mount, or -errno of what failed (the ones made are removed by
 * cgtest_remove()).
 */
static inline int cgtest_make(struct cgtest *t, const char *name)
{
	char root[256];
	struct stat st;
	int i;

	if (cgroup2_root(root, sizeof(root)))
		return -ENODEV;
	for (i = 0; i < 2; i++) {
		snprintf(t->cg[i], sizeof(t->cg[i]), "%s/%s-%d-%d", root, name, getpid(), i);
		if (mkdir(t->cg[i], 0755) || stat(t->cg[i], &st)) {
			t->cg[i][0] = 0;
			return -errno;
		}
		/* A cgroup v2 id is its directory's inode number. */
		t->cgid[i] = st.st_ino;
	}
	return 0;
}

/* Remove them; their processes must have exited. */
static inline void cgtest_remove(struct cgtest *t)
{
	int i;

	for (i = 0; i < 2; i++)
		if (t->cg[i][0])
			rmdir(t->cg[i]);
}

#endif /* __PWRMIG_TEST_CGTEST_H */
