/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * The migration broker's requests and their lifecycle, apart from netlink
 * (in the shape of net/handshake): a request gets an id and waits,
 * pending; a daemon claims it and reports on it until it ends done,
 * failed, cancelled or timed out.  Requests belong to nobody's socket: a
 * claim whose socket closed is released for a restarted daemon to claim
 * again by id.  The module (kmod/broker.c) and pwrmigd's family socket
 * (userspace/pwrmigd/family/migrate.c) parse their requests into the
 * structs below, keep a struct pwrmig_broker, and answer and notify with
 * what these functions say.
 *
 * Pure C: the module and userspace compile broker.c.  The caller holds
 * whatever lock guards the broker, allocates each request and frees what
 * the broker gives back.
 */
#ifndef _PWRMIG_BROKER_H
#define _PWRMIG_BROKER_H

#ifdef __KERNEL__
#include <uapi/linux/pwrmig.h>
#else
#include <linux/pwrmig.h>
#endif

#include "refusal.h"
#include "sites.h"

#define PWRMIG_MAX_MIGRATIONS		1024
#define PWRMIG_MIGRATE_TIMEOUT_S	60

/* Who claimed a request: a socket, as the back end names it (0: none). */
struct pwrmig_claimant {
	unsigned long long port;
	unsigned long long ns;		/* the module: its network namespace */
};

struct pwrmig_migrate {
	unsigned int id;
	unsigned long long cgroup_id;
	char site[PWRMIG_SITE_NAME_LEN];
	unsigned int mode;
	char requester[64];
	unsigned int state;
	unsigned int phase;
	unsigned long long bytes;
	unsigned int rounds;
	unsigned int freeze_ms;
	unsigned int error;
	char error_msg[128];
	/* The current step: bytes moved, bytes in all (0: unknown), its time. */
	unsigned long long phase_bytes, phase_total;
	unsigned int phase_ms;
	struct pwrmig_claimant claimant;
	unsigned long long created, updated;		/* UNIX time */
	unsigned long long created_mono, updated_mono;	/* s, monotonic */
	unsigned int timeout_s;
	char container[64];
};

/* The requests, oldest (lowest id) first. */
struct pwrmig_broker {
	struct pwrmig_migrate *m[PWRMIG_MAX_MIGRATIONS];
	unsigned int n;
	unsigned int next_id;
};

/* Now, as the broker keeps time. */
struct pwrmig_now {
	unsigned long long real;	/* UNIX time */
	unsigned long long mono;	/* s, never going back */
};

/* A migrate-request. */
struct pwrmig_migrate_req {
	unsigned long long cgroup_id;
	const char *site;
	int has_mode;
	unsigned int mode;
	const char *requester;		/* NULL: absent */
	const char *container;		/* NULL: absent */
	int has_timeout;
	unsigned int timeout_s;
};

/* A migrate-status request: a daemon's report. */
struct pwrmig_migrate_status {
	int has_state, has_phase, has_bytes, has_rounds, has_freeze, has_error;
	int has_phase_bytes, has_phase_total, has_phase_ms;
	unsigned int state, phase, rounds, freeze_ms, error, phase_ms;
	unsigned long long bytes, phase_bytes, phase_total;
	const char *error_msg;		/* NULL: absent */
};

/*
 * The requests from their attributes, by type (TB: the migrate set's);
 * migrate-request's cgroup-id and site are present (checked before).
 */
void pwrmig_migrate_req_parse(const struct nlattr *const *tb, struct pwrmig_migrate_req *q);
void pwrmig_migrate_status_parse(const struct nlattr *const *tb,
				 struct pwrmig_migrate_status *r);

/* Called for every request a change made (notify, trace). */
typedef void (*pwrmig_migrate_cb)(void *arg, const struct pwrmig_migrate *m);

int pwrmig_migrate_final(const struct pwrmig_migrate *m);
struct pwrmig_migrate *pwrmig_broker_find(struct pwrmig_broker *b, unsigned int id);

/* A request's own rules (its container id): 0, or -errno in E. */
int pwrmig_migrate_req_check(const struct pwrmig_migrate_req *q, struct pwrmig_refusal *e);

/*
 * migrate-request: R checked against the sites T and the requests, made
 * into M (allocated by the caller) and added.  0, or -errno in E (M is
 * the caller's again).  *OLD: a finished request forgotten to make room,
 * for the caller to free, or NULL.
 */
int pwrmig_broker_request(struct pwrmig_broker *b, struct pwrmig_site_entry *t,
			  const struct pwrmig_migrate_req *q, struct pwrmig_migrate *m,
			  const struct pwrmig_now *now, struct pwrmig_migrate **old,
			  struct pwrmig_refusal *e);

/* migrate-claim by C: request ID (HAS_ID) or the oldest pending one. */
struct pwrmig_migrate *pwrmig_broker_claim(struct pwrmig_broker *b, int has_id,
					   unsigned int id, const struct pwrmig_claimant *c,
					   const struct pwrmig_now *now,
					   struct pwrmig_refusal *e);

/* migrate-status: C's report R on request ID. */
struct pwrmig_migrate *pwrmig_broker_report(struct pwrmig_broker *b, unsigned int id,
					    const struct pwrmig_claimant *c,
					    const struct pwrmig_migrate_status *r,
					    const struct pwrmig_now *now,
					    struct pwrmig_refusal *e);

/* migrate-cancel of request ID. */
struct pwrmig_migrate *pwrmig_broker_cancel(struct pwrmig_broker *b, unsigned int id,
					    const struct pwrmig_now *now,
					    struct pwrmig_refusal *e);

/* migrate-get of request ID. */
struct pwrmig_migrate *pwrmig_broker_get(struct pwrmig_broker *b, unsigned int id,
					 struct pwrmig_refusal *e);

/*
 * Requests nobody claimed within their timeout, claims released for
 * longer, and claims silent for SILENCE_S (0: never) end timed-out.
 */
void pwrmig_broker_time_out(struct pwrmig_broker *b, unsigned long long silence_s,
			    const struct pwrmig_now *now, pwrmig_migrate_cb cb, void *arg);

/* C's socket closed: its unfinished claims are released. */
void pwrmig_broker_release(struct pwrmig_broker *b, const struct pwrmig_claimant *c,
			   const struct pwrmig_now *now, pwrmig_migrate_cb cb, void *arg);

/* Forget every request: each given to FREE_CB. */
void pwrmig_broker_clear(struct pwrmig_broker *b,
			 void (*free_cb)(struct pwrmig_migrate *m));

#endif
