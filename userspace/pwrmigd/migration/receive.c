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

struct session;

/*
 * Before the TLS handshake nobody is known, and anyone who can reach the
 * port can connect: these connections are a pool of their own, with a
 * short deadline, and when it is full a new connection cuts the oldest
 * pending one of its address, or else the oldest of all.  Idle or
 * trickling clients then cannot keep a real peer, whose handshake takes a
 * few round trips, from getting through.
 */
#define PD_MAX_HANDSHAKES		64
#define PD_MAX_HANDSHAKES_PER_ADDR	8
#define PD_HANDSHAKE_S			10

struct pending {
	struct session *s;
	int fd;				/* a dup of the connection, to cut it */
	struct sockaddr_storage addr;
	struct timespec since;
};

struct pd_receiver {
	struct pd *pd;
	SSL_CTX *ctx;
	int lfd;
	pthread_t thread;
	pthread_mutex_t lock;	/* one CRIU restore at a time */
	pthread_mutex_t mlock;	/* guards migs */
	struct mig *migs;	/* migrations a session works on now */
	volatile int stopping;
	int sessions;		/* authenticated sessions (atomic) */
	struct pending hs[PD_MAX_HANDSHAKES];	/* guarded by mlock */
	unsigned int nhs;
};

/*
 * One migration's lock, by its directory: its restore and its decision
 * (from its own session or resent on another) run one at a time, and
 * other migrations go on meanwhile.
 */
struct mig {
	struct mig *next;
	char dir[PATH_MAX];
	pthread_mutex_t lock;
	unsigned int refs;
};

static struct mig *mig_lock(struct pd_receiver *r, const char *dir)
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

static void mig_unlock(struct pd_receiver *r, struct mig *m)
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

/*
 * Authenticated sessions served at once.  A site has a few peers, each
 * with a few migrations in flight; more is a misbehaving client, and every
 * session holds a thread and a 260 KiB buffer.  A few more are kept for
 * decisions (a commit or abort resent on a new link): a sender that has
 * journalled one must be able to deliver it whatever else is going on.
 */
#define PD_MAX_SESSIONS		32
#define PD_DECISION_SESSIONS	8

/* CRIU writes a few dozen images per process, and a tree has at most 4096. */
#define PD_MAX_FILES		(1 << 18)
/* Restores of one copy from its images: the first, and after it was lost. */
#define PD_MAX_RESTORES		3

struct session {
	struct pd_receiver *r;
	struct pd_conn cn;
	char dir[PATH_MAX];
	struct pd_workload wl;
	char *buf;
	uint64_t id;
	struct json_object *arrived;	/* path -> SHA-256 checked on arrival */
	int restoring;			/* a restore began: something may run */
	char images[8];			/* the round restored from (RESTORE's "dir") */
	int restores;			/* restores from it so far */
	int hfd;			/* its pending entry's fd, until the handshake ends */
	unsigned int files;		/* files received */
	int counted;			/* in r->sessions */
};

