// SPDX-License-Identifier: GPL-2.0
/*
 * The module-less ledger's cgroup entries: made as the collector or the
 * GPU sampler first charges a cgroup, or as the family socket sets its
 * terms; changed by policy-set, carry and energy-report with the module's
 * rules (common/cgterms.c); published to the snapshot.
 */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwrmig.h"
#include "ledger_int.h"

uint64_t pd_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int pd_lcg_cmp(const void *a, const void *b)
{
	const struct lcg *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int pd_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t cap2;

	if (need <= *cap)
		return 0;
	cap2 = *cap ? *cap * 2 : 64;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*arr, cap2 * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = cap2;
	return 0;
}

struct lcg *pd_lcg_get(struct pd_ledger *l, uint64_t id)
{
	struct lcg key = { .id = id }, *cg, **found;

	found = tfind(&key, &l->tree, pd_lcg_cmp);
	if (found)
		return *found;
	if (pd_grow((void **)&l->all, &l->capall, l->nall + 1, sizeof(*l->all)))
		return NULL;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return NULL;
	cg->id = id;
	if (!tsearch(cg, &l->tree, pd_lcg_cmp)) {
		free(cg);
		return NULL;
	}
	l->all[l->nall++] = cg;
	pd_cgroup_path(id, cg->path, sizeof(cg->path));
	return cg;
}

static void gpu_cost(struct pd_ledger *l, struct lcg *cg, uint64_t uj)
{
	const struct pwrmig_site_entry *c = pwrmig_sites_local(l->pd->sites);

	if (c && c->price && uj)
		pwrmig_cost_add(&cg->cost, uj, c->price, c->pue_milli);
}

int pd_ledger_add_gpu(struct pd_ledger *l, uint64_t cgid, uint64_t uj)
{
	struct lcg *cg = pd_lcg_get(l, cgid);

	if (!cg)
		return -ENOMEM;
	cg->energy_uj[PD_DOM_GPU] += uj;
	gpu_cost(l, cg, uj);
	return 0;
}

/*
 * The entry a change from the family finds, as the module finds it: the
 * ledger's (even gone), else a live cgroup's new one.
 */
static struct lcg *entry(struct pd_ledger *l, uint64_t id, int *err)
{
	struct lcg key = { .id = id }, **found, *cg;

	found = tfind(&key, &l->tree, pd_lcg_cmp);
	if (found)
		return *found;
	if (!pd_cgroup_live(id)) {
		*err = -ENOENT;
		return NULL;
	}
	cg = pd_lcg_get(l, id);
	if (!cg)
		*err = -ENOMEM;
	return cg;
}

struct pwrmig_cg_terms *pd_ledger_terms(struct pd_ledger *l, uint64_t id, int *err)
{
	struct lcg *cg = entry(l, id, err);

	return cg ? &cg->terms : NULL;
}

int pd_ledger_report(struct pd_ledger *l, uint64_t id, const struct pwrmig_energy_req *r,
		     struct pwrmig_refusal *e)
{
	unsigned long long gpu;
	struct lcg *cg;
	int err = 0;

	cg = entry(l, id, &err);
	if (!cg) {
		e->err = err;
		e->msg = err == -ENOENT ? "no cgroup with this id" : NULL;
		e->attr = PWRMIG_A_ENERGY_CGROUP_ID;
		return err;
	}
	gpu = cg->energy_uj[PD_DOM_GPU];
	if (pwrmig_energy_add(&gpu, r, e))
		return e->err;
	cg->energy_uj[PD_DOM_GPU] = gpu;
	gpu_cost(l, cg, r->uj);
	return 0;
}

static int snapshot_reserve(struct pd_snapshot *s, size_t n)
{
	struct pd_cgroup *p;

	if (n <= s->cap)
		return 0;
	p = realloc(s->cg, n * sizeof(*s->cg));
	if (!p)
		return -1;
	s->cg = p;
	s->cap = n;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct pd_cgroup *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The snapshot's cgroups are in id order (the family's dumps resume by id). */
void pd_ledger_fill(struct pd_ledger *l, struct pd_snapshot *s)
{
	uint64_t now = pd_mono_ns() / 1000000000ULL, wall = time(NULL);
	const struct pd_config *c = &l->pd->cfg;
	unsigned int k;
	size_t i;

	s->mode = "bpf";
	s->meter = l->meter_name;
	s->estimated = l->estimated;
	s->domains = 1 << PD_DOM_PKG;
	for (i = 0; i < l->nzones; i++)
		s->domains |= 1 << l->zones[i].dom;
	s->samples = l->samples;
	s->interval_ns = l->interval_ns;
	s->interval_uj = l->interval_uj;
	s->charged = l->charged;
	memcpy(s->power_mw, l->power_mw, sizeof(s->power_mw));
	memcpy(s->total_uj, l->total_uj, sizeof(s->total_uj));
	memcpy(s->idle_uj, l->idle_uj, sizeof(s->idle_uj));
	memcpy(s->other_uj, l->other_uj, sizeof(s->other_uj));
	s->ncg = 0;
	if (snapshot_reserve(s, l->nall))
		return;
	for (i = 0; i < l->nall; i++) {
		const struct lcg *cg = l->all[i];
		struct pd_cgroup *o;

		if (cg->gone && now - cg->gone_at > c->retention_s)
			continue;
		o = &s->cg[s->ncg++];
		o->id = cg->id;
		snprintf(o->path, sizeof(o->path), "%s", cg->path);
		o->runtime_ns = cg->runtime_ns;
		memcpy(o->energy_uj, cg->energy_uj, sizeof(o->energy_uj));
		o->cost_uunits = cg->cost.uunits;
		o->estimated = cg->estimated;
		o->gone = cg->gone;
		o->terms = cg->terms;
	}
	qsort(s->cg, s->ncg, sizeof(*s->cg), by_id);
	s->nsites = 0;
	for (i = 0; i < PWRMIG_MAX_SITES && s->nsites < sizeof(s->sites) / sizeof(s->sites[0]); i++) {
		const struct pwrmig_site_entry *e = &l->pd->sites[i];

		if (!e->name[0])
			continue;
		pd_site_fill(&s->sites[s->nsites], e->name, e->local, e->price,
			     e->currency, e->pue_milli, e->has_carbon, e->carbon);
		for (k = 0; k < e->n_forecast; k++)
			pd_site_slot(&s->sites[s->nsites], wall, e->forecast[k].start,
				     e->forecast[k].duration_s, e->forecast[k].price);
		s->nsites++;
	}
}
