// SPDX-License-Identifier: GPL-2.0
/*
 * What a sending migration tells others: its state to the module (and a
 * decision still waiting for its peer), its journal, its link to the
 * peer, and the decision itself, sent until the peer acknowledges it,
 * with back-off; and one history line per migration when it ends.
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

/* tx_deliver(): tries with back-off, then one every DELIVER_SLOW_S. */
#define DELIVER_FAST_TRIES	10
#define DELIVER_SLOW_S		300

uint64_t tx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

void tx_step(struct job *j, uint64_t total)
{
	j->step_t0 = tx_now_ms();
	j->step_bytes0 = j->bytes;
	j->step_total = total;
}

void tx_progress(void *arg)
{
	struct job *j = arg;

	if (tx_now_ms() - j->reported_ms >= 1000)
		tx_report(j, PWRMIG_MIGRATE_STATE_RUNNING, j->phase);
}

void tx_report(struct job *j, uint32_t state, uint32_t phase)
{
	struct pwrmig_migrate_report r = {
		.state = state, .phase = phase, .has_bytes = 1, .bytes = j->bytes,
		.rounds = j->rounds,
		.freeze_ms = j->t_freeze && j->t_end ? j->t_end - j->t_freeze : 0,
	};
	uint64_t now = tx_now_ms();

	if (phase && phase != j->phase) {
		j->phase = phase;
		tx_step(j, 0);
	}
	r.has_progress = 1;
	r.phase_bytes = j->bytes - j->step_bytes0;
	r.phase_total = j->step_total;
	r.phase_ms = now - j->step_t0;
	j->reported_ms = now;

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

int tx_journal(struct job *j, const char *state)
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

int tx_peer_connect(struct job *j)
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

void tx_link_err(struct job *j, const char *what)
{
	snprintf(j->err, sizeof(j->err), "%s: %s", what, j->cn.err);
}

void tx_disconnect(struct job *j)
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
int tx_deliver(struct job *j, const char *decision)
{
	int commit = !strcmp(decision, "commit");
	struct json_object *o, *r;
	char buf[4096], e[512];
	unsigned int delay = 1, tries = 0;

	/* At least one try, even while stopping: the source may be gone already. */
	for (;;) {
		if (!j->connected) {
			if (tx_peer_connect(j))
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
			tx_disconnect(j);
			return 0;
		}
		snprintf(j->err, sizeof(j->err), "%s", j->cn.err);
retry:
		tx_disconnect(j);
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

/* The outcome into the exporter's figures. */
static void tx_count(struct job *j, int done)
{
	static const uint64_t bound[PD_FROZEN_BUCKETS] = { PD_FROZEN_BOUNDS_MS };
	struct pd *pd = j->m->pd;
	struct pd_migstats *st = &pd->migstats;
	uint64_t frozen = j->t_freeze ? j->t_end - j->t_freeze : 0;
	unsigned int i;

	pthread_mutex_lock(&pd->lock);
	if (done)
		st->done++;
	else
		st->failed++;
	st->bytes += j->bytes;
	if (j->t_freeze) {
		st->frozen_n++;
		st->frozen_ms += frozen;
		for (i = 0; i < PD_FROZEN_BUCKETS; i++)
			st->frozen_le[i] += frozen <= bound[i];
	}
	pthread_mutex_unlock(&pd->lock);
}

void tx_history(struct job *j, const char *result)
{
	char path[PATH_MAX];
	struct json_object *o = json_object_new_object(), *rb = json_object_new_array();
	uint64_t total = j->t_end - j->t_start;
	unsigned int i;
	FILE *f;

	tx_count(j, !strcmp(result, "done"));
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
	if (*j->precopy_stop)
		json_object_object_add(o, "precopy_stop", json_object_new_string(j->precopy_stop));
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
