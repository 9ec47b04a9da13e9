/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From the linear program's fractional plan to what each job does in the
 * slot at hand (run at a site, or pause), and the checks every plan passes
 * before anything acts on it.
 */
#ifndef _SHAPER_PLAN_H
#define _SHAPER_PLAN_H

#include <stddef.h>

#include "lp.h"
#include "model.h"

struct shp_decision {
	int site;			/* where it runs now; -1: paused */
	int must;			/* it must run now to meet its deadline */
	double run;			/* the program's share of slot 0 for it */
	double at[SHP_MAX_SITES];	/* ... per site */
	double planned[SHP_MAX_SITES];	/* slots the program plans at each site */
	double saving;			/* a move: what the planned work saves there */
	double move_cost;		/* a move: what it costs (penalty included) */
	double price_now;		/* effective price (x PUE) where it runs or is */
	const char *why;		/* a short reason, for explain and the log */
};

/* Round the program's solution X to decisions D[njobs] (room respected). */
void plan_round(const struct shp_problem *p, const struct shp_lp *lp, const double *x,
		struct shp_decision *d);

/*
 * Without a program: each job where it is, in the cheapest slots of its
 * window by the forecast, the least slack first for room ("Let's Wait
 * Awhile"'s rule).  The time-shift baseline, and the fallback when the
 * solver fails.
 */
void plan_greedy(const struct shp_problem *p, struct shp_decision *d);

/*
 * The invariants: room (GPUs, kW) never exceeded, jobs only at sites they
 * may use: -1 with ERR naming the first breach (job names from NAMES, may
 * be NULL).  1 with ERR naming a job that must run now and finds no room
 * (it will miss its deadline: a warning, the plan is still sound); 0.
 */
int plan_check(const struct shp_problem *p, const struct shp_decision *d,
	       const char *const *names, char *err, size_t errlen);

/*
 * Jobs the program cannot fit before their deadline, by name and why, into
 * MSG; returns how many.
 */
int plan_infeasible(const struct shp_problem *p, const struct shp_lp *lp, const double *x,
		    const char *const *names, char *msg, size_t len);

/*
 * Planning job JOB at site LOC with LEFT slots of work, due before slot
 * LAST (<= 0: overdue): the sites in MAY_MOVE it may move to now, at what
 * cost (PRICE_LOC: the grid price where it is now).
 */
void pjob_init(struct shp_pjob *pj, const struct shp_world *w, const struct shp_job *job,
	       int loc, unsigned int may_move, double price_loc, double left, int last,
	       int slot_s);
/* The problem over NSLOTS of the site arrays ([site * nslots + slot]). */
void problem_init(struct shp_problem *p, const struct shp_world *w, int nslots, double slot_h,
		  const double *price, const double *gfree, const double *kfree,
		  struct shp_pjob *jobs, int njobs);

/* Slack of job J in slots: time left before its deadline minus its work. */
double plan_slack(const struct shp_problem *p, int j);

#endif
