// SPDX-License-Identifier: GPL-2.0
/*
 * The sending side of a migration.  pwrmigd hears migrate requests on the
 * module's migrate group and claims those whose cgroup lies below its
 * cgroup_root and whose target site is a configured peer.  A worker thread
 * per migration then:
 *
 *   live:  pre-dump rounds while the job runs, each sent at once, until the
 *          stop rule (predump_rounds, or a round writes fewer than
 *          predump_min_pages, or predump_grow_pages more than the last);
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

struct pd_migrator {
	struct pd *pd;
	SSL_CTX *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t busy[64];	/* ids a worker owns */
	unsigned int nbusy, threads;
	volatile int stopping;
};

struct job {
	struct pd_migrator *m;
	struct pwrmig_migration mig;
	struct json_object *journal;	/* set when recovering */
	/*
	 * Recovering, and the module's request of this id is not this
	 * migration (the module was reloaded and ids started again): the
	 * job finishes without claiming or reporting to it, and does not
	 * keep its id busy.
	 */
	int foreign;
	char dir[PATH_MAX];
	char nonce[PD_NONCE_LEN + 1];	/* tells this migration from others of its id */
	struct pwrmig *pw;
	struct pd_workload wl;
	struct pd_conn cn;
	int connected;
	uint64_t bytes, round_bytes[64];
	uint32_t rounds;
	uint64_t t_start, t_freeze, t_end, xfer_ms;
	int peer_has_state;	/* the peer took HELLO: it must hear the decision */
	struct json_object *ledger;	/* the job's bill, sent with the commit */
	char err[512];
};

/* deliver(): tries with back-off, then one every DELIVER_SLOW_S. */
#define DELIVER_FAST_TRIES	10
#define DELIVER_SLOW_S		300

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void report(struct job *j, uint32_t state, uint32_t phase)
{
	struct pwrmig_migrate_report r = {
		.state = state, .phase = phase, .has_bytes = 1, .bytes = j->bytes,
		.rounds = j->rounds,
		.freeze_ms = j->t_freeze && j->t_end ? j->t_end - j->t_freeze : 0,
	};

	if (state == PWRMIG_MIGRATE_STATE_FAILED) {
		r.error = EIO;
		r.error_msg = j->err;	/* libpwrmig shortens it to the module's size */
	}
	if (j->pw && pwrmig_migrate_status(j->pw, j->mig.id, &r, NULL))
		pd_log(0, "migrate %u: status to the module: %s", j->mig.id,
		       pwrmig_errmsg(j->pw));
}

/* Running, but waiting on something: the request says what (j->err). */
static void report_waiting(struct job *j)
{
	struct pwrmig_migrate_report r = {
		.state = PWRMIG_MIGRATE_STATE_RUNNING, .phase = PWRMIG_MIGRATE_PHASE_CLEANUP,
		.error = EAGAIN, .error_msg = j->err,
	};

	if (j->pw && pwrmig_migrate_status(j->pw, j->mig.id, &r, NULL))
		pd_log(0, "migrate %u: status to the module: %s", j->mig.id,
		       pwrmig_errmsg(j->pw));
}

/* Sleep up to S seconds; pwrmigd stopping cuts it short. */
static void pause_for(struct job *j, unsigned int s)
{
	unsigned int i;

	for (i = 0; i < s * 10 && !j->m->stopping; i++)
		usleep(100000);
}

static int journal(struct job *j, const char *state)
{
	int rc;

	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "id", json_object_new_int64(j->mig.id));
	json_object_object_add(o, "nonce", json_object_new_string(j->nonce));
	json_object_object_add(o, "site", json_object_new_string(j->mig.site));
	json_object_object_add(o, "cgroup", json_object_new_string(j->wl.cgroup));
	json_object_object_add(o, "cgroup_id", json_object_new_int64(j->mig.cgroup_id));
	json_object_object_add(o, "container", json_object_new_string(j->wl.name));
	if (*j->wl.bundle)
		json_object_object_add(o, "bundle", json_object_new_string(j->wl.bundle));
	if (*j->wl.created)
		json_object_object_add(o, "created", json_object_new_string(j->wl.created));
	json_object_object_add(o, "mode", json_object_new_string(
		pwrmig_migrate_mode_str(j->mig.mode)));
	if (j->ledger)
		json_object_object_add(o, "ledger", json_object_get(j->ledger));
	rc = pd_journal_write(j->dir, o);
	if (rc)
		pd_log(0, "migrate %u: journal in %s: %s", j->mig.id, j->dir,
		       strerror(errno));
	json_object_put(o);
	return rc;
}

