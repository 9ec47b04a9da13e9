// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator (see sim.h): prices, room and forecasts for every slot,
 * then a policy's decisions applied and accounted slot by slot.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* A deterministic number in [-1, 1] for (seed, site, hour). */
static double noise(unsigned int seed, int site, long hour)
{
	uint64_t z = ((uint64_t)seed << 40) ^ ((uint64_t)site << 32) ^ (uint64_t)hour;

	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ULL << 53) * 2 - 1;
}

static int slot_of(const struct shp_sim *sim, int64_t when, int round_up)
{
	int64_t d = when - sim->t0, s = sim->sc->slot_s;

	if (d <= 0)
		return 0;
	return (int)(round_up ? (d + s - 1) / s : d / s);
}

static int fill_site(struct shp_sim *sim, int s, char *err, size_t errlen)
{
	const struct shp_site *site = &sim->w->site[s];
	const struct shp_scenario *sc = sim->sc;
	int t, gpus;
	double kw;

	for (t = 0; t < sim->ntotal; t++) {
		int64_t when = sim->t0 + (int64_t)t * sc->slot_s;
		int i = s * sim->ntotal + t;
		double e;

		if (world_price(sim->w, s, when, &sim->price[i], err, errlen))
			return -1;
		e = sc->forecast_error * noise(sc->seed, s, (long)(t * sim->slot_h));
		sim->forecast[i] = sim->price[i] * (1 + e);
		site_load(site, when, &gpus, &kw);
		sim->gpus_free[i] = site->gpus > gpus ? site->gpus - gpus : 0;
		sim->own_kw[i] = kw;
		sim->kw_free[i] = site->peak_kw > 0 ? fmax(0, site->peak_kw / site->pue - kw) :
			INFINITY;
	}
	return 0;
}

int sim_init(struct shp_sim *sim, const struct shp_scenario *sc, char *err, size_t errlen)
{
	int per_day = 86400 / sc->slot_s, j, last = 0, s;
	size_t n;

	memset(sim, 0, sizeof(*sim));
	sim->sc = sc;
	sim->w = &sc->world;
	sim->nsites = sc->world.nsites;
	sim->njobs = sc->njobs;
	sim->t0 = sc->start;
	sim->slot_h = sc->slot_s / 3600.0;
	sim->min_horizon = sc->horizon_s / sc->slot_s;
	sim->horizon = sc->max_horizon_s / sc->slot_s;
	if (sim->horizon < sim->min_horizon)
		sim->horizon = sim->min_horizon;
	sim->js = calloc(sc->njobs, sizeof(*sim->js));
	if (!sim->js)
		goto nomem;
	for (j = 0; j < sc->njobs; j++) {
		const struct shp_job *job = &sc->job[j];
		struct shp_sim_job *js = &sim->js[j];

		js->submit = slot_of(sim, job->submit, 1);
		js->deadline = job->deadline == INT64_MAX ? INT32_MAX / 2 :
			       slot_of(sim, job->deadline, 0);
		if (js->deadline != INT32_MAX / 2 && js->deadline > last)
			last = js->deadline;
		if (js->submit + (int)ceil(job->work_h / sim->slot_h) > last)
			last = js->submit + (int)ceil(job->work_h / sim->slot_h);
	}
	/* The scenario's days, or until the last deadline, and a day to spare. */
	sim->nslots = sc->days * per_day;
	if (last + per_day > sim->nslots)
		sim->nslots = last + per_day;
	sim->ntotal = sim->nslots + sim->horizon;
	n = (size_t)sim->nsites * sim->ntotal;
	sim->price = malloc(n * sizeof(double));
	sim->forecast = malloc(n * sizeof(double));
	sim->gpus_free = malloc(n * sizeof(double));
	sim->kw_free = malloc(n * sizeof(double));
	sim->own_kw = malloc(n * sizeof(double));
	if (!sim->price || !sim->forecast || !sim->gpus_free || !sim->kw_free || !sim->own_kw)
		goto nomem;
	for (s = 0; s < sim->nsites; s++)
		if (fill_site(sim, s, err, errlen)) {
			sim_free(sim);
			return -1;
		}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	sim_free(sim);
	return -1;
}

void sim_free(struct shp_sim *sim)
{
	free(sim->js);
	free(sim->price);
	free(sim->forecast);
	free(sim->gpus_free);
	free(sim->kw_free);
	free(sim->own_kw);
	memset(sim, 0, sizeof(*sim));
}

int sim_may_move(const struct shp_sim *sim, int j, int s)
{
	const struct shp_job *job = &sim->sc->job[j];
	const struct shp_sim_job *js = &sim->js[j];
	int dwell = (int)ceil(sim->w->move.min_dwell_h / sim->slot_h);

	if (s == js->loc)
		return 1;
	if (job->move == SHP_MOVE_NONE || job->pinned || !job->deferrable)
		return 0;
	if (sim->w->site[js->loc].link_gbit[s] <= 0)
		return 0;
	return js->last_move < 0 || sim->now - js->last_move >= dwell;
}

static void reset(struct shp_sim *sim)
{
	int j;

	for (j = 0; j < sim->njobs; j++) {
		struct shp_sim_job *js = &sim->js[j];
		int submit = js->submit, deadline = js->deadline;

		memset(js, 0, sizeof(*js));
		js->submit = submit;
		js->deadline = deadline;
		js->loc = sim->sc->job[j].site;
		js->left = sim->sc->job[j].work_h / sim->slot_h;
		js->last_move = -1;
		js->finish = -1;
		js->site_now = -1;
	}
	memset(sim->peak_kw, 0, sizeof(sim->peak_kw));
	sim->peak_over = 0;
	sim->refused = 0;
	sim->now = 0;
}

