// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * The migration broker's lifecycle (common/broker.h).
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdio.h>
#include <string.h>
#endif

#include "broker.h"
#include "ctrid.h"

/* A bounded, terminated copy (strscpy's job, in both worlds). */
static void copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void pwrmig_migrate_req_parse(const struct nlattr *const *tb, struct pwrmig_migrate_req *q)
{
	memset(q, 0, sizeof(*q));
	q->cgroup_id = pwrmig_nla_u64(tb[PWRMIG_A_MIGRATE_CGROUP_ID]);
	q->site = pwrmig_nla_str(tb[PWRMIG_A_MIGRATE_SITE]);
	q->has_mode = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_MODE, &q->mode);
	if (tb[PWRMIG_A_MIGRATE_REQUESTER])
		q->requester = pwrmig_nla_str(tb[PWRMIG_A_MIGRATE_REQUESTER]);
	if (tb[PWRMIG_A_MIGRATE_CONTAINER])
		q->container = pwrmig_nla_str(tb[PWRMIG_A_MIGRATE_CONTAINER]);
	q->has_timeout = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_TIMEOUT_S, &q->timeout_s);
}

void pwrmig_migrate_status_parse(const struct nlattr *const *tb,
				 struct pwrmig_migrate_status *r)
{
	memset(r, 0, sizeof(*r));
	r->has_state = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_STATE, &r->state);
	r->has_phase = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_PHASE, &r->phase);
	r->has_rounds = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_ROUNDS, &r->rounds);
	r->has_freeze = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_FREEZE_MS, &r->freeze_ms);
	r->has_error = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_ERROR, &r->error);
	r->has_bytes = pwrmig_opt_u64(tb, PWRMIG_A_MIGRATE_BYTES, &r->bytes);
	r->has_phase_bytes = pwrmig_opt_u64(tb, PWRMIG_A_MIGRATE_PHASE_BYTES, &r->phase_bytes);
	r->has_phase_total = pwrmig_opt_u64(tb, PWRMIG_A_MIGRATE_PHASE_TOTAL, &r->phase_total);
	r->has_phase_ms = pwrmig_opt_u32(tb, PWRMIG_A_MIGRATE_PHASE_MS, &r->phase_ms);
	if (tb[PWRMIG_A_MIGRATE_ERROR_MSG])
		r->error_msg = pwrmig_nla_str(tb[PWRMIG_A_MIGRATE_ERROR_MSG]);
}

int pwrmig_migrate_final(const struct pwrmig_migrate *m)
{
	return m->state == PWRMIG_MIGRATE_STATE_DONE ||
	       m->state == PWRMIG_MIGRATE_STATE_FAILED ||
	       m->state == PWRMIG_MIGRATE_STATE_CANCELLED ||
	       m->state == PWRMIG_MIGRATE_STATE_TIMED_OUT;
}

static void changed(struct pwrmig_migrate *m, const struct pwrmig_now *now)
{
	m->updated = now->real;
	m->updated_mono = now->mono;
}

static int claimed_by(const struct pwrmig_migrate *m, const struct pwrmig_claimant *c)
{
	return m->claimant.port == c->port && m->claimant.ns == c->ns;
}

static int claimed(const struct pwrmig_migrate *m)
{
	return m->claimant.port || m->claimant.ns;
}

struct pwrmig_migrate *pwrmig_broker_find(struct pwrmig_broker *b, unsigned int id)
{
	unsigned int lo = 0, hi = b->n, mid;

	/* Ids grow along the table. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->m[mid]->id == id)
			return b->m[mid];
		if (b->m[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct pwrmig_migrate *lookup(struct pwrmig_broker *b, unsigned int id,
				     struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = pwrmig_broker_find(b, id);

	if (!m)
		pwrmig_refuse(e, -ENOENT, "no migration request with this id",
			      PWRMIG_A_MIGRATE_ID);
	return m;
}

/* A request that may still change: not finished. */
static struct pwrmig_migrate *lookup_open(struct pwrmig_broker *b, unsigned int id,
					  struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = lookup(b, id, e);

	if (m && pwrmig_migrate_final(m)) {
		pwrmig_refuse(e, -EALREADY, "request already finished", PWRMIG_A_MIGRATE_ID);
		return NULL;
	}
	return m;
}

int pwrmig_migrate_req_check(const struct pwrmig_migrate_req *q, struct pwrmig_refusal *e)
{
	if (q->container && !pwrmig_container_id_ok(q->container))
		return pwrmig_refuse(e, -EINVAL,
				     "container must be an OCI container id: letters, digits and _+.-",
				     PWRMIG_A_MIGRATE_CONTAINER);
	return 0;
}

/* Room for one more: the oldest finished request forgotten, if need be. */
static int make_room(struct pwrmig_broker *b, struct pwrmig_migrate **old)
{
	unsigned int i;

	*old = NULL;
	if (b->n < PWRMIG_MAX_MIGRATIONS)
		return 1;
	for (i = 0; i < b->n && !pwrmig_migrate_final(b->m[i]); i++)
		;
	if (i == b->n)
		return 0;
	*old = b->m[i];
	memmove(&b->m[i], &b->m[i + 1], (b->n - i - 1) * sizeof(b->m[0]));
	b->n--;
	return 1;
}

/* The target is another site than this one; the cgroup is not moving yet. */
static int target_check(struct pwrmig_broker *b, struct pwrmig_site_entry *t,
			const struct pwrmig_migrate_req *q, struct pwrmig_site_entry **site,
			struct pwrmig_refusal *e)
{
	unsigned int i;

