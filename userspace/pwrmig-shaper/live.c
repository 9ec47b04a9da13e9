// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-shaper run --config FILE: the live controller (see live.h).
 *
 * Every slot: read the ledgers and the migrations in flight, push prices
 * and forecasts, plan the slot with the linear program (the simulator's
 * shaper policy, on the live state), check the plan, act on it, and write
 * the state down.  A job moves only through the module's broker, never
 * twice at once, never while someone else moves it, never when pinned,
 * and not again for a while after a failed move.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "feed.h"
#include "live.h"
#include "pwrmig.h"
#include "shaper.h"
#include "solver.h"

#define SOLVE_BUDGET_S	10.0

int live_verbose;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int64_t live_clock(const struct live *lv)
{
	const struct shp_live *c = &lv->sc->lv;

	struct timespec now;

	if (!c->clock_start)
		return time(NULL);
	if (c->clock_from) {
		/* Controllers of several sites share one simulated clock. */
		clock_gettime(CLOCK_REALTIME, &now);
		return c->clock_start + (int64_t)((now.tv_sec - c->clock_from +
						   now.tv_nsec / 1e9) * c->speed);
	}
	return lv->clock_base + (int64_t)((mono_s() - lv->t0) * c->speed);
}

void live_log(const struct live *lv, const char *fmt, ...)
{
	char when[32], msg[512];
	time_t t = lv->now + lv->w->site[0].tz_s;
	struct tm tm;
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%m-%d %H:%M", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pwrmig-shaper: [%s] %s\n", when, msg);
}

/* Whether job J may be moved to site S now. */
static int may_move(const struct live *lv, const struct ljob *j, const struct shp_job *job,
		    int s)
{
	if (s == j->site)
		return 1;
	if (job->move != SHP_MOVE_CRIU || job->pinned || j->busy[0] || j->req ||
	    lv->now < j->retry_at || lv->w->site[j->site].link_gbit[s] <= 0)
		return 0;
	return !j->last_move || lv->now - j->last_move >= lv->w->move.min_dwell_h * 3600;
}

/* The model's view of job J. */
static void job_model(const struct live *lv, const struct ljob *j, struct shp_job *job)
{
	const struct shp_livejob *h = NULL;
	int i;

	for (i = 0; i < lv->sc->lv.njobs; i++)
		if (!strcmp(lv->sc->lv.job[i].name, j->name))
			h = &lv->sc->lv.job[i];
	memset(job, 0, sizeof(*job));
	snprintf(job->name, sizeof(job->name), "%s", j->name);
	job->site = j->site;
	job->deadline = j->deadline ? j->deadline : INT64_MAX;
	job->kw = j->kw > 0 ? j->kw : 0.01;
	job->gpus = h ? h->gpus : 0;
	job->size_gb = j->size_gb;
	job->priority = j->priority;
	job->deferrable = 1;
	/* CRIU moves what it can; a job that holds a GPU is only time-shifted. */
	job->move = (j->flags & PWRMIG_CGROUP_FLAGS_MIGRATABLE) ? SHP_MOVE_CRIU : SHP_MOVE_NONE;
	if (h && h->has_move)
		job->move = h->move;
	job->pinned = h && h->pinned;
}

/* Slots of work left: the owner's figure less what it ran, or a guess. */
static double work_left(const struct live *lv, const struct ljob *j)
{
	double slot = lv->sc->slot_s;

	if (j->work_s > 0)
		return fmax(0, (j->work_s - j->run_s) / slot);
	/* Unknown: half of what is left before its deadline, or a day. */
	if (j->deadline > lv->now)
		return fmax(1, (j->deadline - lv->now) / slot / 2);
	return 86400 / slot;
}

struct plan_buf {
	struct shp_problem p;
	struct shp_pjob *jobs;
	struct shp_decision *d;
	const char **names;
	int *map;
	double *price, *gfree, *kfree;
};

static void plan_free(struct plan_buf *b)
{
	free(b->jobs);
	free(b->d);
	free(b->names);
	free(b->map);
	free(b->price);
	free(b->gfree);
	free(b->kfree);
}

/* Horizon in slots: at least the configured, up to the latest deadline. */
static int horizon(const struct live *lv)
{
	const struct shp_scenario *sc = lv->sc;
	int H = sc->horizon_s / sc->slot_s, max = sc->max_horizon_s / sc->slot_s, i;

	for (i = 0; i < lv->njobs; i++) {
		const struct ljob *j = &lv->job[i];
		int64_t left = j->deadline - lv->now;

		if (j->seen && j->deadline && left / sc->slot_s > H)
			H = (int)(left / sc->slot_s);
	}
	return H < max ? H : max;
}

