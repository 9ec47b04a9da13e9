/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the sending side (send.c: one migration, from the first round
 * to the decision, and its recovery; tx_deliver.c: reports to the
 * module, the journal, the link and the decision's delivery; migrator.c:
 * requests, workers, recovery at start).  The rest of pwrmigd uses
 * migrate.h's pd_migrator_*().
 */
#ifndef _PWRMIGD_SEND_H
#define _PWRMIGD_SEND_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include <json-c/json.h>

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
	/* The current step, as reported: its phase, start, first byte, size. */
	uint32_t phase;
	uint64_t step_t0, step_bytes0, step_total, reported_ms;
	int peer_has_state;	/* the peer took HELLO: it must hear the decision */
	struct json_object *ledger;	/* the job's bill, sent with the commit */
	char err[512];
	char precopy_stop[200];		/* why pre-copy stopped, "" for none */
};

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t tx_now_ms(void);

/*
 * The request's state and phase to the module (not for a foreign job),
 * with the current step's progress; a new phase starts a new step.
 */
void tx_report(struct job *j, uint32_t state, uint32_t phase);
/* A transfer of TOTAL bytes starts: a step of its own. */
void tx_step(struct job *j, uint64_t total);
/* Bytes went out: the progress to the module, at most once a second. */
void tx_progress(void *arg);

/* Journal J at STATE (with its workload, nonce and ledger); -1 on error. */
int tx_journal(struct job *j, const char *state);

/* The TLS link to J's peer (pinned where configured); -1 with j->err. */
int tx_peer_connect(struct job *j);

/* j->err: WHAT failed on the link, and why. */
void tx_link_err(struct job *j, const char *what);

void tx_disconnect(struct job *j);

/*
 * Tell the peer the decision and wait for DONE; reconnects as needed, until
 * it is acknowledged or pwrmigd stops (then a restart carries on).  Giving
 * up on a commit would leave the job running nowhere, so the tries are
 * bounded in rate, not number: back-off to 30 s, and after ten tries one
 * every five minutes.  An undelivered commit shows in the request (still
 * running, error EAGAIN naming the peer's answer and the try).
 */
int tx_deliver(struct job *j, const char *decision);

/* One JSON line in state_dir/history for the migration that ended. */
void tx_history(struct job *j, const char *result);

/* A new migration, from the claim to the decision. */
void tx_run_fresh(struct job *j);

/* Finish what a previous pwrmigd left, from its journal. */
void tx_run_recover(struct job *j);

#endif
