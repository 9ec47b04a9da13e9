// SPDX-License-Identifier: GPL-2.0
/*
 * Messages between two pwrmigd: control messages are JSON objects (json-c);
 * image files travel as FILE, DATA chunks of at most PD_CHUNK bytes and
 * FILE_END with the SHA-256 of what was read, so memory use is one chunk
 * whatever the size of the job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pwrmig.h"
#include "migrate.h"

int pd_send_json(struct pd_conn *cn, uint32_t type, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	return pd_conn_send(cn, type, s, strlen(s));
}

static const char *msg_name(uint32_t t)
{
	static const char *const names[] = {
		[PD_MSG_HELLO] = "hello", [PD_MSG_READY] = "ready", [PD_MSG_ERROR] = "error",
		[PD_MSG_FILE] = "file", [PD_MSG_DATA] = "data", [PD_MSG_FILE_END] = "file-end",
		[PD_MSG_RESTORE] = "restore", [PD_MSG_RESTORED] = "restored",
		[PD_MSG_DECIDE] = "decide", [PD_MSG_DONE] = "done", [PD_MSG_WAIT] = "wait",
	};

	return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "unknown";
}

struct json_object *pd_recv_json(struct pd_conn *cn, uint32_t want, char *buf, size_t cap)
{
	struct json_object *o;
	uint32_t type, n;

	if (pd_conn_recv(cn, &type, buf, cap - 1, &n))
		return NULL;
	buf[n] = 0;
	o = json_tokener_parse(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(cn->err, sizeof(cn->err), "peer sent a malformed %s message",
			 msg_name(type));
		return NULL;
	}
	if (type == PD_MSG_ERROR && want != PD_MSG_ERROR) {
		snprintf(cn->err, sizeof(cn->err), "%s: %s", cn->peer,
			 pd_json_str(o, "error") ?: "unspecified error");
		json_object_put(o);
		return NULL;
	}
	if (want && type != want) {
		snprintf(cn->err, sizeof(cn->err), "peer sent %s where %s was due",
			 msg_name(type), msg_name(want));
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *pd_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t pd_json_int(struct json_object *o, const char *key, int64_t dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

int pd_json_timeout(struct json_object *o)
{
	int64_t v = pd_json_int(o, "link_timeout_s", 0);

	return v >= 1 && v <= 3600 ? (int)v : 0;
}

static void hexify(const unsigned char *md, unsigned int n, char *hex)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

void pd_sha256_final(EVP_MD_CTX *ctx, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_DigestFinal_ex(ctx, md, &mdlen);
	hexify(md, mdlen, hex);
}

static int send_link(struct pd_conn *cn, const char *path, const char *rel,
		     struct json_object *manifest)
{
	char target[PATH_MAX];
	struct json_object *o;
	ssize_t n;
	int rc;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(cn->err, sizeof(cn->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	target[n] = 0;
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(rel));
	json_object_object_add(o, "type", json_object_new_string("link"));
	json_object_object_add(o, "target", json_object_new_string(target));
	rc = pd_send_json(cn, PD_MSG_FILE, o);
	json_object_array_add(manifest, o);
	return rc;
}

/*
 * A receiver says nothing while images arrive unless it refuses them: stop
 * sending then, and keep its reason (disk full, checksum, ...).
 */
static int peer_refused(struct pd_conn *cn)
{
	struct json_object *o;
	char buf[4096], err[sizeof(cn->err)];

	if (!pd_conn_readable(cn))
		return 0;
	memcpy(err, cn->err, sizeof(err));
	o = pd_recv_json(cn, 0, buf, sizeof(buf));
	if (o)
		snprintf(cn->err, sizeof(cn->err), "peer sent an unexpected message during the transfer");
	else if (*err && strncmp(cn->err, cn->peer, strlen(cn->peer)))
		memcpy(cn->err, err, sizeof(err));	/* no reason: keep the first error */
	json_object_put(o);
	return -1;
}

/* Send a chunk; if the peer hung up, maybe it said why first. */
static int send_chunk(struct pd_conn *cn, const char *buf, size_t n)
{
	if (pd_conn_send(cn, PD_MSG_DATA, buf, n)) {
		peer_refused(cn);
		return -1;
	}
	cn->err[0] = 0;
	return peer_refused(cn);
}

static int send_file(struct pd_conn *cn, const char *path, const char *rel,
		     const struct stat *st, struct json_object *manifest, uint64_t *bytes)
{
	EVP_MD_CTX *ctx = NULL;
	struct json_object *o, *end;
	char hex[65], *buf = NULL;
	uint64_t left = st->st_size;
	ssize_t n;
	int fd, rc = -1;

	cn->err[0] = 0;
	if (peer_refused(cn))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(cn->err, sizeof(cn->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(PD_CHUNK);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		snprintf(cn->err, sizeof(cn->err), "out of memory");
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(rel));
	json_object_object_add(o, "type", json_object_new_string("file"));
	json_object_object_add(o, "size", json_object_new_int64(st->st_size));
	json_object_object_add(o, "mode", json_object_new_int(st->st_mode & 07777));
	rc = pd_send_json(cn, PD_MSG_FILE, o);
	while (!rc && left) {
		n = read(fd, buf, left < PD_CHUNK ? left : PD_CHUNK);
		if (n <= 0) {
			snprintf(cn->err, sizeof(cn->err), "%s: %s", path,
				 n ? strerror(errno) : "shrank while being sent");
			rc = -1;
			break;
		}
		EVP_DigestUpdate(ctx, buf, n);
		/* Test fault: one chunk arrives different from what was read. */
		if (pd_fault("corrupt-chunk") && left == (uint64_t)st->st_size && n > 0)
			buf[n / 2] ^= 0x5a;
		rc = send_chunk(cn, buf, n);
		left -= n;
		*bytes += n;
		if (cn->progress)
			cn->progress(cn->progress_arg);
	}
	if (!rc) {
		pd_sha256_final(ctx, hex);
		end = json_object_new_object();
		json_object_object_add(end, "sha256", json_object_new_string(hex));
		rc = pd_send_json(cn, PD_MSG_FILE_END, end);
		json_object_put(end);
		json_object_object_add(o, "sha256", json_object_new_string(hex));
	}
	json_object_array_add(manifest, o);
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return rc;
}

uint64_t pd_tree_bytes(const char *dir, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	uint64_t n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			n += pd_tree_bytes(path, prefix);
		else if (S_ISREG(st.st_mode) &&
			 (!prefix || !strncmp(e->d_name, prefix, strlen(prefix))))
			n += st.st_size;
	}
	if (d)
		closedir(d);
	return n;
}

int pd_send_tree(struct pd_conn *cn, const char *root, const char *rel,
		 struct json_object *manifest, uint64_t *bytes)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent **ents;
	struct stat st;
	int i, n, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(cn->err, sizeof(cn->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;

		if (rc || !strcmp(e, ".") || !strcmp(e, ".."))
			goto next;
		snprintf(sub, sizeof(sub), "%s/%s", rel, e);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (lstat(path, &st)) {
			snprintf(cn->err, sizeof(cn->err), "%s: %s", path, strerror(errno));
			rc = -1;
		} else if (S_ISLNK(st.st_mode)) {
			rc = send_link(cn, path, sub, manifest);
		} else if (S_ISDIR(st.st_mode)) {
			rc = pd_send_tree(cn, root, sub, manifest, bytes);
		} else if (S_ISREG(st.st_mode)) {
			rc = send_file(cn, path, sub, &st, manifest, bytes);
		}
next:
		free(ents[i]);
	}
	free(ents);
	return rc;
}