static int peer_connect(struct job *j)
{
	const struct pd_peer *p = pd_config_peer(&j->m->pd->cfg, j->mig.site);
	char e[256];

	if (!p) {
		snprintf(j->err, sizeof(j->err), "no peer configured for site '%s'",
			 j->mig.site);
		return -1;
	}
	if (pd_conn_connect(j->m->ctx, p->addr, p->port, p->site, p->has_pin ? p->pin : NULL,
			    j->m->pd->cfg.link_timeout_s, &j->cn, e, sizeof(e))) {
		snprintf(j->err, sizeof(j->err), "%s", e);
		return -1;
	}
	j->connected = 1;
	return 0;
}

static void link_err(struct job *j, const char *what)
{
	snprintf(j->err, sizeof(j->err), "%s: %s", what, j->cn.err);
}

static void disconnect(struct job *j)
{
	if (j->connected)
		pd_conn_close(&j->cn);
	j->connected = 0;
}

/*
 * Tell the peer the decision and wait for DONE; reconnects as needed, until
 * it is acknowledged or pwrmigd stops (then a restart carries on).  Giving
 * up on a commit would leave the job running nowhere, so the tries are
 * bounded in rate, not number: back-off to 30 s, and after ten tries one
 * every five minutes.  An undelivered commit shows in the request (still
 * running, error EAGAIN naming the peer's answer and the try).
 */
static int deliver(struct job *j, const char *decision)
{
	int commit = !strcmp(decision, "commit");
	struct json_object *o, *r;
	char buf[4096], e[512];
	unsigned int delay = 1, tries = 0;

	/* At least one try, even while stopping: the source may be gone already. */
	for (;;) {
		if (!j->connected) {
			if (peer_connect(j))
				goto retry;
			o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_int64(j->mig.id));
			json_object_object_add(o, "nonce", json_object_new_string(j->nonce));
			json_object_object_add(o, "proto", json_object_new_int(PD_PROTO_VERSION));
			json_object_object_add(o, "decision", json_object_new_string(decision));
			if (j->ledger && !strcmp(decision, "commit"))
				json_object_object_add(o, "ledger", json_object_get(j->ledger));
			pd_send_json(&j->cn, PD_MSG_HELLO, o);
			json_object_put(o);
		} else {
			o = json_object_new_object();
			json_object_object_add(o, "decision", json_object_new_string(decision));
			if (j->ledger && !strcmp(decision, "commit"))
				json_object_object_add(o, "ledger", json_object_get(j->ledger));
			pd_send_json(&j->cn, PD_MSG_DECIDE, o);
			json_object_put(o);
		}
		r = pd_recv_json(&j->cn, PD_MSG_DONE, buf, sizeof(buf));
		if (r) {
			json_object_put(r);
			disconnect(j);
			return 0;
		}
		snprintf(j->err, sizeof(j->err), "%s", j->cn.err);
retry:
		disconnect(j);
		snprintf(e, sizeof(e), "%s", j->err);
		if (j->m->stopping) {
			pd_log(0, "migrate %u: telling %s to %s: %s; the journal keeps it for the next start",
			       j->mig.id, j->mig.site, decision, e);
			return -1;
		}
		if (++tries == DELIVER_FAST_TRIES)
			delay = DELIVER_SLOW_S;
		pd_log(0, "migrate %u: telling %s to %s: %s; try %u, next in %u s",
		       j->mig.id, j->mig.site, decision, e, tries, delay);
		if (commit) {
			snprintf(j->err, sizeof(j->err), "commit not taken by %s (try %u, in %u s): %s",
				 j->mig.site, tries, delay, e);
			report_waiting(j);
		}
		pause_for(j, delay);
		if (tries < DELIVER_FAST_TRIES)
			delay = delay < 30 ? delay * 2 : 30;
	}
}

