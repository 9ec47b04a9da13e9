// SPDX-License-Identifier: GPL-2.0
/*
 * The migration broker on the family socket (module-less nodes): the
 * requests parsed as kmod/broker.c parses them, their lifecycle
 * common/broker.c's, every change to the migrate group, the replies the
 * module's.  A claim is its connection's port (numbered from 1 as peers
 * connect, never reused); a connection that closes releases its claims
 * for a restarted daemon to claim again by id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

/* Claims silent for this long end timed-out (the module's default). */
#define CLAIM_SILENCE_S	3600

static void migrate_fill(struct nl_msg *m, const struct pwrmig_migrate *g)
{
	nla_put_u32(m, PWRMIG_A_MIGRATE_ID, g->id);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CGROUP_ID, g->cgroup_id);
	nla_put_string(m, PWRMIG_A_MIGRATE_SITE, g->site);
	nla_put_u32(m, PWRMIG_A_MIGRATE_MODE, g->mode);
	if (g->requester[0])
		nla_put_string(m, PWRMIG_A_MIGRATE_REQUESTER, g->requester);
	nla_put_u32(m, PWRMIG_A_MIGRATE_STATE, g->state);
	if (g->phase)
		nla_put_u32(m, PWRMIG_A_MIGRATE_PHASE, g->phase);
	nla_put_u64(m, PWRMIG_A_MIGRATE_BYTES, g->bytes);
	nla_put_u32(m, PWRMIG_A_MIGRATE_ROUNDS, g->rounds);
	nla_put_u32(m, PWRMIG_A_MIGRATE_FREEZE_MS, g->freeze_ms);
	if (g->error)
		nla_put_u32(m, PWRMIG_A_MIGRATE_ERROR, g->error);
	if (g->error_msg[0])
		nla_put_string(m, PWRMIG_A_MIGRATE_ERROR_MSG, g->error_msg);
	if (g->claimant.port)
		nla_put_u32(m, PWRMIG_A_MIGRATE_CLAIMANT, g->claimant.port);
	nla_put_u64(m, PWRMIG_A_MIGRATE_CREATED, g->created);
	nla_put_u64(m, PWRMIG_A_MIGRATE_UPDATED, g->updated);
	nla_put_u32(m, PWRMIG_A_MIGRATE_TIMEOUT_S, g->timeout_s);
	if (g->container[0])
		nla_put_string(m, PWRMIG_A_MIGRATE_CONTAINER, g->container);
	nla_put_u64(m, PWRMIG_A_MIGRATE_PHASE_BYTES, g->phase_bytes);
	nla_put_u64(m, PWRMIG_A_MIGRATE_PHASE_TOTAL, g->phase_total);
	nla_put_u32(m, PWRMIG_A_MIGRATE_PHASE_MS, g->phase_ms);
}

/* libpwrmig's view of a request, as a client would decode it. */
static void migration_of(const struct pwrmig_migrate *g, struct pwrmig_migration *o)
{
	memset(o, 0, sizeof(*o));
	o->id = g->id;
	o->cgroup_id = g->cgroup_id;
	snprintf(o->site, sizeof(o->site), "%s", g->site);
	o->mode = g->mode;
	snprintf(o->requester, sizeof(o->requester), "%s", g->requester);
	o->state = g->state;
	o->phase = g->phase;
	o->bytes = g->bytes;
	o->rounds = g->rounds;
	o->freeze_ms = g->freeze_ms;
	o->error = g->error;
	snprintf(o->error_msg, sizeof(o->error_msg), "%s", g->error_msg);
	o->claimant = g->claimant.port;
	o->created = g->created;
	o->updated = g->updated;
	o->timeout_s = g->timeout_s;
	snprintf(o->container, sizeof(o->container), "%s", g->container);
	o->phase_bytes = g->phase_bytes;
	o->phase_total = g->phase_total;
	o->phase_ms = g->phase_ms;
}

/* A change: to the migrate group, and to this daemon's own migrator. */
static void changed(void *arg, const struct pwrmig_migrate *g)
{
	struct nl_msg *m = fam_new(NULL, PWRMIG_CMD_MIGRATE_NTF, 0);
	struct pwrmig_migration mig;

	if (m) {
		migrate_fill(m, g);
		fam_multicast(arg, FAM_GRP_MIGRATE, m);
	}
	migration_of(g, &mig);
	fam_migrate_hook(arg, &mig);
}

static void now(struct pwrmig_now *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->mono = ts.tv_sec;
	t->real = time(NULL);
}

static int reply(struct fam_req *r, const struct pwrmig_migrate *g)
{
	struct nl_msg *m = fam_new(r, r->g->cmd, 0);

	if (m)
		migrate_fill(m, g);
	return fam_send(r, m);
}

