// SPDX-License-Identifier: GPL-2.0
/*
 * What a command names as a workload: a cgroup id, a path below the
 * cgroup2 root, or the id of a runc container (resolved through
 * `runc state` to its init process and that process's cgroup).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctrid.h"
#include "pwrmigctl.h"

extern char **environ;

static int cgroup_dir_id(const char *rel, char *path, size_t len, uint64_t *id)
{
	const char *root = pwrmig_cgroup_root();
	size_t rl = strlen(root);
	struct stat st;

	/* An absolute path that already starts at the root is taken as is. */
	if (!strncmp(rel, root, rl) && (rel[rl] == '/' || !rel[rl]))
		snprintf(path, len, "%s", rel);
	else
		snprintf(path, len, "%s%s%s", root, *rel == '/' ? "" : "/", rel);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -1;
	*id = st.st_ino;
	return 0;
}

/* A cgroup id, or a path under the cgroup2 root (its inode is the id). */
int arg_cgroup(const char *s, uint64_t *id)
{
	char path[4096];

	if (*s >= '0' && *s <= '9')
		return arg_u64("cgroup id", s, id);
	if (cgroup_dir_id(s, path, sizeof(path), id)) {
		fprintf(stderr, "Error: cgroup '%s': %s is not a cgroup directory\n",
			s, path);
		return -1;
	}
	return 0;
}

/*
 * Run ARGV, its standard output into OUT and the first line of its
 * standard error into ERR.  Returns its exit status, or -1 when it could
 * not run (errno set; ENOENT: not installed).
 */
static int run_capture(char *const argv[], char *out, size_t olen, char *err, size_t elen)
{
	posix_spawn_file_actions_t fa;
	int po[2], pe[2], status, e;
	size_t n = 0, m = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return -1;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (e) {
		close(po[0]);
		close(pe[0]);
		errno = e;
		return -1;
	}
	/* runc state prints a few hundred bytes; read stdout, then stderr. */
	while ((r = read(po[0], out + n, olen - 1 - n)) > 0 && n + r < olen - 1)
		n += r;
	if (r > 0)
		n += r;
	out[n] = 0;
	while ((r = read(pe[0], err + m, elen - 1 - m)) > 0 && m + r < elen - 1)
		m += r;
	if (r > 0)
		m += r;
	err[m] = 0;
	err[strcspn(err, "\n")] = 0;
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The cgroup of runc container NAME.  Returns 0 with *ID set, 1 when
 * runc does not know NAME (or runc is absent), -1 after printing an error.
 */
static int container_cgroup(const char *name, uint64_t *id)
{
	const char *root = getenv("PWRMIG_RUNC_ROOT") ?: "/run/runc";
	char *const argv[] = { "runc", "--root", (char *)root, "state", (char *)name, NULL };
	char out[8192], err[512], path[4096], line[4096], rel[4096] = "";
	json_object *j, *v;
	const char *status;
	int rc, pid;
	FILE *f;

	rc = run_capture(argv, out, sizeof(out), err, sizeof(err));
	if (rc < 0 && errno == ENOENT)
		return 1;
	if (rc < 0) {
		fprintf(stderr, "Error: container '%s': cannot run runc: %s\n", name,
			strerror(errno));
		return -1;
	}
	if (rc)
		return 1;	/* "container does not exist" and the like */
	j = json_tokener_parse(out);
	if (!j || !json_object_object_get_ex(j, "status", &v)) {
		fprintf(stderr, "Error: container '%s': runc state gave no status\n", name);
		json_object_put(j);
		return -1;
	}
	status = json_object_get_string(v);
	if (strcmp(status, "running") && strcmp(status, "paused")) {
		fprintf(stderr, "Error: container '%s' is %s, not running\n", name, status);
		json_object_put(j);
		return -1;
	}
	if (!json_object_object_get_ex(j, "pid", &v) || (pid = json_object_get_int(v)) <= 0) {
		fprintf(stderr, "Error: container '%s': runc state gave no pid\n", name);
		json_object_put(j);
		return -1;
	}
	json_object_put(j);

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "Error: container '%s': %s: %s\n", name, path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(rel, sizeof(rel), "%s", line + 3);
		}
	fclose(f);
	if (!rel[0] || cgroup_dir_id(rel, path, sizeof(path), id)) {
		fprintf(stderr, "Error: container '%s': its init (pid %d) is in no cgroup v2 "
			"directory\n", name, pid);
		return -1;
	}
	return 0;
}

/*
 * A cgroup id (digits first) or path, or a runc container id (tried
 * before a path of the same name).  CONTAINER (LEN bytes)
 * gets the container id, or "" for a plain cgroup.
 */
int arg_workload(const char *s, uint64_t *id, char *container, size_t len)
{
	char path[4096];
	int rc;

	container[0] = 0;
	if (*s >= '0' && *s <= '9')
		return arg_u64("cgroup id", s, id);
	if (strlen(s) <= 63 && pwrmig_container_id_ok(s)) {
		rc = container_cgroup(s, id);
		if (rc < 0)
			return -1;
		if (!rc) {
			snprintf(container, len, "%s", s);
			return 0;
		}
	}
	if (cgroup_dir_id(s, path, sizeof(path), id)) {
		fprintf(stderr, "Error: '%s' is neither a cgroup (%s is not a cgroup "
			"directory) nor a runc container\n", s, path);
		return -1;
	}
	return 0;
}
