// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 ids (directory inode numbers, what the kernel and eBPF call
 * the cgroup id) and paths: pid -> id through /proc/PID/cgroup, id ->
 * path through a cache, filled from the id's file handle or, where that
 * is refused, by walking the hierarchy.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pwrmig.h"
#include "pwrmigd.h"

uint64_t pd_pid_cgroup(int pid)
{
	return pd_pid_cgroup_at("/proc", pid);
}

uint64_t pd_pid_cgroup_at(const char *proc, int pid)
{
	char path[320], line[4096], dir[4352];
	uint64_t id = 0;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/cgroup", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(dir, sizeof(dir), "%s%s", pwrmig_cgroup_root(), line + 3);
		if (!stat(dir, &st))
			id = st.st_ino;
	}
	fclose(f);
	return id;
}

/* The cache: sorted by id, rebuilt by a walk when an id is missing. */
struct entry {
	uint64_t id;
	char *path;
};

static struct entry *cache;
static size_t ncache, capcache;
static size_t root_len;

static int walk_fn(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	struct entry *e;

	if (type != FTW_D)
		return 0;
	if (ncache == capcache) {
		size_t cap = capcache ? capcache * 2 : 256;

		e = realloc(cache, cap * sizeof(*cache));
		if (!e)
			return 1;
		cache = e;
		capcache = cap;
	}
	e = &cache[ncache];
	e->id = sb->st_ino;
	e->path = strdup(fpath[root_len] ? fpath + root_len : "/");
	if (!e->path)
		return 1;
	ncache++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void rebuild(void)
{
	const char *root = pwrmig_cgroup_root();
	size_t i;

	for (i = 0; i < ncache; i++)
		free(cache[i].path);
	ncache = 0;
	root_len = strlen(root);
	nftw(root, walk_fn, 32, FTW_PHYS | FTW_MOUNT);
	qsort(cache, ncache, sizeof(*cache), by_id);
}

/* include/linux/exportfs.h: a kernfs node by its 64-bit id. */
#define FILEID_KERNFS	0xfe

/*
 * Cgroup ID's path without a walk: cgroup v2 ids are kernfs node ids,
 * which open_by_handle_at() takes as file handles (it needs
 * CAP_DAC_READ_SEARCH).  0, or -1 where it is refused or ID is gone.
 */
static int path_by_handle(uint64_t id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		char b[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	const char *root = pwrmig_cgroup_root();
	size_t rl = strlen(root);
	char link[64], got[PATH_MAX];
	static int mfd = -1;
	ssize_t n;
	int fd;

	if (mfd < 0)
		mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -1;
	h.fh.handle_bytes = sizeof(id);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	close(fd);
	if (n < 0)
		return -1;
	got[n] = '\0';
	if (strncmp(got, root, rl) || (got[rl] && got[rl] != '/'))
		return -1;
	snprintf(buf, len, "%s", got[rl] ? got + rl : "/");
	return 0;
}

int pd_cgroup_path(uint64_t id, char *buf, size_t len)
{
	struct entry key = { .id = id }, *e;
	char path[PATH_MAX];
	int pass;

	e = ncache ? bsearch(&key, cache, ncache, sizeof(*cache), by_id) : NULL;
	if (!e && !path_by_handle(id, path, sizeof(path))) {
		pd_cgroup_path_add(id, path);
		snprintf(buf, len, "%s", path);
		return 0;
	}
	for (pass = 0; pass < 2; pass++) {
		e = ncache ? bsearch(&key, cache, ncache, sizeof(*cache), by_id) : NULL;
		if (e) {
			snprintf(buf, len, "%s", e->path);
			return 0;
		}
		if (!pass)
			rebuild();
	}
	buf[0] = 0;
	return -1;
}

int pd_cgroup_live(uint64_t id)
{
	char path[256], dir[600];
	struct stat st;

	if (pd_cgroup_path(id, path, sizeof(path)))
		return 0;
	snprintf(dir, sizeof(dir), "%s%s", pwrmig_cgroup_root(), path);
	return !stat(dir, &st) && st.st_ino == id;
}

/* A cgroup announced by an event: cache its path without a walk. */
void pd_cgroup_path_add(uint64_t id, const char *path)
{
	struct entry key = { .id = id }, *e;
	size_t i;
	char *p;

	e = ncache ? bsearch(&key, cache, ncache, sizeof(*cache), by_id) : NULL;
	p = strdup(*path ? path : "/");
	if (!p)
		return;
	if (e) {
		free(e->path);
		e->path = p;
		return;
	}
	if (ncache == capcache) {
		size_t cap = capcache ? capcache * 2 : 256;

		e = realloc(cache, cap * sizeof(*cache));
		if (!e) {
			free(p);
			return;
		}
		cache = e;
		capcache = cap;
	}
	for (i = ncache; i > 0 && cache[i - 1].id > id; i--)
		cache[i] = cache[i - 1];
	cache[i].id = id;
	cache[i].path = p;
	ncache++;
}

void pd_cgroup_path_forget(uint64_t id)
{
	struct entry key = { .id = id }, *e;

	e = ncache ? bsearch(&key, cache, ncache, sizeof(*cache), by_id) : NULL;
	if (!e)
		return;
	free(e->path);
	memmove(e, e + 1, (cache + ncache - e - 1) * sizeof(*e));
	ncache--;
}
