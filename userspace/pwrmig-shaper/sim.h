/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator: replays a scenario slot by slot under a policy and
 * accounts what each job costs, where and when it ran, and what moving it
 * cost.  Policies see what an online controller would: jobs once they are
 * submitted, prices now and the forecast.
 */
#ifndef _SHAPER_SIM_H
#define _SHAPER_SIM_H

#include <stdio.h>

#include "scenario.h"
#include "solver.h"

enum { JOB_WAITING, JOB_ACTIVE, JOB_DONE };

struct shp_sim_job {
	int state;			/* JOB_* */
	int loc;			/* site it is at */
	double left;			/* slots of work left */
	int submit, deadline;		/* slots; done by the end of slot deadline - 1 */
	int last_move;			/* slot of its last move, -1 for none */
	int moves;
	double frozen_s;
	int finish;			/* slot after its last, -1 while running */
	double kwh, cost;		/* facility energy and its cost, moves included */
	double move_kwh, move_cost;
	int site_now;			/* where it ran this slot, -1: paused */
};

struct shp_sim {
	const struct shp_scenario *sc;
	const struct shp_world *w;
	int nsites, njobs;
	int nslots;			/* slots simulated at most */
	int min_horizon;		/* slots a planner looks ahead at least */
	int horizon;			/* ... and at most */
	int ntotal;			/* nslots + horizon: the length of the arrays below */
	int64_t t0;
	double slot_h;
	int now;
	/* [site * ntotal + slot] */
	double *price;			/* actual grid price */
	double *forecast;		/* what planners are told (slot now: the actual price) */
	double *gpus_free;		/* GPU slots left after the site's own load */
	double *kw_free;		/* IT kW left under the contracted peak; INFINITY: none */
	double *own_kw;			/* the site's own load */
	struct shp_sim_job *js;
	/* outcome */
	double peak_kw[SHP_MAX_SITES];
	int peak_over;			/* site-slots above the contracted peak */
	int refused;			/* runs refused: no room, or a move it may not make */
	int slots_run;
	/* The job whose every decision the shaper policy explains, and where. */
	const char *explain;
	FILE *explain_out;
	/* Called after each slot is applied, where set. */
	void (*hook)(const struct shp_sim *sim, void *arg);
	void *hook_arg;
};

struct shp_policy {
	const char *name;
	const char *title;
	int (*init)(struct shp_sim *sim, void **state);
	/* ACTION[j]: the site job j runs at in slot sim->now, or -1 to pause it. */
	int (*decide)(struct shp_sim *sim, void *state, int *action);
	/* Solver statistics, where the policy has any. */
	void (*stats)(void *state, double *solve_max_s, double *solve_mean_s, int *solves,
		      int *fallbacks);
	void (*fini)(void *state);
};

struct shp_result {
	const char *policy;
	const char *title;
	double cost, kwh;
	double peak_kw[SHP_MAX_SITES];
	int peak_over;
	int moves;
	double frozen_h;
	int misses;
	int refused;
	int unfinished;
	double solve_max_s, solve_mean_s;
	int solves, fallbacks;
	char missed[256];		/* names of jobs that missed, cut short */
};

/* Set SIM up for SC (forecasts with SC's error); 0, or -1 with ERR set. */
int sim_init(struct shp_sim *sim, const struct shp_scenario *sc, char *err, size_t errlen);
void sim_free(struct shp_sim *sim);

/* Run POLICY from the start; fill RES.  0, or -1 with ERR set. */
int sim_run(struct shp_sim *sim, const struct shp_policy *policy, struct shp_result *res,
	    char *err, size_t errlen);

/* Effective price (grid price x PUE) of site S in slot T, forecast or actual. */
static inline double sim_eff(const struct shp_sim *sim, const double *arr, int s, int t)
{
	return arr[s * sim->ntotal + t] * sim->w->site[s].pue;
}

/* Whether job J may move from where it is to site S now. */
int sim_may_move(const struct shp_sim *sim, int j, int s);

extern const struct shp_policy policy_in_place, policy_threshold, policy_timeshift,
	policy_shaper;

/*
 * The offline optimum: the same model with every job and price known in
 * advance, over the whole run, as a linear program and (given
 * MIP_SECONDS) as a mixed-integer program with runs and moves whole
 * (CBC).  Both relax every real schedule (room is checked per period of
 * equal slots, a job pays one move per other site it uses), so COST, the
 * proven MILP optimum or else the best bound, is the least any policy can
 * pay.  With MOVES 0: the least any policy that never moves a job can pay.
 */
struct shp_bound {
	double cost;			/* what the comparison uses */
	double lp, lp_s;		/* the linear relaxation */
	int has_mip;
	struct shp_mip mip;
};

int sim_bound(struct shp_sim *sim, int moves, double mip_seconds, struct shp_bound *b,
	      char *err, size_t errlen);

#endif
