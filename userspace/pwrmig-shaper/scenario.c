// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files (see scenario.h and Documentation/shaper.md).
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "parse.h"
#include "reader.h"
#include "scenario.h"
#include "tariff.h"

/* "D/HH:MM": day D of the scenario (0 is the first) at local HH:MM. */
static int day_time(struct reader *r, const struct shp_scenario *sc, const char *what,
		    const char *s, int64_t *out)
{
	int d, h, m, n = 0;
	int64_t day0;

	if (sscanf(s, "%d/%2d:%2d%n", &d, &h, &m, &n) != 3 || s[n] || d < 0 || d > 3650 ||
	    h > 23 || m > 59 || h < 0 || m < 0)
		return bad(r, "%s '%s' is not DAY/HH:MM (e.g. 0/08:30, day 0 is the first)",
			   what, s);
	/* Local midnight of the start's day, then the day and time. */
	day0 = (sc->start + r->tz_s) / 86400 * 86400 - r->tz_s;
	*out = day0 + (int64_t)d * 86400 + h * 3600 + m * 60;
	return 0;
}

struct shp_tariff *tariff_find(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[600];

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : dir,
			 name[0] == '/' ? "" : "/", name);
	else
		snprintf(path, sizeof(path), "%s/%s.tariff", dir, name);
	return tariff_load(path, err, errlen);
}

static int site_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	struct shp_world *w = &sc->world;
	struct shp_site *s;
	double v;
	int i;

	if (nf < 2)
		return bad(r, "want site NAME KEY=VALUE...");
	if (w->nsites == SHP_MAX_SITES)
		return bad(r, "more than %d sites", SHP_MAX_SITES);
	if (world_site(w, f[1]) >= 0)
		return bad(r, "site '%s' is defined twice", f[1]);
	if (strlen(f[1]) >= sizeof(s->name))
		return bad(r, "site name '%s' is longer than %zu characters", f[1],
			   sizeof(s->name) - 1);
	s = &w->site[w->nsites];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", f[1]);
	s->pue = 1;
	s->tz_s = r->tz_s;
	for (i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '='), *k = f[i], *val;

		if (sc->live && !strcmp(f[i], "local")) {
			if (sc->lv.local_site >= 0)
				return bad(r, "two local sites: '%s' and '%s'",
					   w->site[sc->lv.local_site].name, s->name);
			sc->lv.local_site = w->nsites;
			continue;
		}
		if (!eq)
			return bad(r, "'%s' is not KEY=VALUE", f[i]);
		*eq = 0;
		val = eq + 1;
		if (!strcmp(k, "tariff")) {
			if (strcmp(val, "feed")) {
				char why[400];

				s->tariff = tariff_find(r->tariffs, val, why, sizeof(why));
				if (!s->tariff)
					return bad(r, "tariff %s: %s", val, why);
			}
		} else if (!strcmp(k, "pue")) {
			if (num(r, "pue", val, 1, 5, &s->pue))
				return -1;
		} else if (!strcmp(k, "gpus")) {
			if (num(r, "gpus", val, 0, 1e6, &v))
				return -1;
			s->gpus = (int)v;
		} else if (!strcmp(k, "peak_kw")) {
			if (num(r, "peak_kw", val, 0, 1e7, &s->peak_kw))
				return -1;
		} else if (sc->live && !strcmp(k, "cgroup_root")) {
			if (val[0] != '/' || strstr(val, "..") ||
			    strlen(val) >= sizeof(sc->lv.cgroup_root[0]))
				return bad(r, "cgroup_root '%s' must be a path below the cgroup "
					   "root, e.g. /east", val);
			snprintf(sc->lv.cgroup_root[w->nsites], sizeof(sc->lv.cgroup_root[0]),
				 "%s", val);
		} else if (sc->live && !strcmp(k, "metrics")) {
			if (strncmp(val, "http://", 7) || strlen(val) >= sizeof(sc->lv.metrics[0]))
				return bad(r, "metrics '%s' is not an http:// URL of pwrmigd's "
					   "/metrics", val);
			snprintf(sc->lv.metrics[w->nsites], sizeof(sc->lv.metrics[0]), "%s", val);
		} else {
			return bad(r, "unknown site setting '%s' (tariff=, pue=, gpus=, peak_kw=%s)",
				   k, sc->live ? ", cgroup_root=, metrics=, local" : "");
		}
	}
	w->nsites++;
	return 0;
}