static void history(struct job *j, const char *result)
{
	char path[PATH_MAX];
	struct json_object *o = json_object_new_object(), *rb = json_object_new_array();
	uint64_t total = j->t_end - j->t_start;
	unsigned int i;
	FILE *f;

	for (i = 0; i < j->rounds && i < 64; i++)
		json_object_array_add(rb, json_object_new_int64(j->round_bytes[i]));
	json_object_object_add(o, "id", json_object_new_int64(j->mig.id));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "cgroup", json_object_new_string(j->wl.cgroup));
	json_object_object_add(o, "container", json_object_new_string(j->wl.name));
	json_object_object_add(o, "site", json_object_new_string(j->mig.site));
	json_object_object_add(o, "mode", json_object_new_string(
		pwrmig_migrate_mode_str(j->mig.mode)));
	json_object_object_add(o, "rounds", json_object_new_int64(j->rounds));
	json_object_object_add(o, "round_bytes", rb);
	json_object_object_add(o, "bytes", json_object_new_int64(j->bytes));
	json_object_object_add(o, "frozen_ms", json_object_new_int64(
		j->t_freeze ? j->t_end - j->t_freeze : 0));
	json_object_object_add(o, "total_ms", json_object_new_int64(total));
	json_object_object_add(o, "throughput_bps", json_object_new_int64(
		j->xfer_ms ? j->bytes * 1000 / j->xfer_ms : 0));
	if (*j->err)
		json_object_object_add(o, "error", json_object_new_string(j->err));
	pd_log(0, "migrate %u: %s", j->mig.id,
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	snprintf(path, sizeof(path), "%s/migrations.jsonl", j->m->pd->cfg.state_dir);
	f = fopen(path, "ae");
	if (f) {
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fclose(f);
	}
	json_object_put(o);
}

/* Bytes of page images a round wrote (pages-*.img). */
static uint64_t pages_written(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	uint64_t n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "pages-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!stat(path, &st))
			n += st.st_size;
	}
	if (d)
		closedir(d);
	return n;
}

static int send_round(struct job *j, const char *name, struct json_object *manifest)
{
	uint64_t before = j->bytes, t0 = now_ms();

	if (pd_send_tree(&j->cn, j->dir, name, manifest, &j->bytes)) {
		link_err(j, "sending images");
		return -1;
	}
	j->xfer_ms += now_ms() - t0;
	if (j->rounds < 64)
		j->round_bytes[j->rounds] = j->bytes - before;
	j->rounds++;
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
		link_err(j, "starting the transfer");
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
		link_err(j, "asking for the restore");
		return -1;
	}
	r = pd_recv_json(&j->cn, PD_MSG_RESTORED, buf, PD_MSG_MAX + 1);
	free(buf);
	if (!r) {
		link_err(j, "restore at the destination");
		return -1;
	}
	json_object_put(r);
	return 0;
}

/* Roll back: the source copy runs again, the peer drops its copy. */
static void abort_migration(struct job *j, int frozen)
{
	char e[256];

	journal(j, "abort");
	if (frozen && pd_wl_thaw(j->m->pd, &j->wl, e, sizeof(e)))
		pd_log(0, "migrate %u: thawing %s: %s", j->mig.id, j->wl.cgroup, e);
	j->t_end = now_ms();
	pd_log(0, "migrate %u failed, %s runs here again: %s", j->mig.id,
	       *j->wl.name ? j->wl.name : j->wl.cgroup, j->err);
	history(j, "failed");
	report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
	if (j->peer_has_state) {
		snprintf(e, sizeof(e), "%s", j->err);
		if (deliver(j, "abort"))
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
	if (journal(j, "commit") && !recovering) {
		/* A commit that a restart could not see must not happen. */
		snprintf(j->err, sizeof(j->err), "cannot journal the commit in %s", j->dir);
		abort_migration(j, 1);
		return;
	}
	pd_crash_point("src-commit");
	report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_CLEANUP);
	if (kill_source(j)) {
		j->t_end = now_ms();
		history(j, "failed");
		report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
		return;
	}
	if (deliver(j, "commit"))
		return;
	j->t_end = now_ms();
	history(j, "done");
	report(j, PWRMIG_MIGRATE_STATE_DONE, 0);
	pd_rmtree(j->dir);
}

