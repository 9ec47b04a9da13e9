// SPDX-License-Identifier: GPL-2.0
/*
 * The sending side of a migration.  pwrmigd hears migrate requests on the
 * module's migrate group and claims those whose cgroup lies below its
 * cgroup_root and whose target site is a configured peer.  A worker thread
 * per migration then:
 *
 *   live:  pre-dump rounds while the job runs, each sent at once, until the
 *          stop rule (predump_rounds, or a round writes fewer than
 *          predump_min_pages, or predump_grow_pages more than the last,
 *          or not predump_min_shrink_pct fewer: pre-copy does not converge);
 *   both:  final dump (the job stays frozen here), send it with a manifest,
 *          the peer restores it held stopped and says RESTORED;
 *          journal "commit", kill the frozen source, tell the peer to
 *          resume.  Any failure before the commit thaws the source and
 *          tells the peer to drop its copy.
 *
 * The decision (commit or abort) is journaled before it is acted on and is
 * sent until the peer acknowledges it, also after a restart, so that the
 * job ends up running exactly once.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pwrmig.h"
#include "migrate.h"
#include "send.h"

static int send_round(struct job *j, const char *name, struct json_object *manifest)
{
	uint64_t before = j->bytes, t0 = tx_now_ms();
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", j->dir, name);
	tx_step(j, pd_tree_bytes(path, NULL));
	j->cn.progress = tx_progress;
	j->cn.progress_arg = j;
	if (pd_send_tree(&j->cn, j->dir, name, manifest, &j->bytes)) {
		tx_link_err(j, "sending images");
		return -1;
	}
	j->xfer_ms += tx_now_ms() - t0;
	if (j->rounds < 64)
		j->round_bytes[j->rounds] = j->bytes - before;
	j->rounds++;
	/* The step complete, with the round counted. */
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, j->phase);
	return 0;
}

/* A dump round, the peer kept waiting by WAIT messages meanwhile. */
static int dump_round(struct job *j, int pre, const char *path, const char *parent)
{
	struct pd *pd = j->m->pd;
	struct pd_busy busy;
	int rc;

	pd_busy_start(&busy, &j->cn, pd_wait_every(&j->cn, pd->cfg.link_timeout_s));
	if (pre)
		rc = pd_wl_predump(pd, &j->wl, path, parent, j->err, sizeof(j->err));
	else
		rc = pd_wl_dump(pd, &j->wl, path, parent, j->err, sizeof(j->err));
	/* A link lost meanwhile shows at the next send. */
	pd_busy_stop(&busy);
	return rc;
}

static int hello(struct job *j)
{
	struct json_object *o = json_object_new_object(), *r;
	const char *base = strrchr(j->wl.cgroup, '/');
	char buf[4096];
	int rc;

	json_object_object_add(o, "id", json_object_new_int64(j->mig.id));
	json_object_object_add(o, "nonce", json_object_new_string(j->nonce));
	json_object_object_add(o, "proto", json_object_new_int(PD_PROTO_VERSION));
	json_object_object_add(o, "link_timeout_s",
			       json_object_new_int(j->m->pd->cfg.link_timeout_s));
	json_object_object_add(o, "name", json_object_new_string(base ? base + 1 : j->wl.cgroup));
	json_object_object_add(o, "container", json_object_new_string(j->wl.name));
	json_object_object_add(o, "bundle", json_object_new_string(j->wl.bundle));
	json_object_object_add(o, "mode", json_object_new_string(
		pwrmig_migrate_mode_str(j->mig.mode)));
	json_object_object_add(o, "from", json_object_new_string(j->m->pd->cfg.site));
	rc = pd_send_json(&j->cn, PD_MSG_HELLO, o);
	json_object_put(o);
	r = rc ? NULL : pd_recv_json(&j->cn, PD_MSG_READY, buf, sizeof(buf));
	if (!r) {
		tx_link_err(j, "starting the transfer");
		return -1;
	}
	j->cn.peer_timeout_s = pd_json_timeout(r);
	json_object_put(r);
	j->peer_has_state = 1;
	return 0;
}