static int load_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	int s = nf > 1 ? world_site(&sc->world, f[1]) : -1, h1, m1, h2, m2, n = 0, i;
	struct shp_site *site;
	struct shp_load *l;
	double v;

	if (nf < 3)
		return bad(r, "want load SITE HH:MM-HH:MM gpus=N kw=X");
	if (s < 0)
		return bad(r, "unknown site '%s' (define it first)", f[1]);
	site = &sc->world.site[s];
	if (site->nloads == SHP_MAX_LOADS)
		return bad(r, "more than %d loads at one site", SHP_MAX_LOADS);
	if (sscanf(f[2], "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 || f[2][n] ||
	    h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0)
		return bad(r, "'%s' is not a daily window HH:MM-HH:MM", f[2]);
	l = &site->load[site->nloads];
	memset(l, 0, sizeof(*l));
	l->from_min = h1 * 60 + m1;
	l->to_min = h2 * 60 + m2;
	for (i = 3; i < nf; i++) {
		if (!strncmp(f[i], "gpus=", 5)) {
			if (num(r, "gpus", f[i] + 5, 0, 1e6, &v))
				return -1;
			l->gpus = (int)v;
		} else if (!strncmp(f[i], "kw=", 3)) {
			if (num(r, "kw", f[i] + 3, 0, 1e7, &l->kw))
				return -1;
		} else {
			return bad(r, "unknown load setting '%s' (gpus=, kw=)", f[i]);
		}
	}
	site->nloads++;
	return 0;
}

static int job_kv(struct reader *r, struct shp_scenario *sc, struct shp_job *j,
		  const char *k, const char *val)
{
	int64_t d = 0;
	double v;

	if (!strcmp(k, "site")) {
		j->site = world_site(&sc->world, val);
		if (j->site < 0)
			return bad(r, "unknown site '%s'", val);
	} else if (!strcmp(k, "submit")) {
		return day_time(r, sc, "submit", val, &j->submit);
	} else if (!strcmp(k, "work")) {
		if (dur(r, "work", val, &d))
			return -1;
		j->work_h = d / 3600.0;
	} else if (!strcmp(k, "deadline")) {
		if (val[0] == '+') {
			if (dur(r, "deadline", val + 1, &d))
				return -1;
			j->deadline = -d;	/* relative: resolved after submit */
		} else if (day_time(r, sc, "deadline", val, &j->deadline)) {
			return -1;
		}
	} else if (!strcmp(k, "gpus")) {
		if (num(r, "gpus", val, 0, 4096, &v))
			return -1;
		j->gpus = (int)v;
	} else if (!strcmp(k, "kw")) {
		return num(r, "kw", val, 0.001, 1e4, &j->kw);
	} else if (!strcmp(k, "size")) {
		return size_arg(r, val, &j->size_gb);
	} else if (!strcmp(k, "priority")) {
		if (num(r, "priority", val, 0, 9, &v))
			return -1;
		j->priority = (int)v;
	} else if (!strcmp(k, "move")) {
		return move_arg(r, val, &j->move);
	} else if (!strcmp(k, "deferrable")) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			return bad(r, "deferrable '%s' is not yes or no", val);
		j->deferrable = !strcmp(val, "yes");
	} else {
		return bad(r, "unknown job setting '%s' (site=, submit=, work=, deadline=, "
			   "gpus=, kw=, size=, priority=, move=, deferrable=, pin)", k);
	}
	return 0;
}