/* Run job J at site S for slot NOW; it may have to move there first. */
static void run_job(struct shp_sim *sim, int j, int s, double *used_kw)
{
	const struct shp_job *job = &sim->sc->job[j];
	struct shp_sim_job *js = &sim->js[j];
	const int now = sim->now;
	double frac = 1, run, kwh;

	if (s != js->loc) {
		double frozen = move_frozen_s(sim->w, job, js->loc, s);
		double price = sim->price[js->loc * sim->ntotal + now];
		double mkwh = job->size_gb * sim->w->move.kwh_per_gb * sim->w->site[js->loc].pue;

		js->move_kwh += mkwh;
		js->move_cost += mkwh * price;
		js->kwh += mkwh;
		js->cost += mkwh * price;
		js->frozen_s += frozen;
		js->moves++;
		js->last_move = now;
		js->loc = s;
		frac = fmax(0, 1 - frozen / sim->sc->slot_s);
	}
	run = fmin(frac, js->left);
	js->left -= run;
	kwh = job->kw * sim->slot_h * run * sim->w->site[s].pue;
	js->kwh += kwh;
	js->cost += kwh * sim->price[s * sim->ntotal + now];
	js->site_now = s;
	used_kw[s] += job->kw;
	if (js->left <= 1e-9) {
		js->left = 0;
		js->state = JOB_DONE;
		js->finish = now + 1;
	}
}

static void apply(struct shp_sim *sim, const int *action)
{
	double used_gpus[SHP_MAX_SITES] = { 0 }, used_kw[SHP_MAX_SITES] = { 0 };
	const int now = sim->now;
	int j, s;

	for (j = 0; j < sim->njobs; j++) {
		struct shp_sim_job *js = &sim->js[j];
		const struct shp_job *job = &sim->sc->job[j];

		js->site_now = -1;
		if (js->state != JOB_ACTIVE || action[j] < 0)
			continue;
		s = action[j];
		if (s >= sim->nsites || !sim_may_move(sim, j, s) ||
		    used_gpus[s] + job->gpus > sim->gpus_free[s * sim->ntotal + now] + 1e-9) {
			sim->refused++;
			continue;
		}
		used_gpus[s] += job->gpus;
		run_job(sim, j, s, used_kw);
	}
	for (s = 0; s < sim->nsites; s++) {
		const struct shp_site *site = &sim->w->site[s];
		double kw = (used_kw[s] + sim->own_kw[s * sim->ntotal + now]) * site->pue;

		if (kw > sim->peak_kw[s])
			sim->peak_kw[s] = kw;
		if (site->peak_kw > 0 && kw > site->peak_kw * (1 + 1e-9))
			sim->peak_over++;
	}
}

static void result(const struct shp_sim *sim, struct shp_result *res)
{
	size_t off = 0;
	int j;

	for (j = 0; j < sim->njobs; j++) {
		const struct shp_sim_job *js = &sim->js[j];

		res->cost += js->cost;
		res->kwh += js->kwh;
		res->moves += js->moves;
		res->frozen_h += js->frozen_s / 3600;
		if (js->state != JOB_DONE)
			res->unfinished++;
		if (js->state != JOB_DONE || js->finish > js->deadline) {
			res->misses++;
			if (off < sizeof(res->missed) - 1)
				off += snprintf(res->missed + off, sizeof(res->missed) - off,
						"%s%s", off ? " " : "", sim->sc->job[j].name);
		}
	}
	memcpy(res->peak_kw, sim->peak_kw, sizeof(res->peak_kw));
	res->peak_over = sim->peak_over;
	res->refused = sim->refused;
}

int sim_run(struct shp_sim *sim, const struct shp_policy *policy, struct shp_result *res,
	    char *err, size_t errlen)
{
	int *action = calloc(sim->njobs, sizeof(int));
	void *state = NULL;
	int j, left, rc = -1;

	memset(res, 0, sizeof(*res));
	res->policy = policy->name;
	res->title = policy->title;
	if (!action) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	reset(sim);
	if (policy->init && policy->init(sim, &state)) {
		snprintf(err, errlen, "policy %s: cannot start", policy->name);
		goto out;
	}
	for (sim->now = 0; sim->now < sim->nslots; sim->now++) {
		for (j = 0, left = 0; j < sim->njobs; j++) {
			if (sim->js[j].state == JOB_WAITING && sim->js[j].submit <= sim->now)
				sim->js[j].state = JOB_ACTIVE;
			left += sim->js[j].state != JOB_DONE;
		}
		if (!left)
			break;
		for (j = 0; j < sim->njobs; j++)
			action[j] = -1;
		if (policy->decide(sim, state, action)) {
			snprintf(err, errlen, "policy %s failed in slot %d", policy->name, sim->now);
			goto out;
		}
		apply(sim, action);
		if (sim->hook)
			sim->hook(sim, sim->hook_arg);
	}
	sim->slots_run = sim->now;
	result(sim, res);
	if (policy->stats)
		policy->stats(state, &res->solve_max_s, &res->solve_mean_s, &res->solves,
			      &res->fallbacks);
	rc = 0;
out:
	if (policy->fini)
		policy->fini(state);
	free(action);
	return rc;
}
