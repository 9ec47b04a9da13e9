// SPDX-License-Identifier: GPL-2.0
/*
 * A planning problem from the world as a planner sees it now: jobs with
 * their work, deadline and what moving them costs; sites' prices and
 * room over the horizon.  The simulator's shaper policy and the live
 * controller both build theirs here.
 */
#include <math.h>
#include <string.h>

#include "plan.h"

void pjob_init(struct shp_pjob *pj, const struct shp_world *w, const struct shp_job *job,
	       int loc, unsigned int may_move, double price_loc, double left, int last,
	       int slot_s)
{
	int s;

	memset(pj, 0, sizeof(*pj));
	pj->loc = loc;
	pj->sites = 1u << loc;
	for (s = 0; s < w->nsites; s++) {
		if (s == loc || !(may_move & (1u << s)))
			continue;
		pj->sites |= 1u << s;
		pj->move_cost[s] = move_cost(w, job, loc, s, price_loc, 1) * w->move.hysteresis;
		pj->move_loss[s] = move_frozen_s(w, job, loc, s) / slot_s;
	}
	/*
	 * Work is planned in whole slots, which is what it takes of room, the
	 * last one too (a move's frozen time makes it fractional).
	 */
	pj->work = ceil(left - 1e-9);
	/* Overdue, or not deferrable: as soon as possible. */
	pj->last = last > 0 ? last : (int)ceil(left);
	if (!job->deferrable)
		pj->last = (int)ceil(left);
	pj->kw = job->kw;
	pj->gpus = job->gpus;
	pj->weight = 1 + job->priority;
}

/* The least effective price of the sites job J may use, over the horizon. */
static double least_price(const struct shp_problem *p, const struct shp_pjob *job)
{
	double v = INFINITY;
	int s, t;

	for (s = 0; s < p->nsites; s++) {
		if (!(job->sites & (1u << s)))
			continue;
		for (t = 0; t < p->nslots; t++)
			v = fmin(v, p->price[s * p->nslots + t] * p->pue[s]);
	}
	return v;
}

void problem_init(struct shp_problem *p, const struct shp_world *w, int nslots, double slot_h,
		  const double *price, const double *gfree, const double *kfree,
		  struct shp_pjob *jobs, int njobs)
{
	int s, k;

	*p = (struct shp_problem){
		.nslots = nslots, .nsites = w->nsites, .njobs = njobs, .slot_h = slot_h,
		.price = price, .gpus_free = gfree, .kw_free = kfree, .job = jobs,
		.merge = 1, .block = 1, .eps = 1e-6, .where = SHP_WHERE_NEAR,
		.near = (int)fmax(4, ceil(w->move.min_dwell_h / slot_h)),
	};
	for (s = 0; s < w->nsites; s++)
		p->pue[s] = w->site[s].pue;
	/*
	 * Work left for after the horizon is priced at the least price the
	 * job could have in it; planners look as far as deadlines go (up to
	 * their longest horizon), so that guess is rarely needed.
	 */
	for (k = 0; k < njobs; k++)
		jobs[k].tail_price = least_price(p, &jobs[k]) * jobs[k].kw * slot_h;
}