/* After a change to G (NULL: refused with E): notify, answer. */
static int done(struct fam_req *r, const struct pwrmig_migrate *g, const struct pwrmig_refusal *e)
{
	if (!g)
		return fam_refuse(r, e);
	changed(r->f, g);
	return reply(r, g);
}

static int request(struct fam_req *r, struct pd *pd)
{
	struct pwrmig_migrate_req q = { 0 };
	struct pwrmig_migrate *g, *old;
	struct pwrmig_refusal e;
	struct pwrmig_now t;

	if (fam_need(r, PWRMIG_A_MIGRATE_CGROUP_ID) || fam_need(r, PWRMIG_A_MIGRATE_SITE))
		return r->e.err;
	/* The validator checked the strings' lengths and their NULs. */
	pwrmig_migrate_req_parse(r->tb, &q);
	if (!pd_cgroup_live(q.cgroup_id))
		return fam_fail(r, -ENOENT, "no cgroup with this id",
				r->tb[PWRMIG_A_MIGRATE_CGROUP_ID]);
	if (pwrmig_migrate_req_check(&q, &e))
		return fam_refuse(r, &e);
	g = calloc(1, sizeof(*g));
	if (!g)
		return fam_fail(r, -ENOMEM, NULL, NULL);
	now(&t);
	if (pwrmig_broker_request(fam_broker(r->f), pd->sites, &q, g, &t, &old, &e)) {
		free(g);
		return fam_refuse(r, &e);
	}
	free(old);
	return done(r, g, NULL);
}

/* In id order, resumed after the last id sent, as the module's. */
static int dump(struct fam_req *r)
{
	struct pwrmig_broker *b = fam_broker(r->f);
	struct nl_msg *m;
	unsigned int i;
	int err;

	for (i = 0; i < b->n; i++) {
		if (b->m[i]->id <= r->cursor)
			continue;
		if (fam_congested(r))
			return FAM_MORE;
		m = fam_new(r, PWRMIG_CMD_MIGRATE_GET, NLM_F_MULTI);
		if (m)
			migrate_fill(m, b->m[i]);
		err = fam_send(r, m);
		if (err)
			return err;
		r->cursor = b->m[i]->id;
	}
	return 0;
}

int fam_migrate_op(struct fam_req *r, struct pd *pd)
{
	struct pwrmig_broker *b = fam_broker(r->f);
	struct pwrmig_claimant c = { .port = fam_port(r) };
	struct pwrmig_migrate_status p = { 0 };
	struct pwrmig_migrate *g;
	struct pwrmig_refusal e;
	struct pwrmig_now t;

	now(&t);
	switch (r->g->cmd) {
	case PWRMIG_CMD_MIGRATE_REQUEST:
		return request(r, pd);
	case PWRMIG_CMD_MIGRATE_CLAIM:
		g = pwrmig_broker_claim(b, !!r->tb[PWRMIG_A_MIGRATE_ID],
					r->tb[PWRMIG_A_MIGRATE_ID] ?
					pwrmig_nla_u32(r->tb[PWRMIG_A_MIGRATE_ID]) : 0, &c, &t, &e);
		return done(r, g, &e);
	case PWRMIG_CMD_MIGRATE_GET:
		if (r->dump)
			return dump(r);
		break;
	}
	if (fam_need(r, PWRMIG_A_MIGRATE_ID))
		return r->e.err;
	switch (r->g->cmd) {
	case PWRMIG_CMD_MIGRATE_STATUS:
		pwrmig_migrate_status_parse(r->tb, &p);
		g = pwrmig_broker_report(b, pwrmig_nla_u32(r->tb[PWRMIG_A_MIGRATE_ID]), &c, &p, &t, &e);
		return done(r, g, &e);
	case PWRMIG_CMD_MIGRATE_CANCEL:
		g = pwrmig_broker_cancel(b, pwrmig_nla_u32(r->tb[PWRMIG_A_MIGRATE_ID]), &t, &e);
		return done(r, g, &e);
	default:
		g = pwrmig_broker_get(b, pwrmig_nla_u32(r->tb[PWRMIG_A_MIGRATE_ID]), &e);
		return g ? reply(r, g) : fam_refuse(r, &e);
	}
}

void fam_migrate_tick(struct pd_family *f)
{
	struct pwrmig_now t;

	now(&t);
	pwrmig_broker_time_out(fam_broker(f), CLAIM_SILENCE_S, &t, changed, f);
}

void fam_migrate_release(struct pd_family *f, uint32_t port)
{
	struct pwrmig_claimant c = { .port = port };
	struct pwrmig_now t;

	now(&t);
	pwrmig_broker_release(fam_broker(f), &c, &t, changed, f);
}
