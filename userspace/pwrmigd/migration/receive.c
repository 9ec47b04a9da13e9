// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving side of a migration: a TLS listener (migrate_listen) that
 * takes images from configured peers only, checks each file's SHA-256 as
 * it arrives and, before the restore, that the manifest names exactly the
 * files that arrived intact (by size on disk and the SHA-256 they arrived
 * with: images are written once, O_EXCL, and never rehashed in the frozen
 * window, where a 256 MiB rehash would cost seconds), restores the job held stopped in this node's cgroup_root, and resumes it
 * only when the sender commits.  A restored copy whose sender has not
 * decided yet survives a restart of this pwrmigd (journal) and waits.
 *
 * Images land in state_dir/in/SITE-ID-NONCE/ and are removed once the decision is
 * carried out.
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

struct mig *rx_mig_lock(struct pd_receiver *r, const char *dir)
{
	struct mig *m;

	pthread_mutex_lock(&r->mlock);
	for (m = r->migs; m && strcmp(m->dir, dir); m = m->next)
		;
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m) {
			pthread_mutex_unlock(&r->mlock);
			return NULL;
		}
		snprintf(m->dir, sizeof(m->dir), "%s", dir);
		pthread_mutex_init(&m->lock, NULL);
		m->next = r->migs;
		r->migs = m;
	}
	m->refs++;
	pthread_mutex_unlock(&r->mlock);
	pthread_mutex_lock(&m->lock);
	return m;
}

void rx_mig_unlock(struct pd_receiver *r, struct mig *m)
{
	struct mig **p;

	pthread_mutex_unlock(&m->lock);
	pthread_mutex_lock(&r->mlock);
	if (!--m->refs) {
		for (p = &r->migs; *p != m; p = &(*p)->next)
			;
		*p = m->next;
		pthread_mutex_destroy(&m->lock);
		free(m);
	}
	pthread_mutex_unlock(&r->mlock);
}

void rx_refuse(struct session *s, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pd_log(0, "receive from %s: %s", s->cn.peer, msg);
	json_object_object_add(o, "error", json_object_new_string(msg));
	pd_send_json(&s->cn, PD_MSG_ERROR, o);
	json_object_put(o);
}

void rx_reply(struct session *s, uint32_t type)
{
	struct json_object *o = json_object_new_object();

	pd_send_json(&s->cn, type, o);
	json_object_put(o);
}

int rx_journal(struct session *s, const char *state)
{
	int rc;

	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "id", json_object_new_int64(s->id));
	json_object_object_add(o, "from", json_object_new_string(s->cn.peer));
	json_object_object_add(o, "cgroup", json_object_new_string(s->wl.cgroup));
	json_object_object_add(o, "container", json_object_new_string(s->wl.name));
	json_object_object_add(o, "pid", json_object_new_int(s->wl.root_pid));
	json_object_object_add(o, "cg_id", json_object_new_int64(s->wl.cg_id));
	json_object_object_add(o, "created", json_object_new_string(s->wl.created));
	json_object_object_add(o, "images", json_object_new_string(s->images));
	json_object_object_add(o, "restores", json_object_new_int(s->restores));
	rc = pd_journal_write(s->dir, o);
	if (rc)
		pd_log(0, "receive: journal in %s: %s", s->dir, strerror(errno));
	json_object_put(o);
	return rc;
}

/*
 * A container's bundle (config.json, rootfs) must be here at the sender's
 * path, below this site's bundle_root: images carry memory, not the file
 * system.  -1 after refusing.
 */
static int accept_container(struct session *s, const char *container, const char *bundle)
{
	struct pd_config *c = &s->r->pd->cfg;
	char path[PATH_MAX];

	if (!*c->bundle_root) {
		rx_refuse(s, "container %s: %s restores no containers (no bundle_root set)",
			  container, c->site);
		return -1;
	}
	if (!bundle || bundle[0] != '/' || !pd_img_safe(bundle + 1) ||
	    pd_path(path, sizeof(path), "%s/config.json", bundle) || access(path, R_OK)) {
		rx_refuse(s, "container %s: no bundle here at '%s' (config.json and rootfs must be at the same path at both sites)",
			  container, bundle ?: "");
		return -1;
	}
	/* The peer names the path: only where this site keeps bundles. */
	if (!rx_below_resolved(bundle, c->bundle_root)) {
		rx_refuse(s, "container %s: bundle '%s' is outside bundle_root %s",
			  container, bundle, c->bundle_root);
		return -1;
	}
	s->wl.container = 1;
	snprintf(s->wl.name, sizeof(s->wl.name), "%s", container);
	snprintf(s->wl.bundle, sizeof(s->wl.bundle), "%s", bundle);
	return 0;
}

