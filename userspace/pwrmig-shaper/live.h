/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live controller (pwrmig-shaper run): every slot it reads the
 * ledgers, pushes prices and forecasts into the module, plans with the
 * same linear program as the simulator, and acts: pauses and resumes jobs
 * (cgroup freezer) and moves them through the module's migration broker.
 */
#ifndef _SHAPER_LIVE_H
#define _SHAPER_LIVE_H

#include <pthread.h>
#include <stdint.h>

#include "plan.h"
#include "scenario.h"

#define LIVE_HISTORY	8

/* One decision, as explain shows it. */
struct ldecision {
	int64_t at;			/* simulated time of the slot */
	int loc, site;			/* where it was; where it runs (-1: paused) */
	double price_now;		/* effective price where it runs or waits */
	double saving, move_cost;	/* a move's */
	char why[96];
};

struct ljob {
	char name[SHP_NAME_LEN];	/* the cgroup's last path element */
	int seen;			/* in a ledger this slot */
	int site;			/* where it is */
	uint64_t cgid;
	char path[256];			/* below the cgroup v2 root */
	uint32_t flags;			/* PWRMIG_CGROUP_FLAGS_* */
	int64_t deadline;		/* 0: none */
	int priority;
	double kw;			/* IT power while it runs */
	uint64_t energy_uj;		/* the ledger's, at the last reading */
	double energy_t;		/* monotonic seconds of that reading */
	double size_gb;			/* its checkpoint */
	double work_s;			/* what it needs in all (simulated s); 0: unknown */
	double run_s;			/* what it ran under the shaper (simulated s) */
	int running;			/* it ran in the slot just gone */
	int paused;			/* frozen by the shaper */
	uint32_t req;			/* our migration request in flight, 0: none */
	int req_to;
	uint64_t req_cgid;		/* the cgroup it moves */
	char busy[200];			/* someone else's migration of it */
	int failures;			/* moves that failed in a row */
	int64_t retry_at;		/* no move before (simulated time) */
	int64_t last_move;		/* simulated time of its last move, 0: none */
	int moves;
	int nhist;
	struct ldecision hist[LIVE_HISTORY];	/* newest first */
};

struct live {
	struct shp_scenario *sc;
	struct shp_world *w;
	struct pwrmig *pw;		/* NULL while the module is absent */
	int njobs;
	struct ljob *job;
	int64_t now;			/* simulated time of the slot being planned */
	int64_t last_step;
	double t0;			/* monotonic seconds at start */
	int64_t clock_base;		/* simulated time at t0 (a simulated clock) */
	double remote_kw[SHP_MAX_SITES];	/* load of remote sites (their /metrics) */
	double price_now[SHP_MAX_SITES];
	/* counters, for the log and the metrics */
	uint64_t replans, fallbacks, moves_done, moves_failed, pushes;
	double solve_s, saving_planned;
	pthread_mutex_t lock;		/* the exporter reads under it */
	void *exporter;
	volatile int stop;
};

/* The simulated time now, by the configured clock. */
int64_t live_clock(const struct live *lv);

/* nodes.c: the module and remote pwrmigd. */
int nodes_open(struct live *lv);
int nodes_read(struct live *lv);
int nodes_push_prices(struct live *lv);
void nodes_poll_moves(struct live *lv);
int nodes_move(struct live *lv, struct ljob *j, int to);
int nodes_freeze(struct live *lv, struct ljob *j, int frozen);
void nodes_read_remote(struct live *lv);
struct ljob *live_job(struct live *lv, const char *name, int create);

/* livestate.c: the state on disk, and explain. */
int state_load(struct live *lv, char *err, size_t errlen);
int state_save(const struct live *lv, char *err, size_t errlen);
void job_note(struct ljob *j, int64_t at, int loc, const struct shp_decision *d,
	      const char *why);

/* live_export.c: the controller's own metrics. */
int live_export_start(struct live *lv, char *err, size_t errlen);
void live_export_stop(struct live *lv);

/* Log a line with the simulated time (stderr; -v for more). */
void live_log(const struct live *lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern int live_verbose;

#endif
