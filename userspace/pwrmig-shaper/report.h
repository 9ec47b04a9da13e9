/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's reports: a table, JSON, and plots through gnuplot.
 */
#ifndef _SHAPER_REPORT_H
#define _SHAPER_REPORT_H

#include <stdio.h>

#include "sim.h"

struct shp_report {
	const struct shp_scenario *sc;
	int nres;
	struct shp_result res[8];
	int has_bound;
	struct shp_bound bound;
	char bound_err[256];
};

/* Saving of R against run-in-place (res[0]) as a fraction. */
double report_saving(const struct shp_report *r, double cost);

void report_table(FILE *out, const struct shp_report *r);
void report_json(FILE *out, const struct shp_report *r);

/*
 * Plot one simulated run (prices, power per site, where each job ran, the
 * moves) into PNG with gnuplot.  SIM holds the run just finished, TRACE
 * what was recorded per slot.  0, or -1 with ERR set.
 */
struct shp_trace {
	int nslots, nsites;
	double *kw;			/* [site * nslots + slot] facility kW */
	int *moves;			/* [slot]: moves in that slot */
};

int trace_init(struct shp_trace *tr, const struct shp_sim *sim);
void trace_record(struct shp_trace *tr, const struct shp_sim *sim);
void trace_free(struct shp_trace *tr);
int report_plot(const char *png, const struct shp_sim *sim, const struct shp_trace *tr,
		const char *title, char *err, size_t errlen);

#endif