/*
 * HELLO of a new migration: its names checked, its directory made, its
 * cgroup reserved, "receiving" journalled, READY sent.  -1 after refusing
 * (and removing what it made).
 */
static int accept_hello(struct session *s, struct json_object *hello)
{
	const char *name = pd_json_str(hello, "name"), *container = pd_json_str(hello, "container");
	struct pd_config *c = &s->r->pd->cfg;
	struct json_object *m, *o;
	char e[512], path[PATH_MAX];

	if (!pd_img_name(name) ||
	    (container && *container && (!pd_img_name(container) || !pwrmig_container_id_ok(container)))) {
		rx_refuse(s, "bad workload name in hello");
		return -1;
	}
	m = pd_journal_read(s->dir);
	/* The same id and nonce again: a second HELLO, not a new migration. */
	if (m || errno != ENOENT) {
		rx_refuse(s, "migration %llu from %s is already here%s", (unsigned long long)s->id,
			  s->cn.peer, m ? "" : " (its journal cannot be read)");
		json_object_put(m);
		return -1;
	}
	pd_rmtree(s->dir);
	if (mkdir(s->dir, 0700)) {
		rx_refuse(s, "%s: %s", s->dir, strerror(errno));
		return -1;
	}
	snprintf(s->wl.cgroup, sizeof(s->wl.cgroup), "%s%s%s",
		 strcmp(c->cgroup_root, "/") ? c->cgroup_root : "", "/",
		 container && *container ? container : name);
	if (container && *container &&
	    accept_container(s, container, pd_json_str(hello, "bundle"))) {
		pd_rmtree(s->dir);
		return -1;
	}
	/*
	 * Never restore over something that runs here, nor into a name
	 * another migration is bringing: the name must be free, and making
	 * the cgroup now reserves it (of two HELLOs, one makes it).  A failure
	 * later drops only that cgroup, by its inode.
	 */
	if (s->wl.container && (pd_path(path, sizeof(path), "%s/%s", c->runc_root,
					s->wl.name) || !access(path, F_OK))) {
		rx_refuse(s, "container %s already exists here", s->wl.name);
		goto unmade;
	}
	if (pd_wl_reserve(&s->wl, e, sizeof(e))) {
		rx_refuse(s, "%s", e);
		goto unmade;
	}
	if (rx_journal(s, "receiving")) {
		rx_refuse(s, "cannot journal migration %llu in %s", (unsigned long long)s->id, s->dir);
		rx_discard(s);
		return -1;
	}
	pd_log(0, "receive %s-%llu: %s into %s", s->cn.peer, (unsigned long long)s->id,
	       pd_json_str(hello, "mode") ?: "?", s->wl.cgroup);
	/* Ours, so that the sender's WAITs come often enough for us too. */
	o = json_object_new_object();
	json_object_object_add(o, "link_timeout_s", json_object_new_int(c->link_timeout_s));
	pd_send_json(&s->cn, PD_MSG_READY, o);
	json_object_put(o);
	return 0;
unmade:
	memset(&s->wl, 0, sizeof(s->wl));
	pd_rmtree(s->dir);
	return -1;
}

/*
 * FILEs and manifest slices until the last RESTORE, which is returned;
 * NULL when the migration is to be dropped (the sender told why, or was).
 */
static struct json_object *receive_images(struct session *s)
{
	struct json_object *m, *d;
	size_t listed = 0, slice;
	uint32_t t, n;

	for (;;) {
		if (pd_conn_recv(&s->cn, &t, s->buf, PD_MSG_MAX, &n)) {
			pd_log(0, "receive %s-%llu: %s; dropping it", s->cn.peer,
			       (unsigned long long)s->id, s->cn.err);
			return NULL;
		}
		s->buf[n] = 0;
		m = json_tokener_parse(s->buf);
		if (!m || (t != PD_MSG_FILE && t != PD_MSG_RESTORE)) {
			json_object_put(m);
			if (t == PD_MSG_ERROR || t == PD_MSG_DECIDE) {
				pd_log(0, "receive %s-%llu: the sender gave up",
				       s->cn.peer, (unsigned long long)s->id);
				rx_reply(s, PD_MSG_DONE);
			} else {
				rx_refuse(s, "unexpected message %u", t);
			}
			return NULL;
		}
		if (t == PD_MSG_RESTORE && !pd_json_int(m, "more", 0))
			return m;
		if (t == PD_MSG_FILE) {
			if (rx_receive_file(s, m))
				break;
			json_object_put(m);
			continue;
		}
		/* A slice of a long manifest: checked now, the rest to come. */
		if (!json_object_object_get_ex(m, "manifest", &d))
			d = NULL;
		if (rx_check_manifest(s, d))
			break;
		slice = json_object_array_length(d);
		listed += slice;
		json_object_put(m);
		if (!slice || listed > PD_MAX_FILES) {
			rx_refuse(s, slice ? "a manifest of more than %d files" :
				  "an empty slice of a manifest", PD_MAX_FILES);
			return NULL;
		}
	}
	json_object_put(m);
	return NULL;
}

