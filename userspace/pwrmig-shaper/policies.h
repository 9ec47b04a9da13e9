/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's view of the planning problem, shared by the policies.
 */
#ifndef _SHAPER_POLICIES_H
#define _SHAPER_POLICIES_H

#include "lp.h"
#include "plan.h"
#include "sim.h"

/* Buffers for one planning problem per slot, reused. */
struct simplan {
	struct shp_problem p;
	struct shp_pjob *jobs;
	int *map;			/* problem job -> scenario job */
	const char **names;
	double *price, *gfree, *kfree;	/* [site * horizon + slot] */
	struct shp_decision *d;
};

int simplan_init(struct shp_sim *sim, struct simplan *sp);
void simplan_free(struct simplan *sp);
/*
 * The problem at sim->now over the horizon: active jobs, the forecast
 * (the actual price for slot 0), room; MOVES: whether jobs may move.
 * Returns the number of jobs in it.
 */
int simplan_build(struct shp_sim *sim, struct simplan *sp, int moves);
/* sp->d's sites into the simulator's ACTION array. */
void simplan_actions(const struct simplan *sp, int *action);

#endif
