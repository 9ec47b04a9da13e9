// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-shaper tariff (check a tariff file and print a day of it) and
 * bench (time one re-plan of a large synthetic problem).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lp.h"
#include "plan.h"
#include "shaper.h"
#include "solver.h"
#include "tariff.h"

int cmd_tariff(int argc, char **argv)
{
	struct shp_tariff *t;
	const char *tier, *last = NULL;
	char err[512];
	struct tm tm = { 0 };
	time_t day;
	double price;
	int m;

	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: pwrmig-shaper tariff FILE [YYYY-MM-DD]\n"
			"Check FILE and print the tiers and prices of one day (today by default)\n"
			"in the tariff's own time zone.\n");
		return argc == 2 ? 0 : 2;
	}
	t = tariff_load(argv[1], err, sizeof(err));
	if (!t) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	if (argc == 3) {
		if (!strptime(argv[2], "%Y-%m-%d", &tm)) {
			fprintf(stderr, "Error: date '%s' is not YYYY-MM-DD\n", argv[2]);
			tariff_free(t);
			return 2;
		}
		day = timegm(&tm);
	} else {
		day = time(NULL) / 86400 * 86400;
	}
	printf("tariff %s (%s): %s\n", tariff_name(t), tariff_currency(t), tariff_source(t));
	/* Minute by minute from local midnight, in the tariff's zone. */
	for (m = 0; m < 24 * 60; m++) {
		int64_t when = tariff_local_midnight(t, day) + m * 60;

		if (tariff_price(t, when, &price, &tier, err, sizeof(err))) {
			fprintf(stderr, "Error: %s\n", err);
			tariff_free(t);
			return 1;
		}
		if (tier != last)
			printf("  %02d:%02d  %-12s %.4f\n", m / 60, m % 60, tier, price);
		last = tier;
	}
	tariff_free(t);
	return 0;
}

/* ---- bench ------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Zhejiang-like east and Inner-Mongolia-like west effective hours. */
static double tou(int site, int hour)
{
	static const double east[24] = {
		0.3882, 0.3882, 0.3882, 0.3882, 0.3882, 0.3882, 0.3882, 0.7231, 1.0580,
		1.2195, 1.2195, 0.7231, 0.7231, 1.0580, 1.0580, 1.2195, 1.2195, 1.0580,
		1.0580, 1.0580, 1.0580, 1.0580, 0.7231, 0.3882,
	};
	static const double west[24] = {
		0.3793, 0.3793, 0.3793, 0.3793, 0.3793, 0.3793, 0.3793, 0.6689, 0.9585,
		0.9585, 0.9585, 0.9585, 0.6689, 0.6689, 0.6689, 0.6689, 0.6689, 0.9585,
		0.9585, 0.9585, 0.9585, 0.6689, 0.6689, 0.3793,
	};

	return site ? west[hour % 24] : east[hour % 24];
}

static const char bench_usage[] =
	"Usage: pwrmig-shaper bench [--jobs N] [--slots N] [--prices tou|spot]\n"
	"         [--runs N] [--seed N]\n"
	"Build and solve the planning program of N jobs (random mix, all movable)\n"
	"at two sites over N 15-minute slots; print the median of the runs.\n";

/* Two sites' prices (TOU, or spot: TOU with noise) and room, over T slots. */
static void bench_world(int T, int J, int spot, double *price, double *gf, double *kf)
{
	int t, s;

	for (t = 0; t < T; t++)
		for (s = 0; s < 2; s++) {
			double noise = spot ? 0.8 + 0.4 * (rand() / (double)RAND_MAX) : 1;

			price[s * T + t] = tou(s, t / 4) * noise;
			/* Room for about half of the jobs at east, a third at west. */
			gf[s * T + t] = J * (s ? 1.0 : 1.5);
			kf[s * T + t] = s ? J * 2.0 : INFINITY;
		}
}