/*
 * The manifest in RESTOREs of at most PD_MANIFEST_SLICE bytes each, all but
 * the last saying "more" (a job of many processes has thousands of image
 * files); the last asks for the restore.
 */
static int send_manifest(struct job *j, struct json_object *manifest)
{
	size_t i = 0, n = json_object_array_length(manifest), bytes;
	size_t most = pd_fault("manifest-slices") ? 512 : PD_MANIFEST_SLICE;
	struct json_object *o, *slice, *e;
	unsigned int msgs = 0;
	int rc = 0;

	do {
		o = json_object_new_object();
		slice = json_object_new_array();
		json_object_object_add(o, "dir", json_object_new_string("final"));
		json_object_object_add(o, "manifest", slice);
		for (bytes = 0; i < n; i++) {
			e = json_object_array_get_idx(manifest, i);
			bytes += strlen(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN)) + 1;
			if (bytes > most && json_object_array_length(slice))
				break;
			json_object_array_add(slice, json_object_get(e));
		}
		if (i < n)
			json_object_object_add(o, "more", json_object_new_int(1));
		rc = pd_send_json(&j->cn, PD_MSG_RESTORE, o);
		json_object_put(o);
		msgs++;
	} while (!rc && i < n);
	pd_log(1, "migrate %u: a manifest of %zu files in %u messages", j->mig.id, n,
	       msgs);
	return rc;
}

/*
 * The peer restores and holds the copy stopped: wait for it, however long,
 * as long as it sends WAIT within link_timeout_s.
 */
static int restore_at_peer(struct job *j, struct json_object *manifest)
{
	struct json_object *r;
	char *buf = malloc(PD_MSG_MAX + 1);
	int rc;

	rc = send_manifest(j, manifest);
	if (rc || !buf) {
		free(buf);
		tx_link_err(j, "asking for the restore");
		return -1;
	}
	r = pd_recv_json(&j->cn, PD_MSG_RESTORED, buf, PD_MSG_MAX + 1);
	free(buf);
	if (!r) {
		tx_link_err(j, "restore at the destination");
		return -1;
	}
	json_object_put(r);
	return 0;
}

/* Roll back: the source copy runs again, the peer drops its copy. */
static void abort_migration(struct job *j, int frozen)
{
	char e[256];

	tx_journal(j, "abort");
	if (frozen && pd_wl_thaw(j->m->pd, &j->wl, e, sizeof(e)))
		pd_log(0, "migrate %u: thawing %s: %s", j->mig.id, j->wl.cgroup, e);
	j->t_end = tx_now_ms();
	pd_log(0, "migrate %u failed, %s runs here again: %s", j->mig.id,
	       *j->wl.name ? j->wl.name : j->wl.cgroup, j->err);
	tx_history(j, "failed");
	tx_report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
	if (j->peer_has_state) {
		snprintf(e, sizeof(e), "%s", j->err);
		if (tx_deliver(j, "abort"))
			return;	/* stopping: the journal carries it to the next start */
		snprintf(j->err, sizeof(j->err), "%s", e);
	}
	pd_rmtree(j->dir);
}

/*
 * The job's bill so far, from this node's module: what it used here plus
 * what it brought from earlier sites, and its policy.  Read with the job
 * frozen, so nothing is charged after it: once at the final dump, for the
 * journal (the source may go with its host), and again (AGAIN) at the
 * commit, when the samples that ended with the freeze are in too.  A read
 * that fails keeps the bill read before.
 */
