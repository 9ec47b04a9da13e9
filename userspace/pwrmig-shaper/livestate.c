// SPDX-License-Identifier: GPL-2.0
/*
 * The live controller's state on disk (state_dir/state.json), written
 * whole and renamed into place after every slot, so that a restart picks
 * up what it knew: jobs' work done, moves in flight, failures and their
 * back-off, what it paused, and why it decided what it did.  And
 * pwrmig-shaper explain, which reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "live.h"
#include "shaper.h"

#define STATE_VERSION	1

void job_note(struct ljob *j, int64_t at, int loc, const struct shp_decision *d,
	      const char *why)
{
	struct ldecision *h = &j->hist[0];

	if (!j->nhist || h->site != d->site || h->loc != loc || strcmp(h->why, why)) {
		memmove(&j->hist[1], &j->hist[0], (LIVE_HISTORY - 1) * sizeof(j->hist[0]));
		if (j->nhist < LIVE_HISTORY)
			j->nhist++;
	}
	h->at = at;
	h->loc = loc;
	h->site = d->site;
	h->price_now = d->price_now;
	h->saving = d->saving;
	h->move_cost = d->move_cost;
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
}

static json_object *job_json(const struct live *lv, const struct ljob *j)
{
	json_object *o = json_object_new_object(), *hist = json_object_new_array();
	int i;

	json_object_object_add(o, "name", json_object_new_string(j->name));
	json_object_object_add(o, "site", json_object_new_string(j->site >= 0 ?
				lv->w->site[j->site].name : ""));
	json_object_object_add(o, "path", json_object_new_string(j->path));
	json_object_object_add(o, "work_s", json_object_new_double(j->work_s));
	json_object_object_add(o, "run_s", json_object_new_double(j->run_s));
	json_object_object_add(o, "deadline", json_object_new_int64(j->deadline));
	json_object_object_add(o, "kw", json_object_new_double(j->kw));
	json_object_object_add(o, "paused", json_object_new_boolean(j->paused));
	json_object_object_add(o, "request", json_object_new_int64(j->req));
	json_object_object_add(o, "request_to", json_object_new_string(j->req ?
				lv->w->site[j->req_to].name : ""));
	json_object_object_add(o, "request_cgroup", json_object_new_int64((int64_t)j->req_cgid));
	json_object_object_add(o, "failures", json_object_new_int(j->failures));
	json_object_object_add(o, "retry_at", json_object_new_int64(j->retry_at));
	json_object_object_add(o, "last_move", json_object_new_int64(j->last_move));
	json_object_object_add(o, "moves", json_object_new_int(j->moves));
	json_object_object_add(o, "busy", json_object_new_string(j->busy));
	for (i = 0; i < j->nhist; i++) {
		const struct ldecision *h = &j->hist[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "at", json_object_new_int64(h->at));
		json_object_object_add(e, "at_site", json_object_new_string(h->loc >= 0 ?
					lv->w->site[h->loc].name : ""));
		json_object_object_add(e, "runs_at", json_object_new_string(h->site >= 0 ?
					lv->w->site[h->site].name : ""));
		json_object_object_add(e, "price_now", json_object_new_double(h->price_now));
		json_object_object_add(e, "saving", json_object_new_double(h->saving));
		json_object_object_add(e, "move_cost", json_object_new_double(h->move_cost));
		json_object_object_add(e, "why", json_object_new_string(h->why));
		json_object_array_add(hist, e);
	}
	json_object_object_add(o, "decisions", hist);
	return o;
}

int state_save(const struct live *lv, char *err, size_t errlen)
{
	char path[300], tmp[310];
	json_object *o = json_object_new_object(), *jobs = json_object_new_array();
	const char *text;
	int fd, i, ok;

	json_object_object_add(o, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(o, "now", json_object_new_int64(lv->now));
	json_object_object_add(o, "currency", json_object_new_string(lv->w->currency));
	for (i = 0; i < lv->njobs; i++)
		json_object_array_add(jobs, job_json(lv, &lv->job[i]));
	json_object_object_add(o, "jobs", jobs);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	snprintf(path, sizeof(path), "%s/state.json", lv->sc->lv.state_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "state: %s: %s", tmp, strerror(errno));
		json_object_put(o);
		return -1;
	}
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fsync(fd) == 0;
	close(fd);
	json_object_put(o);
	if (!ok || rename(tmp, path)) {
		snprintf(err, errlen, "state: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static double num_of(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

static json_object *read_state(const char *dir, char *err, size_t errlen)
{
	char path[300];
	json_object *o, *v;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	o = json_object_from_file(path);
	if (!o) {
		if (access(path, F_OK))
			snprintf(err, errlen, "%s: no state yet", path);
		else
			snprintf(err, errlen, "%s: not a JSON state file (%s)", path,
				 json_util_get_last_err());
		return NULL;
	}
	if (!json_object_object_get_ex(o, "version", &v) ||
	    json_object_get_int(v) != STATE_VERSION ||
	    !json_object_object_get_ex(o, "jobs", &v) || !json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen, "%s: not a state file of version %d", path, STATE_VERSION);
		json_object_put(o);
		return NULL;
	}
	return o;
}

int state_load(struct live *lv, char *err, size_t errlen)
{
	json_object *o, *jobs;
	size_t i, n;

	o = read_state(lv->sc->lv.state_dir, err, errlen);
	if (!o)
		return strstr(err, "no state yet") ? 0 : -1;
	if (lv->sc->lv.clock_start && !lv->sc->lv.clock_from && num_of(o, "now") > lv->clock_base)
		lv->clock_base = (int64_t)num_of(o, "now") + lv->sc->slot_s;
	json_object_object_get_ex(o, "jobs", &jobs);
	n = json_object_array_length(jobs);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(jobs, i);
		struct ljob *j = live_job(lv, str(e, "name"), 1);

		if (!j || !str(e, "name")[0])
			continue;
		j->site = world_site(lv->w, str(e, "site"));
		snprintf(j->path, sizeof(j->path), "%s", str(e, "path"));
		j->work_s = num_of(e, "work_s");
		j->run_s = num_of(e, "run_s");
		j->paused = num_of(e, "paused") != 0;
		j->req = (uint32_t)num_of(e, "request");
		j->req_to = world_site(lv->w, str(e, "request_to"));
		j->req_cgid = (uint64_t)num_of(e, "request_cgroup");
		if (j->req_to < 0)
			j->req = 0;
		j->failures = (int)num_of(e, "failures");
		j->retry_at = (int64_t)num_of(e, "retry_at");
		j->last_move = (int64_t)num_of(e, "last_move");
		j->moves = (int)num_of(e, "moves");
	}
	json_object_put(o);
	live_log(lv, "state: %zu jobs from %s/state.json", n, lv->sc->lv.state_dir);
	return 0;
}

/* ---- explain ----------------------------------------------------------------- */