static int job_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	struct shp_job *j, *nj;
	int i;

	if (nf < 2)
		return bad(r, "want job NAME KEY=VALUE...");
	nj = realloc(sc->job, (sc->njobs + 1) * sizeof(*nj));
	if (!nj)
		return bad(r, "out of memory");
	sc->job = nj;
	j = &sc->job[sc->njobs];
	memset(j, 0, sizeof(*j));
	if (strlen(f[1]) >= sizeof(j->name))
		return bad(r, "job name '%s' is longer than %zu characters", f[1],
			   sizeof(j->name) - 1);
	for (i = 0; i < sc->njobs; i++)
		if (!strcmp(sc->job[i].name, f[1]))
			return bad(r, "job '%s' is defined twice", f[1]);
	snprintf(j->name, sizeof(j->name), "%s", f[1]);
	j->site = -1;
	j->submit = -1;
	j->deferrable = 1;
	j->move = SHP_MOVE_CHECKPOINT;
	for (i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '=');

		if (!strcmp(f[i], "pin")) {
			j->pinned = 1;
			continue;
		}
		if (!eq)
			return bad(r, "'%s' is not KEY=VALUE (or pin)", f[i]);
		*eq = 0;
		if (job_kv(r, sc, j, f[i], eq + 1))
			return -1;
	}
	if (j->site < 0 || j->submit < 0 || j->work_h <= 0 || !j->kw)
		return bad(r, "job '%s' needs site=, submit=, work= and kw=", j->name);
	if (j->deadline <= 0)
		j->deadline = j->deadline ? j->submit - j->deadline : INT64_MAX;
	if (j->deadline < j->submit + (int64_t)(j->work_h * 3600))
		return bad(r, "job '%s': its deadline comes before even running it at once "
			   "would finish it", j->name);
	sc->njobs++;
	return 0;
}

/* link SITE SITE GBIT */
static int link_line(struct reader *r, struct shp_world *w, char **f, int nf)
{
	int a = nf == 4 ? world_site(w, f[1]) : -1, b = nf == 4 ? world_site(w, f[2]) : -1;
	double v;

	if (a < 0 || b < 0 || a == b)
		return bad(r, "want link SITE SITE GBIT (two defined sites)");
	if (num(r, "link (Gbit/s)", f[3], 0.001, 1e4, &v))
		return -1;
	w->site[a].link_gbit[b] = w->site[b].link_gbit[a] = v;
	return 0;
}

/* slack TEXT...: documentation of the scenario's deadlines, for the report. */
static int slack_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	size_t off = 0;
	int i, n;

	for (i = 1; i < nf; i++) {
		n = snprintf(sc->slack + off, sizeof(sc->slack) - off, "%s%s",
			     i > 1 ? " " : "", f[i]);
		if (n < 0 || (size_t)n >= sizeof(sc->slack) - off)
			return bad(r, "'slack' is longer than %zu characters",
				   sizeof(sc->slack) - 1);
		off += n;
	}
	return 0;
}

/* feed FILE: a scenario reads it whole now; live follows it from the start. */
static int feed_keyword(struct reader *r, struct shp_scenario *sc, const char *v)
{
	struct shp_world *w = &sc->world;
	char path[600], why[400];

	snprintf(path, sizeof(path), "%s%s%s", v[0] == '/' ? "" : r->dir,
		 v[0] == '/' ? "" : "/", v);
	if (!w->feed)
		w->feed = feed_new();
	if (!w->feed)
		return bad(r, "out of memory");
	if (sc->live)
		snprintf(sc->lv.feed, sizeof(sc->lv.feed), "%s", strcmp(v, "-") ? path : "-");
	else if (feed_load(w->feed, path, why, sizeof(why)))
		return bad(r, "feed: %s", why);
	return 0;
}