static void read_ledger(struct job *j, int again)
{
	struct pwrmig_cgroup c;

	if ((j->ledger && !again) || !j->pw || pwrmig_cgroup_get(j->pw, j->mig.cgroup_id, &c))
		return;
	json_object_put(j->ledger);
	j->ledger = json_object_new_object();
	json_object_object_add(j->ledger, "runtime_ns",
			       json_object_new_int64(c.runtime_ns + c.carried_runtime_ns));
	json_object_object_add(j->ledger, "cpu_uj", json_object_new_int64(c.cpu_uj + c.carried_cpu_uj));
	json_object_object_add(j->ledger, "dram_uj",
			       json_object_new_int64(c.dram_uj + c.carried_dram_uj));
	json_object_object_add(j->ledger, "gpu_uj", json_object_new_int64(c.gpu_uj + c.carried_gpu_uj));
	json_object_object_add(j->ledger, "cost_uunits",
			       json_object_new_int64(c.cost_uunits + c.carried_cost_uunits));
	json_object_object_add(j->ledger, "currency", json_object_new_string(c.currency));
	json_object_object_add(j->ledger, "deferrable",
			       json_object_new_int(!!(c.flags & PWRMIG_CGROUP_FLAGS_DEFERRABLE)));
	json_object_object_add(j->ledger, "migratable",
			       json_object_new_int(!!(c.flags & PWRMIG_CGROUP_FLAGS_MIGRATABLE)));
	json_object_object_add(j->ledger, "deadline", json_object_new_int64(c.deadline));
	json_object_object_add(j->ledger, "priority", json_object_new_int64(c.priority));
}

/*
 * The source must be gone, for certain, before the copy may run: try a
 * few times, then leave the commit journalled (a restart tries again) and
 * say why.  The peer holds its copy frozen meanwhile.
 */
static int kill_source(struct job *j)
{
	unsigned int delay = 1, tries;
	char e[256];

	for (tries = 0;; tries++) {
		if (!pd_wl_kill(j->m->pd, &j->wl, e, sizeof(e)))
			return 0;
		pd_log(0, "migrate %u: stopping the source copy: %s", j->mig.id, e);
		if (tries == 4 || j->m->stopping)
			break;
		sleep(delay);
		delay *= 2;
	}
	snprintf(j->err, sizeof(j->err),
		 "committed, but the source copy is not gone (%s); the copy at %s stays frozen until it is: restart pwrmigd to try again",
		 e, j->mig.site);
	return -1;
}

static void commit_migration(struct job *j, int recovering)
{
	read_ledger(j, 1);
	/*
	 * Frozen, by the freezer, since the final dump: else it ran on after
	 * the images were taken, and the copy would go back in time.
	 */
	if (!recovering && pd_wl_frozen(&j->wl) != 1) {
		snprintf(j->err, sizeof(j->err),
			 "the source copy (cgroup %s) was thawed or replaced after its final dump",
			 j->wl.cgroup);
		abort_migration(j, 1);
		return;
	}
	if (tx_journal(j, "commit") && !recovering) {
		/* A commit that a restart could not see must not happen. */
		snprintf(j->err, sizeof(j->err), "cannot journal the commit in %s", j->dir);
		abort_migration(j, 1);
		return;
	}
	pd_crash_point("src-commit");
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_CLEANUP);
	if (kill_source(j)) {
		j->t_end = tx_now_ms();
		tx_history(j, "failed");
		tx_report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
		return;
	}
	if (tx_deliver(j, "commit"))
		return;
	j->t_end = tx_now_ms();
	tx_history(j, "done");
	tx_report(j, PWRMIG_MIGRATE_STATE_DONE, 0);
	pd_rmtree(j->dir);
}

/*
 * Whether pre-copy stops after round R, which wrote PAGES after LAST: the
 * reason into WHY, else NULL.  P.Haul's rule, and one more: a round that
 * is not a useful margin smaller than the one before will not converge
 * (the job dirties its memory as fast as the rounds carry it).
 */
static const char *precopy_done(const struct pd_config *c, unsigned int r, uint64_t pages,
				uint64_t last, char *why, size_t len)
{
	if (pages < c->predump_min_pages)
		snprintf(why, len, "round %u wrote %llu pages, fewer than predump_min_pages %u",
			 r, (unsigned long long)pages, c->predump_min_pages);
	else if (r && pages >= last + c->predump_grow_pages)
		snprintf(why, len, "round %u wrote %llu pages, %llu more than round %u: the job dirties memory faster than the link carries it",
			 r, (unsigned long long)pages, (unsigned long long)(pages - last), r - 1);
	else if (r && c->predump_min_shrink_pct &&
		 pages * 100 > last * (100 - c->predump_min_shrink_pct))
		snprintf(why, len, "round %u wrote %llu pages, not %u %% fewer than round %u's %llu: pre-copy does not converge",
			 r, (unsigned long long)pages, c->predump_min_shrink_pct, r - 1,
			 (unsigned long long)last);
	else if (r + 1 == c->predump_rounds)
		snprintf(why, len, "predump_rounds %u done", c->predump_rounds);
	else
		return NULL;
	return why;
}

