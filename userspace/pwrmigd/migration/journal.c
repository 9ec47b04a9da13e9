// SPDX-License-Identifier: GPL-2.0
/*
 * The migration journal: DIR/journal holds one JSON object saying where a
 * migration stands.  It is replaced whole (write to journal.tmp, fsync,
 * rename, fsync the directory), so after a crash it is either the old
 * state or the new one, never a mix.  A restarted pwrmigd reads it to
 * finish or roll back what was in flight.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pwrmig.h"
#include "migrate.h"

int pd_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* OP (fsync, syncfs) on directory DIR. */
static int dir_sync(const char *dir, int (*op)(int))
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = op(fd);
	close(fd);
	return rc;
}

static int fsync_dir(const char *dir)
{
	return dir_sync(dir, fsync);
}

int pd_sync_images(const char *dir)
{
	/* CRIU writes without fsync: all of the file system, once. */
	return dir_sync(dir, syncfs);
}

int pd_journal_write(const char *dir, struct json_object *o)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s/journal.tmp", dir);
	snprintf(path, sizeof(path), "%s/journal", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, s, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && !fsync(fd))
		rc = 0;
	if (close(fd))
		rc = -1;
	if (rc || rename(tmp, path))
		return -1;
	/*
	 * The rename, and the migration's directory itself (made just before
	 * its first journal), must be on disk too before anyone acts on it.
	 */
	if (fsync_dir(dir))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/..", dir);
	return fsync_dir(tmp);
}

struct json_object *pd_journal_read(const char *dir)
{
	char path[PATH_MAX];
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/journal", dir);
	if (access(path, F_OK))
		return NULL;	/* errno ENOENT: never written */
	o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		errno = EBADMSG;
		return NULL;
	}
	return o;
}

/* Is PATH at or below ROOT? */
int pd_path_below(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return 1;
	while (n > 1 && root[n - 1] == '/')
		n--;
	return !strncmp(path, root, n) && (path[n] == '/' || !path[n]);
}

int pd_rmtree(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!lstat(path, &st) && S_ISDIR(st.st_mode))
			pd_rmtree(path);
		else
			unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}
