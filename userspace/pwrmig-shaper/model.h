/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shaper's model of the world: sites with their prices, PUE, room and
 * own load; jobs with their work, window, power and what moving them
 * costs.  Used by the simulator (from a scenario file) and by the live
 * controller (from its configuration and the ledgers).
 */
#ifndef _SHAPER_MODEL_H
#define _SHAPER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define SHP_MAX_SITES	8
#define SHP_NAME_LEN	64
#define SHP_MAX_LOADS	8

struct shp_tariff;
struct shp_feed;

enum shp_move {
	SHP_MOVE_NONE,		/* time-shifted only (e.g. it holds a GPU) */
	SHP_MOVE_CRIU,		/* moved live by pwrmigd (CRIU) */
	SHP_MOVE_CHECKPOINT,	/* moved through its own checkpoint (a workload manager) */
};

/* The site's own load, every day from FROM to TO (local minutes). */
struct shp_load {
	int from_min, to_min;
	int gpus;
	double kw;
};

struct shp_site {
	char name[32];
	double pue;
	int gpus;			/* GPU slots */
	double peak_kw;			/* contracted facility peak (IT x PUE); 0: none */
	double link_gbit[SHP_MAX_SITES];	/* to each other site; 0: no link */
	struct shp_tariff *tariff;	/* NULL: prices come from the feed */
	long tz_s;			/* local time of the site's own load */
	int nloads;
	struct shp_load load[SHP_MAX_LOADS];
};

struct shp_job {
	char name[SHP_NAME_LEN];
	int site;			/* where it was submitted */
	int64_t submit, deadline;	/* UNIX seconds */
	double work_h;			/* run time it needs */
	double kw;			/* IT power while it runs */
	int gpus;
	double size_gb;			/* its checkpoint */
	int priority;			/* 0-9, higher first */
	enum shp_move move;
	int deferrable;
	int pinned;
};

/* Migration cost parameters. */
struct shp_movecfg {
	double kwh_per_gb;		/* energy spent moving a GB (IT) */
	double overhead_s;		/* frozen time on top of the transfer */
	double penalty;			/* currency per move, in decisions only */
	double min_dwell_h;		/* no second move of a job within this */
	double hysteresis;		/* a move must save this many times its cost */
};

struct shp_world {
	int nsites;
	struct shp_site site[SHP_MAX_SITES];
	struct shp_feed *feed;		/* prices of sites without a tariff */
	char currency[4];
	struct shp_movecfg move;
};

/* The grid price at site S at time T.  -1 with ERR set when unknown. */
int world_price(const struct shp_world *w, int s, int64_t when, double *price,
		char *err, size_t errlen);
/* The site's own load at time T. */
void site_load(const struct shp_site *s, int64_t when, int *gpus, double *kw);
int world_site(const struct shp_world *w, const char *name);

/* Seconds the job is frozen when it moves from site A to site B. */
double move_frozen_s(const struct shp_world *w, const struct shp_job *j, int a, int b);
/* Currency the move costs: the energy spent at A's price, plus the penalty. */
double move_cost(const struct shp_world *w, const struct shp_job *j, int a, int b,
		 double price_a, int with_penalty);

#endif
