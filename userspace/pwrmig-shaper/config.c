// SPDX-License-Identifier: GPL-2.0
/*
 * The live controller's configuration: a scenario's sites, links, loads,
 * tariffs and move costs, and the settings of pwrmig-shaper run
 * (Documentation/shaper.md, "Configuration").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "reader.h"
#include "scenario.h"

/* job NAME [work=DUR] [gpus=N] [kw=X] [size=NG] [move=...] [pin]: an owner's word. */
static int livejob_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	struct shp_livejob *j, *nj;
	int64_t d;
	double v;
	int i;

	if (nf < 2 || strchr(f[1], '/') || strlen(f[1]) >= SHP_NAME_LEN)
		return bad(r, "want job NAME KEY=VALUE..., NAME the cgroup's last path element "
			   "(at most %d characters)", SHP_NAME_LEN - 1);
	for (i = 0; i < sc->lv.njobs; i++)
		if (!strcmp(sc->lv.job[i].name, f[1]))
			return bad(r, "job '%s' is named twice", f[1]);
	nj = realloc(sc->lv.job, (sc->lv.njobs + 1) * sizeof(*nj));
	if (!nj)
		return bad(r, "out of memory");
	sc->lv.job = nj;
	j = &nj[sc->lv.njobs];
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", f[1]);
	for (i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '='), *val = eq ? eq + 1 : NULL;

		if (!strcmp(f[i], "pin")) {
			j->pinned = 1;
			continue;
		}
		if (!eq)
			return bad(r, "'%s' is not KEY=VALUE (or pin)", f[i]);
		*eq = 0;
		if (!strcmp(f[i], "work")) {
			if (dur(r, "work", val, &d))
				return -1;
			j->work_h = d / 3600.0;
		} else if (!strcmp(f[i], "gpus")) {
			if (num(r, "gpus", val, 0, 4096, &v))
				return -1;
			j->gpus = (int)v;
		} else if (!strcmp(f[i], "kw")) {
			if (num(r, "kw", val, 0.001, 1e4, &j->kw))
				return -1;
		} else if (!strcmp(f[i], "size")) {
			if (size_arg(r, val, &j->size_gb))
				return -1;
		} else if (!strcmp(f[i], "move")) {
			j->has_move = 1;
			if (move_arg(r, val, &j->move))
				return -1;
		} else {
			return bad(r, "unknown job setting '%s' (work=, gpus=, kw=, size=, move=, "
				   "pin)", f[i]);
		}
	}
	sc->lv.njobs++;
	return 0;
}

/* Settings of the live controller only. */
int live_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	struct shp_live *lv = &sc->lv;
	const char *k = f[0];
	uint64_t t, o;
	int64_t d;

	if (!strcmp(k, "job"))
		return livejob_line(r, sc, f, nf);
	if (!strcmp(k, "clock")) {
		if (nf == 2 && !strcmp(f[1], "real")) {
			lv->clock_start = 0;
			return 0;
		}
		if ((nf != 3 && nf != 4) || time_parse(f[1], &t) || f[2][0] != 'x' ||
		    num(r, "clock speed", f[2] + 1, 1, 1e6, &lv->speed) ||
		    (nf == 4 && (strncmp(f[3], "from=", 5) || time_parse(f[3] + 5, &o))))
			return bad(r, "want clock real, or clock START xSPEED [from=T] (simulated "
				   "time from START, SPEED times faster than real time, from the "
				   "controller's start or from real time T)");
		lv->clock_start = (int64_t)t;
		lv->clock_from = nf == 4 ? (int64_t)o : 0;
		return 0;
	}
	if (strcmp(k, "state_dir") && strcmp(k, "listen") && strcmp(k, "migrate_mode") &&
	    strcmp(k, "request_timeout") && strcmp(k, "backoff") && strcmp(k, "backoff_max"))
		return 1;	/* not a live setting */
	if (nf != 2)
		return bad(r, "'%s' takes one value", k);
	if (!strcmp(k, "state_dir")) {
		if (f[1][0] != '/' || strlen(f[1]) >= sizeof(lv->state_dir))
			return bad(r, "state_dir must be an absolute path, not '%s'", f[1]);
		snprintf(lv->state_dir, sizeof(lv->state_dir), "%s", f[1]);
	} else if (!strcmp(k, "listen")) {
		if (!strchr(f[1], ':') || strlen(f[1]) >= sizeof(lv->listen))
			return bad(r, "listen must be ADDRESS:PORT, not '%s'", f[1]);
		snprintf(lv->listen, sizeof(lv->listen), "%s", f[1]);
	} else if (!strcmp(k, "migrate_mode")) {
		if (strcmp(f[1], "live") && strcmp(f[1], "cold"))
			return bad(r, "migrate_mode must be live or cold, not '%s'", f[1]);
		lv->migrate_mode = !strcmp(f[1], "cold") ? 2 : 1;
	} else if (!strcmp(k, "request_timeout")) {
		if (dur(r, k, f[1], &d))
			return -1;
		lv->request_timeout_s = (int)d;
	} else if (!strcmp(k, "backoff") || !strcmp(k, "backoff_max")) {
		if (dur(r, k, f[1], &d))
			return -1;
		*(!strcmp(k, "backoff") ? &lv->backoff_s : &lv->backoff_max_s) = (int)d;
	}
	return 0;
}

/* What a live configuration needs beyond a scenario's sites. */
int live_check(struct reader *r, struct shp_scenario *sc)
{
	int s, acts = 0;

	for (s = 0; s < sc->world.nsites; s++) {
		acts |= sc->lv.cgroup_root[s][0] != 0;
		if (!sc->world.site[s].tariff && !sc->lv.feed[0])
			return bad(r, "site %s takes its prices from a feed, and there is no "
				   "'feed' line", sc->world.site[s].name);
	}
	if (!acts)
		return bad(r, "no site with cgroup_root=: this node would act for none");
	if (sc->lv.backoff_max_s < sc->lv.backoff_s)
		return bad(r, "backoff_max is less than backoff");
	return 0;
}

