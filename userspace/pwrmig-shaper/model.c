// SPDX-License-Identifier: GPL-2.0
/*
 * Prices, a site's own load and the cost of a move (see model.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "feed.h"
#include "model.h"
#include "tariff.h"

int world_price(const struct shp_world *w, int s, int64_t when, double *price,
		char *err, size_t errlen)
{
	const struct shp_site *site = &w->site[s];

	if (site->tariff)
		return tariff_price(site->tariff, when, price, NULL, err, errlen);
	if (w->feed && !feed_price(w->feed, site->name, when, price))
		return 0;
	snprintf(err, errlen, "no price for site %s at %lld: the feed has no point at or before it",
		 site->name, (long long)when);
	return -1;
}

void site_load(const struct shp_site *s, int64_t when, int *gpus, double *kw)
{
	int64_t local = when + s->tz_s;
	int minute = (int)(((local % 86400) + 86400) % 86400 / 60);
	int i;

	*gpus = 0;
	*kw = 0;
	for (i = 0; i < s->nloads; i++) {
		const struct shp_load *l = &s->load[i];
		int in = l->from_min <= l->to_min ?
			 minute >= l->from_min && minute < l->to_min :
			 minute >= l->from_min || minute < l->to_min;

		if (in) {
			*gpus += l->gpus;
			*kw += l->kw;
		}
	}
}

int world_site(const struct shp_world *w, const char *name)
{
	int i;

	for (i = 0; i < w->nsites; i++)
		if (!strcmp(w->site[i].name, name))
			return i;
	return -1;
}

double move_frozen_s(const struct shp_world *w, const struct shp_job *j, int a, int b)
{
	double gbit = w->site[a].link_gbit[b];

	if (gbit <= 0)
		return INFINITY;
	return w->move.overhead_s + j->size_gb * 8 / gbit;
}

double move_cost(const struct shp_world *w, const struct shp_job *j, int a, int b,
		 double price_a, int with_penalty)
{
	double kwh = j->size_gb * w->move.kwh_per_gb * w->site[a].pue;

	(void)b;
	return kwh * price_a + (with_penalty ? w->move.penalty : 0);
}