/* The scenario's keywords that take one value V. */
static int value_line(struct reader *r, struct shp_scenario *sc, const char *k, const char *v)
{
	struct shp_world *w = &sc->world;
	int64_t d = 0;
	uint64_t t;
	double x;

	if (!strcmp(k, "name")) {
		snprintf(sc->name, sizeof(sc->name), "%s", v);
	} else if (!strcmp(k, "start")) {
		if (time_parse(v, &t))
			return bad(r, "start '%s' is not ISO 8601 with a zone", v);
		sc->start = t;
	} else if (!strcmp(k, "timezone")) {
		int h, m, n = 0;

		if (sscanf(v, "%*[+-]%2d:%2d%n", &h, &m, &n) != 2 || v[n])
			return bad(r, "timezone '%s' is not +HH:MM", v);
		r->tz_s = (h * 3600 + m * 60) * (v[0] == '-' ? -1 : 1);
	} else if (!strcmp(k, "days")) {
		if (num(r, "days", v, 1, 366, &x))
			return -1;
		sc->days = (int)x;
	} else if (!strcmp(k, "slot") || !strcmp(k, "horizon") || !strcmp(k, "max_horizon") ||
		   !strcmp(k, "move_overhead") || !strcmp(k, "min_dwell")) {
		if (dur(r, k, v, &d))
			return -1;
		if (!strcmp(k, "slot"))
			sc->slot_s = (int)d;
		else if (!strcmp(k, "horizon"))
			sc->horizon_s = (int)d;
		else if (!strcmp(k, "max_horizon"))
			sc->max_horizon_s = (int)d;
		else if (!strcmp(k, "move_overhead"))
			w->move.overhead_s = d;
		else
			w->move.min_dwell_h = d / 3600.0;
	} else if (!strcmp(k, "seed")) {
		if (num(r, "seed", v, 0, 4e9, &x))
			return -1;
		sc->seed = (unsigned int)x;
	} else if (!strcmp(k, "forecast_error")) {
		return num(r, "forecast_error", v, 0, 0.9, &sc->forecast_error);
	} else if (!strcmp(k, "currency")) {
		snprintf(w->currency, sizeof(w->currency), "%s", v);
	} else if (!strcmp(k, "tariffs")) {
		snprintf(r->tariffs, sizeof(r->tariffs), "%s%s%s", v[0] == '/' ? "" : r->dir,
			 v[0] == '/' ? "" : "/", v);
	} else if (!strcmp(k, "feed")) {
		return feed_keyword(r, sc, v);
	} else if (!strcmp(k, "move_kwh_per_gb")) {
		return num(r, k, v, 0, 10, &w->move.kwh_per_gb);
	} else if (!strcmp(k, "move_penalty")) {
		return num(r, k, v, 0, 1e6, &w->move.penalty);
	} else if (!strcmp(k, "hysteresis")) {
		return num(r, k, v, 1, 100, &w->move.hysteresis);
	} else {
		return bad(r, "unknown keyword '%s'", k);
	}
	return 0;
}

static int top_line(struct reader *r, struct shp_scenario *sc, char **f, int nf)
{
	const char *k = f[0];

	if (!strcmp(k, "site"))
		return site_line(r, sc, f, nf);
	if (!strcmp(k, "load"))
		return load_line(r, sc, f, nf);
	if (sc->live) {
		int rc = live_line(r, sc, f, nf);

		if (rc <= 0)
			return rc;
	}
	if (!strcmp(k, "job"))
		return job_line(r, sc, f, nf);
	if (!strcmp(k, "link"))
		return link_line(r, &sc->world, f, nf);
	if (!strcmp(k, "slack"))
		return slack_line(r, sc, f, nf);
	if (nf != 2)
		return bad(r, "'%s' takes one value", k);
	return value_line(r, sc, k, f[1]);
}

static void defaults(struct shp_scenario *sc, struct reader *r, const char *path)
{
	char copy[256];

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "%s", path);
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(r->dir, sizeof(r->dir), "%s", dirname(copy));
	snprintf(r->tariffs, sizeof(r->tariffs), "%s/../tariffs", r->dir);
	r->tz_s = 8 * 3600;
	sc->days = 7;
	sc->slot_s = 900;
	sc->horizon_s = 48 * 3600;
	sc->max_horizon_s = 7 * 86400;
	sc->seed = 1;
	snprintf(sc->world.currency, sizeof(sc->world.currency), "CNY");
	sc->world.move = (struct shp_movecfg){
		.kwh_per_gb = 0.01, .overhead_s = 60, .penalty = 1,
		.min_dwell_h = 2, .hysteresis = 1.5,
	};
}

