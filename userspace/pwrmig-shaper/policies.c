// SPDX-License-Identifier: GPL-2.0
/*
 * The baselines every figure of the shaper is measured against, and the
 * planning problem as an online policy sees it in the simulator:
 *
 *   in-place   each job runs where it was submitted, as soon as there is room
 *   threshold  ... but pauses while the price there is above the site's median
 *   timeshift  ... in the cheapest slots before its deadline by the forecast,
 *              never moved ("Let's Wait Awhile")
 */
#include <math.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "policies.h"

int simplan_init(struct shp_sim *sim, struct simplan *sp)
{
	size_t n = (size_t)sim->nsites * sim->horizon;

	memset(sp, 0, sizeof(*sp));
	sp->jobs = calloc(sim->njobs, sizeof(*sp->jobs));
	sp->map = calloc(sim->njobs, sizeof(*sp->map));
	sp->names = calloc(sim->njobs, sizeof(*sp->names));
	sp->d = calloc(sim->njobs, sizeof(*sp->d));
	sp->price = malloc(n * sizeof(double));
	sp->gfree = malloc(n * sizeof(double));
	sp->kfree = malloc(n * sizeof(double));
	if (!sp->jobs || !sp->map || !sp->names || !sp->d || !sp->price || !sp->gfree ||
	    !sp->kfree) {
		simplan_free(sp);
		return -1;
	}
	return 0;
}

void simplan_free(struct simplan *sp)
{
	free(sp->jobs);
	free(sp->map);
	free(sp->names);
	free(sp->d);
	free(sp->price);
	free(sp->gfree);
	free(sp->kfree);
	memset(sp, 0, sizeof(*sp));
}

/*
 * How far to plan: the scenario's horizon at least, and on to the latest
 * deadline of a job in the plan, up to its longest horizon.  Beyond a
 * horizon, work left is priced at the least price the job could have;
 * planning to its deadline needs no such guess.
 */
static int plan_horizon(const struct shp_sim *sim)
{
	int j, H = sim->min_horizon;

	for (j = 0; j < sim->njobs; j++)
		if (sim->js[j].state == JOB_ACTIVE && sim->js[j].deadline - sim->now > H)
			H = sim->js[j].deadline - sim->now;
	return H < sim->horizon ? H : sim->horizon;
}

int simplan_build(struct shp_sim *sim, struct simplan *sp, int moves)
{
	const struct shp_world *w = sim->w;
	struct shp_problem *p = &sp->p;
	const int H = plan_horizon(sim), now = sim->now;
	int j, s, t, n = 0;

	for (s = 0; s < sim->nsites; s++)
		for (t = 0; t < H; t++) {
			int i = s * sim->ntotal + now + t;

			sp->price[s * H + t] = t ? sim->forecast[i] : sim->price[i];
			sp->gfree[s * H + t] = sim->gpus_free[i];
			sp->kfree[s * H + t] = sim->kw_free[i];
		}
	for (j = 0; j < sim->njobs; j++) {
		const struct shp_sim_job *js = &sim->js[j];
		unsigned int may = 0;

		if (js->state != JOB_ACTIVE)
			continue;
		for (s = 0; moves && s < sim->nsites; s++)
			if (sim_may_move(sim, j, s))
				may |= 1u << s;
		pjob_init(&sp->jobs[n], w, &sim->sc->job[j], js->loc, may,
			  sim->price[js->loc * sim->ntotal + now], js->left, js->deadline - now,
			  sim->sc->slot_s);
		sp->map[n] = j;
		sp->names[n] = sim->sc->job[j].name;
		n++;
	}
	problem_init(p, w, H, sim->slot_h, sp->price, sp->gfree, sp->kfree, sp->jobs, n);
	return n;
}

void simplan_actions(const struct simplan *sp, int *action)
{
	int k;

	for (k = 0; k < sp->p.njobs; k++)
		action[sp->map[k]] = sp->d[k].site;
}

/* ---- in place -------------------------------------------------------------- */

static int in_place_decide(struct shp_sim *sim, void *state, int *action)
{
	double used[SHP_MAX_SITES] = { 0 };
	int j;

	(void)state;
	/* In submission order: the jobs are listed that way. */
	for (j = 0; j < sim->njobs; j++) {
		const struct shp_sim_job *js = &sim->js[j];
		int g = sim->sc->job[j].gpus;

		if (js->state != JOB_ACTIVE ||
		    used[js->loc] + g > sim->gpus_free[js->loc * sim->ntotal + sim->now])
			continue;
		used[js->loc] += g;
		action[j] = js->loc;
	}
	return 0;
}

const struct shp_policy policy_in_place = {
	.name = "in-place",
	.title = "run in place",
	.decide = in_place_decide,
};

/* ---- price threshold --------------------------------------------------------- */

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int threshold_init(struct shp_sim *sim, void **state)
{
	double *th = calloc(sim->nsites, sizeof(double)), *v;
	int s, t, n = sim->sc->days * 86400 / sim->sc->slot_s;

	v = malloc(n * sizeof(double));
	if (!th || !v) {
		free(th);
		free(v);
		return -1;
	}
	for (s = 0; s < sim->nsites; s++) {
		for (t = 0; t < n; t++)
			v[t] = sim->price[s * sim->ntotal + t];
		qsort(v, n, sizeof(double), by_double);
		th[s] = v[n / 2];
	}
	free(v);
	*state = th;
	return 0;
}

static int threshold_decide(struct shp_sim *sim, void *state, int *action)
{
	double used[SHP_MAX_SITES] = { 0 }, *th = state;
	int j, pass;

	/* Jobs short of time first, then the rest while the price is low. */
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < sim->njobs; j++) {
			const struct shp_sim_job *js = &sim->js[j];
			int g = sim->sc->job[j].gpus, i = js->loc * sim->ntotal + sim->now;
			int late = js->deadline - sim->now - js->left < 1 + 1e-9;

			if (js->state != JOB_ACTIVE || action[j] >= 0 || (pass == 0 && !late) ||
			    (pass == 1 && sim->price[i] > th[js->loc] &&
			     sim->sc->job[j].deferrable) ||
			    used[js->loc] + g > sim->gpus_free[i])
				continue;
			used[js->loc] += g;
			action[j] = js->loc;
		}
	return 0;
}

const struct shp_policy policy_threshold = {
	.name = "threshold",
	.title = "price threshold (median)",
	.init = threshold_init,
	.decide = threshold_decide,
	.fini = free,
};

/* ---- time shifting only ------------------------------------------------------ */

static int timeshift_init(struct shp_sim *sim, void **state)
{
	struct simplan *sp = malloc(sizeof(*sp));

	if (!sp || simplan_init(sim, sp)) {
		free(sp);
		return -1;
	}
	*state = sp;
	return 0;
}

static int timeshift_decide(struct shp_sim *sim, void *state, int *action)
{
	struct simplan *sp = state;

	simplan_build(sim, sp, 0);
	plan_greedy(&sp->p, sp->d);
	simplan_actions(sp, action);
	return 0;
}

static void simplan_fini(void *state)
{
	if (state)
		simplan_free(state);
	free(state);
}

const struct shp_policy policy_timeshift = {
	.name = "timeshift",
	.title = "time shifting only",
	.init = timeshift_init,
	.decide = timeshift_decide,
	.fini = simplan_fini,
};