/*
 * Restore the copy from IMAGES, one restore at a time on this node, with
 * WAITs to the sender meanwhile; "restored" journalled.  -1 after
 * refusing and dropping the copy.
 */
static int restore_copy(struct session *s, const char *images)
{
	struct pd_busy busy;
	struct mig *ml;
	char e[512];
	int rc;

	/* WAIT also while another migration's restore holds the lock. */
	pd_busy_start(&busy, &s->cn, pd_wait_every(&s->cn, s->r->pd->cfg.link_timeout_s));
	ml = rx_mig_lock(s->r, s->dir);
	if (!ml) {
		pd_busy_stop(&busy);
		rx_refuse(s, "migration %llu: out of memory", (unsigned long long)s->id);
		rx_discard(s);
		return -1;
	}
	pthread_mutex_lock(&s->r->lock);
	s->restoring = 1;
	if (rx_journal(s, "restoring")) {
		pthread_mutex_unlock(&s->r->lock);
		pd_busy_stop(&busy);
		rx_refuse(s, "cannot journal the restore in %s", s->dir);
		rx_discard(s);
		rx_mig_unlock(s->r, ml);
		return -1;
	}
	rc = rx_restore_checked(s, images, e, sizeof(e));
	pthread_mutex_unlock(&s->r->lock);
	pd_busy_stop(&busy);
	if (rc) {
		rx_refuse(s, "restore: %s", e);
	} else if (rx_journal(s, "restored")) {
		/* A restart would not know this copy waits: don't offer it. */
		rx_refuse(s, "cannot journal the restored copy in %s", s->dir);
		rc = -1;
	}
	/* A failed copy goes under the lock: a resent abort must not race it. */
	if (rc)
		rx_discard(s);
	rx_mig_unlock(s->r, ml);
	return rc ? -1 : 0;
}

static void new_migration(struct session *s, struct json_object *hello)
{
	struct json_object *m, *d;
	char images[PATH_MAX];

	if (accept_hello(s, hello))
		return;
	pd_crash_point("dst-hello");
	m = receive_images(s);
	if (!m)
		goto drop;
	if (!json_object_object_get_ex(m, "manifest", &d) || rx_check_manifest(s, d) ||
	    !pd_img_round(pd_json_str(m, "dir") ?: "", strlen(pd_json_str(m, "dir") ?: ""))) {
		json_object_put(m);
		goto drop;
	}
	/* A round name (checked above): short, and journalled for a restore again. */
	snprintf(s->images, sizeof(s->images), "%s", pd_json_str(m, "dir"));
	snprintf(images, sizeof(images), "%s/%s", s->dir, s->images);
	s->restores = 1;
	json_object_put(m);
	pd_crash_point("dst-received");
	if (restore_copy(s, images))
		return;
	pd_crash_point("dst-restored");
	rx_reply(s, PD_MSG_RESTORED);
	m = pd_recv_json(&s->cn, PD_MSG_DECIDE, s->buf, PD_MSG_MAX);
	if (!m) {
		pd_log(0, "receive %s-%llu: %s; holding the stopped copy for the sender's decision",
		       s->cn.peer, (unsigned long long)s->id, s->cn.err);
		return;
	}
	pd_crash_point("dst-decision");
	rx_apply_decision(s, pd_json_str(m, "decision"), json_object_object_get(m, "ledger"));
	json_object_put(m);
	return;
drop:
	rx_discard(s);
}