	*site = pwrmig_sites_find(t, q->site);
	if (!*site)
		return pwrmig_refuse(e, -ENOENT, "no such site (add it with site-set)",
				     PWRMIG_A_MIGRATE_SITE);
	if (*site == pwrmig_sites_local(t))
		return pwrmig_refuse(e, -EINVAL, "the target is the local site: nothing to move",
				     PWRMIG_A_MIGRATE_SITE);
	for (i = 0; i < b->n; i++)
		if (b->m[i]->cgroup_id == q->cgroup_id && !pwrmig_migrate_final(b->m[i]))
			return pwrmig_refuse(e, -EBUSY,
					     "this cgroup already has a migration in progress",
					     PWRMIG_A_MIGRATE_CGROUP_ID);
	return 0;
}

int pwrmig_broker_request(struct pwrmig_broker *b, struct pwrmig_site_entry *t,
			  const struct pwrmig_migrate_req *q, struct pwrmig_migrate *m,
			  const struct pwrmig_now *now, struct pwrmig_migrate **old,
			  struct pwrmig_refusal *e)
{
	struct pwrmig_site_entry *site;
	int err;

	*old = NULL;
	err = target_check(b, t, q, &site, e);
	if (err)
		return err;
	if (!make_room(b, old))
		return pwrmig_refuse(e, -ENOSPC, "too many unfinished migration requests", 0);
	memset(m, 0, sizeof(*m));
	m->id = ++b->next_id;
	m->cgroup_id = q->cgroup_id;
	copy(m->site, site->name, sizeof(m->site));
	m->mode = q->has_mode ? q->mode : PWRMIG_MIGRATE_MODE_LIVE;
	if (q->requester)
		copy(m->requester, q->requester, sizeof(m->requester));
	if (q->container)
		copy(m->container, q->container, sizeof(m->container));
	m->timeout_s = q->has_timeout ? q->timeout_s : PWRMIG_MIGRATE_TIMEOUT_S;
	m->state = PWRMIG_MIGRATE_STATE_PENDING;
	m->created = now->real;
	m->created_mono = now->mono;
	changed(m, now);
	b->m[b->n++] = m;
	return 0;
}

/* A claim by id: the request is pending, or released by a daemon gone. */
static struct pwrmig_migrate *claim_id(struct pwrmig_broker *b, unsigned int id,
				       struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = lookup(b, id, e);

	if (!m || m->state == PWRMIG_MIGRATE_STATE_PENDING)
		return m;
	if (pwrmig_migrate_final(m)) {
		pwrmig_refuse(e, -EBUSY, "request already finished", PWRMIG_A_MIGRATE_ID);
		return NULL;
	}
	if (claimed(m)) {
		pwrmig_refuse(e, -EBUSY, "request is claimed by a running daemon",
			      PWRMIG_A_MIGRATE_ID);
		return NULL;
	}
	return m;
}

struct pwrmig_migrate *pwrmig_broker_claim(struct pwrmig_broker *b, int has_id,
					   unsigned int id, const struct pwrmig_claimant *c,
					   const struct pwrmig_now *now,
					   struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = NULL;
	unsigned int i;

	if (has_id) {
		m = claim_id(b, id, e);
	} else {
		for (i = 0; i < b->n && !m; i++)
			if (b->m[i]->state == PWRMIG_MIGRATE_STATE_PENDING)
				m = b->m[i];
		if (!m)
			pwrmig_refuse(e, -ENOENT, "no pending migration request", 0);
	}
	if (!m)
		return NULL;
	m->claimant = *c;
	if (m->state == PWRMIG_MIGRATE_STATE_PENDING)
		m->state = PWRMIG_MIGRATE_STATE_CLAIMED;
	changed(m, now);
	return m;
}

/* The state a report sets, if it names one. */
static int report_state(struct pwrmig_migrate *m, const struct pwrmig_migrate_status *r,
			struct pwrmig_refusal *e)
{
	if (!r->has_state) {
		if (m->state == PWRMIG_MIGRATE_STATE_CLAIMED)
			m->state = PWRMIG_MIGRATE_STATE_RUNNING;
		return 0;
	}
	if (r->state != PWRMIG_MIGRATE_STATE_RUNNING && r->state != PWRMIG_MIGRATE_STATE_DONE &&
	    r->state != PWRMIG_MIGRATE_STATE_FAILED)
		return pwrmig_refuse(e, -EINVAL, "a daemon reports running, done or failed",
				     PWRMIG_A_MIGRATE_STATE);
	if (r->state == PWRMIG_MIGRATE_STATE_FAILED && !r->has_error)
		return pwrmig_refuse(e, -EINVAL, "a failure needs an error",
				     PWRMIG_A_MIGRATE_STATE);
	m->state = r->state;
	/* A report without an error says the last one is over. */
	if (r->state != PWRMIG_MIGRATE_STATE_FAILED && !r->has_error) {
		m->error = 0;
		m->error_msg[0] = '\0';
	}
	return 0;
}

struct pwrmig_migrate *pwrmig_broker_report(struct pwrmig_broker *b, unsigned int id,
					    const struct pwrmig_claimant *c,
					    const struct pwrmig_migrate_status *r,
					    const struct pwrmig_now *now,
					    struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = lookup_open(b, id, e);

	if (!m)
		return NULL;
	if (!claimed_by(m, c) || !claimed(m)) {
		pwrmig_refuse(e, -EPERM, "only the daemon that claimed the request reports on it",
			      PWRMIG_A_MIGRATE_ID);
		return NULL;
	}
	if (report_state(m, r, e))
		return NULL;
	/* A new step starts from nothing unless the report says otherwise. */
	if (r->has_phase && r->phase != m->phase) {
		m->phase_bytes = 0;
		m->phase_total = 0;
		m->phase_ms = 0;
	}
	if (r->has_phase)
		m->phase = r->phase;
	if (r->has_phase_bytes)
		m->phase_bytes = r->phase_bytes;
	if (r->has_phase_total)
		m->phase_total = r->phase_total;
	if (r->has_phase_ms)
		m->phase_ms = r->phase_ms;
	if (r->has_bytes)
		m->bytes = r->bytes;
	if (r->has_rounds)
		m->rounds = r->rounds;
	if (r->has_freeze)
		m->freeze_ms = r->freeze_ms;
	if (r->has_error)
		m->error = r->error;
	if (r->error_msg)
		copy(m->error_msg, r->error_msg, sizeof(m->error_msg));
	changed(m, now);
	return m;
}

struct pwrmig_migrate *pwrmig_broker_cancel(struct pwrmig_broker *b, unsigned int id,
					    const struct pwrmig_now *now,
					    struct pwrmig_refusal *e)
{
	struct pwrmig_migrate *m = lookup_open(b, id, e);