static void run_fresh(struct job *j)
{
	struct pd *pd = j->m->pd;
	struct pd_config *c = &pd->cfg;
	struct json_object *manifest = json_object_new_array();
	char path[PATH_MAX], parent[32] = "", name[32];
	uint64_t pages, last = 0;
	int live = j->mig.mode != PWRMIG_MIGRATE_MODE_COLD, frozen = 0;
	unsigned int r;

	j->t_start = now_ms();
	if (pd_wl_find(pd, &j->wl, j->wl.cgroup, j->wl.name, j->err, sizeof(j->err)))
		goto fail;
	if (j->mig.cgroup_id && j->wl.cg_id && j->wl.cg_id != j->mig.cgroup_id) {
		snprintf(j->err, sizeof(j->err), "cgroup %s is not the requested cgroup %llu any more",
			 j->wl.cgroup, (unsigned long long)j->mig.cgroup_id);
		goto fail;
	}
	journal(j, "claimed");
	report(j, PWRMIG_MIGRATE_STATE_RUNNING,
	       live ? PWRMIG_MIGRATE_PHASE_PREDUMP : PWRMIG_MIGRATE_PHASE_DUMP);
	if (peer_connect(j) || hello(j))
		goto fail;
	for (r = 0; live && r < c->predump_rounds; r++) {
		if (j->m->stopping) {
			snprintf(j->err, sizeof(j->err), "pwrmigd is stopping");
			goto fail;
		}
		snprintf(name, sizeof(name), "r%u", r);
		snprintf(path, sizeof(path), "%s/%s", j->dir, name);
		if (dump_round(j, 1, path, *parent ? parent : NULL) ||
		    send_round(j, name, manifest))
			goto fail;
		report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_PREDUMP);
		pd_crash_point("src-predump");
		pages = pages_written(path) / 4096;
		pd_log(1, "migrate %u: round %u wrote %llu pages", j->mig.id, r,
		       (unsigned long long)pages);
		snprintf(parent, sizeof(parent), "../%s", name);
		/* P.Haul's rule: small enough, or no longer shrinking. */
		if (pages < c->predump_min_pages ||
		    (r && pages >= last + c->predump_grow_pages))
			break;
		last = pages;
	}
	journal(j, "dumping");
	report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_DUMP);
	j->t_freeze = now_ms();
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
	if (journal(j, "frozen")) {
		snprintf(j->err, sizeof(j->err), "cannot journal the final dump in %s", j->dir);
		goto fail;
	}
	pd_crash_point("src-frozen");
	report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_TRANSFER);
	if (send_round(j, "final", manifest))
		goto fail;
	journal(j, "sent");
	pd_crash_point("src-sent");
	report(j, PWRMIG_MIGRATE_STATE_RUNNING, PWRMIG_MIGRATE_PHASE_RESTORE);
	if (restore_at_peer(j, manifest))
		goto fail;
	/* The peer holds a copy: a restart whose source is gone commits to it. */
	journal(j, "restored");
	pd_crash_point("src-restored");
	json_object_put(manifest);
	commit_migration(j, 0);
	return;
fail:
	json_object_put(manifest);
	disconnect(j);
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
static void run_recover(struct job *j)
{
	const char *state = pd_json_str(j->journal, "state") ?: "";
	int images = !strcmp(state, "frozen") || !strcmp(state, "sent");
	struct json_object *ledger;
	char e[256];
	int alive;

	if (json_object_object_get_ex(j->journal, "ledger", &ledger))
		j->ledger = json_object_get(ledger);
	j->t_start = j->t_end = now_ms();
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
		j->t_end = now_ms();
		report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
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

/* J's thread ends (or never started): its id is free, one thread fewer. */
static void job_gone(struct pd_migrator *m, struct job *j)
{
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; !j->foreign && i < m->nbusy; i++)
		if (m->busy[i] == j->mig.id)
			m->busy[i] = m->busy[--m->nbusy];
	m->threads--;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct pd_migrator *m = j->m;

	j->pw = j->foreign ? NULL : pwrmig_open();
	if (j->pw && pwrmig_migrate_claim(j->pw, j->mig.id, NULL)) {
		pd_log(j->journal ? 0 : 1, "migrate %u: claim: %s", j->mig.id,
		       pwrmig_errmsg(j->pw));
		pwrmig_close(j->pw);
		j->pw = NULL;
		if (!j->journal)
			goto out;
	}
	if (j->journal) {
		run_recover(j);
	} else if (mkdir(j->dir, 0700)) {
		snprintf(j->err, sizeof(j->err), "%s: %s", j->dir, strerror(errno));
		report(j, PWRMIG_MIGRATE_STATE_FAILED, 0);
	} else {
		run_fresh(j);
	}
out:
	disconnect(j);
	pwrmig_close(j->pw);
	json_object_put(j->journal);
	json_object_put(j->ledger);
	job_gone(m, j);
	free(j);
	return NULL;
}