static void refuse(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(struct session *s, const char *fmt, ...)
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

static void reply(struct session *s, uint32_t type)
{
	struct json_object *o = json_object_new_object();

	pd_send_json(&s->cn, type, o);
	json_object_put(o);
}

static int journal(struct session *s, const char *state)
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

/* Is PATH ROOT or below it, links resolved? */
static int below_resolved(const char *path, const char *root)
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

/* One FILE: its DATA and FILE_END.  -1 after telling the sender why. */
static int receive_file(struct session *s, struct json_object *f)
{
	const char *rel = pd_json_str(f, "path"), *type = pd_json_str(f, "type");
	const char *target = pd_json_str(f, "target"), *sha;
	int64_t size = pd_json_int(f, "size", -1), left;
	char path[PATH_MAX], hex[65];
	struct json_object *end;
	struct statvfs vfs;
	EVP_MD_CTX *ctx;
	uint32_t t, n;
	int fd, rc = -1;

	if (!rel || !type || !pd_img_path(rel, !strcmp(type, "link"))) {
		refuse(s, "bad file entry '%s': not ROUND/NAME of an image directory",
		       rel ?: "(no path)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
	if (mkparents(s->dir, rel)) {
		refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!strcmp(type, "link")) {
		if (!target || !pd_img_link(rel, target)) {
			refuse(s, "link %s: target '%s' points outside the migration", rel,
			       target ?: "");
			return -1;
		}
		if (symlink(target, path)) {
			refuse(s, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (strcmp(type, "file") || size < 0) {
		refuse(s, "bad file entry '%s'", rel);
		return -1;
	}
	/* Bounded before a byte is written: by count, and by the room there is. */
	if (++s->files > PD_MAX_FILES) {
		refuse(s, "%s: more than %d files in one migration", rel, PD_MAX_FILES);
		return -1;
	}
	if (statvfs(s->dir, &vfs) || (uint64_t)size > (uint64_t)vfs.f_bavail * vfs.f_frsize) {
		refuse(s, "%s: %lld bytes declared; no space left for them in state_dir (%llu free)",
		       rel, (long long)size,
		       (unsigned long long)vfs.f_bavail * vfs.f_frsize);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		refuse(s, "%s: %s", path, strerror(errno));
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		refuse(s, "%s: cannot start SHA-256", rel);
		goto out;
	}
	for (left = size; left > 0; left -= n) {
		if (pd_conn_recv(&s->cn, &t, s->buf, PD_MSG_MAX, &n)) {
			pd_log(0, "receive %s: %s", rel, s->cn.err);
			goto out;
		}
		if (t != PD_MSG_DATA || n > left) {
			refuse(s, "%s: unexpected message in the file data", rel);
			goto out;
		}
		if (write_full(fd, s->buf, n)) {
			refuse(s, "%s: %s", path, errno == ENOSPC ?
			       "no space left on the destination's state_dir" : strerror(errno));
			goto out;
		}
		EVP_DigestUpdate(ctx, s->buf, n);
	}
	if (fsync(fd)) {
		refuse(s, "%s: %s", path, strerror(errno));
		goto out;
	}
	end = pd_recv_json(&s->cn, PD_MSG_FILE_END, s->buf, PD_MSG_MAX);
	if (!end) {
		pd_log(0, "receive %s: %s", rel, s->cn.err);
		goto out;
	}
	pd_sha256_final(ctx, hex);
	sha = pd_json_str(end, "sha256");
	if (!sha || strcmp(sha, hex))
		refuse(s, "%s: SHA-256 mismatch (sent %.16s..., received %.16s...)", rel,
		       sha ?: "none", hex);
	else if (json_object_object_add(s->arrived, rel, json_object_new_string(hex)))
		refuse(s, "%s: out of memory", rel);
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
static int check_manifest(struct session *s, struct json_object *manifest)
{
	struct json_object *e, *got;
	const char *rel, *sha;
	char path[PATH_MAX];
	struct stat st;
	size_t i, n;

	if (!manifest || !json_object_is_type(manifest, json_type_array)) {
		refuse(s, "restore without a manifest");
		return -1;
	}
	n = json_object_array_length(manifest);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(manifest, i);
		rel = pd_json_str(e, "path");
		if (!rel || !pd_img_safe(rel)) {
			refuse(s, "manifest entry %zu has a bad path", i);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", s->dir, rel);
		if (!strcmp(pd_json_str(e, "type") ?: "", "link"))
			continue;
		sha = pd_json_str(e, "sha256");
		if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    st.st_size != pd_json_int(e, "size", -1)) {
			refuse(s, "manifest: %s is missing or has the wrong size", rel);
			return -1;
		}
		if (!json_object_object_get_ex(s->arrived, rel, &got) || !sha ||
		    strcmp(sha, json_object_get_string(got))) {
			refuse(s, "manifest: %s did not arrive with the manifest's SHA-256", rel);
			return -1;
		}
	}
	return 0;
}

/* Remove everything in DIR but its journal. */
static void drop_images(const char *dir)
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
static void discard(struct session *s)
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

/*
 * The job's bill and policy from the sender, into this node's module: the
 * ledger goes on across sites.  Without the module there is nowhere to
 * keep it; the sender's own module still holds it.
 */
/*
 * The module's key for this migration's hand-over: the sender's id for it
 * (32 bits) under a hash of the sender's name, so that two senders' ids
 * do not meet.
 */
static uint64_t carry_key(const struct session *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	const char *p;

	for (p = s->cn.peer; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (uint64_t)h << 32 | (uint32_t)s->id;
}

static void carry_ledger(struct session *s, struct json_object *ledger)
{
	struct pwrmig_carry c = { 0 };
	struct pwrmig_policy p = { .deferrable = -1, .migratable = -1 };
	static const char *const keys[] = {
		"runtime_ns", "cpu_uj", "dram_uj", "gpu_uj", "cost_uunits",
	};
	int64_t v[5];
	char path[PATH_MAX];
	size_t i;
	struct pwrmig *pw;
	struct stat st;

	if (!ledger)
		return;
	pw = pwrmig_open();
	if (!pw) {
		pd_log(1, "receive: no pwrmig module here; the ledger stays at %s",
		       s->cn.peer);
		return;
	}
	if (pd_path(path, sizeof(path), "%s%s", pwrmig_cgroup_root(), s->wl.cgroup) ||
	    stat(path, &st)) {
		pd_log(0, "receive: %s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v[i] = pd_json_int(ledger, keys[i], 0);
		if (v[i] < 0) {
			pd_log(0, "receive: %s sent a negative %s (%lld); its ledger is not carried",
			       s->cn.peer, keys[i], (long long)v[i]);
			goto out;
		}
	}
	c.runtime_ns = v[0];
	c.cpu_uj = v[1];
	c.dram_uj = v[2];
	c.gpu_uj = v[3];
	c.cost_uunits = v[4];
	c.currency = pd_json_str(ledger, "currency");
	if (c.currency && !*c.currency)
		c.currency = NULL;
	/* Once per migration, even if this daemon dies and carries again. */
	if (pwrmig_cgroup_carry_once(pw, st.st_ino, carry_key(s), &c, NULL))
		pd_log(0, "receive: carrying the ledger of %s: %s", s->wl.cgroup,
		       pwrmig_errmsg(pw));
	p.deferrable = pd_json_int(ledger, "deferrable", -1);
	p.migratable = pd_json_int(ledger, "migratable", -1);
	p.has_deadline = p.has_priority = 1;
	p.deadline = pd_json_int(ledger, "deadline", 0);
	p.priority = pd_json_int(ledger, "priority", 0);
	if (pwrmig_cgroup_policy_set(pw, st.st_ino, &p, NULL))
		pd_log(0, "receive: policy of %s: %s", s->wl.cgroup,
		       pwrmig_errmsg(pw));
out:
	pwrmig_close(pw);
}

/*
 * The copy restored here is gone before the commit came (the host
 * rebooted, or something killed it): restore it again from its images,
 * which stay until the copy runs.  PD_MAX_RESTORES times at most, counted
 * in the journal; then the sender is told, and the images stay for the
 * operator.  The caller holds the migration's lock.
 */
/*
 * Restore from IMAGES, held frozen; then what the copy runs as must be
 * what its peer may restore (its uids line), else the copy is killed.
 */
static int restore_checked(struct session *s, const char *images, char *e, size_t len)
{
	const struct pd_peer *p = pd_config_peer(&s->r->pd->cfg, s->cn.peer);
	char e2[256];

	if (pd_wl_restore(s->r->pd, &s->wl, images, e, len))
		return -1;
	if (!p || !p->has_uids || !pd_wl_check_uids(&s->wl, p->uid_lo, p->uid_hi, e, len))
		return 0;
	pd_log(0, "receive %s-%llu: %s", s->cn.peer, (unsigned long long)s->id, e);
	if (pd_wl_kill(s->r->pd, &s->wl, e2, sizeof(e2)))
		pd_log(0, "receive %s-%llu: killing the refused copy: %s", s->cn.peer,
		       (unsigned long long)s->id, e2);
	return -1;
}

static int restore_again(struct session *s)
{
	struct pd *pd = s->r->pd;
	char images[PATH_MAX], e[512];
	struct pd_busy busy;
	int rc;

	if (s->restores >= PD_MAX_RESTORES || !pd_img_round(s->images, strlen(s->images))) {
		refuse(s, "migration %llu: the copy restored here is gone and cannot be restored again (%d restores); its images stay in %s",
		       (unsigned long long)s->id, s->restores, s->dir);
		pd_log(0, "receive %s-%llu: the copy of %s is lost; images kept in %s for the operator",
		       s->cn.peer, (unsigned long long)s->id, s->wl.cgroup, s->dir);
		return -1;
	}
	pd_log(0, "receive %s-%llu: the restored copy of %s is gone; restoring it again from %s",
	       s->cn.peer, (unsigned long long)s->id, s->wl.cgroup, s->images);
	if (pd_wl_rereserve(&s->wl, e, sizeof(e))) {
		refuse(s, "restoring %s again: %s", s->wl.cgroup, e);
		return -1;
	}
	s->restores++;
	if (journal(s, "restoring")) {
		refuse(s, "cannot journal the restore in %s", s->dir);
		return -1;
	}
	snprintf(images, sizeof(images), "%s/%s", s->dir, s->images);
	pd_busy_start(&busy, &s->cn, pd_wait_every(&s->cn, pd->cfg.link_timeout_s));
	pthread_mutex_lock(&s->r->lock);
	rc = restore_checked(s, images, e, sizeof(e));
	pthread_mutex_unlock(&s->r->lock);
	pd_busy_stop(&busy);
	/* Restored or not, the decision is still to come for this copy. */
	if (journal(s, "restored") || rc) {
		refuse(s, "restoring %s again: %s", s->wl.cgroup, rc ? e : "cannot journal it");
		return -1;
	}
	return 0;
}

/* Carry out the sender's decision on a restored copy. */
static void decide(struct session *s, const char *decision, struct json_object *ledger)
{
	int commit = !strcmp(decision, "commit");
	char e[256];

	if (commit) {
		if (!pd_wl_alive(s->r->pd, &s->wl, e, sizeof(e)) && restore_again(s))
			return;
		if (pd_wl_resume(s->r->pd, &s->wl, e, sizeof(e))) {
			refuse(s, "resuming %s: %s", s->wl.cgroup, e);
			return;
		}
		/*
		 * The bill is carried only once "running" is on disk: a repeated
		 * commit must not carry it twice (nor may a journal that could
		 * not be written let it).
		 */
		if (journal(s, "running"))
			pd_log(0, "receive %s-%llu: the ledger stays at %s: no journal",
			       s->cn.peer, (unsigned long long)s->id, s->cn.peer);
		else
			carry_ledger(s, ledger);
		pd_log(0, "receive %s-%llu: %s%s%s runs here now", s->cn.peer,
		       (unsigned long long)s->id, s->wl.cgroup, *s->wl.name ? ", container " : "",
		       s->wl.name);
		pd_crash_point("dst-resumed");
	} else {
		pd_log(0, "receive %s-%llu: the sender aborted; dropping the copy",
		       s->cn.peer, (unsigned long long)s->id);
		discard(s);
	}
	reply(s, PD_MSG_DONE);
	/*
	 * A committed copy's journal stays (state "running"): a sender that
	 * missed our DONE sends the commit again and must hear DONE again.
	 * The images go after DONE: the sender need not wait for that.
	 */
	if (commit)
		drop_images(s->dir);
}

static void load_journal(struct session *s, struct json_object *j)
{
	const char *state;

	snprintf(s->wl.cgroup, sizeof(s->wl.cgroup), "%s", pd_json_str(j, "cgroup") ?: "");
	snprintf(s->wl.name, sizeof(s->wl.name), "%s", pd_json_str(j, "container") ?: "");
	s->wl.container = !!*s->wl.name;
	s->wl.root_pid = pd_json_int(j, "pid", 0);
	s->wl.cg_id = pd_json_int(j, "cg_id", 0);
	snprintf(s->wl.created, sizeof(s->wl.created), "%s", pd_json_str(j, "created") ?: "");
	snprintf(s->images, sizeof(s->images), "%s", pd_json_str(j, "images") ?: "");
	s->restores = pd_json_int(j, "restores", 0);
	state = pd_json_str(j, "state") ?: "";
	s->restoring = strcmp(state, "receiving") != 0;
}

/*
 * The sender's word on a migration, brought by its own session or, resent,
 * by a later one.  The journal says what is left to do; the caller holds
 * the migration's lock, so that two sessions with the same decision don't
 * both carry it out.
 */
static void apply_decision_locked(struct session *s, const char *decision,
				  struct json_object *ledger)
{
	struct json_object *j;
	const char *state;

	j = pd_journal_read(s->dir);
	if (!j && errno != ENOENT) {
		refuse(s, "migration %llu: its journal here cannot be read (%s)",
		       (unsigned long long)s->id, strerror(errno));
		return;
	}
	state = j ? pd_json_str(j, "state") : NULL;
	if (!j || !state) {
		/* Nothing here: an abort is already done; a commit has nothing to run. */
		if (!strcmp(decision, "abort"))
			reply(s, PD_MSG_DONE);
		else
			refuse(s, "migration %llu: no restored copy here to commit",
			       (unsigned long long)s->id);
		json_object_put(j);
		return;
	}
	load_journal(s, j);
	if (!strcmp(state, "running")) {
		/*
		 * A commit whose DONE was lost: done already.  An abort can't
		 * follow a commit (the sender journals one decision); never
		 * drop a copy that runs.
		 */
		if (strcmp(decision, "commit"))
			pd_log(0, "receive %s-%llu: abort for a copy that was committed and runs; keeping it",
			       s->cn.peer, (unsigned long long)s->id);
		json_object_put(j);
		reply(s, PD_MSG_DONE);
		return;
	}
	if (!strcmp(state, "restored"))
		decide(s, decision, ledger);
	else if (!strcmp(decision, "abort"))
		decide(s, "abort", NULL);
	else
		refuse(s, "migration %llu is %s here, not restored", (unsigned long long)s->id,
		       state);
	json_object_put(j);	/* STATE is j's */
}

static void apply_decision(struct session *s, const char *decision, struct json_object *ledger)
{
	struct mig *m = mig_lock(s->r, s->dir);

	if (!m) {
		refuse(s, "migration %llu: out of memory", (unsigned long long)s->id);
		return;
	}
	apply_decision_locked(s, decision ?: "abort", ledger);
	mig_unlock(s->r, m);
}

/* HELLO {"id", "decision", "ledger"}: the decision, resent on a new link. */
static void late_decision(struct session *s, struct json_object *hello)
{
	apply_decision(s, pd_json_str(hello, "decision"), json_object_object_get(hello, "ledger"));
}

static void new_migration(struct session *s, struct json_object *hello)
{
	const char *name = pd_json_str(hello, "name"), *container = pd_json_str(hello, "container");
	const char *bundle = pd_json_str(hello, "bundle");
	struct pd_config *c = &s->r->pd->cfg;
	struct json_object *m, *d, *o;
	size_t listed = 0, slice;
	struct pd_busy busy;
	struct mig *ml;
	uint32_t t, n;
	int rc;
	char e[512], images[PATH_MAX];

	if (!pd_img_name(name) ||
	    (container && *container && (!pd_img_name(container) || !pwrmig_container_id_ok(container)))) {
		refuse(s, "bad workload name in hello");
		return;
	}
	m = pd_journal_read(s->dir);
	/* The same id and nonce again: a second HELLO, not a new migration. */
	if (m || errno != ENOENT) {
		refuse(s, "migration %llu from %s is already here%s", (unsigned long long)s->id,
		       s->cn.peer, m ? "" : " (its journal cannot be read)");
		json_object_put(m);
		return;
	}
	json_object_put(m);
	pd_rmtree(s->dir);
	if (mkdir(s->dir, 0700)) {
		refuse(s, "%s: %s", s->dir, strerror(errno));
		return;
	}
	snprintf(s->wl.cgroup, sizeof(s->wl.cgroup), "%s%s%s",
		 strcmp(c->cgroup_root, "/") ? c->cgroup_root : "", "/",
		 container && *container ? container : name);
	if (container && *container) {
		/*
		 * The container's bundle (config.json, rootfs) must be here at
		 * the sender's path: images carry memory, not the file system.
		 */
		if (!*c->bundle_root) {
			refuse(s, "container %s: %s restores no containers (no bundle_root set)",
			       container, c->site);
			pd_rmtree(s->dir);
			return;
		}
		if (!bundle || bundle[0] != '/' || !pd_img_safe(bundle + 1) ||
		    pd_path(images, sizeof(images), "%s/config.json", bundle) ||
		    access(images, R_OK)) {
			refuse(s, "container %s: no bundle here at '%s' (config.json and rootfs must be at the same path at both sites)",
			       container, bundle ?: "");
			pd_rmtree(s->dir);
			return;
		}
		/* The peer names the path: only where this site keeps bundles. */
		if (!below_resolved(bundle, c->bundle_root)) {
			refuse(s, "container %s: bundle '%s' is outside bundle_root %s",
			       container, bundle, c->bundle_root);
			pd_rmtree(s->dir);
			return;
		}
		s->wl.container = 1;
		snprintf(s->wl.name, sizeof(s->wl.name), "%s", container);
		snprintf(s->wl.bundle, sizeof(s->wl.bundle), "%s", bundle);
	}
	/*
	 * Never restore over something that runs here, nor into a name
	 * another migration is bringing: the name must be free, and making
	 * the cgroup now reserves it (of two HELLOs, one makes it).  A failure
	 * later drops only that cgroup, by its inode.
	 */
	if (s->wl.container && (pd_path(images, sizeof(images), "%s/%s", c->runc_root,
					s->wl.name) || !access(images, F_OK))) {
		refuse(s, "container %s already exists here", s->wl.name);
		memset(&s->wl, 0, sizeof(s->wl));
		pd_rmtree(s->dir);
		return;
	}
	if (pd_wl_reserve(&s->wl, e, sizeof(e))) {
		refuse(s, "%s", e);
		memset(&s->wl, 0, sizeof(s->wl));
		pd_rmtree(s->dir);
		return;
	}
	if (journal(s, "receiving")) {
		refuse(s, "cannot journal migration %llu in %s", (unsigned long long)s->id, s->dir);
		discard(s);
		return;
	}
	pd_log(0, "receive %s-%llu: %s into %s", s->cn.peer, (unsigned long long)s->id,
	       pd_json_str(hello, "mode") ?: "?", s->wl.cgroup);
	/* Ours, so that the sender's WAITs come often enough for us too. */
	o = json_object_new_object();
	json_object_object_add(o, "link_timeout_s",
			       json_object_new_int(s->r->pd->cfg.link_timeout_s));
	pd_send_json(&s->cn, PD_MSG_READY, o);
	json_object_put(o);
	pd_crash_point("dst-hello");

	for (;;) {
		if (pd_conn_recv(&s->cn, &t, s->buf, PD_MSG_MAX, &n)) {
			pd_log(0, "receive %s-%llu: %s; dropping it", s->cn.peer,
			       (unsigned long long)s->id, s->cn.err);
			goto drop;
		}
		s->buf[n] = 0;
		m = json_tokener_parse(s->buf);
		if (!m || (t != PD_MSG_FILE && t != PD_MSG_RESTORE)) {
			json_object_put(m);
			if (t == PD_MSG_ERROR || t == PD_MSG_DECIDE) {
				pd_log(0, "receive %s-%llu: the sender gave up",
				       s->cn.peer, (unsigned long long)s->id);
				reply(s, PD_MSG_DONE);
			} else {
				refuse(s, "unexpected message %u", t);
			}
			goto drop;
		}
		if (t == PD_MSG_FILE) {
			if (receive_file(s, m)) {
				json_object_put(m);
				goto drop;
			}
			json_object_put(m);
			continue;
		}
		/* A slice of a long manifest: checked now, the rest to come. */
		if (t == PD_MSG_RESTORE && pd_json_int(m, "more", 0)) {
			if (!json_object_object_get_ex(m, "manifest", &d))
				d = NULL;
			if (check_manifest(s, d)) {
				json_object_put(m);
				goto drop;
			}
			slice = json_object_array_length(d);
			listed += slice;
			json_object_put(m);
			if (!slice || listed > PD_MAX_FILES) {
				refuse(s, slice ? "a manifest of more than %d files" :
				       "an empty slice of a manifest", PD_MAX_FILES);
				goto drop;
			}
			continue;
		}
		break;
	}
	if (!json_object_object_get_ex(m, "manifest", &d) || check_manifest(s, d) ||
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
	/* WAIT also while another migration's restore holds the lock. */
	pd_busy_start(&busy, &s->cn, pd_wait_every(&s->cn, s->r->pd->cfg.link_timeout_s));
	ml = mig_lock(s->r, s->dir);
	if (!ml) {
		pd_busy_stop(&busy);
		refuse(s, "migration %llu: out of memory", (unsigned long long)s->id);
		goto drop;
	}
	pthread_mutex_lock(&s->r->lock);
	s->restoring = 1;
	if (journal(s, "restoring")) {
		pthread_mutex_unlock(&s->r->lock);
		pd_busy_stop(&busy);
		refuse(s, "cannot journal the restore in %s", s->dir);
		discard(s);
		mig_unlock(s->r, ml);
		return;
	}
	rc = restore_checked(s, images, e, sizeof(e));
	pthread_mutex_unlock(&s->r->lock);
	pd_busy_stop(&busy);
	/* A failed copy goes under the lock: a resent abort must not race it. */
	if (rc) {
		refuse(s, "restore: %s", e);
		discard(s);
		mig_unlock(s->r, ml);
		return;
	}
	if (journal(s, "restored")) {
		/* A restart would not know this copy waits: don't offer it. */
		refuse(s, "cannot journal the restored copy in %s", s->dir);
		discard(s);
		mig_unlock(s->r, ml);
		return;
	}
	mig_unlock(s->r, ml);
	pd_crash_point("dst-restored");
	reply(s, PD_MSG_RESTORED);
	m = pd_recv_json(&s->cn, PD_MSG_DECIDE, s->buf, PD_MSG_MAX);
	if (!m) {
		pd_log(0, "receive %s-%llu: %s; holding the stopped copy for the sender's decision",
		       s->cn.peer, (unsigned long long)s->id, s->cn.err);
		return;
	}
	pd_crash_point("dst-decision");
	apply_decision(s, pd_json_str(m, "decision"), json_object_object_get(m, "ledger"));
	json_object_put(m);
	return;
drop:
	discard(s);
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

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return 0;
}

static int older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Cut pending handshake I: its thread sees the connection end. (mlock held) */
static void cut_pending(struct pd_receiver *r, unsigned int i)
{
	shutdown(r->hs[i].fd, SHUT_RDWR);
	r->hs[i].s->hfd = r->hs[i].fd;	/* its thread closes it */
	r->hs[i] = r->hs[--r->nhs];
}

/* Room in the handshake pool for a connection from ADDR.  (mlock held) */
static void make_room(struct pd_receiver *r, const struct sockaddr_storage *addr)
{
	int mine = -1, all = -1, n = 0;
	unsigned int i;

	for (i = 0; i < r->nhs; i++) {
		if (same_addr(&r->hs[i].addr, addr)) {
			n++;
			if (mine < 0 || older(&r->hs[i].since, &r->hs[mine].since))
				mine = i;
		}
		if (all < 0 || older(&r->hs[i].since, &r->hs[all].since))
			all = i;
	}
	if (n >= PD_MAX_HANDSHAKES_PER_ADDR)
		cut_pending(r, mine);
	else if (r->nhs >= PD_MAX_HANDSHAKES)
		cut_pending(r, all);
	else
		return;
	pd_log(1, "receive: the handshake pool is full (%u, %d from one address); cut the oldest",
	       r->nhs + 1, n);
}

/* The handshake is over: out of the pool, and its cutting fd closed. */
static void leave_pool(struct session *s)
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

static void *session(void *arg)
{
	struct session *s = arg;
	const struct pd_peer *peer;
	struct json_object *hello;
	const char *nonce;
	char err[512];
	int fd = s->cn.fd, rc, n;

	int hs_s = s->r->pd->cfg.link_timeout_s < PD_HANDSHAKE_S ?
		   (int)s->r->pd->cfg.link_timeout_s : PD_HANDSHAKE_S;

	rc = pd_conn_accept(s->r->ctx, fd, hs_s, &s->cn, err, sizeof(err));
	leave_pool(s);
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
	peer = pd_config_peer(&s->r->pd->cfg, s->cn.peer);
	if (!peer) {
		pd_log(0, "receive: refused: certificate of '%s' is not a configured peer",
		       s->cn.peer);
		refuse(s, "site '%s' is not a peer of %s", s->cn.peer, s->r->pd->cfg.site);
		goto out;
	}
	if (peer->has_pin && pd_conn_pinned(&s->cn, peer->pin, err, sizeof(err))) {
		pd_log(0, "receive: refused: %s", err);
		refuse(s, "site '%s': its key is not the one %s pinned for it", s->cn.peer,
		       s->r->pd->cfg.site);
		goto out;
	}
	hello = pd_recv_json(&s->cn, PD_MSG_HELLO, s->buf, PD_MSG_MAX);
	if (!hello) {
		pd_log(0, "receive from %s: %s", s->cn.peer, s->cn.err);
		goto out;
	}
	if (pd_json_int(hello, "proto", 1) < PD_PROTO_MIN ||
	    pd_json_int(hello, "proto", 1) > PD_PROTO_VERSION) {
		refuse(s, "migration protocol version %lld not understood (%s speaks %d-%d)",
		       (long long)pd_json_int(hello, "proto", 1), s->r->pd->cfg.site,
		       PD_PROTO_MIN, PD_PROTO_VERSION);
		json_object_put(hello);
		goto out;
	}
	n = __atomic_add_fetch(&s->r->sessions, 1, __ATOMIC_RELAXED);
	s->counted = 1;
	if (n > PD_MAX_SESSIONS + (pd_json_str(hello, "decision") ? PD_DECISION_SESSIONS : 0)) {
		refuse(s, "%s serves %d migrations already; try again later",
		       s->r->pd->cfg.site, PD_MAX_SESSIONS);
		json_object_put(hello);
		goto out;
	}
	s->id = pd_json_int(hello, "id", 0);
	s->cn.peer_timeout_s = pd_json_timeout(hello);
	nonce = pd_json_str(hello, "nonce");
	if (!s->id || s->id > UINT32_MAX || !nonce_ok(nonce)) {
		refuse(s, "hello without a migration id and nonce");
		json_object_put(hello);
		goto out;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/in/%s-%llu-%s", s->r->pd->cfg.state_dir, s->cn.peer,
		 (unsigned long long)s->id, nonce);
	/* A migration now: the sender's WAITs may hold the link while it dumps. */
	s->cn.wait_ok = 1;
	if (pd_json_str(hello, "decision"))
		late_decision(s, hello);
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

static void *acceptor(void *arg)
{
	struct pd_receiver *r = arg;
	struct pollfd p = { .fd = r->lfd, .events = POLLIN };
	struct sockaddr_storage ss;
	pthread_attr_t attr;
	struct session *s;
	socklen_t sl;
	pthread_t t;
	int fd, hfd;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!r->stopping) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		sl = sizeof(ss);
		fd = accept4(r->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors or memory: the backlog waits a moment. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				pd_log(0, "receive: accept: %s", strerror(errno));
				poll(NULL, 0, 500);
			}
			continue;
		}
		s = calloc(1, sizeof(*s));
		if (s)
			s->arrived = json_object_new_object();
		hfd = s && s->arrived ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
		if (hfd < 0) {
			if (s)
				json_object_put(s->arrived);
			free(s);
			close(fd);
			continue;
		}
		s->r = r;
		s->cn.fd = fd;
		s->hfd = -1;
		pthread_mutex_lock(&r->mlock);
		make_room(r, &ss);
		r->hs[r->nhs] = (struct pending){ .s = s, .fd = hfd, .addr = ss };
		clock_gettime(CLOCK_MONOTONIC, &r->hs[r->nhs].since);
		r->nhs++;
		pthread_mutex_unlock(&r->mlock);
		if (pthread_create(&t, &attr, session, s)) {
			leave_pool(s);
			close(fd);
			json_object_put(s->arrived);
			free(s);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* Copies in flight when the last pwrmigd stopped. */
static void recover(struct pd_receiver *r)
{
	char dir[PATH_MAX];
	struct session s = { .r = r };
	struct json_object *j;
	struct dirent *e;
	const char *state;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/in", r->pd->cfg.state_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(s.dir, sizeof(s.dir), "%s/%s", dir, e->d_name);
		memset(&s.wl, 0, sizeof(s.wl));
		j = pd_journal_read(s.dir);
		if (!j && errno != ENOENT) {
			pd_log(0, "receive: %s/journal cannot be read (%s); left for the operator (Documentation/migration.md)",
			       s.dir, strerror(errno));
			continue;
		}
		state = j ? pd_json_str(j, "state") : NULL;
		if (j)
			load_journal(&s, j);
		if (state && !strcmp(state, "running")) {
			struct stat st;
			char jpath[PATH_MAX];

			/* Kept to answer a repeated commit; a week is plenty. */
			if (!pd_path(jpath, sizeof(jpath), "%s/journal", s.dir) &&
			    !stat(jpath, &st) && time(NULL) - st.st_mtime > 7 * 86400)
				pd_rmtree(s.dir);
		} else if (state && !strcmp(state, "restored")) {
			pd_log(0, "receive: %s is restored and stopped; waiting for the sender's decision",
			       e->d_name);
		} else {
			pd_log(0, "receive: dropping %s (%s when pwrmigd stopped)", e->d_name,
			       state ?: "no journal");
			discard(&s);
		}
		json_object_put(j);
	}
	if (d)
		closedir(d);
}

int pd_receiver_start(struct pd *pd, struct pd_receiver **out)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct pd_receiver *r;
	char err[512];
	int on = 1;
	socklen_t sl;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->pd = pd;
	r->lfd = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->mlock, NULL);
	r->ctx = pd_tls_ctx(&pd->cfg, 1, err, sizeof(err));
	if (!r->ctx) {
		fprintf(stderr, "pwrmigd: migration TLS: %s\n", err);
		goto fail;
	}
	if (inet_pton(AF_INET6, pd->cfg.migrate_addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(pd->cfg.migrate_port);
		sl = sizeof(*sin6);
	} else {
		inet_pton(AF_INET, pd->cfg.migrate_addr, &sin->sin_addr);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(pd->cfg.migrate_port);
		sl = sizeof(*sin);
	}
	r->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->lfd < 0)
		goto sys;
	setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(r->lfd, (struct sockaddr *)&ss, sl) || listen(r->lfd, 16))
		goto sys;
	recover(r);
	if (pthread_create(&r->thread, NULL, acceptor, r))
		goto sys;
	pd_log(0, "migration endpoint on %s:%u (TLS 1.3, peers must present a %s certificate)",
	       pd->cfg.migrate_addr, pd->cfg.migrate_port, pd->cfg.tls_ca);
	if (!strcmp(pd->cfg.migrate_addr, "0.0.0.0") || !strcmp(pd->cfg.migrate_addr, "::"))
		pd_log(0, "warning: migrate_listen %s:%u accepts connections on every interface; bind it to the sites' network (Documentation/migration.md, \"Trust model\")",
		       pd->cfg.migrate_addr, pd->cfg.migrate_port);
	*out = r;
	return 0;
sys:
	fprintf(stderr, "pwrmigd: migrate_listen %s:%u: %s\n", pd->cfg.migrate_addr,
		pd->cfg.migrate_port, strerror(errno));
fail:
	if (r->lfd >= 0)
		close(r->lfd);
	SSL_CTX_free(r->ctx);
	free(r);
	return -1;
}

void pd_receiver_stop(struct pd_receiver *r)
{
	if (!r)
		return;
	r->stopping = 1;
	pthread_join(r->thread, NULL);
	close(r->lfd);
	/* Sessions are detached; the process exit ends them, journals carry on. */
}
