// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-shaper simulate and sweep: a scenario under every policy, against
 * the offline optimum's bound.
 *
 *   simulate --scenario FILE [--policy P,...] [--forecast-error F]
 *            [--slack S] [--gpus SITE=N] [--json] [--plot FILE.png]
 *   sweep    --scenario FILE --slack S,S... --gpus SITE=N,N... [--json]
 *            [--plot FILE.png]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "shaper.h"

static const struct shp_policy *const all_policies[] = {
	&policy_in_place, &policy_threshold, &policy_timeshift, &policy_shaper,
};
#define NPOLICIES (sizeof(all_policies) / sizeof(all_policies[0]))

struct sim_opts {
	const char *scenario;
	const char *policies;
	const char *slack;
	const char *gpus;
	const char *plot;
	double forecast_error;
	int has_error;
	int json;
	int no_bound;
	double mip_seconds;
	const char *explain;
};

static void trace_hook(const struct shp_sim *sim, void *arg)
{
	trace_record(arg, sim);
}

static int wanted(const struct sim_opts *o, const char *name)
{
	char list[256], *tok, *save;

	if (!o->policies || !strcmp(name, "in-place"))
		return 1;	/* the baseline every saving is measured against */
	snprintf(list, sizeof(list), "%s", o->policies);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

/* Every wanted policy and the bound, on SC, into R; the shaper's trace to PLOT. */
static int run_all(struct shp_scenario *sc, const struct sim_opts *o, struct shp_report *r)
{
	struct shp_trace tr = { 0 };
	struct shp_sim sim;
	char err[512];
	size_t i;

	memset(r, 0, sizeof(*r));
	r->sc = sc;
	if (sim_init(&sim, sc, err, sizeof(err))) {
		fprintf(stderr, "pwrmig-shaper: %s\n", err);
		return -1;
	}
	sim.explain = o->explain;
	sim.explain_out = stderr;
	for (i = 0; i < NPOLICIES; i++) {
		const struct shp_policy *pol = all_policies[i];
		int traced = o->plot && pol == &policy_shaper;

		if (!wanted(o, pol->name))
			continue;
		if (traced && trace_init(&tr, &sim) == 0) {
			sim.hook = trace_hook;
			sim.hook_arg = &tr;
		}
		if (sim_run(&sim, pol, &r->res[r->nres], err, sizeof(err))) {
			fprintf(stderr, "pwrmig-shaper: %s\n", err);
			goto fail;
		}
		r->nres++;
		sim.hook = NULL;
		if (traced) {
			char title[128];

			snprintf(title, sizeof(title), "%s: %s", sc->name, pol->title);
			if (report_plot(o->plot, &sim, &tr, title, err, sizeof(err))) {
				fprintf(stderr, "pwrmig-shaper: plot: %s\n", err);
				goto fail;
			}
		}
	}
	if (!o->no_bound) {
		if (sim_bound(&sim, 1, o->mip_seconds, &r->bound, r->bound_err,
			      sizeof(r->bound_err)) == 0)
			r->has_bound = 1;
	}
	trace_free(&tr);
	sim_free(&sim);
	return 0;
fail:
	trace_free(&tr);
	sim_free(&sim);
	return -1;
}

static int load(const struct sim_opts *o, struct shp_scenario *sc)
{
	char err[600];

	if (!o->scenario) {
		fprintf(stderr, "Error: --scenario FILE is required\n");
		return -1;
	}
	if (scenario_load(o->scenario, sc, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return -1;
	}
	if (o->has_error)
		sc->forecast_error = o->forecast_error;
	return 0;
}

static int parse(int argc, char **argv, struct sim_opts *o, const char *usage)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'P' },
		{ "forecast-error", required_argument, NULL, 'e' },
		{ "slack", required_argument, NULL, 'k' },
		{ "gpus", required_argument, NULL, 'g' },
		{ "plot", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-bound", no_argument, NULL, 'n' },
		{ "mip-seconds", required_argument, NULL, 'm' },
		{ "explain", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->mip_seconds = 120;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:P:e:k:g:p:jnm:x:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->scenario = optarg; break;
		case 'P': o->policies = optarg; break;
		case 'k': o->slack = optarg; break;
		case 'g': o->gpus = optarg; break;
		case 'p': o->plot = optarg; break;
		case 'j': o->json = 1; break;
		case 'n': o->no_bound = 1; break;
		case 'x': o->explain = optarg; break;
		case 'm':
			o->mip_seconds = strtod(optarg, &end);
			if (*end || end == optarg || o->mip_seconds < 0 || o->mip_seconds > 86400) {
				fprintf(stderr, "Error: --mip-seconds '%s' is not 0-86400\n", optarg);
				return -1;
			}
			break;
		case 'e':
			o->forecast_error = strtod(optarg, &end);
			if (*end || end == optarg || o->forecast_error < 0 ||
			    o->forecast_error > 0.9) {
				fprintf(stderr, "Error: --forecast-error '%s' is not a fraction "
					"0-0.9 (0.2 for +-20 %%)\n", optarg);
				return -1;
			}
			o->has_error = 1;
			break;
		case 'h':
			printf("%s", usage);
			exit(0);
		default:
			fprintf(stderr, "%s", usage);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Error: unexpected argument '%s'\n%s", argv[optind], usage);
		return -1;
	}
	return 0;
}

static const char simulate_usage[] =
	"Usage: pwrmig-shaper simulate --scenario FILE [--policy P,...]\n"
	"         [--forecast-error F] [--slack S] [--gpus SITE=N] [--json]\n"
	"         [--plot FILE.png] [--no-bound] [--mip-seconds N] [--explain JOB]\n"
	"Replay FILE under each policy (in-place, threshold, timeshift, shaper) and\n"
	"compare with the offline optimum: every job and price known in advance, an\n"
	"exact mixed-integer solve (CBC) for up to N seconds (default 120; 0: the\n"
	"linear relaxation only).  --slack sets every deadline to the submit time\n"
	"plus the work plus S (6h, or 1.5x of the work).  --explain prints the\n"
	"shaper's decision on JOB in every slot, with its reason, on stderr.\n";

int cmd_simulate(int argc, char **argv)
{
	struct shp_scenario sc;
	struct shp_report r;
	struct sim_opts o;
	char err[256];
	int rc;

	if (parse(argc, argv, &o, simulate_usage) || load(&o, &sc))
		return 2;
	if ((o.slack && scenario_set_slack(&sc, o.slack, err, sizeof(err))) ||
	    (o.gpus && scenario_set_gpus(&sc, o.gpus, err, sizeof(err)))) {
		fprintf(stderr, "Error: %s\n", err);
		scenario_free(&sc);
		return 2;
	}
	rc = run_all(&sc, &o, &r);
	if (!rc) {
		if (o.json)
			report_json(stdout, &r);
		else
			report_table(stdout, &r);
		if (o.plot)
			fprintf(o.json ? stderr : stdout, "plot: %s\n", o.plot);
	}
	scenario_free(&sc);
	return rc ? 1 : 0;
}

static const char sweep_usage[] =
	"Usage: pwrmig-shaper sweep --scenario FILE --slack S,S,... --gpus SITE=N,N,...\n"
	"         [--forecast-error F] [--json] [--plot FILE.png]\n"
	"The saving of each policy and of the optimum, for every deadline slack and\n"
	"GPU count of SITE; 'moves pay' where the optimum with moves beats the\n"
	"optimum of time shifting alone by more than 0.5 %% of the cost.\n";

#define SWEEP_MAX 16

struct sweep_point {
	char slack[32];
	int gpus;
	struct shp_report r;
	struct shp_bound shift;		/* the optimum without moves */
	int has_shift_bound;
};

static int split_list(char *s, char **out, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(s, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		out[n++] = tok;
	return tok ? -1 : n;
}

static int sweep_point(const struct sim_opts *o, const char *site, struct sweep_point *pt)
{
	struct shp_scenario sc;
	struct sim_opts po = *o;
	struct shp_sim sim;
	char err[512], gpus[96];
	int rc;

	po.plot = NULL;
	snprintf(gpus, sizeof(gpus), "%s=%d", site, pt->gpus);
	if (load(o, &sc))
		return -1;
	if (scenario_set_slack(&sc, pt->slack, err, sizeof(err)) ||
	    scenario_set_gpus(&sc, gpus, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		scenario_free(&sc);
		return -1;
	}
	rc = run_all(&sc, &po, &pt->r);
	if (!rc && !sim_init(&sim, &sc, err, sizeof(err))) {
		pt->has_shift_bound = !sim_bound(&sim, 0, o->mip_seconds, &pt->shift, err,
						 sizeof(err));
		sim_free(&sim);
	}
	pt->r.sc = NULL;	/* freed below */
	scenario_free(&sc);
	return rc;
}

static double saving_of(const struct shp_report *r, const char *policy)
{
	int i;

	for (i = 0; i < r->nres; i++)
		if (!strcmp(r->res[i].policy, policy))
			return report_saving(r, r->res[i].cost);
	return 0;
}

static int moves_pay(const struct sweep_point *pt)
{
	return pt->r.has_bound && pt->has_shift_bound &&
	       pt->shift.cost - pt->r.bound.cost > 0.005 * pt->r.res[0].cost;
}

static int sweep_plot(const char *png, const char *site, struct sweep_point *pts, int n)
{
	char dir[] = "/tmp/pwrmig-sweep.XXXXXX", data[64], script[64], err[256];
	int i, rc, g, last = -1;
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	f = fopen(data, "we");
	if (!f)
		return -1;
	for (i = 0; i < n; i++) {
		if (last >= 0 && pts[i].gpus != last)
			fprintf(f, "\n\n");
		last = pts[i].gpus;
		fprintf(f, "%d \"%s\" %.2f %.2f %.2f %.2f\n", i, pts[i].slack,
			100 * saving_of(&pts[i].r, "threshold"),
			100 * saving_of(&pts[i].r, "timeshift"),
			100 * saving_of(&pts[i].r, "shaper"),
			pts[i].r.has_bound ? 100 * report_saving(&pts[i].r, pts[i].r.bound.cost) : 0);
	}
	fclose(f);
/* One panel per GPU count. */
	f = fopen(script, "we");
	if (!f)
		return -1;
	for (g = 0, i = 0; i < n; i++)
		g += i == 0 || pts[i].gpus != pts[i - 1].gpus;
	fprintf(f, "set terminal pngcairo size 1200,%d font ',10'\nset output '%s'\n"
		"set multiplot layout %d,1 title 'saving against run-in-place'\nset grid\n"
		"set key outside right\nset ylabel 'saving %%'\nset yrange [0:*]\n",
		320 * g, png, g);
	for (g = 0, i = 0; i < n; i++) {
		if (i && pts[i].gpus == pts[i - 1].gpus)
			continue;
		fprintf(f, "set title '%s: %d GPU slots'\nset xlabel 'deadline slack'\n"
			"plot '%s' index %d using 1:3:xtic(2) with linespoints title 'threshold', "
			"'' index %d using 1:4 with linespoints title 'time shifting', "
			"'' index %d using 1:5 with linespoints lw 2 title 'shaper', "
			"'' index %d using 1:6 with linespoints dt 2 title 'optimum'\n",
			site, pts[i].gpus, data, g, g, g, g);
		g++;
	}
	fprintf(f, "unset multiplot\n");
	fclose(f);
	rc = run_gnuplot(script, err, sizeof(err));
	if (rc)
		fprintf(stderr, "pwrmig-shaper: plot: %s\n", err);
	unlink(data);
	unlink(script);
	rmdir(dir);
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	char slacks[256], gpus[256], *sl[SWEEP_MAX], *gl[SWEEP_MAX], *eq, site[64];
	struct sweep_point *pts;
	struct sim_opts o;
	int ns, ng, i, k, n = 0, rc = 0, beaten = 0, pays = 0;

	if (parse(argc, argv, &o, sweep_usage))
		return 2;
	if (!o.scenario || !o.slack || !o.gpus || !(eq = strchr(o.gpus, '='))) {
		fprintf(stderr, "Error: sweep needs --scenario, --slack S,... and --gpus SITE=N,...\n");
		return 2;
	}
	snprintf(site, sizeof(site), "%.*s", (int)(eq - o.gpus), o.gpus);
	snprintf(slacks, sizeof(slacks), "%s", o.slack);
	snprintf(gpus, sizeof(gpus), "%s", eq + 1);
	ns = split_list(slacks, sl, SWEEP_MAX);
	ng = split_list(gpus, gl, SWEEP_MAX);
	if (ns <= 0 || ng <= 0) {
		fprintf(stderr, "Error: at most %d slacks and %d GPU counts\n", SWEEP_MAX, SWEEP_MAX);
		return 2;
	}
	pts = calloc(ns * ng, sizeof(*pts));
	if (!pts)
		return 1;
	if (!o.json)
		printf("%-8s %6s %10s %10s %10s %10s  %s\n", "slack", "gpus", "threshold",
		       "timeshift", "shaper", "optimum", "moves pay; shaper beats timeshift");
	for (k = 0; k < ng; k++)
		for (i = 0; i < ns; i++) {
			struct sweep_point *pt = &pts[n];

			snprintf(pt->slack, sizeof(pt->slack), "%s", sl[i]);
			pt->gpus = atoi(gl[k]);
			if (sweep_point(&o, site, pt)) {
				rc = 1;
				goto out;
			}
			n++;
			pays += moves_pay(pt);
			beaten += moves_pay(pt) &&
				  saving_of(&pt->r, "shaper") > saving_of(&pt->r, "timeshift");
			if (o.json)
				continue;
			printf("%-8s %6d %9.1f%% %9.1f%% %9.1f%% %9.1f%%  %s\n", pt->slack,
			       pt->gpus, 100 * saving_of(&pt->r, "threshold"),
			       100 * saving_of(&pt->r, "timeshift"),
			       100 * saving_of(&pt->r, "shaper"),
			       pt->r.has_bound ? 100 * report_saving(&pt->r, pt->r.bound.cost) : 0,
			       !moves_pay(pt) ? "no" :
			       saving_of(&pt->r, "shaper") > saving_of(&pt->r, "timeshift") ?
			       "yes; yes" : "yes; NO");
			fflush(stdout);
		}
	if (o.json) {
		printf("[");
		for (i = 0; i < n; i++)
			printf("%s{\"slack\": \"%s\", \"gpus\": %d, \"threshold\": %.4f, "
			       "\"timeshift\": %.4f, \"shaper\": %.4f, \"optimum\": %.4f, "
			       "\"moves_pay\": %s}", i ? ", " : "", pts[i].slack, pts[i].gpus,
			       saving_of(&pts[i].r, "threshold"), saving_of(&pts[i].r, "timeshift"),
			       saving_of(&pts[i].r, "shaper"),
			       pts[i].r.has_bound ? report_saving(&pts[i].r, pts[i].r.bound.cost) : 0,
			       moves_pay(&pts[i]) ? "true" : "false");
		printf("]\n");
	} else {
		printf("moves pay at %d of %d points; the shaper beats time shifting at %d of them\n",
		       pays, n, beaten);
	}
	if (o.plot && !sweep_plot(o.plot, site, pts, n))
		fprintf(o.json ? stderr : stdout, "plot: %s\n", o.plot);
out:
	free(pts);
	return rc;
}
