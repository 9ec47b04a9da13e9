// SPDX-License-Identifier: GPL-2.0
/*
 * The shaper in the simulator: every slot, the linear program over the
 * horizon on the forecast, rounded to what runs where now, checked; the
 * greedy plan when the solver fails or overruns its budget.  And the
 * offline optimum's bound: one program over the whole run with every job
 * and price known.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policies.h"
#include "solver.h"

/* A re-plan that takes longer than this falls back to the greedy plan. */
#define SOLVE_BUDGET_S	10.0

struct lp_state {
	struct simplan sp;
	double solve_max, solve_sum;
	int solves, fallbacks;
};

static int shaper_init(struct shp_sim *sim, void **state)
{
	struct lp_state *st = calloc(1, sizeof(*st));

	if (!st || simplan_init(sim, &st->sp)) {
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

/* One line on what the explained job does now, and why. */
static void explain_slot(const struct shp_sim *sim, const struct simplan *sp)
{
	const struct shp_world *w = sim->w;
	char when[32];
	time_t t = sim->t0 + (int64_t)sim->now * sim->sc->slot_s + w->site[0].tz_s;
	struct tm tm;
	int k;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%m-%d %H:%M", &tm);
	for (k = 0; k < sp->p.njobs; k++) {
		const struct shp_decision *d = &sp->d[k];
		const struct shp_pjob *pj = &sp->p.job[k];

		if (strcmp(sp->names[k], sim->explain))
			continue;
		fprintf(sim->explain_out, "%s  at %-5s %-6s %-16s %5.2f/kWh  left %5.1f slots, "
			"%4d to deadline, program %.2f now",
			when, w->site[pj->loc].name, d->site < 0 ? "pause" :
			d->site == pj->loc ? "run" : "MOVE", d->why ? d->why : "",
			d->price_now, pj->work, pj->last, d->run);
		if (d->site >= 0 && d->site != pj->loc)
			fprintf(sim->explain_out, ", to %s: saves %.2f, costs %.2f",
				w->site[d->site].name, d->saving, d->move_cost);
		fprintf(sim->explain_out, "\n");
	}
}

static int shaper_decide(struct shp_sim *sim, void *state, int *action)
{
	struct lp_state *st = state;
	struct shp_solution sol;
	struct shp_lp lp;
	char err[256];

	if (!simplan_build(sim, &st->sp, 1))
		return 0;
	if (lp_build(&st->sp.p, &lp))
		return -1;
	if (lp_solve_whole_slot0(&lp, SOLVE_BUDGET_S, &sol, err, sizeof(err))) {
		plan_greedy(&st->sp.p, st->sp.d);
		st->fallbacks++;
	} else {
		st->solves++;
		st->solve_sum += sol.seconds;
		st->solve_max = fmax(st->solve_max, sol.seconds);
		plan_round(&st->sp.p, &lp, sol.x, st->sp.d);
		free(sol.x);
	}
	lp_free(&lp);
	if (plan_check(&st->sp.p, st->sp.d, st->sp.names, err, sizeof(err)) < 0) {
		/* Never act on a plan that breaks an invariant. */
		plan_greedy(&st->sp.p, st->sp.d);
		st->fallbacks++;
	}
	if (sim->explain)
		explain_slot(sim, &st->sp);
	simplan_actions(&st->sp, action);
	return 0;
}

static void shaper_stats(void *state, double *max_s, double *mean_s, int *solves,
			 int *fallbacks)
{
	struct lp_state *st = state;

	*max_s = st->solve_max;
	*mean_s = st->solves ? st->solve_sum / st->solves : 0;
	*solves = st->solves;
	*fallbacks = st->fallbacks;
}

static void shaper_fini(void *state)
{
	struct lp_state *st = state;

	if (st)
		simplan_free(&st->sp);
	free(st);
}

const struct shp_policy policy_shaper = {
	.name = "shaper",
	.title = "pwrmig-shaper (online LP)",
	.init = shaper_init,
	.decide = shaper_decide,
	.stats = shaper_stats,
	.fini = shaper_fini,
};

/* ---- the offline bound ---------------------------------------------------- */

static void offline_job(const struct shp_sim *sim, int j, int moves, struct shp_pjob *pj)
{
	const struct shp_world *w = sim->w;
	const struct shp_job *job = &sim->sc->job[j];
	const struct shp_sim_job *js = &sim->js[j];
	int s, t;

	memset(pj, 0, sizeof(*pj));
	pj->loc = job->site;
	pj->sites = 1u << job->site;
	for (s = 0; s < sim->nsites; s++) {
		double cheapest = INFINITY;

		if (!moves || s == job->site || job->move == SHP_MOVE_NONE || job->pinned ||
		    !job->deferrable || w->site[job->site].link_gbit[s] <= 0)
			continue;
		pj->sites |= 1u << s;
		/* The cheapest moment to move: the bound may not overcharge. */
		for (t = 0; t < sim->nslots; t++)
			cheapest = fmin(cheapest, sim->price[job->site * sim->ntotal + t]);
		pj->move_cost[s] = move_cost(w, job, job->site, s, cheapest, 0);
		pj->move_loss[s] = move_frozen_s(w, job, job->site, s) / sim->sc->slot_s;
	}
	pj->work = job->work_h / sim->slot_h;
	pj->first = js->submit;
	pj->last = js->deadline < sim->nslots ? js->deadline : sim->nslots;
	if (!job->deferrable)
		pj->last = js->submit + (int)ceil(pj->work);
	pj->kw = job->kw;
	pj->gpus = job->gpus;
	pj->weight = 1;
}

int sim_bound(struct shp_sim *sim, int moves, double mip_seconds, struct shp_bound *b,
	      char *err, size_t errlen)
{
	struct shp_pjob *jobs = calloc(sim->njobs, sizeof(*jobs));
	const char **names = calloc(sim->njobs, sizeof(*names));
	struct shp_problem p = {
		.nslots = sim->nslots, .nsites = sim->nsites, .njobs = sim->njobs,
		.slot_h = sim->slot_h, .job = jobs, .merge = 1, .split = 1,
		.where = SHP_WHERE_VISIT,
	};
	size_t n = (size_t)sim->nsites * sim->nslots;
	double *gf = malloc(n * sizeof(double));
	double *kf = malloc(n * sizeof(double));
	double *pr = malloc(n * sizeof(double));
	struct shp_solution sol = { 0 };
	struct shp_lp lp = { 0 };
	int j, s, rc = -1;
	char why[512];

	memset(b, 0, sizeof(*b));
	if (!jobs || !names || !gf || !kf || !pr) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (s = 0; s < sim->nsites; s++) {
		p.pue[s] = sim->w->site[s].pue;
		memcpy(gf + s * sim->nslots, sim->gpus_free + s * sim->ntotal,
		       sim->nslots * sizeof(double));
		memcpy(kf + s * sim->nslots, sim->kw_free + s * sim->ntotal,
		       sim->nslots * sizeof(double));
		memcpy(pr + s * sim->nslots, sim->price + s * sim->ntotal,
		       sim->nslots * sizeof(double));
	}
	p.gpus_free = gf;
	p.kw_free = kf;
	p.price = pr;
	for (j = 0; j < sim->njobs; j++) {
		offline_job(sim, j, moves, &jobs[j]);
		names[j] = sim->sc->job[j].name;
	}
	if (lp_build(&p, &lp)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (lp_solve(&lp, SHP_SOLVE_PRIMAL, 0, &sol, err, errlen))
		goto out;
	if (plan_infeasible(&p, &lp, sol.x, names, why, sizeof(why))) {
		snprintf(err, errlen, "the offline optimum cannot meet every deadline: %s", why);
		goto out;
	}
	b->lp = sol.objective;
	b->lp_s = sol.seconds;
	b->cost = b->lp;
	if (mip_seconds > 0 && !lp_solve_mip(&lp, mip_seconds, 0, &b->mip, why, sizeof(why)) &&
	    b->mip.bound > b->lp - 1e-6) {
		b->has_mip = 1;
		/* The least any whole schedule can cost: the optimum once proven. */
		b->cost = b->mip.proven ? b->mip.objective : b->mip.bound;
	}
	rc = 0;
out:
	free(sol.x);
	lp_free(&lp);
	free(jobs);
	free(names);
	free(gf);
	free(kf);
	free(pr);
	return rc;
}
