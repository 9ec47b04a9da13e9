// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup of a workload being moved: its processes, its freezer, its
 * events, the name a migration reserves, and the identity (inode) that
 * tells the cgroup a migration found or made from one made since under
 * the same name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "pwrmig.h"
#include "migrate.h"
#include "checkpoint.h"

void pd_cg_file(const struct pd_workload *w, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s%s/%s", pwrmig_cgroup_root(), w->cgroup, file);
}

/* Add the PIDs of cgroup directory PATH and of its children to PIDS. */
static int cg_pids_dir(char *path, size_t len, int *pids, int max, int depth)
{
	size_t end = strlen(path);
	struct dirent *e;
	int n = 0, pid, sub;
	FILE *f;
	DIR *d;

	snprintf(path + end, len - end, "/cgroup.procs");
	f = fopen(path, "re");
	path[end] = 0;
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1)
		if (n < max)
			pids[n++] = pid;
		else
			n++;
	fclose(f);
	d = depth < 16 ? opendir(path) : NULL;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path + end, len - end, "/%s", e->d_name);
		sub = cg_pids_dir(path, len, pids + (n < max ? n : max),
				  n < max ? max - n : 0, depth + 1);
		path[end] = 0;
		if (sub > 0)
			n += sub;
	}
	if (d)
		closedir(d);
	return n;
}

/* PIDs of the cgroup and of its descendants; -1 if it is gone. */
int pd_cg_pids(const struct pd_workload *w, int *pids, int max)
{
	char path[PATH_MAX];

	pd_cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;	/* the trailing slash */
	return cg_pids_dir(path, sizeof(path), pids, max, 0);
}

/* A "Key:\tA\tB..." line of /proc/.../status: its numbers (base 10 or 16). */
static int status_line(const char *path, const char *key, int base,
		       unsigned long long *v, int max)
{
	size_t kl = strlen(key);
	char line[256], *p, *end;
	int n = -1;
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl)) {
			for (n = 0, p = line + kl; n < max; n++, p = end) {
				v[n] = strtoull(p, &end, base);
				if (end == p)
					break;
			}
			break;
		}
	if (f)
		fclose(f);
	return n;
}

/* One thread's credentials against LO..HI; 0 fine, 1 not, -1 gone. */
static int task_uids_ok(const char *status, const struct stat *host_ns, const char *ns,
			uint32_t lo, uint32_t hi, char *why, size_t len)
{
	unsigned long long uid[4], cap[1];
	struct stat st;
	int i, n;

	n = status_line(status, "Uid:", 10, uid, 4);
	if (n != 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (uid[i] < lo || uid[i] > hi) {
			snprintf(why, len, "runs as uid %llu", uid[i]);
			return 1;
		}
	/* Capabilities count only in the host's user namespace. */
	if (lo == 0 || stat(ns, &st) || st.st_ino != host_ns->st_ino ||
	    st.st_dev != host_ns->st_dev)
		return 0;
	if (status_line(status, "CapEff:", 16, cap, 1) == 1 && cap[0]) {
		snprintf(why, len, "has capabilities %llx in the host's user namespace", cap[0]);
		return 1;
	}
	if (status_line(status, "CapPrm:", 16, cap, 1) == 1 && cap[0]) {
		snprintf(why, len, "may take capabilities %llx in the host's user namespace",
			 cap[0]);
		return 1;
	}
	return 0;
}

int pd_wl_check_uids(const struct pd_workload *w, uint32_t lo, uint32_t hi, char *err,
		     size_t len)
{
	char path[PATH_MAX], ns[64], why[128];
	int pids[4096], n, i, rc;
	struct stat host_ns;
	struct dirent *e;
	DIR *d;

	n = pd_cg_pids(w, pids, sizeof(pids) / sizeof(pids[0]));
	if (n < 0 || n > (int)(sizeof(pids) / sizeof(pids[0])) ||
	    stat("/proc/self/ns/user", &host_ns)) {
		snprintf(err, len, "cgroup %s: cannot list its %d processes' credentials",
			 w->cgroup, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* Every thread: a thread may have its own credentials. */
		snprintf(path, sizeof(path), "/proc/%d/task", pids[i]);
		snprintf(ns, sizeof(ns), "/proc/%d/ns/user", pids[i]);
		d = opendir(path);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pids[i], e->d_name);
			rc = task_uids_ok(path, &host_ns, ns, lo, hi, why, sizeof(why));
			if (rc > 0) {
				closedir(d);
				snprintf(err, len, "restored process %d (thread %s) %s; this peer's restores may run as uids %u-%u only",
					 pids[i], e->d_name, why, lo, hi);
				return -1;
			}
		}
		if (d)
			closedir(d);
	}
	return 0;
}