	if (m) {
		m->state = PWRMIG_MIGRATE_STATE_CANCELLED;
		changed(m, now);
	}
	return m;
}

struct pwrmig_migrate *pwrmig_broker_get(struct pwrmig_broker *b, unsigned int id,
					 struct pwrmig_refusal *e)
{
	return lookup(b, id, e);
}

static void time_out(struct pwrmig_migrate *m, const char *why, const struct pwrmig_now *now,
		     pwrmig_migrate_cb cb, void *arg)
{
	m->state = PWRMIG_MIGRATE_STATE_TIMED_OUT;
	m->error = ETIMEDOUT;
	memset(&m->claimant, 0, sizeof(m->claimant));
	copy(m->error_msg, why, sizeof(m->error_msg));
	changed(m, now);
	cb(arg, m);
}

void pwrmig_broker_time_out(struct pwrmig_broker *b, unsigned long long silence_s,
			    const struct pwrmig_now *now, pwrmig_migrate_cb cb, void *arg)
{
	struct pwrmig_migrate *m;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		m = b->m[i];
		if (pwrmig_migrate_final(m))
			continue;
		if (m->state == PWRMIG_MIGRATE_STATE_PENDING) {
			if (now->mono - m->created_mono >= m->timeout_s)
				time_out(m, "no daemon claimed the request in time", now, cb, arg);
		} else if (!claimed(m)) {
			if (now->mono - m->updated_mono >= m->timeout_s)
				time_out(m, "its daemon went away and none claimed it again in time",
					 now, cb, arg);
		} else if (silence_s && now->mono - m->updated_mono >= silence_s) {
			time_out(m, "its daemon reported nothing for claim_silence_s", now, cb, arg);
		}
	}
}

void pwrmig_broker_release(struct pwrmig_broker *b, const struct pwrmig_claimant *c,
			   const struct pwrmig_now *now, pwrmig_migrate_cb cb, void *arg)
{
	struct pwrmig_migrate *m;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		m = b->m[i];
		if (claimed(m) && claimed_by(m, c) && !pwrmig_migrate_final(m)) {
			memset(&m->claimant, 0, sizeof(m->claimant));
			changed(m, now);
			cb(arg, m);
		}
	}
}

void pwrmig_broker_clear(struct pwrmig_broker *b, void (*free_cb)(struct pwrmig_migrate *m))
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		free_cb(b->m[i]);
	b->n = 0;
}