static int spawn(struct pd_migrator *m, struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	unsigned int i;
	int rc;

	j->m = m;
	/*
	 * Ids restart when the module is reloaded; the nonce keeps a new
	 * migration apart from an old one that still waits to be delivered,
	 * here and at the peer.
	 */
	if (!*j->nonce) {
		unsigned char r[PD_NONCE_LEN / 2];

		if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
			pd_log(0, "migrate %u: getrandom: %s", j->mig.id, strerror(errno));
			json_object_put(j->journal);
			free(j);
			return -1;
		}
		for (i = 0; i < sizeof(r); i++)
			snprintf(j->nonce + 2 * i, 3, "%02x", r[i]);
	}
	if (!*j->dir)
		snprintf(j->dir, sizeof(j->dir), "%s/out/%u-%s", m->pd->cfg.state_dir, j->mig.id,
			 j->nonce);
	pthread_mutex_lock(&m->lock);
	for (i = 0; !j->foreign && i < m->nbusy; i++)
		if (m->busy[i] == j->mig.id)
			break;
	if (!j->foreign && (i < m->nbusy || m->nbusy == sizeof(m->busy) / sizeof(m->busy[0]))) {
		/* The same id twice is the same request, seen twice. */
		if (i == m->nbusy)
			pd_log(0, "migrate %u: %u migrations in flight already; not now",
			       j->mig.id, m->nbusy);
		pthread_mutex_unlock(&m->lock);
		json_object_put(j->journal);
		free(j);
		return -1;
	}
	if (!j->foreign)
		m->busy[m->nbusy++] = j->mig.id;
	m->threads++;
	pthread_mutex_unlock(&m->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (rc) {
		pd_log(0, "migrate %u: thread: %s", j->mig.id, strerror(rc));
		job_gone(m, j);
		json_object_put(j->journal);
		free(j);
		return -1;
	}
	return 0;
}