int pd_wl_nprocs(const struct pd_workload *w)
{
	int pids[1];

	return pd_cg_pids(w, pids, 0);
}

int pd_ppid_of(int pid)
{
	char path[64], line[128];
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

int pd_cg_signal(const struct pd_workload *w, int sig)
{
	int pids[4096], n, i;

	n = pd_cg_pids(w, pids, 4096);
	for (i = 0; i < n && i < 4096; i++)
		kill(pids[i], sig);
	return n < 0 ? -1 : 0;
}

int pd_cg_write(const struct pd_workload *w, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, rc;

	pd_cg_file(w, file, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return rc;
}

/* KEY's value in the cgroup's cgroup.events ("populated", "frozen"); -1 if gone. */
int pd_cg_event(const struct pd_workload *w, const char *key)
{
	char path[PATH_MAX], k[32];
	int v, found = -1;
	FILE *f;

	pd_cg_file(w, "cgroup.events", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%31s %d", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/*
 * Is W's cgroup still the one the migration found or made?  1 yes (or no
 * inode was kept), 0 another directory has its name now, -1 it is gone.
 */
int pd_cg_same(const struct pd_workload *w)
{
	char path[PATH_MAX];
	struct stat st;

	pd_cg_file(w, "", path, sizeof(path));
	if (stat(path, &st))
		return -1;
	return !w->cg_id || (uint64_t)st.st_ino == w->cg_id;
}

/* Wait until the kernel says the cgroup has no process, up to MS milliseconds. */
int pd_cg_wait_empty(const struct pd_workload *w, int ms)
{
	struct timespec t = { 0, 10 * 1000000L };

	for (; ms > 0; ms -= 10) {
		if (pd_cg_event(w, "populated") <= 0)
			return 0;
		nanosleep(&t, NULL);
	}
	return -1;
}

/* cgroup.freeze: ON 1 freezes and waits (MS) until the kernel says frozen. */
int pd_cg_freeze(const struct pd_workload *w, int on, int ms)
{
	struct timespec t = { 0, 10 * 1000000L };

	if (pd_cg_write(w, "cgroup.freeze", on ? "1" : "0"))
		return -1;
	for (; on && ms > 0; ms -= 10) {
		if (pd_cg_event(w, "frozen") == 1)
			return 0;
		nanosleep(&t, NULL);
	}
	return on ? -1 : 0;
}

int pd_wl_frozen(const struct pd_workload *w)
{
	if (pd_cg_same(w) != 1)
		return -1;
	return pd_cg_event(w, "frozen");
}

int pd_wl_reserve(struct pd_workload *w, char *err, size_t len)
{
	char path[PATH_MAX];
	struct stat st;

	pd_cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;
	/* mkdir is the reservation: of two migrations to one name, one gets it. */
	if (mkdir(path, 0755) || stat(path, &st)) {
		snprintf(err, len, "cgroup %s %s", w->cgroup,
			 errno == EEXIST ? "already exists here" : strerror(errno));
		return -1;
	}
	w->cg_id = st.st_ino;
	return 0;
}

void pd_wl_unreserve(const struct pd_workload *w)
{
	char path[PATH_MAX];

	/* Ours and still empty; anything else is left as it is. */
	if (!*w->cgroup || pd_cg_same(w) != 1 || !w->cg_id)
		return;
	pd_cg_file(w, "", path, sizeof(path));
	path[strlen(path) - 1] = 0;
	rmdir(path);
}

int pd_wl_rereserve(struct pd_workload *w, char *err, size_t len)
{
	int same = pd_cg_same(w);

	if (same == 1 && w->cg_id) {
		if (pd_cg_event(w, "populated") == 0)
			return 0;
		snprintf(err, len, "cgroup %s has processes", w->cgroup);
		return -1;
	}
	if (same == 0) {
		snprintf(err, len, "cgroup %s is another one now", w->cgroup);
		return -1;
	}
	return pd_wl_reserve(w, err, len);
}