/* J random deferrable jobs of 1-8 GPUs. */
static void bench_jobs(struct shp_pjob *jobs, int J)
{
	int j, s;

	for (j = 0; j < J; j++) {
		struct shp_pjob *p = &jobs[j];

		p->loc = rand() % 2;
		p->sites = 3;
		p->gpus = 1 << (rand() % 4);
		p->kw = p->gpus * 0.7;
		p->work = 4 + rand() % 40;
		p->last = (int)p->work + 8 + rand() % 120;
		for (s = 0; s < 2; s++) {
			p->move_cost[s] = 1;
			p->move_loss[s] = 0.1;
		}
		p->tail_price = 0.4 * 1.12 * p->kw * 0.25;
		p->weight = 1 + rand() % 9;
	}
}

/* One re-plan: build, solve, round; its time and the solver's. */
static int bench_run(struct shp_problem *p, struct shp_decision *d, int first, double *total,
		     double *solve)
{
	struct shp_solution sol;
	struct shp_lp lp;
	char err[256];
	double t0 = now_s();

	if (lp_build(p, &lp))
		return -1;
	if (lp_solve(&lp, SHP_SOLVE_PRIMAL, 0, &sol, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		return -1;
	}
	plan_round(p, &lp, sol.x, d);
	*total = now_s() - t0;
	*solve = sol.seconds;
	if (first)
		printf("program: %d columns, %d rows, %d nonzeros, %d periods for %d slots\n",
		       lp.ncols, lp.nrows, lp.nnz, lp.nperiods, p->nslots);
	free(sol.x);
	lp_free(&lp);
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "slots", required_argument, NULL, 's' },
		{ "prices", required_argument, NULL, 'p' }, { "runs", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int J = 1000, T = 96, runs = 5, spot = 0, c, r;
	unsigned int seed = 1;
	double *price, *gf, *kf, *tb, *ts;
	struct shp_decision *d;
	struct shp_pjob *jobs;
	struct rusage ru;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:s:p:r:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': J = atoi(optarg); break;
		case 's': T = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'S': seed = (unsigned int)atoi(optarg); break;
		case 'p':
			spot = !strcmp(optarg, "spot");
			if (!spot && strcmp(optarg, "tou")) {
				fprintf(stderr, "Error: --prices is tou or spot\n");
				return 2;
			}
			break;
		case 'h': printf("%s", bench_usage); return 0;
		default: fprintf(stderr, "%s", bench_usage); return 2;
		}
	}
	if (J < 1 || J > 100000 || T < 2 || T > 2000 || runs < 1 || runs > 100) {
		fprintf(stderr, "Error: jobs 1-100000, slots 2-2000, runs 1-100\n");
		return 2;
	}
	price = malloc(2 * T * sizeof(double));
	gf = malloc(2 * T * sizeof(double));
	kf = malloc(2 * T * sizeof(double));
	tb = calloc(runs, sizeof(double));
	ts = calloc(runs, sizeof(double));
	jobs = calloc(J, sizeof(*jobs));
	d = calloc(J, sizeof(*d));
	if (!price || !gf || !kf || !tb || !ts || !jobs || !d)
		return 1;
	srand(seed);
	bench_world(T, J, spot, price, gf, kf);
	bench_jobs(jobs, J);
	for (r = 0; r < runs; r++) {
		struct shp_problem p = {
			.nslots = T, .nsites = 2, .njobs = J, .slot_h = 0.25, .pue = { 1.30, 1.12 },
			.price = price, .gpus_free = gf, .kw_free = kf, .job = jobs,
			.merge = 1, .block = 1, .eps = 1e-6,
		};

		if (bench_run(&p, d, !r, &ts[r], &tb[r]))
			return 1;
	}
	qsort(tb, runs, sizeof(double), by_double);
	qsort(ts, runs, sizeof(double), by_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("re-plan of %d jobs x 2 sites x %d slots (%s prices), median of %d: "
	       "%.3f s (solve %.3f s), max RSS %.0f MB (%s)\n", J, T, spot ? "spot" : "TOU",
	       runs, ts[runs / 2], tb[runs / 2], ru.ru_maxrss / 1024.0, solver_version());
	free(price);
	free(gf);
	free(kf);
	free(tb);
	free(ts);
	free(jobs);
	free(d);
	return 0;
}