static void when_str(int64_t t, char *buf, size_t len)
{
	time_t tt = t + 8 * 3600;
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M +08:00", &tm);
}

static void explain_job(json_object *e, const char *cur, int64_t now)
{
	json_object *hist;
	char a[40], b[40];
	size_t i;

	when_str((int64_t)num_of(e, "deadline"), a, sizeof(a));
	printf("job %s at %s (%s): %.1f h of %.1f h run, deadline %s, %.2f kW\n",
	       str(e, "name"), str(e, "site"), str(e, "path"), num_of(e, "run_s") / 3600,
	       num_of(e, "work_s") / 3600, a, num_of(e, "kw"));
	if (num_of(e, "paused"))
		printf("  paused (frozen) by the shaper\n");
	if (num_of(e, "request"))
		printf("  moving to %s: request %.0f\n", str(e, "request_to"), num_of(e, "request"));
	if (str(e, "busy")[0])
		printf("  left alone: %s\n", str(e, "busy"));
	if (num_of(e, "failures")) {
		when_str((int64_t)num_of(e, "retry_at"), a, sizeof(a));
		printf("  %.0f failed moves in a row; no new move before %s%s\n",
		       num_of(e, "failures"), a, num_of(e, "retry_at") > now ? "" : " (passed)");
	}
	printf("  %.0f moves so far\n  decisions, newest first:\n", num_of(e, "moves"));
	json_object_object_get_ex(e, "decisions", &hist);
	for (i = 0; hist && i < json_object_array_length(hist); i++) {
		json_object *d = json_object_array_get_idx(hist, i);
		const char *at = str(d, "at_site"), *runs = str(d, "runs_at");

		when_str((int64_t)num_of(d, "at"), b, sizeof(b));
		if (!runs[0])
			printf("  %s  pause at %s (%.4f %s/kWh with PUE): %s\n", b, at,
			       num_of(d, "price_now"), cur, str(d, "why"));
		else if (!strcmp(at, runs))
			printf("  %s  run at %s (%.4f %s/kWh with PUE): %s\n", b, at,
			       num_of(d, "price_now"), cur, str(d, "why"));
		else
			printf("  %s  move %s -> %s (%.4f %s/kWh there): saves %.2f %s over the "
			       "plan, the move costs %.2f: %s\n", b, at, runs,
			       num_of(d, "price_now"), cur, num_of(d, "saving"), cur,
			       num_of(d, "move_cost"), str(d, "why"));
	}
}

static const char explain_usage[] =
	"Usage: pwrmig-shaper explain [JOB] --config FILE | --state-dir DIR\n"
	"Why JOB (every job without one) runs where it runs: its last decisions\n"
	"with the prices, the expected saving and the cost of a move, as the\n"
	"running controller recorded them in state_dir.\n";

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *config = NULL, *dir = NULL, *name;
	struct shp_scenario sc;
	json_object *o, *jobs;
	char err[600];
	size_t i, shown = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': dir = optarg; break;
		case 'h': printf("%s", explain_usage); return 0;
		default: fprintf(stderr, "%s", explain_usage); return 2;
		}
	}
	if ((!config && !dir) || argc - optind > 1) {
		fprintf(stderr, "%s", explain_usage);
		return 2;
	}
	name = optind < argc ? argv[optind] : NULL;
	if (config) {
		if (config_load(config, &sc, err, sizeof(err))) {
			fprintf(stderr, "Error: %s\n", err);
			return 2;
		}
		o = read_state(sc.lv.state_dir, err, sizeof(err));
		scenario_free(&sc);
	} else {
		o = read_state(dir, err, sizeof(err));
	}
	if (!o) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	json_object_object_get_ex(o, "jobs", &jobs);
	for (i = 0; i < json_object_array_length(jobs); i++) {
		json_object *e = json_object_array_get_idx(jobs, i);

		if (name && strcmp(str(e, "name"), name))
			continue;
		explain_job(e, str(o, "currency"), (int64_t)num_of(o, "now"));
		shown++;
	}
	json_object_put(o);
	if (name && !shown) {
		fprintf(stderr, "Error: no job '%s' in the shaper's state\n", name);
		return 1;
	}
	return 0;
}