static int nonce_ok(const char *n)
{
	size_t i;

	if (!n || strlen(n) != PD_NONCE_LEN)
		return 0;
	for (i = 0; i < PD_NONCE_LEN; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	return 1;
}
/* The handshake is over: out of the pool, and its cutting fd closed. */
void rx_leave_pool(struct session *s)
{
	struct pd_receiver *r = s->r;
	unsigned int i;

	pthread_mutex_lock(&r->mlock);
	for (i = 0; i < r->nhs; i++)
		if (r->hs[i].s == s) {
			s->hfd = r->hs[i].fd;
			r->hs[i] = r->hs[--r->nhs];
			break;
		}
	pthread_mutex_unlock(&r->mlock);
	/* Out of the pool (ours, or cut): nobody else uses this fd now. */
	if (s->hfd >= 0)
		close(s->hfd);
	s->hfd = -1;
}

/* Is the authenticated site a configured peer, with the key pinned for it?  */
static int peer_ok(struct session *s)
{
	const struct pd_peer *peer = pd_config_peer(&s->r->pd->cfg, s->cn.peer);
	char err[512];

	if (!peer) {
		pd_log(0, "receive: refused: certificate of '%s' is not a configured peer",
		       s->cn.peer);
		rx_refuse(s, "site '%s' is not a peer of %s", s->cn.peer, s->r->pd->cfg.site);
		return -1;
	}
	if (peer->has_pin && pd_conn_pinned(&s->cn, peer->pin, err, sizeof(err))) {
		pd_log(0, "receive: refused: %s", err);
		rx_refuse(s, "site '%s': its key is not the one %s pinned for it", s->cn.peer,
			  s->r->pd->cfg.site);
		return -1;
	}
	return 0;
}

void *rx_session(void *arg)
{
	struct session *s = arg;
	struct json_object *hello;
	const char *nonce;
	char err[512];
	int fd = s->cn.fd, rc, n;

	int hs_s = s->r->pd->cfg.link_timeout_s < PD_HANDSHAKE_S ?
		   (int)s->r->pd->cfg.link_timeout_s : PD_HANDSHAKE_S;

	rc = pd_conn_accept(s->r->ctx, fd, hs_s, &s->cn, err, sizeof(err));
	rx_leave_pool(s);
	if (rc) {
		pd_log(0, "receive: refused: %s", err);
		goto out;
	}
	/* The link's own timeout from now on. */
	pd_conn_timeouts(&s->cn, s->r->pd->cfg.link_timeout_s);
	s->buf = malloc(PD_MSG_MAX + 1);
	if (!s->buf) {
		pd_log(0, "receive from %s: out of memory", s->cn.peer);
		goto out;
	}
	if (peer_ok(s))
		goto out;
	hello = pd_recv_json(&s->cn, PD_MSG_HELLO, s->buf, PD_MSG_MAX);
	if (!hello) {
		pd_log(0, "receive from %s: %s", s->cn.peer, s->cn.err);
		goto out;
	}
	if (pd_json_int(hello, "proto", 1) < PD_PROTO_MIN ||
	    pd_json_int(hello, "proto", 1) > PD_PROTO_VERSION) {
		rx_refuse(s, "migration protocol version %lld not understood (%s speaks %d-%d)",
		       (long long)pd_json_int(hello, "proto", 1), s->r->pd->cfg.site,
		       PD_PROTO_MIN, PD_PROTO_VERSION);
		json_object_put(hello);
		goto out;
	}
	n = __atomic_add_fetch(&s->r->sessions, 1, __ATOMIC_RELAXED);
	s->counted = 1;
	if (n > PD_MAX_SESSIONS + (pd_json_str(hello, "decision") ? PD_DECISION_SESSIONS : 0)) {
		rx_refuse(s, "%s serves %d migrations already; try again later",
		       s->r->pd->cfg.site, PD_MAX_SESSIONS);
		json_object_put(hello);
		goto out;
	}
	s->id = pd_json_int(hello, "id", 0);
	s->cn.peer_timeout_s = pd_json_timeout(hello);
	nonce = pd_json_str(hello, "nonce");
	if (!s->id || s->id > UINT32_MAX || !nonce_ok(nonce)) {
		rx_refuse(s, "hello without a migration id and nonce");
		json_object_put(hello);
		goto out;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/in/%s-%llu-%s", s->r->pd->cfg.state_dir, s->cn.peer,
		 (unsigned long long)s->id, nonce);
	/* A migration now: the sender's WAITs may hold the link while it dumps. */
	s->cn.wait_ok = 1;
	if (pd_json_str(hello, "decision"))
		rx_late_decision(s, hello);
	else
		new_migration(s, hello);
	json_object_put(hello);
out:
	pd_conn_close(&s->cn);
	json_object_put(s->arrived);
	if (s->counted)
		__atomic_sub_fetch(&s->r->sessions, 1, __ATOMIC_RELAXED);
	free(s->buf);
	free(s);
	return NULL;
}