/*
 * Pre-dump rounds while the job runs, each sent at once, until the stop
 * rule says why not another.  PARENT: the last round, for the final dump.
 */
static int precopy(struct job *j, struct json_object *manifest, char *parent, size_t plen)
{
	const struct pd_config *c = &j->m->pd->cfg;
	char path[PATH_MAX], name[32];
	uint64_t pages, last = 0;
	unsigned int r;

	for (r = 0; r < c->predump_rounds; r++) {
		if (j->m->stopping) {
			snprintf(j->err, sizeof(j->err), "pwrmigd is stopping");
			return -1;
		}
		snprintf(name, sizeof(name), "r%u", r);
		snprintf(path, sizeof(path), "%s/%s", j->dir, name);
		if (dump_round(j, 1, path, *parent ? parent : NULL) ||
		    send_round(j, name, manifest))
			return -1;
		pd_crash_point("src-predump");
		/* The page images the round wrote (pages-*.img). */
		pages = pd_tree_bytes(path, "pages-") / 4096;
		snprintf(parent, plen, "../%s", name);
		if (precopy_done(c, r, pages, last, j->precopy_stop, sizeof(j->precopy_stop))) {
			pd_log(0, "migrate %u: pre-copy stops: %s", j->mig.id, j->precopy_stop);
			break;
		}
		pd_log(1, "migrate %u: round %u wrote %llu pages", j->mig.id, r,
		       (unsigned long long)pages);
		last = pages;
	}
	return 0;
}

void tx_run_fresh(struct job *j)
{
	struct pd *pd = j->m->pd;
	struct json_object *manifest = json_object_new_array();
	char path[PATH_MAX], parent[32] = "";
	int live = j->mig.mode != PWRMIG_MIGRATE_MODE_COLD, frozen = 0;

	j->t_start = tx_now_ms();
	if (pd_wl_find(pd, &j->wl, j->wl.cgroup, j->wl.name, j->err, sizeof(j->err)))
		goto fail;
	if (j->mig.cgroup_id && j->wl.cg_id && j->wl.cg_id != j->mig.cgroup_id) {
		snprintf(j->err, sizeof(j->err), "cgroup %s is not the requested cgroup %llu any more",
			 j->wl.cgroup, (unsigned long long)j->mig.cgroup_id);
		goto fail;
	}
	tx_journal(j, "claimed");
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING,
	       live ? PWRMIG_MIGRATE_PHASE_PREDUMP : PWRMIG_MIGRATE_PHASE_DUMP);
	if (tx_peer_connect(j) || hello(j))
		goto fail;
	if (live && precopy(j, manifest, parent, sizeof(parent)))
		goto fail;
	tx_journal(j, "dumping");
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_DUMP);
	j->t_freeze = tx_now_ms();
	snprintf(path, sizeof(path), "%s/final", j->dir);
	if (dump_round(j, 0, path, *parent ? parent : NULL))
		goto fail;
	frozen = 1;
	/*
	 * From "frozen" on, the final images are a complete copy that a
	 * restart may restore from (the source may die with its host): on
	 * disk before the journal says so.  The bill is read now too, frozen.
	 */
	if (pd_sync_images(path)) {
		snprintf(j->err, sizeof(j->err), "syncing the final images in %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	read_ledger(j, 0);
	if (tx_journal(j, "frozen")) {
		snprintf(j->err, sizeof(j->err), "cannot journal the final dump in %s", j->dir);
		goto fail;
	}
	pd_crash_point("src-frozen");
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_TRANSFER);
	if (send_round(j, "final", manifest))
		goto fail;
	tx_journal(j, "sent");
	pd_crash_point("src-sent");
	tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_RESTORE);
	if (restore_at_peer(j, manifest))
		goto fail;
	/* The peer holds a copy: a restart whose source is gone commits to it. */
	tx_journal(j, "restored");
	pd_crash_point("src-restored");
	json_object_put(manifest);
	commit_migration(j, 0);
	return;