static int fill_sites(struct live *lv, struct plan_buf *b, int H)
{
	const struct shp_scenario *sc = lv->sc;
	char err[256];
	int s, t, g;
	double kw;

	for (s = 0; s < lv->w->nsites; s++) {
		const struct shp_site *site = &lv->w->site[s];

		for (t = 0; t < H; t++) {
			int64_t when = lv->now + (int64_t)t * sc->slot_s;
			int i = s * H + t;

			if (world_price(lv->w, s, when, &b->price[i], err, sizeof(err))) {
				if (!t) {
					live_log(lv, "no plan: %s", err);
					return -1;
				}
				b->price[i] = b->price[i - 1];	/* the last known holds */
			}
			site_load(site, when, &g, &kw);
			kw += lv->remote_kw[s];
			b->gfree[i] = site->gpus > g ? site->gpus - g : 0;
			if (!site->gpus)
				b->gfree[i] = INFINITY;
			b->kfree[i] = site->peak_kw > 0 ? fmax(0, site->peak_kw / site->pue - kw) :
				      INFINITY;
		}
	}
	return 0;
}

/* Build the slot's problem; the number of jobs in it, or -1. */
static int build(struct live *lv, struct plan_buf *b, struct shp_job *models)
{
	const int H = horizon(lv), slot = lv->sc->slot_s;
	size_t n = (size_t)lv->w->nsites * H;
	int i, s, k = 0;

	memset(b, 0, sizeof(*b));
	b->jobs = calloc(lv->njobs + 1, sizeof(*b->jobs));
	b->d = calloc(lv->njobs + 1, sizeof(*b->d));
	b->names = calloc(lv->njobs + 1, sizeof(*b->names));
	b->map = calloc(lv->njobs + 1, sizeof(*b->map));
	b->price = malloc(n * sizeof(double));
	b->gfree = malloc(n * sizeof(double));
	b->kfree = malloc(n * sizeof(double));
	if (!b->jobs || !b->d || !b->names || !b->map || !b->price || !b->gfree || !b->kfree)
		return -1;
	if (fill_sites(lv, b, H))
		return -1;
	for (i = 0; i < lv->njobs; i++) {
		struct ljob *j = &lv->job[i];
		unsigned int may = 0;
		double left = work_left(lv, j);

		/* Jobs in a move are the broker's until it ends. */
		if (!j->seen || j->req || j->busy[0] || left <= 0)
			continue;
		job_model(lv, j, &models[i]);
		for (s = 0; s < lv->w->nsites; s++)
			if (may_move(lv, j, &models[i], s))
				may |= 1u << s;
		pjob_init(&b->jobs[k], lv->w, &models[i], j->site, may, lv->price_now[j->site],
			  left, j->deadline ? (int)((j->deadline - lv->now) / slot) : H * 4, slot);
		b->map[k] = i;
		b->names[k] = j->name;
		k++;
	}
	problem_init(&b->p, lv->w, H, slot / 3600.0, b->price, b->gfree, b->kfree, b->jobs, k);
	return k;
}

static void plan(struct live *lv, struct plan_buf *b)
{
	struct shp_solution sol;
	struct shp_lp lp;
	char err[256];

	if (lp_build(&b->p, &lp)) {
		plan_greedy(&b->p, b->d);
		lv->fallbacks++;
		return;
	}
	if (lp_solve_whole_slot0(&lp, SOLVE_BUDGET_S, &sol, err, sizeof(err))) {
		live_log(lv, "solver: %s; greedy plan this slot", err);
		plan_greedy(&b->p, b->d);
		lv->fallbacks++;
	} else {
		char why[512];

		lv->solve_s = sol.seconds;
		plan_round(&b->p, &lp, sol.x, b->d);
		if (plan_infeasible(&b->p, &lp, sol.x, b->names, why, sizeof(why)))
			live_log(lv, "%s", why);
		free(sol.x);
	}
	lp_free(&lp);
	lv->replans++;
	if (plan_check(&b->p, b->d, b->names, err, sizeof(err)) < 0) {
		live_log(lv, "plan refused (%s); greedy plan this slot", err);
		plan_greedy(&b->p, b->d);
		lv->fallbacks++;
	}
}

static const char *site_name(const struct live *lv, int s)
{
	return s < 0 ? "-" : lv->w->site[s].name;
}

/* Do what the plan says for job J; log what changes. */
static void act(struct live *lv, struct ljob *j, const struct shp_decision *d)
{
	int prev_paused = j->paused;

	if (d->site < 0) {
		if (!j->paused && !nodes_freeze(lv, j, 1))
			live_log(lv, "%s: pause at %s (%.4f/kWh): %s", j->name,
				 site_name(lv, j->site), d->price_now, d->why);
	} else if (d->site == j->site) {
		if (j->paused && !nodes_freeze(lv, j, 0))
			live_log(lv, "%s: resume at %s (%.4f/kWh): %s", j->name,
				 site_name(lv, j->site), d->price_now, d->why);
	} else {
		/* CRIU takes a running job; a paused one resumes first. */
		if (j->paused)
			nodes_freeze(lv, j, 0);
		if (!nodes_move(lv, j, d->site))
			live_log(lv, "%s: move %s -> %s (request %u): %.4f/kWh there, saves %.2f "
				 "%s over its plan, the move costs %.2f: %s", j->name,
				 site_name(lv, j->site), site_name(lv, d->site), j->req,
				 d->price_now, d->saving, lv->w->currency, d->move_cost, d->why);
		else if (prev_paused)
			nodes_freeze(lv, j, 1);
	}
	job_note(j, lv->now, j->site, d, d->why);
}