static int load(const char *path, int live, struct shp_scenario *sc, char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	char line[2048], *f[64];
	FILE *fp;
	int nf, rc = 0;

	defaults(sc, &r, path);
	sc->live = live;
	if (live) {
		/* An installed configuration takes the installed tariffs. */
		snprintf(r.tariffs, sizeof(r.tariffs), "%s/tariffs", PWRMIG_DATADIR);
		sc->lv.local_site = -1;
		sc->lv.speed = 1;
		sc->lv.migrate_mode = 1;
		sc->lv.request_timeout_s = 600;
		sc->lv.backoff_s = 300;
		sc->lv.backoff_max_s = 4 * 3600;
		snprintf(sc->lv.state_dir, sizeof(sc->lv.state_dir), "/var/lib/pwrmig-shaper");
	}
	fp = fopen(path, "re");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), fp)) {
		r.line++;
		if (!strchr(line, '\n') && !feof(fp)) {
			rc = bad(&r, "line longer than %zu bytes", sizeof(line) - 2);
			break;
		}
		nf = fields_split(line, " \t\r\n", f, 64);
		if (nf > 64) {
			rc = bad(&r, "more than 64 fields");
			break;
		}
		if (nf && !live && !sc->start && !strcmp(f[0], "job"))
			rc = bad(&r, "a job before the 'start' line");
		else if (nf)
			rc = top_line(&r, sc, f, nf);
	}
	fclose(fp);
	r.line = 0;
	if (!rc && !sc->start && !live)
		rc = bad(&r, "no 'start' line");
	if (!rc && !sc->world.nsites)
		rc = bad(&r, "no site");
	if (!rc && !sc->njobs && !live)
		rc = bad(&r, "no job");
	if (!rc && live)
		rc = live_check(&r, sc);
	if (!rc && (sc->slot_s < 60 || 86400 % sc->slot_s))
		rc = bad(&r, "slot must divide a day and be at least a minute");
	if (rc) {
		scenario_free(sc);
		return -1;
	}
	return 0;
}

int scenario_load(const char *path, struct shp_scenario *sc, char *err, size_t errlen)
{
	return load(path, 0, sc, err, errlen);
}

int config_load(const char *path, struct shp_scenario *sc, char *err, size_t errlen)
{
	return load(path, 1, sc, err, errlen);
}

void scenario_free(struct shp_scenario *sc)
{
	int i;

	for (i = 0; i < sc->world.nsites; i++)
		tariff_free(sc->world.site[i].tariff);
	feed_free(sc->world.feed);
	free(sc->job);
	free(sc->lv.job);
	memset(sc, 0, sizeof(*sc));
}

int scenario_set_slack(struct shp_scenario *sc, const char *slack, char *err, size_t errlen)
{
	size_t n = strlen(slack);
	double v = 0;
	uint32_t d = 0;
	int i, mult = n > 1 && slack[n - 1] == 'x';
	char *end;

	if (mult) {
		v = strtod(slack, &end);
		if (end != slack + n - 1 || !(v >= 0 && v <= 100))
			mult = -1;
	}
	if (mult < 0 || (!mult && duration_parse(slack, &d))) {
		snprintf(err, errlen, "slack '%s' is not a duration (6h) or a multiple of the "
			 "work (2x)", slack);
		return -1;
	}
	for (i = 0; i < sc->njobs; i++) {
		struct shp_job *j = &sc->job[i];
		double work_s = j->work_h * 3600;

		j->deadline = j->submit + (int64_t)(work_s + (mult ? v * work_s : d));
	}
	snprintf(sc->slack, sizeof(sc->slack), "%s %s", slack, mult ? "of the work" : "after the work");
	return 0;
}

int scenario_set_gpus(struct shp_scenario *sc, const char *site_eq_n, char *err, size_t errlen)
{
	char name[64], *end;
	const char *eq = strchr(site_eq_n, '=');
	long n;
	int s;

	if (!eq || eq == site_eq_n || (size_t)(eq - site_eq_n) >= sizeof(name)) {
		snprintf(err, errlen, "'%s' is not SITE=GPUS", site_eq_n);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - site_eq_n), site_eq_n);
	s = world_site(&sc->world, name);
	n = strtol(eq + 1, &end, 10);
	if (s < 0 || *end || end == eq + 1 || n < 0 || n > 1000000) {
		snprintf(err, errlen, "'%s': %s", site_eq_n,
			 s < 0 ? "no such site in the scenario" : "GPUS is not 0-1000000");
		return -1;
	}
	sc->world.site[s].gpus = (int)n;
	return 0;
}
