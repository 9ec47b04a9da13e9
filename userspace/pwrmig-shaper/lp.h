/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The planning problem and its linear program, apart from any solver.
 *
 * A problem is a horizon of slots, sites with a price, a PUE and room per
 * slot (GPU slots and IT kW left after the site's own load), and jobs with
 * remaining work, a window, power, and what moving them costs.  lp_build()
 * turns it into a linear program (Documentation/shaper.md, "The linear
 * program"): per job, site and period, how many slots it runs there.
 * Periods merge neighbouring slots that look the same to the program
 * (same prices and room at every site: "merge", lossless), and with
 * "block" the far horizon into hours and then 2- and 4-hour blocks, at
 * their mean price and least room (a planner's approximation: the near
 * slots it acts on stay exact).  Slot 0, the one acted on now, is always
 * a period of its own.
 */
#ifndef _SHAPER_LP_H
#define _SHAPER_LP_H

#include "model.h"

enum { SHP_WHERE_VISIT, SHP_WHERE_NEAR, SHP_WHERE_PERIOD };

struct shp_pjob {
	int loc;			/* site it is at now */
	unsigned int sites;		/* bit per site it may run at (loc included) */
	double work;			/* slots of work left */
	int first;			/* first slot it may run in */
	int last;			/* it must be done before this slot (may be > nslots) */
	double kw;			/* IT power while running */
	int gpus;
	double move_cost[SHP_MAX_SITES];	/* currency, to move from loc to the site */
	double move_loss[SHP_MAX_SITES];	/* slots of work lost to the move */
	double tail_price;		/* currency per slot of work left after the horizon */
	double weight;			/* priority: a larger weight runs earlier among equals */
};

struct shp_problem {
	int nslots;
	int nsites;
	int njobs;
	double slot_h;
	double pue[SHP_MAX_SITES];
	/* [site * nslots + slot] */
	const double *price;		/* currency per kWh at the grid */
	const double *gpus_free;
	const double *kw_free;		/* IT kW; INFINITY for no limit */
	const struct shp_pjob *job;
	int merge;			/* merge equal neighbouring slots */
	int block;			/* coarser periods far ahead */
	int split;			/* a period boundary at every job's window ends */
	/*
	 * How moves are modelled:
	 *   SHP_WHERE_VISIT   a job pays one move per other site it runs at
	 *                     (cheap; undercharges a way back)
	 *   SHP_WHERE_NEAR    where a job is in slots [0, near) and where after:
	 *                     going and coming back costs two moves
	 *   SHP_WHERE_PERIOD  where a job is in every period: every move paid
	 * VISIT and PERIOD relax every schedule (valid bounds); NEAR is a
	 * planner's model.
	 */
	int where;
	int near;
	double eps;			/* weight of the earliness tie-break */
};

enum { LP_X = 1, LP_MOVE, LP_TAIL, LP_MISS, LP_LOC };

struct shp_lp_col {
	unsigned char kind;		/* LP_* */
	unsigned char site;
	int job;
	int period;			/* LP_X; LP_LOC, LP_MOVE: the block */
};

struct shp_lp {
	int ncols, nrows, nperiods;
	int *period_start;		/* [nperiods + 1], slots */
	/* columns, column-major matrix */
	double *obj, *clo, *cup;
	int *start;			/* [ncols + 1] */
	int *index;
	double *value;
	struct shp_lp_col *col;
	/* rows */
	double *rlo, *rup;
	int nnz;
	int caps[4];			/* allocation sizes: cols, nnz, rows, periods */
};

/* Build the program; 0 or -ENOMEM.  lp_free() releases what it holds. */
int lp_build(const struct shp_problem *p, struct shp_lp *lp);
void lp_free(struct shp_lp *lp);

/* Slots of period K in which job J may run. */
int lp_job_slots(const struct shp_problem *p, const struct shp_lp *lp, int j, int k);

#endif