static void step(struct live *lv)
{
	struct shp_job *models;
	struct plan_buf b;
	int i, k, n;
	int64_t dt = lv->last_step ? lv->now - lv->last_step : 0;

	/* What ran in the slot just gone counts as work done. */
	for (i = 0; i < lv->njobs; i++)
		if (lv->job[i].running)
			lv->job[i].run_s += dt;
	lv->last_step = lv->now;
	if (nodes_open(lv) == 0 || lv->pw) {
		nodes_push_prices(lv);
		nodes_read(lv);
		nodes_poll_moves(lv);
	}
	nodes_read_remote(lv);
	/* After the ledger's read: it may have found new jobs. */
	models = calloc(lv->njobs + 1, sizeof(*models));
	if (!models)
		return;
	pthread_mutex_lock(&lv->lock);
	n = build(lv, &b, models);
	if (n > 0) {
		plan(lv, &b);
		for (k = 0; k < n; k++)
			act(lv, &lv->job[b.map[k]], &b.d[k]);
	}
	for (i = 0; i < lv->njobs; i++) {
		struct ljob *j = &lv->job[i];

		j->running = j->seen && !j->paused && !j->req && work_left(lv, j) > 0;
		if (j->busy[0] && j->seen)
			live_log(lv, "%s: left alone: %s", j->name, j->busy);
	}
	pthread_mutex_unlock(&lv->lock);
	plan_free(&b);
	free(models);
}

static const char run_usage[] =
	"Usage: pwrmig-shaper run --config FILE [--once] [-v]\n"
	"Run the live controller: plan every slot, push prices into the pwrmig\n"
	"module, pause, resume and move deferrable jobs.  --once plans one slot\n"
	"and exits.  SIGTERM or SIGINT stop it; its state stays in state_dir.\n";

/* Sleep until the clock reaches NEXT (or a signal), reading the feed as it grows. */
static void wait_slot(struct live *lv, int64_t next)
{
	const struct shp_scenario *sc = lv->sc;
	char err[600];

	while (!stop_signal && live_clock(lv) < next) {
		struct pollfd pfd = { .fd = feed_fd(sc->world.feed), .events = POLLIN };
		double left = (next - live_clock(lv)) / sc->lv.speed;
		int ms = (int)fmin(1000, fmax(10, left * 1000));

		if (pfd.fd >= 0 && sc->lv.feed[0] && !strcmp(sc->lv.feed, "-"))
			poll(&pfd, 1, ms);
		else
			poll(NULL, 0, ms);
		if (sc->lv.feed[0] && feed_poll(sc->world.feed, err, sizeof(err)) < 0)
			live_log(lv, "feed: %s", err);
	}
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "once", no_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct shp_scenario sc;
	struct live lv = { 0 };
	const char *config = NULL;
	char err[600];
	int c, once = 0, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ovh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': once = 1; break;
		case 'v': live_verbose = 1; break;
		case 'h': printf("%s", run_usage); return 0;
		default: fprintf(stderr, "%s", run_usage); return 2;
		}
	}
	if (!config || optind < argc) {
		fprintf(stderr, "Error: run needs --config FILE\n%s", run_usage);
		return 2;
	}
	if (config_load(config, &sc, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return 2;
	}
	lv.sc = &sc;
	lv.w = &sc.world;
	lv.t0 = mono_s();
	lv.clock_base = sc.lv.clock_start;
	pthread_mutex_init(&lv.lock, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (sc.lv.feed[0] && feed_follow(sc.world.feed, sc.lv.feed, err, sizeof(err)) < 0)
		live_log(&lv, "feed: %s", err);
	/* A simulated clock goes on from where the state left it. */
	lv.now = live_clock(&lv) / sc.slot_s * sc.slot_s;
	if (state_load(&lv, err, sizeof(err)))
		live_log(&lv, "%s", err);
	lv.now = live_clock(&lv) / sc.slot_s * sc.slot_s;
	if (sc.lv.listen[0] && live_export_start(&lv, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		rc = 1;
		goto out;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* A clock shared with other sites' controllers starts at its time. */
	while (sc.lv.clock_from && time(NULL) < sc.lv.clock_from && !stop_signal)
		poll(NULL, 0, 100);
	lv.now = live_clock(&lv) / sc.slot_s * sc.slot_s;
	live_log(&lv, "running: %d sites, slot %d s, clock %s", lv.w->nsites, sc.slot_s,
		 sc.lv.clock_start ? "simulated" : "real");
	while (!stop_signal) {
		int64_t next;

		step(&lv);
		if (state_save(&lv, err, sizeof(err)))
			live_log(&lv, "%s", err);
		if (once)
			break;
		next = lv.now + sc.slot_s;
		wait_slot(&lv, next);
		lv.now = next;
	}
	if (stop_signal)
		live_log(&lv, "%s: stopping", strsignal(stop_signal));
out:
	live_export_stop(&lv);
	if (lv.pw)
		pwrmig_close(lv.pw);
	free(lv.job);
	curl_global_cleanup();
	scenario_free(&sc);
	return rc;
}
