/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The linear program's solver: COIN-OR CLP through its C interface.
 */
#ifndef _SHAPER_SOLVER_H
#define _SHAPER_SOLVER_H

#include <stddef.h>

#include "lp.h"

struct shp_solution {
	double *x;		/* [lp->ncols] */
	double objective;
	double seconds;		/* wall time of the solve */
	int iterations;
	int dives;
};

enum shp_solve_method {
	SHP_SOLVE_AUTO,		/* CLP's choice, with presolve */
	SHP_SOLVE_DUAL,
	SHP_SOLVE_PRIMAL,
	SHP_SOLVE_BARRIER,
};

/*
 * Solve LP within MAX_SECONDS (0: no limit).  0 with SOL filled (free
 * SOL->x), or -1 with ERR saying why (not optimal, out of time, no memory).
 */
int lp_solve(const struct shp_lp *lp, enum shp_solve_method method, double max_seconds,
	     struct shp_solution *sol, char *err, size_t errlen);

/*
 * As lp_solve(), then dive until slot 0 is whole: while a job's share of
 * slot 0 is fractional (or split over sites), fix the likeliest choice
 * (run at its largest site when that is at least half, else pause) and
 * solve again from the last basis.  SOL->dives counts the fixes.
 */
int lp_solve_whole_slot0(const struct shp_lp *lp, double max_seconds, struct shp_solution *sol,
			 char *err, size_t errlen);

/* A mixed-integer solve (CBC): runs and moves whole. */
struct shp_mip {
	double objective;	/* the best whole solution found */
	double bound;		/* no whole solution costs less than this */
	int proven;		/* objective is the optimum (within 0.01 %) */
	int has_solution;
	double seconds;
	double *x;		/* the best whole solution, when asked for */
};

int lp_solve_mip(const struct shp_lp *lp, double max_seconds, int want_x, struct shp_mip *mip,
		 char *err, size_t errlen);

const char *solver_version(void);

#endif
