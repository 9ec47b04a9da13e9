// SPDX-License-Identifier: GPL-2.0
/*
 * A migration's files as they arrive: each under the images directory by
 * the image-path rules (imgpath.c), written once (O_EXCL) with its
 * SHA-256 checked on arrival; the manifest checked against what arrived
 * before a restore; images and a copy dropped when the migration ends.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctrid.h"
#include "pwrmig.h"
#include "migrate.h"
#include "imgpath.h"
#include "receive.h"

/* Is PATH ROOT or below it, links resolved? */
int rx_below_resolved(const char *path, const char *root)
{
	char rp[PATH_MAX], rr[PATH_MAX];

	return realpath(path, rp) && realpath(root, rr) && pd_path_below(rp, rr);
}

static int mkparents(const char *dir, const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* write() all of BUF; a short write is retried so that ENOSPC shows. */
static int write_full(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

/* A link of the images (CRIU's), its target inside the migration. */
static int receive_link(struct session *s, const char *rel, const char *path,
			const char *target)
{
	if (!target || !pd_img_link(rel, target)) {
		rx_refuse(s, "link %s: target '%s' points outside the migration", rel,
			  target ?: "");
		return -1;
	}
	if (symlink(target, path)) {
		rx_refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* SIZE bytes of DATA into FD and the digest CTX, then on disk. */
static int receive_data(struct session *s, const char *rel, const char *path, int fd,
			EVP_MD_CTX *ctx, int64_t size)
{
	int64_t left;
	uint32_t t, n;

	for (left = size; left > 0; left -= n) {
		if (pd_conn_recv(&s->cn, &t, s->buf, PD_MSG_MAX, &n)) {
			pd_log(0, "receive %s: %s", rel, s->cn.err);
			return -1;
		}
		if (t != PD_MSG_DATA || n > left) {
			rx_refuse(s, "%s: unexpected message in the file data", rel);
			return -1;
		}
		if (write_full(fd, s->buf, n)) {
			rx_refuse(s, "%s: %s", path, errno == ENOSPC ?
				  "no space left on the destination's state_dir" : strerror(errno));
			return -1;
		}
		EVP_DigestUpdate(ctx, s->buf, n);
	}
	if (fsync(fd)) {
		rx_refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* One FILE: its DATA and FILE_END.  -1 after telling the sender why. */
int rx_receive_file(struct session *s, struct json_object *f)
{
	const char *rel = pd_json_str(f, "path"), *type = pd_json_str(f, "type"), *sha;
	int64_t size = pd_json_int(f, "size", -1);
	char path[PATH_MAX], hex[65];
	struct json_object *end;
	struct statvfs vfs;
	EVP_MD_CTX *ctx;
	int fd, rc = -1;

	if (!rel || !type || !pd_img_path(rel, !strcmp(type, "link"))) {
		rx_refuse(s, "bad file entry '%s': not ROUND/NAME of an image directory",
		       rel ?: "(no path)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	if (mkparents(s->dir, rel)) {
		rx_refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!strcmp(type, "link"))
		return receive_link(s, rel, path, pd_json_str(f, "target"));
	if (strcmp(type, "file") || size < 0) {
		rx_refuse(s, "bad file entry '%s'", rel);
		return -1;
	}
	/* Bounded before a byte is written: by count, and by the room there is. */
	if (++s->files > PD_MAX_FILES) {
		rx_refuse(s, "%s: more than %d files in one migration", rel, PD_MAX_FILES);
		return -1;
	}
	if (statvfs(s->dir, &vfs) || (uint64_t)size > (uint64_t)vfs.f_bavail * vfs.f_frsize) {
		rx_refuse(s, "%s: %lld bytes declared; no space left for them in state_dir (%llu free)",
		       rel, (long long)size,
		       (unsigned long long)vfs.f_bavail * vfs.f_frsize);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rx_refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rx_refuse(s, "%s: cannot start SHA-256", rel);
		goto out;
	}
	if (receive_data(s, rel, path, fd, ctx, size))
		goto out;
	end = pd_recv_json(&s->cn, PD_MSG_FILE_END, s->buf, PD_MSG_MAX);
	if (!end) {
		pd_log(0, "receive %s: %s", rel, s->cn.err);
		goto out;
	}
	pd_sha256_final(ctx, hex);
	sha = pd_json_str(end, "sha256");
	if (!sha || strcmp(sha, hex))
		rx_refuse(s, "%s: SHA-256 mismatch (sent %.16s..., received %.16s...)", rel,
		       sha ?: "none", hex);
	else if (json_object_object_add(s->arrived, rel, json_object_new_string(hex)))
		rx_refuse(s, "%s: out of memory", rel);
	else
		rc = 0;
	json_object_put(end);
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

/*
 * Every manifest file arrived in this session with the manifest's SHA-256,
 * and is on disk with its size.
 */
int rx_check_manifest(struct session *s, struct json_object *manifest)
{
	struct json_object *e, *got;
	const char *rel, *sha;
	char path[PATH_MAX];
	struct stat st;
	size_t i, n;

	if (!manifest || !json_object_is_type(manifest, json_type_array)) {
		rx_refuse(s, "restore without a manifest");
		return -1;
	}
	n = json_object_array_length(manifest);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(manifest, i);
		rel = pd_json_str(e, "path");
		if (!rel || !pd_img_safe(rel)) {
			rx_refuse(s, "manifest entry %zu has a bad path", i);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
		if (!strcmp(pd_json_str(e, "type") ?: "", "link"))
			continue;
		sha = pd_json_str(e, "sha256");
		if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    st.st_size != pd_json_int(e, "size", -1)) {
			rx_refuse(s, "manifest: %s is missing or has the wrong size", rel);
			return -1;
		}
		if (!json_object_object_get_ex(s->arrived, rel, &got) || !sha ||
		    strcmp(sha, json_object_get_string(got))) {
			rx_refuse(s, "manifest: %s did not arrive with the manifest's SHA-256", rel);
			return -1;
		}
	}
	return 0;
}

/* Remove everything in DIR but its journal. */
void rx_drop_images(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "journal"))
			continue;
		if (pd_path(path, sizeof(path), "%s/%s", dir, e->d_name))
			continue;
		if (pd_rmtree(path))
			unlink(path);
	}
	if (d)
		closedir(d);
}

/*
 * Drop a restored or half-restored copy and its images: only what this
 * migration made (its reserved cgroup, by inode), never another job that
 * has the name.  Before a restore there is only the empty cgroup.
 */
void rx_discard(struct session *s)
{
	char e[256];

	if (!*s->wl.cgroup)
		;
	else if (!s->restoring)
		pd_wl_unreserve(&s->wl);
	else if (pd_wl_kill(s->r->pd, &s->wl, e, sizeof(e)))
		pd_log(0, "receive: dropping %s: %s", s->wl.cgroup, e);
	pd_rmtree(s->dir);
}
