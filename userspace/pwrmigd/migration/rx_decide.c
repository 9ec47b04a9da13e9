// SPDX-License-Identifier: GPL-2.0
/*
 * The copy and the sender's decision: restore from the images (again, if
 * the copy was lost), check what it runs as, carry the job's bill into
 * this node's module, and on commit let it run or on abort drop it, once,
 * whether the decision comes on the migration's link or on a new one.
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
	pw = pd_family_client(s->r->pd);
	if (!pw) {
		pd_log(1, "receive: no pwrmig family here (%s); the ledger stays at %s",
		       strerror(errno), s->cn.peer);
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
int rx_restore_checked(struct session *s, const char *images, char *e, size_t len)
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
		rx_refuse(s, "migration %llu: the copy restored here is gone and cannot be restored again (%d restores); its images stay in %s",
		       (unsigned long long)s->id, s->restores, s->dir);
		pd_log(0, "receive %s-%llu: the copy of %s is lost; images kept in %s for the operator",
		       s->cn.peer, (unsigned long long)s->id, s->wl.cgroup, s->dir);
		return -1;
	}
	pd_log(0, "receive %s-%llu: the restored copy of %s is gone; restoring it again from %s",
	       s->cn.peer, (unsigned long long)s->id, s->wl.cgroup, s->images);
	if (pd_wl_rereserve(&s->wl, e, sizeof(e))) {
		rx_refuse(s, "restoring %s again: %s", s->wl.cgroup, e);
		return -1;
	}
	s->restores++;
	if (rx_journal(s, "restoring")) {
		rx_refuse(s, "cannot journal the restore in %s", s->dir);
		return -1;
	}
	snprintf(images, sizeof(images), "%s/%s", s->dir, s->images);
	pd_busy_start(&busy, &s->cn, pd_wait_every(&s->cn, pd->cfg.link_timeout_s));
	pthread_mutex_lock(&s->r->lock);
	rc = rx_restore_checked(s, images, e, sizeof(e));
	pthread_mutex_unlock(&s->r->lock);
	pd_busy_stop(&busy);
	/* Restored or not, the decision is still to come for this copy. */
	if (rx_journal(s, "restored") || rc) {
		rx_refuse(s, "restoring %s again: %s", s->wl.cgroup, rc ? e : "cannot journal it");
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
			rx_refuse(s, "resuming %s: %s", s->wl.cgroup, e);
			return;
		}
		/*
		 * The bill is carried only once "running" is on disk: a repeated
		 * commit must not carry it twice (nor may a journal that could
		 * not be written let it).
		 */
		if (rx_journal(s, "running"))
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
		rx_discard(s);
	}
	rx_reply(s, PD_MSG_DONE);
	/*
	 * A committed copy's journal stays (state "running"): a sender that
	 * missed our DONE sends the commit again and must hear DONE again.
	 * The images go after DONE: the sender need not wait for that.
	 */
	if (commit)
		rx_drop_images(s->dir);
}

void rx_load_journal(struct session *s, struct json_object *j)
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
		rx_refuse(s, "migration %llu: its journal here cannot be read (%s)",
		       (unsigned long long)s->id, strerror(errno));
		return;
	}
	state = j ? pd_json_str(j, "state") : NULL;
	if (!j || !state) {
		/* Nothing here: an abort is already done; a commit has nothing to run. */
		if (!strcmp(decision, "abort"))
			rx_reply(s, PD_MSG_DONE);
		else
			rx_refuse(s, "migration %llu: no restored copy here to commit",
			       (unsigned long long)s->id);
		json_object_put(j);
		return;
	}
	rx_load_journal(s, j);
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
		rx_reply(s, PD_MSG_DONE);
		return;
	}
	if (!strcmp(state, "restored"))
		decide(s, decision, ledger);
	else if (!strcmp(decision, "abort"))
		decide(s, "abort", NULL);
	else
		rx_refuse(s, "migration %llu is %s here, not restored", (unsigned long long)s->id,
		       state);
	json_object_put(j);	/* STATE is j's */
}

void rx_apply_decision(struct session *s, const char *decision, struct json_object *ledger)
{
	struct mig *m = rx_mig_lock(s->r, s->dir);

	if (!m) {
		rx_refuse(s, "migration %llu: out of memory", (unsigned long long)s->id);
		return;
	}
	apply_decision_locked(s, decision ?: "abort", ledger);
	rx_mig_unlock(s->r, m);
}

/* HELLO {"id", "decision", "ledger"}: the decision, resent on a new link. */
void rx_late_decision(struct session *s, struct json_object *hello)
{
	rx_apply_decision(s, pd_json_str(hello, "decision"), json_object_object_get(hello, "ledger"));
}