fail:
	json_object_put(manifest);
	tx_disconnect(j);
	abort_migration(j, frozen);
}

/*
 * The source copy died while frozen (its host restarted, or someone
 * killed it): roll back by restoring it here from its final images, into
 * its own cgroup (made anew if it went with the host).  Else the images
 * stay, the journal unchanged, and the next start tries again.
 */
static int restore_source(struct job *j)
{
	struct pd *pd = j->m->pd;
	char images[PATH_MAX], e[512];

	pd_log(0, "migrate %u: the source copy of %s is gone; restoring it here from its final images",
	       j->mig.id, j->wl.cgroup);
	pd_path(images, sizeof(images), "%s/final", j->dir);
	if (pd_wl_rereserve(&j->wl, e, sizeof(e)) ||
	    pd_wl_restore(pd, &j->wl, images, e, sizeof(e)) ||
	    pd_wl_resume(pd, &j->wl, e, sizeof(e))) {
		snprintf(j->err, sizeof(j->err),
			 "the source copy is gone and restoring it from %s failed (%s); images and journal kept for the next start",
			 images, e);
		pd_log(0, "migrate %u: %s", j->mig.id, j->err);
		return -1;
	}
	return 0;
}

/* Finish what a previous pwrmigd left, from its journal. */
void tx_run_recover(struct job *j)
{
	const char *state = pd_json_str(j->journal, "state") ?: "";
	int images = !strcmp(state, "frozen") || !strcmp(state, "sent");
	struct json_object *ledger;
	char e[256];
	int alive;

	if (json_object_object_get_ex(j->journal, "ledger", &ledger))
		j->ledger = json_object_get(ledger);
	j->t_start = j->t_end = tx_now_ms();
	pd_log(0, "migrate %u: recovering from journal state '%s'", j->mig.id, state);
	if (*j->wl.name && pd_wl_find(j->m->pd, &j->wl, j->wl.cgroup, j->wl.name, e,
				      sizeof(e))) {
		pd_log(1, "migrate %u: %s", j->mig.id, e);
		snprintf(j->wl.bundle, sizeof(j->wl.bundle), "%s",
			 pd_json_str(j->journal, "bundle") ?: "");
	}
	/* Only the container the migration started with is thawed or killed. */
	snprintf(j->wl.created, sizeof(j->wl.created), "%s",
		 pd_json_str(j->journal, "created") ?: "");
	/* Only the cgroup the migration started with is thawed or killed. */
	j->wl.cg_id = j->mig.cgroup_id;
	j->peer_has_state = 1;
	alive = pd_wl_alive(j->m->pd, &j->wl, e, sizeof(e));
	if (!strcmp(state, "commit") ||
	    (!strcmp(state, "restored") && (!alive || pd_wl_frozen(&j->wl) == 1))) {
		/* The peer holds the copy; the source is frozen or gone. */
		commit_migration(j, 1);
		return;
	}
	if (!alive && images && restore_source(j)) {
		j->t_end = tx_now_ms();
		tx_report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
		return;
	}
	if (!alive && (!strcmp(state, "claimed") || !strcmp(state, "dumping")))
		snprintf(j->err, sizeof(j->err),
			 "the source copy of %s is gone and no complete dump of it was made (journal state '%s'): it is lost",
			 j->wl.cgroup, state);
	else
		snprintf(j->err, sizeof(j->err), "pwrmigd restarted while the migration was %s",
			 !strcmp(state, "claimed") ? "pre-copying" : state);
	abort_migration(j, strcmp(state, "claimed") != 0);
}