void pd_migrator_event(struct pd_migrator *m, const struct pwrmig_migration *mig)
{
	const struct pd_config *c;
	char path[256];
	struct job *j;

	if (!m)
		return;
	pd_log(2, "migrate %u: %s", mig->id, pwrmig_migrate_state_str(mig->state));
	if (mig->state != PWRMIG_MIGRATE_STATE_PENDING)
		return;
	c = &m->pd->cfg;
	if (!strcmp(mig->site, c->site))
		return;		/* moving here: the sending node claims it */
	if (pd_cgroup_path(mig->cgroup_id, path, sizeof(path)) || !*path ||
	    !pd_path_below(path, c->cgroup_root)) {
		pd_log(1, "migrate %u: cgroup %llu is not below %s here", mig->id,
		       (unsigned long long)mig->cgroup_id, c->cgroup_root);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->mig = *mig;
	snprintf(j->wl.cgroup, sizeof(j->wl.cgroup), "%s", path);
	snprintf(j->wl.name, sizeof(j->wl.name), "%s", mig->container);
	pd_log(0, "migrate %u: %s%s%s to %s (%s)", mig->id, path,
	       *mig->container ? ", container " : "", mig->container, mig->site,
	       pwrmig_migrate_mode_str(mig->mode));
	spawn(m, j);
}

/*
 * Is the module's request of J's id still J's migration?  Not when the
 * module was reloaded since (no such request, or one for another cgroup or
 * site: ids started again).  A journal from before cgroup_id was kept is
 * taken at its id.
 */
static int request_is_ours(struct pwrmig *pw, const struct job *j)
{
	struct pwrmig_migration cur;

	if (!pw || pwrmig_migrate_get(pw, j->mig.id, &cur))
		return 0;
	return strcmp(cur.site, j->mig.site) == 0 &&
	       (!j->mig.cgroup_id || cur.cgroup_id == j->mig.cgroup_id);
}

/* Journals of migrations a previous pwrmigd did not finish. */
static void recover_all(struct pd_migrator *m)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct pwrmig *pw = pwrmig_open();
	struct json_object *o;
	struct dirent *e;
	struct job *j;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/out", m->pd->cfg.state_dir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		o = pd_journal_read(path);
		if (!o && errno == ENOENT) {
			/* Made, then nothing: no step was taken. */
			pd_log(0, "migrate: %s has no journal; removing it", path);
			pd_rmtree(path);
			continue;
		}
		if (!o) {
			/* Its state is unknown: deciding either way could lose the job. */
			pd_log(0, "migrate: %s/journal cannot be read (%s); left for the operator (Documentation/migration.md)",
			       path, strerror(errno));
			continue;
		}
		j = calloc(1, sizeof(*j));
		if (!j) {
			json_object_put(o);
			continue;
		}
		j->journal = o;
		j->mig.id = pd_json_int(o, "id", 0);
		snprintf(j->nonce, sizeof(j->nonce), "%s", pd_json_str(o, "nonce") ?: "");
		snprintf(j->dir, sizeof(j->dir), "%s", path);
		j->mig.mode = pwrmig_migrate_mode_parse(pd_json_str(o, "mode") ?: "");
		snprintf(j->mig.site, sizeof(j->mig.site), "%s", pd_json_str(o, "site") ?: "");
		snprintf(j->wl.cgroup, sizeof(j->wl.cgroup), "%s", pd_json_str(o, "cgroup") ?: "");
		snprintf(j->wl.name, sizeof(j->wl.name), "%s",
			 pd_json_str(o, "container") ?: "");
		j->wl.container = !!*j->wl.name;
		j->mig.cgroup_id = pd_json_int(o, "cgroup_id", 0);
		if (!request_is_ours(pw, j)) {
			j->foreign = 1;
			pd_log(0, "migrate %u: the module's request %u is not this migration any more (module reloaded?); finishing it without the module",
			       j->mig.id, j->mig.id);
		}
		spawn(m, j);
	}
	if (d)
		closedir(d);
	pwrmig_close(pw);
}

static int pending_cb(const struct pwrmig_migration *mig, void *arg)
{
	pd_migrator_event(arg, mig);
	return 0;
}

static int mkdirs(struct pd *pd, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", pd->cfg.state_dir, sub);
	if (mkdir(path, 0700) && errno != EEXIST) {
		fprintf(stderr, "pwrmigd: state_dir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pd_migrator_start(struct pd *pd, struct pd_migrator **out)
{
	struct pd_migrator *m;
	char err[512];

	*out = NULL;
	if (mkdirs(pd, "") || mkdirs(pd, "/out") || mkdirs(pd, "/in"))
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->pd = pd;
	pthread_mutex_init(&m->lock, NULL);
	pd_cond_init_monotonic(&m->cond);
	m->ctx = pd_tls_ctx(&pd->cfg, 0, err, sizeof(err));
	if (!m->ctx) {
		fprintf(stderr, "pwrmigd: migration TLS: %s\n", err);
		free(m);
		return -1;
	}
	recover_all(m);
	*out = m;
	/* Requests made while no pwrmigd listened are still pending. */
	if (pwrmig_migrate_dump(pd->pw, pending_cb, m))
		pd_log(0, "migrate: listing pending requests: %s", pwrmig_errmsg(pd->pw));
	return 0;
}

void pd_migrator_stop(struct pd_migrator *m)
{
	struct timespec until;

	if (!m)
		return;
	m->stopping = 1;
	/* Workers notice at their next step; a running CRIU is let finish. */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&m->lock);
	while (m->threads && !pthread_cond_timedwait(&m->cond, &m->lock, &until))
		;
	pthread_mutex_unlock(&m->lock);
	if (m->threads) {
		pd_log(0, "migrate: %u migrations still running; their journals finish them at the next start",
		       m->threads);
		return;	/* the threads still use m */
	}
	SSL_CTX_free(m->ctx);
	free(m);
}
