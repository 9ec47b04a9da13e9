/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files for the simulator (Documentation/shaper.md, "Scenario
 * files"): sites with their tariffs or a price feed, links, the sites' own
 * load, and a job mix.
 */
#ifndef _SHAPER_SCENARIO_H
#define _SHAPER_SCENARIO_H

#include "model.h"

/* What a job's owner says of it in the live configuration. */
struct shp_livejob {
	char name[SHP_NAME_LEN];	/* its cgroup's last path element */
	double work_h;			/* the run time it needs in all; 0: estimated */
	int gpus;
	double kw;			/* 0: measured by the ledger */
	double size_gb;			/* 0: the cgroup's memory.current */
	int pinned;
	int has_move;
	enum shp_move move;
};

/* The live controller's own settings (pwrmig-shaper run --config). */
struct shp_live {
	char state_dir[256];
	char listen[64];		/* metrics, ADDRESS:PORT; "" for none */
	char feed[600];			/* followed price feed; "" for none */
	int64_t clock_start;		/* simulated time at start; 0: real time */
	double speed;			/* simulated seconds per real second */
	int64_t clock_from;		/* real time of clock_start; 0: the start */
	char cgroup_root[SHP_MAX_SITES][128];	/* sites this node acts for */
	char metrics[SHP_MAX_SITES][256];	/* remote sites' pwrmigd /metrics */
	int local_site;			/* the module's local site, -1 for none */
	int migrate_mode;		/* PWRMIG_MIGRATE_MODE_*, 0: live */
	int request_timeout_s;
	int backoff_s, backoff_max_s;
	int njobs;
	struct shp_livejob *job;
};

struct shp_scenario {
	char name[64];
	char path[256];
	char slack[64];			/* what the deadlines leave, as written */
	int64_t start;			/* UNIX seconds */
	int days;
	int slot_s;
	int horizon_s;			/* planners look this far ahead at least */
	int max_horizon_s;		/* ... and to the latest deadline, up to this */
	unsigned int seed;
	double forecast_error;		/* forecasts are off by up to this fraction */
	struct shp_world world;
	int njobs;
	struct shp_job *job;
	int live;			/* read as a live configuration */
	struct shp_live lv;
};

/* Read PATH; 0, or -1 with ERR set to "FILE:LINE: why". */
int scenario_load(const char *path, struct shp_scenario *sc, char *err, size_t errlen);
/* Read PATH as the live controller's configuration (Documentation/shaper.md). */
int config_load(const char *path, struct shp_scenario *sc, char *err, size_t errlen);
void scenario_free(struct shp_scenario *sc);

/*
 * Overrides for sweeps: every job's deadline set to its submit time plus
 * its work plus SLACK ("2h", or "2x" of the work); a site's GPU slots.
 */
int scenario_set_slack(struct shp_scenario *sc, const char *slack, char *err, size_t errlen);
int scenario_set_gpus(struct shp_scenario *sc, const char *site_eq_n, char *err, size_t errlen);

/* Read a tariff or a scenario-relative path the way scenario_load() does. */
struct shp_tariff *tariff_find(const char *dir, const char *name, char *err, size_t errlen);

#endif
